// A flag is either used or refused: inputs after the end of the run, export sizes the
// monitor cannot draw. One line on stderr, exit 2.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {MIN_COLS, MIN_ROWS} from '../source/ui/layout.js';
import {ROOT, runCli} from './helpers.js';

const SESSION = path.join(ROOT, 'scenarios/sessions/demo.jsonl');

function refused(args: string[], stderr: string): void {
	const r = runCli(args);
	assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
	assert.equal(r.stderr, `xcalltop: ${stderr}\n`, args.join(' '));
	assert.equal(r.stdout, '');
}

test('an --input later than the end of the run is refused, naming the input', () => {
	refused(['run', 'demo', '--input', '70s:ctrl-c', '--until', '60s'], '--input 70s:ctrl-c is later than --until 60s; it would never apply');
	refused(['run', 'demo', '--input', '1s:ctrl-c', '--input', '61s:ctrl-c'], "--input 61s:ctrl-c is later than demo's own end at 60s; it would never apply (pass a later --until)");
	// At the end itself still applies.
	const r = runCli(['run', 'demo', '--input', '2s:ctrl-c', '--until', '2s', '--json']);
	assert.equal(r.status, 0, r.stderr);
	assert.deepEqual(JSON.parse(r.stdout).inputs, [{at: 2_000_000_000, action: 'ctrl-c'}]);
});

test("export --cols/--rows below the monitor's minimum size are refused", () => {
	const out = path.join(ROOT, 'dist/never-written.txt');
	refused(['export', SESSION, '--txt', out, '--cols', String(MIN_COLS - 1)], `--cols "${MIN_COLS - 1}": expected a whole number from ${MIN_COLS} to 500`);
	refused(['export', SESSION, '--txt', out, '--rows', String(MIN_ROWS - 1)], `--rows "${MIN_ROWS - 1}": expected a whole number from ${MIN_ROWS} to 500`);
	refused(['export', SESSION, '--txt', out, '--cols', '501'], `--cols "501": expected a whole number from ${MIN_COLS} to 500`);
	// The minimum itself passes the size check and reaches the session file.
	refused(['export', 'no/such.jsonl', '--txt', out, '--cols', String(MIN_COLS), '--rows', String(MIN_ROWS)], 'no/such.jsonl: cannot read: ENOENT');
});

// A flag is either used or refused: flags that do not apply to a command, inputs after the
// end of the run, export sizes the monitor cannot draw. One line on stderr, exit 2.
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

test('the flags the issue names are refused, with the reason and where to look', () => {
	refused(['run', '--session', SESSION, '--seed', '3'], '--seed does not apply to run --session (the session fixes its seed); see xcalltop run --help');
	refused(['run', 'demo', '--record', 'x.jsonl'], '--record does not apply to run (only the monitor records); see xcalltop run --help');
	refused(['run', 'demo', '--json', '--show', 'interrupts'], '--show does not apply to run --json (--json prints only the summary); see xcalltop run --help');
	refused(['run', '--session', SESSION, '--json', '--show', 'stats'], '--show does not apply to run --session --json (--json prints only the summary); see xcalltop run --help');
});

test('every command refuses flags that are not its own', () => {
	const cases: [string[], string][] = [
		[['demo', '--until', '5s'], '--until does not apply to the monitor (the monitor runs until you quit); see xcalltop help monitor'],
		[['demo', '--json'], '--json does not apply to the monitor; see xcalltop help monitor'],
		[['demo', '--force'], '--force does not apply without --record; see xcalltop help monitor'],
		[['run', 'demo', '--speed', '2'], '--speed does not apply to run (run goes as fast as the machine allows); see xcalltop run --help'],
		[['run', 'demo', '--no-color'], '--no-color does not apply to run (run prints no colour); see xcalltop run --help'],
		[['run', '--session', SESSION, '--mitigated'], '--mitigated does not apply to run --session (the session fixes it); see xcalltop run --help'],
		[['run', '--session', SESSION, '--input', '1s:ctrl-c'], '--input does not apply to run --session (the session fixes its inputs); see xcalltop run --help'],
		[['list', '--json'], '--json does not apply to list; see xcalltop list --help'],
		[['check', 'demo', '--until', '5s'], '--until does not apply to check (check does not run the kernel); see xcalltop check --help'],
		[['check', 'demo', '--json'], '--json does not apply to check; see xcalltop check --help'],
		[['replay', SESSION, '--speed', '2'], '--speed does not apply to replay; see xcalltop replay --help'],
		[['replay', SESSION, '--record', 'x.jsonl'], '--record does not apply to replay (a replay is not recorded); see xcalltop replay --help'],
		[['export', SESSION, '--txt', 'x.txt', '--no-color'], '--no-color does not apply to export (a .cast is always in colour, a .txt never); see xcalltop export --help'],
		[['export', SESSION, '--txt', 'x.txt', '--until', '5s'], '--until does not apply to export; see xcalltop export --help'],
		[['help', 'run', '--seed', '3'], '--seed does not apply to help; see xcalltop --help'],
	];
	for (const [args, stderr] of cases) refused(args, stderr);
});

test('every command accepts all of its own flags', () => {
	// A stray argument makes each command stop at its argument check, which comes after the
	// flag check: reaching it means no flag was refused.
	const cases: [string[], string][] = [
		[['a', 'b', '--speed', '1', '--paused', '--fps', '5', '--seed', '1', '--mitigated', '--no-color', '--record', 'x.jsonl', '--force'], 'unexpected argument "b"; see xcalltop help monitor'],
		[['run', '--until', '1s', '--seed', '1', '--input', '1s:ctrl-c', '--mitigated', '--quiet', '--show', 'stats', '--expect', 'lockup'], 'run needs a SCENARIO (see xcalltop list)'],
		[['run', '--json', '--quiet'], 'run needs a SCENARIO (see xcalltop list)'],
		[['run', '--session', 'x.jsonl', 'extra', '--until', '1s', '--quiet', '--show', 'stats'], 'run --session takes no SCENARIO (the session names its own), got "extra"'],
		[['run', '--session', 'x.jsonl', 'extra', '--json'], 'run --session takes no SCENARIO (the session names its own), got "extra"'],
		[['check', '--quiet'], 'check needs at least one FILE (a scenario file, or a name from scenarios/)'],
		[['replay', '--until', '1s', '--fps', '5', '--no-color'], 'replay needs one session FILE'],
		[['export', '--cast', 'x.cast', '--txt', 'x.txt', '--cols', String(MIN_COLS), '--rows', String(MIN_ROWS), '--fps', '5'], 'export needs one session FILE'],
	];
	for (const [args, stderr] of cases) refused(args, stderr);
});

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
	refused(['export', 'no/such.jsonl', '--txt', out, '--cols', String(MIN_COLS), '--rows', String(MIN_ROWS)], 'no/such.jsonl: no such file');
});

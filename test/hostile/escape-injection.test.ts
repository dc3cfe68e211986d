// Strings from scenario and session files are strings from strangers: the same hostile names,
// printk text and descriptions go through every output path (run, run --json, list, errors,
// warnings, the monitor, replay, export), and no control byte of theirs comes out.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {ROOT, runCli} from '../helpers.js';
import {startPty} from '../pty.js';
import {copyInstall, EVIL, EVIL_SHORT, firstControl, foreignSequence, hostileScenario} from './fixtures.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'xcalltop-escape-'));
test.after(() => rmSync(dir, {recursive: true, force: true}));
const scenario = hostileScenario();
const scenarioText = JSON.stringify(scenario, null, 2);
// The file's own name carries escapes too: it becomes the scenario's name.
const scenarioFile = path.join(dir, `evil${EVIL_SHORT}.json`);
writeFileSync(scenarioFile, scenarioText);
const header = {'xcalltop-session': 1, version: '0.1.0', scenario: {name: `evil${EVIL}`, content: scenarioText}, seed: 1, options: {mitigated: false, speedIndex: 4, paused: false, fps: 5}, terminal: {cols: 100, rows: 30}};
const lines = [
	{at: 500_000_000, wall: 500, command: 'cpu-select', arg: '1'},
	{at: 3_000_000_000, wall: 3000, command: 'focus-next'},
];
// No end line: loading warns on stderr, and the warning names the file.
const sessionFile = path.join(dir, `evil${EVIL_SHORT}.jsonl`);
writeFileSync(sessionFile, [header, ...lines].map((l) => JSON.stringify(l) + '\n').join(''));

/** The escaped form shows the string was printed, not dropped. */
const ESCAPED = '\\x1b]52;c;SGFjaw==\\x07';

function clean(what: string, text: string): void {
	assert.equal(firstControl(text), undefined, `${what}: a control character reached the output`);
	assert.doesNotMatch(text, /^FAKE/m, `${what}: a newline from a file forged a line of output`);
}

test('run prints every hostile name and message escaped, never raw', () => {
	const r = runCli(['run', scenarioFile, '--until', '12s', '--show', 'interrupts,stats,trace']);
	assert.equal(r.timedOut, false);
	assert.equal(r.status, 0, r.stderr);
	clean('run stdout', r.stdout);
	clean('run stderr', r.stderr);
	assert.ok(r.stdout.includes(ESCAPED), 'the lockup names a hostile lock, escaped');
	assert.match(r.stdout, /hello \\x1b\]52;/, 'the printk text, escaped');
	assert.match(r.stdout, /\\nFAKE LINE/, 'a newline in a name, escaped');
});

test("the kernel's own tabs (modern RCU stall reports) stay tabs; a tab from a file is no different", () => {
	const file = path.join(dir, 'modern.json');
	const ipi = JSON.parse(readFileSync(path.join(ROOT, 'scenarios/ipi-irqs-off.json'), 'utf8')) as object;
	writeFileSync(file, JSON.stringify({...ipi, formats: 'modern'}));
	const r = runCli(['run', file, '--until', '22s']);
	assert.equal(r.status, 0, r.stderr);
	assert.match(r.stdout, /\] rcu: \t1-\.\.\.\.: \(1 ticks this GP\)/);
	assert.ok(!r.stdout.includes('\\t'), 'no tab printed as \\t');
});

test('run --json stays valid JSON with no raw control byte, and keeps the names exact', () => {
	const r = runCli(['run', scenarioFile, '--until', '12s', '--json']);
	assert.equal(r.status, 0, r.stderr);
	clean('json', r.stdout);
	const summary = JSON.parse(r.stdout) as {lockup?: {explanation?: string}};
	assert.ok(JSON.stringify(summary).includes('\\u001b]52;'), 'the JSON carries the names as data');
});

test('run --session and its warning print the hostile names escaped', () => {
	const r = runCli(['run', '--session', sessionFile]);
	assert.equal(r.timedOut, false);
	clean('session stdout', r.stdout);
	clean('session stderr', r.stderr);
	assert.match(r.stderr, /^xcalltop: warning: .*evilx\\x1b\]0;T\\x07\\x9bm\\nFAKE\.jsonl.*\n$/);
});

test('list shows a hostile scenario in the scenario directory escaped', () => {
	// A copy of the installed program with one more scenario beside the shipped ones.
	const install = copyInstall(path.join(dir, 'install'));
	writeFileSync(path.join(install.scenarios, 'zz-evil.json'), scenarioText);
	const r = runCli(['list'], {}, {cli: install.cli});
	assert.equal(r.status, 0, r.stderr);
	clean('list', r.stdout);
	assert.match(r.stdout, /^zz-evil .*Four CPUs.*\\x1b\]52;/m);
});

// Usage and input errors quote what they were given: argv, names, keys and lines from files.
const badSession = path.join(dir, 'bad.jsonl');
writeFileSync(badSession, `${JSON.stringify(header)}\n${JSON.stringify({at: 1, wall: 1, command: `quit${EVIL}`})}\n`);
const badKey = path.join(dir, 'badkey.json');
writeFileSync(badKey, JSON.stringify({...scenario, [`k${EVIL}`]: 1}));
const badJson = path.join(dir, 'badjson.json');
writeFileSync(badJson, `{"description": "x", ${EVIL}}`);
const ERROR_CASES: readonly (readonly [string, string[]])[] = [
	['an unknown scenario name', ['run', `demo${EVIL}`]],
	['a missing file', ['run', `${dir}/none${EVIL}.json`]],
	['a bad --seed', ['run', 'demo', '--seed', EVIL]],
	['a bad --until', ['run', 'demo', '--until', EVIL]],
	['a bad --input', ['run', 'demo', '--input', `1s:${EVIL}`]],
	['a bad --show', ['run', 'demo', '--show', EVIL]],
	['a bad --expect', ['run', 'demo', '--expect', EVIL]],
	['an unknown flag', ['run', 'demo', `--x${EVIL}`]],
	['a bad help topic', ['help', EVIL]],
	['a bad --speed', [scenarioFile, '--speed', EVIL]],
	['an unknown session command', ['run', '--session', badSession]],
	['an unknown scenario key', ['run', badKey]],
	['invalid JSON', ['run', badJson]],
	['a bad export target', ['export', 'scenarios/sessions/demo.jsonl', '--cast', `${dir}/no/such/dir${EVIL}.cast`]],
];
for (const [what, args] of ERROR_CASES) {
	test(`error for ${what}: one line, the hostile text escaped`, () => {
		const r = runCli(args);
		assert.equal(r.timedOut, false);
		assert.ok(r.status === 1 || r.status === 2, `exit ${r.status}`);
		assert.match(r.stderr, /^xcalltop: [^\n]*\n$/, r.stderr);
		clean('stderr', r.stderr);
		assert.match(r.stderr, /\\x1b|\\u001b/, 'the hostile text is quoted, escaped');
		assert.equal(r.stdout, '');
	});
}

test('export: the cast frames, title and markers carry no hostile control byte; the txt none at all', () => {
	const cast = path.join(dir, 'out.cast');
	const txt = path.join(dir, 'out.txt');
	const r = runCli(['export', sessionFile, '--cast', cast, '--txt', txt]);
	assert.equal(r.status, 0, r.stderr);
	clean('export stderr', r.stderr);
	const [head, ...events] = readFileSync(cast, 'utf8').trimEnd().split('\n');
	const title = (JSON.parse(head!) as {title: string}).title;
	clean('cast title', title);
	for (const e of events) {
		const [, code, data] = JSON.parse(e) as [number, string, string];
		if (code === 'o') assert.equal(foreignSequence(data), undefined, 'a frame holds a sequence the program does not write');
		else clean('marker', data);
	}
	const screen = readFileSync(txt, 'utf8');
	clean('txt', screen);
	assert.match(screen, /\\x1b\]52;/, 'the final screen shows the names escaped');
});

async function monitorOutput(args: string[], keys: readonly string[], settle: RegExp): Promise<{raw: string; screen: string; code: number}> {
	const s = startPty(args, 100, 30);
	try {
		await s.waitFor(settle, 15_000);
		for (const k of keys) {
			await s.press(k);
			await new Promise((r) => setTimeout(r, 150));
		}
		const screen = s.screen();
		await s.press('q');
		const code = await Promise.race([s.exited, new Promise<number>((_, reject) => setTimeout(() => reject(new Error('did not exit')), 10_000))]);
		return {raw: s.raw(), screen, code};
	} finally {
		s.kill();
	}
}

test('the monitor shows a hostile scenario escaped and writes only its own sequences', async () => {
	// Speed x10 reaches the 1 s safe-mode input and the lockup naming the locks.
	const {raw, screen, code} = await monitorOutput([scenarioFile, '--speed', '10'], ['i', '\u001B', 'z', 'z', 'l', 'l', 'f', '.', 'f', '\t', '\t', '/', 'x', '\r'], /LOCKUP/);
	assert.equal(code, 0);
	assert.equal(foreignSequence(raw), undefined);
	assert.match(screen, /\\x1b\]52;|\\x1b\]0;T/, 'names are on screen, escaped');
});

test('replaying a hostile session writes only the monitor\'s own sequences', async () => {
	const {raw, code} = await monitorOutput(['replay', sessionFile], ['i', '\u001B'], /REPLAY/);
	assert.equal(code, 0);
	assert.equal(foreignSequence(raw), undefined);
});

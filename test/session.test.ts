// Recorded sessions: record through a real terminal with real keys, replay headless and
// compare hashes; export twice and compare bytes; bad files; a recorder killed mid-run.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, writeFileSync, readdirSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import pty from '@lydell/node-pty';
import {CLI, ROOT, runCli} from './helpers.js';
import {parseSession, loadSession} from '../source/session/load.js';
import {Player, replayHeadless, sessionController, sessionKernel} from '../source/session/replay.js';
import {InputError} from '../source/scenario/load.js';

const dir = mkdtempSync(path.join(tmpdir(), 'xcalltop-sessions-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the monitor in a pseudo-terminal, recording; presses each key, then waits some ms or until the screen shows a pattern. */
async function record(file: string, scenario: string, keys: [string, number | RegExp][], finish: 'q' | 'kill' = 'q'): Promise<void> {
	const p = pty.spawn(process.execPath, [CLI, scenario, '--record', file], {cols: 100, rows: 30, cwd: ROOT, env: {...process.env, CI: 'false'}});
	const exited = new Promise<void>((r) => p.onExit(() => r()));
	let screen = '';
	p.onData((d) => (screen += d));
	for (let i = 0; i < 200 && !screen.includes('Locks and wait-for'); i++) await sleep(50);
	for (const [key, wait] of keys) {
		const from = screen.length;
		p.write(key);
		if (typeof wait === 'number') await sleep(wait);
		else for (let i = 0; i < 300 && !wait.test(screen.slice(from)); i++) await sleep(50);
	}
	if (finish === 'q') p.write('q');
	else process.kill(p.pid, 'SIGKILL');
	await exited;
}

test('a session recorded with real keys replays headless to the same event-log hash', async () => {
	const file = path.join(dir, 'demo.jsonl');
	await record(file, 'demo', [
		['2', 300],
		['t', 400],
		[' ', 200],
		['.', 100],
		['.', 100],
		[' ', /dtrace 4711 running/],
		['\u0003', /dtrace 4711 (tearing down|gone)/],
		['r', 300],
	]);
	const session = loadSession(file);
	const commands = session.lines.filter((l) => 'command' in l).map((l) => ('command' in l ? l.command : ''));
	assert.deepEqual(commands, ['cpu-select', 'timer', 'pause', 'step-event', 'step-event', 'pause', 'ctrl-c', 'rates', 'quit']);
	const end = session.lines.at(-1)!;
	assert.ok('end' in end);
	const replay = replayHeadless(session);
	assert.equal(replay.diverged, undefined);
	assert.equal(replay.kernel.eventHash, end.hash);
	assert.equal(replay.kernel.events, end.events);
	// And through the CLI, with the same summary the run would print.
	const r = runCli(['run', '--session', file, '--json']);
	assert.equal(r.status, 0, r.stderr);
	assert.equal(JSON.parse(r.stdout).eventLogHash, end.hash);
});

test('export: asciicast v2, byte-identical twice, markers at kernel and time inputs, and the final screen as text', () => {
	const file = path.join(dir, 'demo.jsonl');
	const a = path.join(dir, 'a.cast');
	const b = path.join(dir, 'b.cast');
	const txt = path.join(dir, 'a.txt');
	assert.equal(runCli(['export', file, '--cast', a, '--txt', txt, '--cols', '90', '--rows', '28', '--fps', '5']).status, 0);
	assert.equal(runCli(['export', file, '--cast', b, '--cols', '90', '--rows', '28', '--fps', '5']).status, 0);
	assert.ok(readFileSync(a).equals(readFileSync(b)), 'byte-identical');
	const [head, ...events] = readFileSync(a, 'utf8').trimEnd().split('\n');
	const header = JSON.parse(head!);
	assert.deepEqual(header, {version: 2, width: 90, height: 28, title: 'xcalltop demo (demo.jsonl)', env: {TERM: 'xterm-256color', SHELL: '/bin/sh'}, idle_time_limit: 2});
	let last = 0;
	const markers: string[] = [];
	for (const line of events) {
		const e = JSON.parse(line);
		assert.ok(Array.isArray(e) && e.length === 3, line);
		assert.equal(typeof e[0], 'number');
		assert.ok(e[0] >= last, 'times never go back');
		last = e[0];
		assert.ok(e[1] === 'o' || e[1] === 'm');
		assert.equal(typeof e[2], 'string');
		if (e[1] === 'm') markers.push(e[2]);
	}
	// Kernel inputs and time controls, in words; view commands (CPU select, rates, quit) get none.
	assert.equal(markers.length, 6);
	// t says truly that nothing was pending (no consumer yet); . says which event ran.
	assert.match(markers[0]!, /^key t: no timer pending on CPU2 \(no dtrace consumer/);
	assert.equal(markers[1], 'key space: paused');
	for (const m of markers.slice(2, 4)) assert.match(m, /^key \.: step \d+\.\d{6}s: \S/);
	assert.deepEqual(markers.slice(4), ['key space: resumed', 'key Ctrl-C: ^C sent to dtrace 4711']);
	const screen = readFileSync(txt, 'utf8');
	assert.match(screen, /^xcalltop demo \d+\.\d{6}s x1 safe:ON mitigation:off dtrace 4711 (tearing down|gone)/);
	assert.ok(!screen.includes('\u001B'), 'plain text, no escape sequences');
	assert.deepEqual(
		readdirSync(dir).filter((f) => f.endsWith('.tmp')),
		[],
		'no temporary files left',
	);
});

test('export marks kernel warnings too', () => {
	const shipped = path.join(ROOT, 'scenarios/sessions/ipi-irqs-off.jsonl');
	const out = path.join(dir, 'ipi.cast');
	assert.equal(runCli(['export', shipped, '--cast', out]).status, 0);
	const markers = readFileSync(out, 'utf8')
		.trimEnd()
		.split('\n')
		.slice(1)
		.map((l) => JSON.parse(l))
		.filter((e) => e[1] === 'm')
		.map((e) => e[2] as string);
	assert.ok(markers.includes('hard LOCKUP cpu 1'), markers.join(', '));
	assert.ok(markers.includes('RCU stall on CPUs {1}'), markers.join(', '));
});

test('a recorder killed with SIGKILL leaves a file that replays up to its last input', async () => {
	const file = path.join(dir, 'killed.jsonl');
	await record(file, 'demo', [['2', 300], ['s', 300], ['3', 300]], 'kill');
	const session = loadSession(file);
	assert.equal(session.lines.some((l) => 'end' in l), false);
	assert.match(session.warning!, /no end line/);
	const replay = replayHeadless(session);
	assert.deepEqual(
		replay.kernel.applied.map((i) => i.action),
		['safe-mode'],
	);
	assert.equal(replay.controller.ui.selectedCpu, 3);
	// A last line cut mid-write is dropped with a warning, not an error.
	const text = readFileSync(file, 'utf8');
	const cut = path.join(dir, 'cut.jsonl');
	writeFileSync(cut, text + '{"at":999999999,"wall":12,"comm');
	const r = runCli(['run', '--session', cut, '--quiet']);
	assert.equal(r.status, 0);
	assert.match(r.stderr, /^xcalltop: warning: .*cut\.jsonl: line \d+ is incomplete \(the recorder stopped mid-line\); replaying up to line \d+\n$/);
});

function sessionError(text: string): string {
	try {
		parseSession(text, 'bad.jsonl');
	} catch (error) {
		assert.ok(error instanceof InputError);
		return error.message;
	}
	throw new Error('expected an error');
}

test('bad session files: one line naming the line, exit 2', () => {
	const good = readFileSync(path.join(ROOT, 'scenarios/sessions/safe-xcall.jsonl'), 'utf8').split('\n');
	assert.equal(sessionError(good[0]!.replace('"xcalltop-session":1', '"xcalltop-session":9') + '\n'), 'bad.jsonl: line 1: expected session format 1, got 9');
	assert.match(sessionError([good[0], '{"at": 5, "wall": 1, "command": "ctrl-c"', ''].join('\n')), /^bad\.jsonl: line 2, column 41: invalid JSON: expected ',' or '}', got the end of the line$/);
	assert.match(sessionError([good[0], '{"at": 5, "wall": 1, "command": "launch"}', ''].join('\n')), /^bad\.jsonl: line 2: \$\.command: expected a command of the monitor, such as "ctrl-c" or "cpu-select", got "launch"$/);
	const header = JSON.parse(good[0]!);
	header.scenario.content = header.scenario.content.replace('"cpus": 4', '"cpus": "four"');
	assert.match(sessionError(JSON.stringify(header) + '\n'), /^bad\.jsonl: line 1: the recorded scenario no longer validates: .*\$\.cpus: expected a number, got "four"$/);
	const bad = path.join(dir, 'bad.jsonl');
	writeFileSync(bad, 'not json\n');
	const r = runCli(['run', '--session', bad]);
	assert.equal(r.status, 2);
	assert.match(r.stderr, /^xcalltop: .*bad\.jsonl: line 1, column 1: invalid JSON: unexpected 'not'\n$/);
});

test('the shipped sessions replay to the hashes they recorded (golden files)', () => {
	const sessions = readdirSync(path.join(ROOT, 'scenarios/sessions')).filter((f) => f.endsWith('.jsonl'));
	assert.ok(sessions.length >= 8, `${sessions.length} shipped sessions`);
	for (const f of sessions) {
		const session = loadSession(path.join(ROOT, 'scenarios/sessions', f));
		const replay = replayHeadless(session);
		assert.equal(replay.diverged, undefined, `${f}: ${replay.diverged}`);
		assert.ok(replay.end, `${f} has an end line`);
	}
});

test('the paced player ends on the recorded hash at any playback speed and tick size', () => {
	const file = path.join(ROOT, 'scenarios/sessions/demo.jsonl');
	for (const [speed, tick] of [
		[1, 50],
		[4, 50],
		[16, 200],
		[0.25, 10],
	] as const) {
		const session = loadSession(file);
		const kernel = sessionKernel(session);
		const player = new Player(session.lines, sessionController(session, kernel), undefined);
		player.speed = speed;
		for (let i = 0; i < 100_000 && !player.done; i++) player.tick(tick);
		const end = session.lines.at(-1)!;
		assert.ok('end' in end);
		assert.equal(kernel.eventHash, end.hash, `speed x${speed}, ${tick} ms ticks`);
	}
});

test('run --session --until stops the replay at a virtual time', () => {
	const r = runCli(['run', '--session', path.join(ROOT, 'scenarios/sessions/teardown-storm.jsonl'), '--until', '5s', '--json']);
	assert.equal(r.status, 0, r.stderr);
	const s = JSON.parse(r.stdout);
	assert.equal(s.virtualNs, 5_000_000_000);
	assert.equal(s.dtrace.consumer.state, 'tearing down');
});

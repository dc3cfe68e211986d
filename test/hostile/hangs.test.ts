// Nothing hangs and every process can be stopped: a scenario whose clock never moves ends
// with one line in every command, and a monitor kept busy by its kernel still hears keys and
// signals and hands the terminal back (and nothing but the terminal gets terminal control).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {runCli} from '../helpers.js';
import {startPty, type PtySession} from '../pty.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'xcalltop-hangs-'));
test.after(() => rmSync(dir, {recursive: true, force: true}));

const scenario = (step: object, repeat = 0): string => JSON.stringify({description: 'a task that loops', cpus: 2, until: '2s', tasks: [{cpu: 0, comm: 'spin', pid: 100, repeat, steps: [step]}]});
/**
 * Two million passes of a step that takes no time: virtual time stands still at 0 for more
 * than the million events the kernel allows at one instant. (A task that did so for ever is
 * refused when the file is loaded, see check.test.ts; a count the static checks let be.)
 */
const zeroTime = (): string => scenario({op: 'call', fn: 'nothing', for: '0ns'}, 2_000_000);
const stopped = path.join(dir, 'stopped.json');
writeFileSync(stopped, zeroTime());
/** Time moves, a nanosecond per event: a second of virtual time is a billion events. */
const busy = path.join(dir, 'busy.json');
writeFileSync(busy, scenario({op: 'call', fn: 'tiny', for: '1ns'}));
const session = path.join(dir, 'stopped.jsonl');
writeFileSync(
	session,
	[
		{'xcalltop-session': 1, version: '0.1.0', scenario: {name: 'stopped', content: zeroTime()}, seed: 1, options: {mitigated: false, speedIndex: 4, paused: false, fps: 5}, terminal: {cols: 80, rows: 24}},
		{at: 1_000_000, wall: 100, command: 'focus-next'},
		{at: 2_000_000, wall: 200, end: true, hash: '0123456789abcdef', events: 1},
	]
		.map((l) => JSON.stringify(l) + '\n')
		.join(''),
);

const STOPPED = /^xcalltop: virtual time stopped at 0\.000000s: 1000000 events in a row without time passing; the last: CPU0: spin\/100 done with kernel nothing, now kernel nothing\. /;

for (const [what, args] of [
	['run', ['run', stopped]],
	['run --json', ['run', stopped, '--json']],
	['run --session', ['run', '--session', session]],
	['export', ['export', session, '--txt', path.join(dir, 'out.txt')]],
] as const) {
	test(`${what}: a clock that never moves ends in one line naming the task, exit 1`, () => {
		const r = runCli([...args]);
		assert.equal(r.timedOut, false, 'ended by itself');
		assert.equal(r.status, 1);
		assert.match(r.stderr, STOPPED);
		assert.equal(r.stderr.split('\n').length, 2, r.stderr);
	});
}

test('the event that repeats is named, whatever it is: a host preemption of no time', () => {
	const file = path.join(dir, 'preempt.json');
	writeFileSync(file, JSON.stringify({description: 'preemptions of no time', cpus: 2, until: '2s', watchdogs: false, rendezvous: {initiator: 0, every: '1ms', preemptEvery: '0s', preemptFor: '0s'}, tasks: [{cpu: 0, comm: 'sh', pid: 812, steps: [{op: 'run', for: '2ms'}]}]}));
	const r = runCli(['run', file]);
	assert.equal(r.timedOut, false);
	assert.equal(r.status, 1);
	assert.match(r.stderr, /^xcalltop: virtual time stopped at 0\.000000s: .*; the last: CPU0: vCPU0 runs again after host preemption/);
});

const ended = (s: PtySession, ms: number): Promise<number> => Promise.race([s.exited, new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`still running after ${ms} ms:\n${s.screen()}`)), ms))]);

function restored(s: PtySession): void {
	assert.equal(s.term.buffer.active.type, 'normal', 'back on the main screen');
	const raw = s.raw();
	assert.ok(raw.lastIndexOf('\u001B[?25h') > raw.lastIndexOf('\u001B[?25l'), 'cursor shown again');
}

test('the monitor on a clock that never moves: the terminal comes back and the line says why, exit 1', async () => {
	const s = startPty([stopped], 80, 24);
	try {
		assert.equal(await ended(s, 20_000), 1);
		restored(s);
		await s.waitFor(/virtual time stopped at 0\.000000s/);
	} finally {
		s.kill();
	}
});

test('a monitor kept busy by its kernel still quits on q at once', async () => {
	for (const speed of ['1', 'max']) {
		const s = startPty([busy, '--speed', speed], 80, 24);
		try {
			await s.waitFor(/CPU/, 15_000);
			await new Promise((r) => setTimeout(r, 500));
			await s.press('q');
			assert.equal(await ended(s, 8000), 0, `q at speed ${speed}`);
			restored(s);
		} finally {
			s.kill();
		}
	}
});

// A session whose next command lies an hour of busy virtual time ahead: the playback works
// towards it in bounded slices, so q and signals still get through.
const farSession = path.join(dir, 'far.jsonl');
writeFileSync(
	farSession,
	[
		{'xcalltop-session': 1, version: '0.1.0', scenario: {name: 'busy', content: scenario({op: 'call', fn: 'tiny', for: '1ns'})}, seed: 1, options: {mitigated: false, speedIndex: 4, paused: false, fps: 5}, terminal: {cols: 80, rows: 24}},
		{at: 0, wall: 0, command: 'focus-next'},
		{at: 3_600_000_000_000, wall: 1, command: 'focus-next'},
	]
		.map((l) => JSON.stringify(l) + '\n')
		.join(''),
);

test('replaying a session that lies far ahead still quits on q at once', async () => {
	const s = startPty(['replay', farSession], 80, 24);
	try {
		await s.waitFor(/REPLAY/, 15_000);
		await new Promise((r) => setTimeout(r, 1000));
		await s.press('q');
		assert.equal(await ended(s, 8000), 0);
		restored(s);
	} finally {
		s.kill();
	}
});

test('replaying a session that lies far ahead stops on SIGTERM and restores the terminal', async () => {
	const s = startPty(['replay', farSession], 80, 24);
	try {
		await s.waitFor(/REPLAY/, 15_000);
		await new Promise((r) => setTimeout(r, 1000));
		process.kill(s.pid, 'SIGTERM');
		assert.equal(await ended(s, 8000), 143);
		restored(s);
	} finally {
		s.kill();
	}
});

for (const [signal, code] of [
	['SIGTERM', 143],
	['SIGINT', 130],
	['SIGHUP', 129],
] as const) {
	test(`a monitor kept busy by its kernel stops on ${signal} and restores the terminal`, async () => {
		const s = startPty([busy, '--speed', 'max'], 80, 24);
		try {
			await s.waitFor(/CPU/, 15_000);
			await new Promise((r) => setTimeout(r, 500));
			process.kill(s.pid, signal);
			assert.equal(await ended(s, 8000), code);
			restored(s);
		} finally {
			s.kill();
		}
	});
}

test('stderr that is not the terminal gets no terminal control from the monitor (Ink shows the cursor on the terminal)', async () => {
	const err = path.join(dir, 'stderr.txt');
	const s = startPty(['demo'], 80, 24, {}, {shell: `exec "$0" "$@" 2>"${err}"`});
	try {
		await s.waitFor(/Kernel log/, 15_000);
		await s.press('q');
		assert.equal(await ended(s, 10_000), 0);
		assert.equal(readFileSync(err, 'utf8'), '', 'stderr is empty');
		assert.ok(s.raw().lastIndexOf('\u001B[?25h') > s.raw().lastIndexOf('\u001B[?25l'), 'the cursor is shown again on the terminal');
	} finally {
		s.kill();
	}
});

// The built CLI in a real pseudo-terminal, read through a headless xterm: what a person
// sees at 80x24 and 160x50 after each key, and the terminal handed back afterwards.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {startPty} from './pty.js';

const start = startPty;

for (const [cols, rows] of [
	[80, 24],
	[160, 50],
] as const) {
	test(`demo at ${cols}x${rows}: the keys a person presses, and what the screen shows after each`, async () => {
		const s = start(['demo', '--paused'], cols, rows);
		try {
			await s.waitFor(/xcalltop demo 0\.000000s x1 +PAUSED/);
			assert.equal(s.term.buffer.active.type, 'alternate', 'full screen on the alternate buffer');
			await s.press(' ');
			await s.waitFor(/dtrace 4711 running/);
			await s.press('?');
			await s.waitFor(/xcalltop keys \(any key closes this\)/);
			await s.press('x');
			await s.waitFor(/Locks and wait-for/);
			await s.press(' ');
			await s.waitFor(/^.* PAUSED /);
			await s.press('s');
			await s.waitFor(/^.*safe:OFF/);
			await s.press('s');
			await s.waitFor(/^.*safe:ON/);
			const before = s.line(0);
			await s.press('.');
			// One event later the clock has moved, still paused.
			await s.waitFor(new RegExp(`^(?!${before.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$).* PAUSED `));
			await s.press('t');
			await s.waitFor(/dtrace_state_clean cyclic \(dtrace_sync\) fired on CPU0/);
			await s.press('\u0003');
			await s.waitFor(/\^C sent to dtrace 4711/);
			await s.press(' ');
			await s.waitFor(/dtrace 4711 gone/, 15000);
			await s.press('K');
			await s.waitFor(/no dtrace consumer alive to kill/);
			await s.press('d');
			await s.waitFor(/dtrace 4712/);
			await s.press('K');
			await s.waitFor(/kill -9 sent to dtrace 4712/);
			await s.press('r');
			await s.waitFor(/Interrupts, totals/);
			await s.press('q');
			assert.equal(await s.exited, 0);
			assert.equal(s.term.buffer.active.type, 'normal', 'back on the main screen');
			const raw = s.raw();
			assert.ok(raw.lastIndexOf('\u001B[?25h') > raw.lastIndexOf('\u001B[?25l'), 'cursor shown again');
		} finally {
			s.kill();
		}
	});
}

test('resizing redraws: too small, then large again', async () => {
	const s = start(['demo'], 80, 24);
	try {
		await s.waitFor(/Locks and wait-for/);
		s.resize(60, 15);
		await s.waitFor(/terminal too small: 60×15, need 70×20/);
		s.resize(150, 45);
		const screen = await s.waitFor(/Kernel log.*\/proc\/dtrace\/trace/);
		assert.doesNotMatch(screen, /too small/);
		await s.press('q');
		assert.equal(await s.exited, 0);
	} finally {
		s.kill();
	}
});

test('replay opens the monitor and plays a shipped session to its end, then stays open', async () => {
	const s = start(['replay', 'scenarios/sessions/rendezvous-race.jsonl'], 100, 30);
	try {
		await s.waitFor(/REPLAY \d+\/\d+ /);
		await s.press('s');
		await s.waitFor(/replaying: kernel keys are off/);
		await s.press('+');
		await s.press('+');
		const end = await s.waitFor(/REPLAY 6\/6 end/, 15000);
		assert.match(end, /LOCKUP CPU0,1,2/);
		await s.press('q');
		assert.equal(await s.exited, 0);
	} finally {
		s.kill();
	}
});

test('a terminal that is too small gets the size message', async () => {
	const s = start(['demo'], 60, 15);
	try {
		await s.waitFor(/terminal too small: 60×15, need 70×20/);
		await s.press('q');
		assert.equal(await s.exited, 0);
	} finally {
		s.kill();
	}
});

for (const [signal, code] of [
	['SIGTERM', 143],
	['SIGHUP', 129],
] as const) {
	test(`${signal} puts the terminal back`, async () => {
		const s = start(['demo'], 80, 24);
		try {
			await s.waitFor(/dtrace 4711/);
			process.kill(s.pid, signal);
			assert.equal(await s.exited, code);
			await s.press('');
			assert.equal(s.term.buffer.active.type, 'normal', 'back on the main screen');
			const raw = s.raw();
			assert.ok(raw.lastIndexOf('\u001B[?25h') > raw.lastIndexOf('\u001B[?25l'), 'cursor shown again');
		} finally {
			s.kill();
		}
	});
}

test('quitting after a resize leaves nothing of the monitor on the main screen', async () => {
	const s = start(['demo'], 100, 30);
	try {
		await s.waitFor(/Locks and wait-for/);
		s.resize(90, 26);
		await s.waitFor(/Locks and wait-for/);
		s.resize(100, 30);
		await s.waitFor(/Locks and wait-for/);
		await s.press('q');
		assert.equal(await s.exited, 0);
		await s.press('');
		assert.equal(s.term.buffer.active.type, 'normal', 'back on the main screen');
		// The alternate screen is cleared before it is left, whatever the terminal carries over.
		const raw = s.raw();
		assert.ok(raw.lastIndexOf('\u001B[2J') > raw.lastIndexOf('Locks and wait-for'), 'the last frame is cleared before the main screen returns');
		assert.ok(raw.lastIndexOf('\u001B[?1049l') > raw.lastIndexOf('\u001B[2J'));
		assert.doesNotMatch(s.screen(), /Locks and wait-for|Kernel log|xcalltop demo/);
		assert.ok(!raw.slice(raw.lastIndexOf('\u001B[?1049l')).includes('Locks and wait-for'), 'nothing is drawn after leaving the alternate screen');
	} finally {
		s.kill();
	}
});

// The built CLI in a real pseudo-terminal, read through a headless xterm: what a person
// sees at 80x24 and 160x50 after each key, and the terminal handed back afterwards.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import pty from '@lydell/node-pty';
import xterm from '@xterm/headless';
import {CLI, ROOT} from './helpers.js';

interface Session {
	screen(): string;
	line(n: number): string;
	raw(): string;
	press(keys: string): Promise<void>;
	waitFor(pattern: RegExp, ms?: number): Promise<string>;
	exited: Promise<number>;
	term: InstanceType<typeof xterm.Terminal>;
	pid: number;
	resize(cols: number, rows: number): void;
	kill(): void;
}

function start(args: string[], cols: number, initialRows: number): Session {
	let rows = initialRows;
	const term = new xterm.Terminal({cols, rows: initialRows, allowProposedApi: true});
	let raw = '';
	const p = pty.spawn(process.execPath, [CLI, ...args], {cols, rows: initialRows, cwd: ROOT, env: {...process.env, CI: 'false', NO_COLOR: '1', TERM: 'xterm-256color'}});
	p.onData((d) => {
		raw += d;
		term.write(d);
	});
	const exited = new Promise<number>((resolve) => p.onExit(({exitCode}) => resolve(exitCode)));
	const flush = () => new Promise<void>((r) => term.write('', () => r()));
	const screen = (): string => {
		const b = term.buffer.active;
		const out: string[] = [];
		for (let i = 0; i < rows; i++) out.push(b.getLine(b.viewportY + i)?.translateToString(true) ?? '');
		return out.join('\n');
	};
	return {
		screen,
		line: (n) => screen().split('\n')[n] ?? '',
		raw: () => raw,
		press: async (keys) => {
			p.write(keys);
			await flush();
		},
		waitFor: async (pattern, ms = 8000) => {
			const end = Date.now() + ms;
			for (;;) {
				await flush();
				const s = screen();
				if (pattern.test(s)) return s;
				if (Date.now() > end) throw new Error(`timed out waiting for ${pattern}; screen:\n${s}`);
				await new Promise((r) => setTimeout(r, 50));
			}
		},
		exited,
		term,
		pid: p.pid,
		resize: (c, r) => {
			term.resize(c, r);
			p.resize(c, r);
			rows = r;
		},
		kill: () => {
			try {
				p.kill();
			} catch {
				// already gone
			}
		},
	};
}

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

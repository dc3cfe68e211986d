// --record on a disk that fills up, in a real pseudo-terminal: a file-size limit (ulimit -f)
// makes writes fail with EFBIG part-way. A header that cannot be written stops the monitor
// before it touches the screen and leaves no file; a line that cannot be written later
// stops the recording, not the monitor, which says so on its status line; on quit the
// terminal is handed back (main screen, cursor shown), one line on stderr says what the
// file holds, the exit status is 1, and the file replays.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {runCli} from '../helpers.js';
import {startPty} from '../pty.js';
import {startRecording} from '../../source/session/commands.js';
import {loadScenario} from '../../source/scenario/load.js';
import {buildKernel} from '../../source/scenario/machine.js';

const dir = mkdtempSync(path.join(tmpdir(), 'xcalltop-hostile-pty-'));
after(() => rmSync(dir, {recursive: true, force: true}));
const COLS = 80;
const ROWS = 24;
const ENTER_ALT = '\u001B[?1049h';
const LEAVE_ALT = '\u001B[?1049l';
const SHOW_CURSOR = '\u001B[?25h';

/** The CLI in a pty, through a shell that sets a file-size limit of `blocks` 512-byte blocks. */
function start(blocks: number, args: string[]) {
	const s = startPty(args, COLS, ROWS, {}, {shell: `trap "" XFSZ; ulimit -f ${blocks}; exec "$0" "$@"`});
	// Bounded: a hang fails the test instead of stalling the run.
	const exited = Promise.race([s.exited, new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`no exit within 30 s; output:\n${s.raw()}`)), 30_000).unref())]);
	return {...s, exited};
}

/** The header `xcalltop demo --record` writes in an 80x24 terminal, in bytes (the same fields startRecording fills in). */
function demoHeaderBytes(): number {
	const file = path.join(dir, 'header-probe.jsonl');
	const loaded = loadScenario('demo');
	const columns = process.stdout.columns;
	const rows = process.stdout.rows;
	Object.assign(process.stdout, {columns: COLS, rows: ROWS});
	try {
		startRecording(file, loaded, {seed: buildKernel(loaded).seed, mitigated: false, speedIndex: undefined, paused: false, fps: undefined, force: false});
	} finally {
		Object.assign(process.stdout, {columns, rows});
	}
	const size = statSync(file).size;
	rmSync(file);
	return size;
}

const leftovers = (): string[] => readdirSync(dir).filter((n) => /\.(tmp|old)$/.test(n));

test('--record when even the header cannot be written: one line, exit 1, no file, the screen never switched', async () => {
	const file = path.join(dir, 'no-room.jsonl');
	const s = start(1, ['demo', '--record', file]);
	try {
		assert.equal(await s.exited, 1);
		await s.flush();
		assert.equal(s.raw(), `xcalltop: --record ${file}: cannot write: EFBIG\r\n`);
		assert.ok(!s.raw().includes(ENTER_ALT));
		assert.equal(s.term.buffer.active.type, 'normal');
		assert.throws(() => statSync(file), /ENOENT/);
		assert.deepEqual(leftovers(), []);
	} finally {
		s.kill();
	}
});

test('--record --force when the header cannot be written: the old file stays as it was', async () => {
	const file = path.join(dir, 'keep.jsonl');
	writeFileSync(file, 'an older recording\n');
	const s = start(1, ['demo', '--record', file, '--force']);
	try {
		assert.equal(await s.exited, 1);
		assert.equal(s.raw(), `xcalltop: --record ${file}: cannot write: EFBIG\r\n`);
		assert.equal(readFileSync(file, 'utf8'), 'an older recording\n');
		assert.deepEqual(leftovers(), []);
	} finally {
		s.kill();
	}
});

for (const [how, code] of [
	['q', 1],
	['SIGTERM', 143],
] as const) {
	test(`--record when the disk fills mid-session, then ${how}: the monitor goes on, then hands the terminal back, says what the file holds, exits ${code}`, async () => {
		const file = path.join(dir, `filled-${how}.jsonl`);
		const header = demoHeaderBytes();
		// Room for the header and at most a few command lines (each about 50 bytes).
		const blocks = Math.ceil(header / 512);
		const s = start(blocks, ['demo', '--record', file]);
		try {
			await s.waitFor(/Locks and wait-for/);
			let stopped: RegExpExecArray | null = null;
			// Each r (interrupt rates / totals) is one command line in the recording.
			for (let i = 0; i < 40 && !stopped; i++) {
				await s.press('r');
				await new Promise((r) => setTimeout(r, 100));
				await s.flush();
				stopped = /recording stopped: line (\d+) could not be written \(EFBIG\)/.exec(s.screen().replaceAll('\n', ' '));
			}
			assert.ok(stopped, `the status line says the recording stopped; screen:\n${s.screen()}`);
			const line = Number(stopped[1]);
			// Still running: the keys still work.
			await s.press('?');
			await s.waitFor(/xcalltop keys \(any key closes this\)/);
			await s.press('x');
			await s.waitFor(/Locks and wait-for/);
			if (how === 'q') await s.press('q');
			else process.kill(s.pid, how);
			assert.equal(await s.exited, code);
			await s.flush();
			assert.equal(s.term.buffer.active.type, 'normal', 'back on the main screen');
			const raw = s.raw();
			assert.ok(raw.lastIndexOf(SHOW_CURSOR) > raw.lastIndexOf('\u001B[?25l'), 'cursor shown again');
			// After the terminal is back: exactly one line, and it is true (Ink shows the cursor once more as it exits).
			const tail = raw.slice(raw.lastIndexOf(LEAVE_ALT) + LEAVE_ALT.length).replaceAll(SHOW_CURSOR, '');
			assert.equal(tail, `xcalltop: --record ${file}: recording stopped: line ${line} could not be written (EFBIG); the file keeps the ${line - 1} complete lines before it\r\n`);
			const text = readFileSync(file, 'utf8');
			assert.ok(text.endsWith('\n'), 'the file ends with a complete line');
			const lines = text.trimEnd().split('\n');
			assert.equal(lines.length, line - 1);
			assert.equal(Buffer.byteLength(lines[0]!) + 1, header, 'line 1 is the header');
			for (const l of lines.slice(1)) assert.equal(JSON.parse(l).command, 'rates');
			assert.deepEqual(leftovers(), []);
			// The recording so far loads and replays, up to its last command, with the usual warning.
			const r = runCli(['run', '--session', file, '--quiet']);
			assert.equal(r.timedOut, false);
			assert.equal(r.stderr, `xcalltop: warning: ${file}: the session has no end line (the recorder was stopped); replaying up to its last command\n`);
			assert.equal(r.status, 0);
		} finally {
			s.kill();
		}
	});
}

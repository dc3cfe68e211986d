// `export --cast` played back: the cast fed into a headless xterm ends on the screen the
// --txt file shows, cell for cell the same as the last frame written in full; frames are
// changed lines only; the cast keeps the recorded wall-clock pace, pauses up to the idle
// limit; markers in words; output files all or nothing.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import xterm from '@xterm/headless';
import {CLI, ROOT} from './helpers.js';
import {encodeFrame, finishEvents, OutputError, warningLabel, writeAll} from '../source/session/cast.js';
import {exportSession} from '../source/session/export.js';
import {loadSession, parseSession} from '../source/session/load.js';

const dir = mkdtempSync(path.join(tmpdir(), 'xcalltop-export-'));
const shipped = (name: string): string => path.join(ROOT, 'scenarios/sessions', `${name}.jsonl`);

type Term = InstanceType<typeof xterm.Terminal>;

const SHIPPED: readonly (readonly [string, readonly string[]])[] = [
	['demo', []],
	['demo', ['--cols', '80', '--rows', '24']],
	['rendezvous-race', []],
	['kill9-timeout', ['--cols', '100', '--rows', '30']],
];

/** The CLI exports, all started at once (each takes seconds); resolves with the files written. */
const exported = new Map(
	SHIPPED.map(([name, size], i) => {
		const cast = path.join(dir, `${name}-${i}.cast`);
		const txt = path.join(dir, `${name}-${i}.txt`);
		const done = new Promise<{cast: string; txt: string}>((resolve, reject) =>
			execFile(process.execPath, [CLI, 'export', shipped(name), '--cast', cast, '--txt', txt, ...size], {cwd: ROOT}, (error, _stdout, stderr) => (error ? reject(new Error(stderr || String(error))) : resolve({cast, txt}))),
		);
		done.catch(() => {}); // reported by the test that awaits it
		return [`${name} ${size.join(' ')}`, done] as const;
	}),
);

interface Cast {
	header: {width: number; height: number; idle_time_limit?: number};
	events: [number, 'o' | 'm', string][];
}

function readCast(file: string): Cast {
	const [head, ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
	return {header: JSON.parse(head!), events: lines.map((l) => JSON.parse(l))};
}

async function play(cols: number, rows: number, chunks: readonly string[]): Promise<Term> {
	const term = new xterm.Terminal({cols, rows, allowProposedApi: true});
	for (const c of chunks) term.write(c);
	await new Promise<void>((r) => term.write('', () => r()));
	return term;
}

function text(term: Term): string {
	const b = term.buffer.active;
	const out: string[] = [];
	for (let i = 0; i < term.rows; i++) out.push(b.getLine(b.viewportY + i)?.translateToString(true) ?? '');
	// Written spaces are cells too: trim them as the --txt file does.
	return out.join('\n').replace(/ +$/gm, '').replace(/\n*$/, '\n');
}

/** Every cell: its characters, width, colours and attributes. */
function cells(term: Term): string[] {
	const b = term.buffer.active;
	const out: string[] = [];
	for (let y = 0; y < term.rows; y++) {
		const line = b.getLine(b.viewportY + y)!;
		let row = '';
		for (let x = 0; x < term.cols; x++) {
			const c = line.getCell(x)!;
			row += `${c.getChars() || ' '}${c.getWidth()}/${c.getFgColorMode()}:${c.getFgColor()}/${c.getBgColorMode()}:${c.getBgColor()}/${c.isBold()}${c.isDim()}${c.isItalic()}${c.isUnderline()}${c.isInverse()}|`;
		}
		out.push(row);
	}
	return out;
}

const ESC = '\u001B';

/** Rebuilds the frames' lines from the cast's own encoding (full first frame, then `ESC[row;1H line [ESC[K]`). */
function lastFrame(events: Cast['events']): string[] {
	let lines: string[] = [];
	for (const [, code, data] of events) {
		if (code !== 'o') continue;
		const clear = data.indexOf(`${ESC}[2J`);
		if (clear >= 0) {
			lines = data.slice(clear + 4).split('\r\n');
			continue;
		}
		// Split at the control sequences: a cursor move starts a line, the others belong to it.
		const [before, ...parts] = data.split(`${ESC}[`);
		assert.equal(before, '', 'a later frame starts with a cursor move');
		let row = 0;
		for (const part of parts) {
			const move = /^(\d+);1H/.exec(part);
			if (move) {
				row = Number(move[1]) - 1;
				lines[row] = part.slice(move[0].length);
			} else lines[row] += `${ESC}[${part}`;
		}
		lines = lines.map((l) => (l.endsWith(`${ESC}[K`) ? l.slice(0, -3) : l));
	}
	return lines;
}

for (const [name, size] of SHIPPED) {
	test(`${name} ${size.join(' ') || 'at its recorded size'}: the cast played in a terminal ends on the --txt screen, the same cells as the last frame in full`, async () => {
		const {cast, txt} = await exported.get(`${name} ${size.join(' ')}`)!;
		const {header, events} = readCast(cast);
		const output = events.filter((e) => e[1] === 'o').map((e) => e[2]);
		const term = await play(header.width, header.height, output);
		assert.equal(text(term), readFileSync(txt, 'utf8'));
		// Colours and attributes too: the changed lines leave the terminal as the whole frame would.
		const full = await play(header.width, header.height, [`\u001B[H\u001B[2J${lastFrame(events).join('\r\n')}`]);
		assert.equal(text(full), readFileSync(txt, 'utf8'));
		assert.deepEqual(cells(term), cells(full));
		// Only the first frame clears the screen; the others rewrite lines.
		assert.equal(output.filter((o) => o.includes('\u001B[2J')).length, 1);
		assert.ok(output.length > 5, `${output.length} frames`);
	});
}

test('the demo cast keeps the recorded wall-clock pace: markers at the commands’ wall stamps, in words', async () => {
	const session = loadSession(shipped('demo'));
	const {cast} = await exported.get('demo ')!;
	const {header, events} = readCast(cast);
	assert.equal(header.idle_time_limit, 2);
	const markers = events.filter((e) => e[1] === 'm');
	// Commands at their wall stamps (no gap in this session reaches the idle limit).
	const wall = (command: string): number[] => session.lines.flatMap((l) => ('command' in l && l.command === command ? [l.wall / 1000] : []));
	assert.deepEqual(
		markers.filter((m) => m[2].startsWith('key ')).map((m) => [m[0], m[2]]),
		[
			[wall('safe-mode')[0], 'key s: safe mode OFF'],
			[wall('speed-up')[0], 'key +: speed x2'],
			[wall('speed-up')[1], 'key +: speed x5'],
			[wall('speed-up')[2], 'key +: speed x10'],
		],
	);
	assert.deepEqual(
		markers.filter((m) => !m[2].startsWith('key ')).map((m) => m[2]),
		['hard LOCKUP cpu 1', 'hard LOCKUP cpu 3', 'RCU self-detected stall CPU 0', 'soft lockup CPU#0 23s', 'soft lockup CPU#2 23s'],
	);
	// Kernel warnings between the last speed-up (x10 from 6.25 s virtual, 5.407 s wall) and quit.
	for (const m of markers.filter((m) => !m[2].startsWith('key '))) assert.ok(m[0] > 5.407 && m[0] < 7.907, `${m[2]} at ${m[0]}`);
	// The cast lasts as long as the session did, not its 31 s of virtual time.
	const last = events.at(-1)![0];
	assert.ok(last <= 7.924 && last > 7.5, `ends at ${last}`);
	// Frames every 1/10 s of wall time at most, plus one after each command.
	assert.ok(events.filter((e) => e[1] === 'o').length <= Math.ceil(7.924 * 10) + session.lines.length);
});

test('wall pacing keeps a pause up to the idle limit; 0 keeps it whole; virtual pacing follows virtual time', async () => {
	// rendezvous-race with its paused stretch made 10 s longer (steps included).
	const text = readFileSync(shipped('rendezvous-race'), 'utf8');
	const lines = text.trimEnd().split('\n');
	const longer = lines
		.map((l, i) => {
			if (i === 0) return l;
			const o = JSON.parse(l);
			if (o.command !== 'pause' || o.wall > 1000) o.wall += 10_000;
			return JSON.stringify(o);
		})
		.join('\n');
	const file = path.join(dir, 'paused.jsonl');
	writeFileSync(file, longer + '\n');
	const session = parseSession(longer + '\n', 'paused.jsonl');
	const gaps = (events: Cast['events']): number => Math.max(...events.slice(1).map((e, i) => e[0] - events[i]![0]));

	const limited = path.join(dir, 'paused-2.cast');
	await exportSession(session, {cast: limited});
	const a = readCast(limited);
	assert.ok(gaps(a.events) <= 2 + 1e-6, `longest gap ${gaps(a.events)}`);
	assert.ok(gaps(a.events) > 1.9, 'the pause is kept, up to the limit');
	const marks = a.events.filter((e) => e[1] === 'm').map((e) => e[2]);
	assert.equal(marks.length, 5);
	assert.equal(marks[0], 'key space: paused');
	// Each step says which event ran, at its virtual time.
	for (const m of marks.slice(1, 4)) assert.match(m, /^key \.: step \d+\.\d{6}s: \S/);
	assert.equal(marks[4], 'key space: resumed');

	const whole = path.join(dir, 'paused-0.cast');
	await exportSession(session, {cast: whole, idleLimit: 0});
	const b = readCast(whole);
	assert.equal(b.header.idle_time_limit, undefined);
	assert.ok(gaps(b.events) >= 10, `longest gap ${gaps(b.events)}`);
	assert.ok(b.events.at(-1)![0] > a.events.at(-1)![0] + 8);

	const virtual = path.join(dir, 'paused-v.cast');
	await exportSession(session, {cast: virtual, pacing: 'virtual', idleLimit: 0});
	const c = readCast(virtual);
	// A second of cast per virtual second: the session covers 1.307 virtual seconds.
	assert.ok(Math.abs(c.events.at(-1)![0] - 1.306709972) < 0.001, `ends at ${c.events.at(-1)![0]}`);
	// The steps at one virtual instant share a time, each with its frame.
	const steps = c.events.filter((e) => e[1] === 'm' && e[2].startsWith('key .'));
	assert.equal(steps.length, 3);
	assert.ok(steps[0]![0] >= 0.752 && steps[2]![0] <= 0.754);
});

test('kernel warnings get short labels in words, from one table', () => {
	const cases: [string[], string | undefined][] = [
		[['------------[ cut here ]------------', 'WARNING: at kernel/watchdog.c:245 watchdog_overflow_callback+0xb2/0x1da()', 'Watchdog detected hard LOCKUP on cpu 1'], 'hard LOCKUP cpu 1'],
		[['NMI watchdog: Watchdog detected hard LOCKUP on cpu 2', 'Modules linked in: dtrace'], 'hard LOCKUP cpu 2'],
		[['BUG: soft lockup - CPU#0 stuck for 23s! [bash:812]'], 'soft lockup CPU#0 23s'],
		[['watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [dtrace:4711]'], 'soft lockup CPU#3 22s'],
		[['INFO: rcu_sched detected stalls on CPUs/tasks: { 1 3} (detected by 0, t=21002 jiffies, g=3200, c=3199, q=177)'], 'RCU stall on CPUs {1 3}'],
		[['rcu: INFO: rcu_sched detected stalls on CPUs/tasks:', 'rcu: \t1-....: (20999 ticks this GP) idle=8fc/1/0x4000000000000000 softirq=3/3 fqs=5 ', 'rcu: \t3-....: (1 ticks this GP)', '\t(detected by 0, t=21002 jiffies, g=1, q=0)'], 'RCU stall on CPUs {1 3}'],
		[['INFO: rcu_sched self-detected stall on CPU { 0}  (t=21000 jiffies g=30 c=29 q=26735)'], 'RCU self-detected stall CPU 0'],
		[['------------[ cut here ]------------', 'WARNING: at kernel/smp.c:381 smp_call_function_many+0x4f/0x2a0()', 'Modules linked in: dtrace'], 'WARN smp_call_function_many'],
		[['------------[ cut here ]------------', 'WARNING: CPU: 1 PID: 4711 at kernel/smp.c:381 smp_call_function_many+0x4f/0x2a0', 'Modules linked in: dtrace'], 'WARN smp_call_function_many'],
		[['BUG: scheduling while atomic: dtrace/4711/0x00010001'], 'BUG: scheduling while atomic'],
		[['', '===============================', '[ INFO: suspicious RCU usage. ]', '3.10.0 #1 Not tainted'], 'suspicious RCU usage'],
		[['', '=============================', 'WARNING: suspicious RCU usage', '6.1.0 #1 Not tainted'], 'suspicious RCU usage'],
		[['Kernel panic - not syncing: softlockup: hung tasks'], 'Kernel panic: softlockup: hung tasks'],
		[['Kernel panic - not syncing: Watchdog detected hard LOCKUP on cpu 1'], 'Kernel panic: hard LOCKUP cpu 1'],
		[['INFO: Stall ended before state dump start'], 'RCU stall ended'],
		[['__schedule_bug: 99990 callbacks suppressed'], undefined],
		[['fbt::perf_event_nmi_handler:entry fired on cpu 0'], undefined],
		[['e1000e 0000:00:19.0 eth0: Detected Hardware Unit Hang'], undefined],
	];
	for (const [lines, label] of cases) assert.equal(warningLabel(lines), label, lines.join(' / '));
});

test('markers: a warning repeating the marker before it is dropped; the idle limit shortens every gap', () => {
	const w = (ms: number, label: string) => Object.assign([ms, 'm', label] as [number, 'm', string], {warning: true});
	const out = finishEvents([[0, 'o', 'a'], w(100, 'BUG: x'), w(200, 'BUG: x'), [5000, 'm', 'key s: safe mode OFF'], w(9000, 'BUG: x'), [9500, 'o', 'b']], 2000);
	assert.deepEqual(out, [
		[0, 'o', 'a'],
		[100, 'm', 'BUG: x'],
		[2100, 'm', 'key s: safe mode OFF'],
		[4100, 'm', 'BUG: x'],
		[4600, 'o', 'b'],
	]);
});

test('changed lines only, in a terminal the same as the whole frame: colours, full-width and wide lines, fewer lines', async () => {
	const cols = 20;
	const frames = [
		['\u001B[36mheader\u001B[39m 0.1s', '\u001B[7m inverse line       \u001B[27m', 'plain', 'gone soon', '界界 wide'],
		['\u001B[36mheader\u001B[39m 0.2s', '\u001B[7m inverse line       \u001B[27m', 'a line of twenty ch.', 'gone soon', '界 wide'],
		['\u001B[31mheader\u001B[39m 0.3s', 'short', 'a line of twenty ch.', '', '\u001B[1mbold\u001B[22m'],
		['\u001B[31mheader\u001B[39m 0.3s', 'short'],
	];
	let previous: string[] | undefined;
	const chunks: string[] = [];
	for (const f of frames) {
		chunks.push(encodeFrame(previous, f, cols));
		previous = f;
	}
	assert.equal(encodeFrame(previous, frames.at(-1)!, cols), '', 'no change, nothing written');
	assert.ok(!chunks[1]!.includes('inverse line'), 'an unchanged line is not rewritten');
	assert.ok(!chunks[1]!.includes('a line of twenty ch.\u001B[K'), 'a full-width line is not erased after');
	for (let n = 1; n <= frames.length; n++) {
		const step = await play(cols, 6, chunks.slice(0, n));
		const full = await play(cols, 6, [`\u001B[H\u001B[2J${frames[n - 1]!.join('\r\n')}`]);
		assert.deepEqual(cells(step), cells(full), `frame ${n}`);
	}
});

test('a file that cannot be written: the error names the flag and the file, and no output appears', async () => {
	const session = loadSession(shipped('rcu-idle-probe'));
	const out = path.join(dir, 'both');
	mkdirSync(out);
	const cast = path.join(out, 'x.cast');
	const missing = path.join(dir, 'nonexistent', 'x.txt');
	await assert.rejects(exportSession(session, {cast, txt: missing}), (error: unknown) => {
		assert.ok(error instanceof OutputError);
		assert.equal(error.message, `--txt ${missing}: cannot write: ENOENT`);
		return true;
	});
	assert.deepEqual(readdirSync(out), [], 'the cast did not appear either, and no temporary file is left');
	// A target that is a directory (anything but a regular file) is refused before anything is renamed.
	const txt = path.join(out, 'x.txt');
	mkdirSync(path.join(out, 'dir.cast'));
	assert.throws(
		() =>
			writeAll([
				{flag: '--txt', file: txt, text: 'screen\n'},
				{flag: '--cast', file: path.join(out, 'dir.cast'), text: '{}\n'},
			]),
		/^Error: --cast .*dir\.cast: is a directory; export writes only regular files$/,
	);
	assert.equal(existsSync(txt), false);
	assert.deepEqual(readdirSync(out), ['dir.cast']);
	// Both writable: both appear.
	writeAll([
		{flag: '--txt', file: txt, text: 'screen\n'},
		{flag: '--cast', file: cast, text: '{}\n'},
	]);
	assert.deepEqual(readdirSync(out).sort(), ['dir.cast', 'x.cast', 'x.txt']);
});

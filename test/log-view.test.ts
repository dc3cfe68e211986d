// The Kernel log pane's model (source/ui/log/): message index, headlines, classes,
// collapsed repeats, search and the scroll window, on real scenario logs and synthetic rings.
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import type {Kernel} from '../source/kernel/kernel.js';
import {KernelLog, type LogLevel, type LogRecord} from '../source/kernel/klog.js';
import {loadScenario} from '../source/scenario/load.js';
import {buildKernel} from '../source/scenario/machine.js';
import {LogIndex} from '../source/ui/log/index.js';
import {clampWindow, entryText, revealScroll, type LogEntryRow, type LogList} from '../source/ui/log/list.js';
import {LOG_FILTERS, makeMessage, signatureOf, type LogFilter, type LogMessage} from '../source/ui/log/message.js';
import {MS, S} from './helpers.js';
import {overwrittenNote} from '../source/ui/panes/LogPane.js';

// --- helpers ---------------------------------------------------------------------------------

type Line = string | [LogLevel, string];

/** Prints one message: the first line is its head. */
function print(log: KernelLog, ns: number, lines: readonly Line[], cpu = 0, level: LogLevel = 'warn'): void {
	lines.forEach((l, i) => {
		const [lv, text] = typeof l === 'string' ? [level, l] : l;
		log.print(ns, cpu, lv, text, i === 0);
	});
}

const STACK = [' [<ffffffff81212f33>] dump_stack+0x73/0x16e', ' [<ffffffff813dbb03>] __schedule_bug+0x293/0x2d8', ' [<ffffffff8138d5a6>] __schedule+0x166/0x294'];

function schedBug(log: KernelLog, ns: number, preempt = '00010001'): void {
	print(log, ns, [['err', `BUG: scheduling while atomic: dtrace/4711/0x${preempt}`], 'Modules linked in: dtracedrv(PO)', 'CPU: 0 PID: 4711 Comm: dtrace Tainted: P        W  O 3.10.105 #1', 'Call Trace:', ...STACK]);
}

function hardLockup(log: KernelLog, ns: number, cpu: number): void {
	print(
		log,
		ns,
		['------------[ cut here ]------------', 'WARNING: at kernel/watchdog.c:245 watchdog_overflow_callback+0xb2/0x1da()', `Watchdog detected hard LOCKUP on cpu ${cpu}`, ' [<ffffffff81212f33>] dump_stack+0x73/0x16e', '---[ end trace 054a13c9b9746cdc ]---'],
		cpu,
	);
}

function softLockup(log: KernelLog, ns: number, cpu: number, seconds: number): void {
	print(log, ns, [`BUG: soft lockup - CPU#${cpu} stuck for ${seconds}s! [dtrace:4711]`, 'Modules linked in: dtracedrv(PO)', 'RIP: 0010:[<ffffffff810f11ad>]  [<ffffffff810f11ad>] dtrace_xcall2+0x1bd/0x38f'], cpu, 'emerg');
}

function rcuStall(log: KernelLog, ns: number, t: number): void {
	print(log, ns, [['err', `INFO: rcu_sched detected stalls on CPUs/tasks: { 1} (detected by 0, t=${t} jiffies, g=2, c=1, q=0)`], ['info', 'sending NMI to all CPUs:'], 'NMI backtrace for cpu 0', ' [<ffffffff8103ec50>] _raw_spin_lock+0x2b0/0x369']);
}

function all(list: LogList<LogEntryRow>): readonly LogEntryRow[] {
	return list.window({height: 1e9, scroll: 0}).rows;
}

function texts(list: LogList<LogEntryRow>): string[] {
	return all(list).map((e) => (e.count > 1 ? `${e.text} ×${e.count}` : e.text) + (e.suppressed ? ` +${e.suppressed}` : ''));
}

function indexed(log: KernelLog): LogIndex {
	const index = new LogIndex();
	index.update(log);
	return index;
}

/** What the index must hold: the ring's records grouped from each head, orphan tail skipped. */
function naiveMessages(log: KernelLog): LogRecord[][] {
	const out: LogRecord[][] = [];
	for (const r of log.since(0).records) {
		if (r.head) out.push([r]);
		else out.at(-1)?.push(r);
	}
	return out;
}

interface NaiveRun {
	text: string;
	count: number;
	firstNs: number;
	lastNs: number;
	seq: number;
	match: boolean;
}

/** Naive runs: maximal runs of equal signatures among the filter's messages (no notices). */
function naiveRuns(log: KernelLog, filter: LogFilter, query = ''): NaiveRun[] {
	const runs: (NaiveRun & {sig: string})[] = [];
	const q = query.toLowerCase();
	for (const recs of naiveMessages(log).filter((r) => r[0]!.head)) {
		const m = makeMessage(recs);
		if (filter !== 'all' && !m.classes.includes(filter)) continue;
		const match = q !== '' && recs.some((r) => r.text.toLowerCase().includes(q));
		const last = runs.at(-1);
		if (last?.sig === m.signature) Object.assign(last, {text: m.headline, count: last.count + 1, lastNs: m.ns, seq: m.seq, match: last.match || match});
		else runs.push({sig: m.signature, text: m.headline, count: 1, firstNs: m.ns, lastNs: m.ns, seq: m.seq, match});
	}
	return runs.map(({sig: _sig, ...r}) => r);
}

/** Offsets of every match, walking older from the newest row. */
function walk(list: LogList<unknown>, query: string): number[] {
	const out: number[] = [];
	for (let m = list.findMatch(query, -1, 'older'); m; m = list.findMatch(query, m.offset, 'older')) out.push(m.offset);
	return out;
}

function scenario(name: string, untilNs: number, frameNs = 50 * MS, inputs: {at: number; action: string}[] = []): {kernel: Kernel; index: LogIndex} {
	const kernel = buildKernel(loadScenario(name), {inputs});
	const index = new LogIndex();
	for (let t = frameNs; t <= untilNs; t += frameNs) {
		kernel.advance(t);
		index.update(kernel.log);
	}
	return {kernel, index};
}

const FRAME_LINE = /^\s*(<\w+>\s+)?\[<[0-9a-f]+>\]/;

// --- messages and headlines ----------------------------------------------------------------------

describe('messages and headlines', () => {
	test('a WARN splat is headed by what the watchdog said, a bare one by its WARNING line', () => {
		const log = new KernelLog();
		hardLockup(log, 10 * S, 1);
		print(log, 11 * S, ['------------[ cut here ]------------', 'WARNING: at kernel/smp.c:382 smp_call_function_many+0x1/0x2()', 'Modules linked in: x']);
		const ms = indexed(log).messages();
		assert.deepEqual(
			ms.map((m) => m.headline),
			['Watchdog detected hard LOCKUP on cpu 1', 'WARNING: at kernel/smp.c:382 smp_call_function_many+0x1/0x2()'],
		);
		assert.deepEqual(
			ms.map((m) => [m.key, m.seq, m.lastSeq, m.records.length]),
			[
				['m0', 0, 4, 5],
				['m5', 5, 7, 3],
			],
		);
	});

	test('lockdep: the bracketed 3.x header and the modern WARNING line, not the rules', () => {
		const log = new KernelLog();
		print(log, 1 * S, ['', '===============================', '[ INFO: suspicious RCU usage. ]', '3.10.105 #1 Not tainted', '-------------------------------', 'driver/dtrace.c:1387 suspicious rcu_dereference_check() usage!']);
		print(log, 2 * S, ['', '=============================', 'WARNING: suspicious RCU usage', '5.6.0-rc4 #1 Tainted: P           O', '-----------------------------']);
		print(log, 3 * S, ['------------[ cut here ]------------']);
		const ms = indexed(log).messages();
		assert.deepEqual(
			ms.map((m) => m.headline),
			['[ INFO: suspicious RCU usage. ]', 'WARNING: suspicious RCU usage', '------------[ cut here ]------------'],
		);
		assert.deepEqual(ms[0]!.classes, ['problems', 'rcu']);
	});

	test('a message takes the most severe level of its lines', () => {
		const log = new KernelLog();
		rcuStall(log, S, 21002);
		assert.equal(indexed(log).messages()[0]!.level, 'err');
	});

	test('messages are frozen plain data', () => {
		const log = new KernelLog();
		schedBug(log, S);
		const m = indexed(log).messages()[0]!;
		assert.ok(Object.isFrozen(m) && Object.isFrozen(m.records) && Object.isFrozen(m.classes));
	});

	test('a message continued by a later update is re-indexed as one message, under the same key', () => {
		const log = new KernelLog();
		const index = new LogIndex();
		print(log, S, ['------------[ cut here ]------------']);
		index.update(log);
		assert.equal(all(index.entries('all'))[0]!.text, '------------[ cut here ]------------');
		assert.deepEqual(all(index.entries('problems')), []);
		log.print(S, 0, 'warn', 'WARNING: at kernel/watchdog.c:245 watchdog_overflow_callback+0xb2/0x1da()', false);
		log.print(S, 0, 'warn', 'Watchdog detected hard LOCKUP on cpu 0', false);
		index.update(log);
		assert.deepEqual(
			index.messages().map((m) => [m.key, m.headline, m.records.length]),
			[['m0', 'Watchdog detected hard LOCKUP on cpu 0', 3]],
		);
		assert.deepEqual(texts(index.entries('problems')), ['Watchdog detected hard LOCKUP on cpu 0']);
		assert.equal(index.lines('all').total, 3);
		assert.equal(index.update(log), false, 'nothing new: nothing to do');
	});

	test('index.message() finds a held message by its key or by the key of the run it opened', () => {
		const log = new KernelLog();
		schedBug(log, S);
		schedBug(log, 2 * S);
		const index = indexed(log);
		const second = index.messages()[1]!;
		assert.equal(index.message(second.key), second);
		assert.equal(index.message(all(index.entries('all'))[0]!.key)?.seq, 0);
		assert.equal(index.message('m3'), undefined);
	});
});

// --- the ring overwriting messages --------------------------------------------------------------

describe('when the ring overwrites records', () => {
	test('a message whose head was overwritten is gone, even though part of its tail is left', () => {
		const log = new KernelLog(600);
		const index = new LogIndex();
		for (let i = 0; i < 6; i++) {
			schedBug(log, (i + 1) * S);
			index.update(log);
		}
		const first = log.since(0).records[0]!;
		assert.equal(first.head, false, 'the ring starts in the middle of a message');
		const ms = index.messages();
		assert.ok(ms.length > 0 && ms.length < 6);
		assert.deepEqual(
			ms.map((m) => m.seq),
			naiveMessages(log).filter((r) => r[0]!.head).map((r) => r[0]!.seq),
		);
		assert.ok(ms.every((m) => m.seq >= first.seq));
		assert.equal(index.overwritten, first.seq);
		const [e] = all(index.entries('all'));
		assert.equal(e!.text, 'BUG: scheduling while atomic: dtrace/4711/0x00010001');
		assert.equal(e!.count, ms.length);
		assert.equal(e!.firstNs, ms[0]!.ns);
		// The full view starts at the first held head, not at the orphaned tail.
		const lines = index.lines('all').window({height: 1e9, scroll: 0}).rows;
		assert.equal(lines[0]!.seq, ms[0]!.seq);
		assert.equal(lines.length, log.since(0).records.length - (ms[0]!.seq - first.seq));
	});

	test('a flood that overwrites a stall is counted: the pane title says how many lines and problem reports went', () => {
		const log = new KernelLog(2000);
		const index = new LogIndex();
		print(log, 21 * S, ['INFO: rcu_sched detected stalls on CPUs/tasks: { 0} (detected by 1, t=21002 jiffies, g=1, c=0, q=6308)']);
		index.update(log);
		for (let i = 0; i < 200; i++) {
			print(log, 22 * S + i * MS, ['mydrv 0000:03:00.0: rx fifo overrun, dropping frame'], 1, 'info');
			index.update(log);
		}
		assert.equal(index.droppedProblems, 1);
		assert.equal(index.unseen, 0);
		assert.equal(overwrittenNote({overwritten: index.overwritten, overwrittenReports: index.droppedProblems, reportsAtLeast: index.unseen > 0}), `${index.overwritten} old lines overwritten (1 problem report)`);
		// Read only now and then, the ring overwrites lines the index never saw: the count is a lower bound.
		const late = new LogIndex();
		late.update(log);
		for (let i = 0; i < 200; i++) print(log, 23 * S + i * MS, ['mydrv 0000:03:00.0: rx fifo overrun, dropping frame'], 1, 'info');
		print(log, 24 * S, [['err', 'BUG: soft lockup - CPU#0 stuck for 22s! [statd:1200]']]);
		late.update(log);
		for (let i = 0; i < 200; i++) print(log, 25 * S + i * MS, ['mydrv 0000:03:00.0: rx fifo overrun, dropping frame'], 1, 'info');
		late.update(log);
		assert.ok(late.unseen > 0);
		assert.equal(late.droppedProblems, 1);
		assert.equal(overwrittenNote({overwritten: late.overwritten, overwrittenReports: late.droppedProblems, reportsAtLeast: late.unseen > 0}), `${late.overwritten} old lines overwritten (≥1 problem report)`);
		assert.equal(overwrittenNote({overwritten: 0, overwrittenReports: 0, reportsAtLeast: false}), '');
		assert.equal(overwrittenNote({overwritten: 12, overwrittenReports: 0, reportsAtLeast: true}), '12 old lines overwritten');
	});

	test('records overwritten before the index read them: orphaned tails are skipped, nothing older survives', () => {
		const log = new KernelLog(1000);
		const index = new LogIndex();
		hardLockup(log, S, 1);
		index.update(log);
		for (let i = 0; i < 40; i++) schedBug(log, 2 * S + i * MS);
		index.update(log);
		const heads = naiveMessages(log).filter((r) => r[0]!.head);
		assert.deepEqual(
			index.messages().map((m) => m.seq),
			heads.map((r) => r[0]!.seq),
		);
		assert.ok(!index.messages().some((m) => m.headline.startsWith('Watchdog')));
		assert.deepEqual(texts(index.entries('all')), [`BUG: scheduling while atomic: dtrace/4711/0x00010001 ×${heads.length}`]);
	});

	test('a run shrinks from its old end as the ring drops its messages, and its key stays', () => {
		const log = new KernelLog(1200);
		const index = new LogIndex();
		hardLockup(log, S, 0);
		index.update(log);
		const counts: number[] = [];
		const keys = new Set<string>();
		for (let i = 0; i < 30; i++) {
			schedBug(log, 2 * S + i * S);
			index.update(log);
			const runs = all(index.entries('all'));
			const run = runs.at(-1)!;
			counts.push(run.count);
			keys.add(run.key);
			assert.equal(run.lastNs, 2 * S + i * S);
			assert.equal(run.firstNs, index.messages().find((m) => m.headline.startsWith('BUG'))!.ns);
		}
		// It grows until the ring is full, then holds as many as the ring does.
		const held = index.messages().length;
		assert.ok(held < 30 && !index.messages().some((m) => m.headline.startsWith('Watchdog')));
		assert.deepEqual(counts, Array.from({length: 30}, (_, i) => Math.min(i + 1, held)));
		assert.equal(keys.size, 1, 'the run keeps its key while its oldest messages go');
		assert.equal(index.entries('all').total, 1);
	});

	test('a new log (another kernel) starts the index afresh', () => {
		const a = new KernelLog();
		schedBug(a, S);
		const index = indexed(a);
		const b = new KernelLog();
		hardLockup(b, S, 2);
		index.update(b);
		assert.deepEqual(texts(index.entries('all')), ['Watchdog detected hard LOCKUP on cpu 2']);
	});

	test('incremental indexing agrees with a naive regrouping, whatever the frame cadence (random rings)', () => {
		let seed = 12345;
		const rand = (n: number): number => {
			seed = (seed * 1103515245 + 12345) & 0x7fffffff;
			return seed % n;
		};
		const kinds = [
			(log: KernelLog, ns: number) => schedBug(log, ns, rand(2) ? '00010001' : '00010002'),
			(log: KernelLog, ns: number) => hardLockup(log, ns, rand(3)),
			(log: KernelLog, ns: number) => softLockup(log, ns, rand(2), 20 + rand(40)),
			(log: KernelLog, ns: number) => rcuStall(log, ns, 21000 + rand(9000)),
			(log: KernelLog, ns: number) => print(log, ns, [`fbt::perf_event_nmi_handler:entry fired on cpu ${rand(2)}`]),
			(log: KernelLog, ns: number) => print(log, ns, [['info', 'e1000e 0000:00:19.0 eth0: Detected Hardware Unit Hang']]),
		];
		const queries = ['', 'cpu 1', 'DUMP_STACK', 'continued 2', 'stuck for 2'];
		for (let round = 0; round < 25; round++) {
			const log = new KernelLog(400 + rand(3000));
			const index = new LogIndex();
			const query = queries[round % queries.length]!;
			// Some rounds search from the start (hits kept up incrementally), others only at the checks.
			if (round % 2) index.entries('all').window({height: 1, scroll: 0, query});
			let ns = 0;
			for (let i = 0; i < 300; i++) {
				ns += 1 + rand(5) * MS;
				if (rand(8) === 0) log.print(ns, 0, 'warn', `continued ${rand(3)}`, false);
				else kinds[rand(kinds.length)]!(log, ns);
				if (rand(3) === 0) index.update(log);
				if (rand(10) === 0) {
					index.update(log);
					assert.deepEqual(
						index.messages().map((m) => m.records),
						naiveMessages(log).filter((r) => r[0]!.head),
					);
					for (const f of LOG_FILTERS) {
						const w = index.entries(f).window({height: 1e9, scroll: 0, query});
						const got = w.rows.map((e) => ({text: e.text, count: e.count, firstNs: e.firstNs, lastNs: e.lastNs, seq: e.seq, match: e.match}));
						const want = naiveRuns(log, f, query);
						assert.deepEqual(got, want, `round ${round} step ${i} filter ${f}`);
						assert.equal(w.matches, want.filter((r) => r.match).length);
						assert.deepEqual(
							walk(index.entries(f), query),
							want
								.map((r, k) => (r.match ? want.length - 1 - k : -1))
								.filter((o) => o >= 0)
								.reverse(),
						);
						const lines = index.messages().filter((m) => f === 'all' || m.classes.includes(f)).flatMap((m) => m.records);
						const lw = index.lines(f).window({height: 1e9, scroll: 0, query});
						assert.deepEqual(
							lw.rows.map((r) => r.seq),
							lines.map((r) => r.seq),
						);
						const hit = lines.map((r) => query !== '' && r.text.toLowerCase().includes(query.toLowerCase()));
						assert.deepEqual(
							lw.rows.map((r) => r.match),
							hit,
						);
						assert.equal(lw.matches, hit.filter(Boolean).length);
						assert.deepEqual(
							walk(index.lines(f), query),
							hit
								.map((h, k) => (h ? hit.length - 1 - k : -1))
								.filter((o) => o >= 0)
								.reverse(),
						);
					}
				}
			}
		}
	});
});

// --- repeats -----------------------------------------------------------------------------------

describe('repeats', () => {
	test('signatures drop what changes while the same thing goes on and keep who it happens to', () => {
		const same = (a: string, b: string): boolean => signatureOf(a) === signatureOf(b);
		assert.ok(same('BUG: scheduling while atomic: dtrace/4711/0x00010001', 'BUG: scheduling while atomic: dtrace/4711/0x00010002'));
		assert.ok(!same('BUG: scheduling while atomic: dtrace/4711/0x00010001', 'BUG: scheduling while atomic: dtrace/4712/0x00010001'));
		assert.ok(!same('Watchdog detected hard LOCKUP on cpu 1', 'Watchdog detected hard LOCKUP on cpu 3'));
		assert.ok(same('BUG: soft lockup - CPU#0 stuck for 23s! [dtrace:4711]', 'BUG: soft lockup - CPU#0 stuck for 49s! [dtrace:4711]'));
		assert.ok(!same('BUG: soft lockup - CPU#0 stuck for 23s! [dtrace:4711]', 'BUG: soft lockup - CPU#1 stuck for 23s! [dtrace:4711]'));
		assert.ok(same('INFO: rcu_sched detected stalls on CPUs/tasks: { 0} (detected by 1, t=21002 jiffies, g=2375, c=2374, q=51697)', 'INFO: rcu_sched detected stalls on CPUs/tasks: { 0} (detected by 1, t=84007 jiffies, g=2375, c=2374, q=69857)'));
		assert.ok(!same('INFO: rcu_sched detected stalls on CPUs/tasks: { 0} (detected by 1, t=1 jiffies)', 'INFO: rcu_sched detected stalls on CPUs/tasks: { 0 1} (detected by 1, t=1 jiffies)'));
		assert.ok(same('mutex_enter: taking a long time to grab lock mtx3=1', 'mutex_enter: taking a long time to grab lock mtx3=17'));
		assert.ok(same('dtrace_probe: re-entrancy: old=3 this=4 [#1]', 'dtrace_probe: re-entrancy: old=9 this=2 [#7]'));
		assert.ok(same('teardown done 1.250000000 xcalls=4 probes=0', 'teardown done 12.000000100 xcalls=400 probes=0'));
		assert.ok(!same('WARNING: at kernel/smp.c:382 f()', 'WARNING: at kernel/smp.c:383 f()'));
		assert.ok(same('__schedule_bug: 99990 callbacks suppressed', '__schedule_bug: 12 callbacks suppressed'));
	});

	test('a flood collapses into one run with its count, first and last time; others stay apart', () => {
		const log = new KernelLog();
		hardLockup(log, 1 * S, 1);
		hardLockup(log, 1 * S + MS, 3);
		for (let i = 0; i < 37; i++) schedBug(log, 2 * S + i * MS, i % 2 ? '00010001' : '00010002');
		rcuStall(log, 3 * S, 21002);
		const index = indexed(log);
		const rows = all(index.entries('all'));
		assert.deepEqual(texts(index.entries('all')), [
			'Watchdog detected hard LOCKUP on cpu 1',
			'Watchdog detected hard LOCKUP on cpu 3',
			'BUG: scheduling while atomic: dtrace/4711/0x00010002 ×37',
			'INFO: rcu_sched detected stalls on CPUs/tasks: { 1} (detected by 0, t=21002 jiffies, g=2, c=1, q=0)',
		]);
		const run = rows[2]!;
		assert.equal(run.firstNs, 2 * S);
		assert.equal(run.lastNs, 2 * S + 36 * MS);
		assert.equal(run.seq, index.messages().at(-2)!.seq, 'the run shows its newest message');
		assert.equal(run.level, 'err');
		assert.equal(entryText(run), '[    2.036000] BUG: scheduling while atomic: dtrace/4711/0x00010002  ×37 since 2.000s');
		assert.ok(Object.isFrozen(run) && Object.isFrozen(rows));
	});

	test('a soft lockup that goes on is one run showing the newest duration; another CPU is another run', () => {
		const log = new KernelLog();
		softLockup(log, 28 * S, 0, 23);
		softLockup(log, 54 * S, 0, 49);
		softLockup(log, 54 * S + MS, 1, 22);
		assert.deepEqual(texts(indexed(log).entries('all')), ['BUG: soft lockup - CPU#0 stuck for 49s! [dtrace:4711] ×2', 'BUG: soft lockup - CPU#1 stuck for 22s! [dtrace:4711]']);
	});

	test('"callbacks suppressed" notices fold into the run whose stack names the function, without breaking it', () => {
		const log = new KernelLog();
		for (let burst = 0; burst < 3; burst++) {
			if (burst > 0) print(log, (2 + 5 * burst) * S, ['__schedule_bug: 99990 callbacks suppressed']);
			for (let i = 0; i < 10; i++) schedBug(log, (2 + 5 * burst) * S + i * MS);
		}
		const index = indexed(log);
		assert.deepEqual(texts(index.entries('all')), ['BUG: scheduling while atomic: dtrace/4711/0x00010001 ×30 +199980']);
		assert.deepEqual(texts(index.entries('problems')), ['BUG: scheduling while atomic: dtrace/4711/0x00010001 ×30 +199980']);
		assert.match(entryText(all(index.entries('all'))[0]!), /×30 since 2\.000s \(\+199980 suppressed\)$/);
		// In the full view the notices are lines like any other.
		assert.equal(index.lines('all').total, 30 * 7 + 2);
	});

	test('a notice after something else is an entry of its own, and not a problem', () => {
		const log = new KernelLog();
		schedBug(log, 2 * S);
		rcuStall(log, 3 * S, 21002);
		print(log, 7 * S, ['__schedule_bug: 99990 callbacks suppressed']);
		print(log, 12 * S, ['__schedule_bug: 5 callbacks suppressed']);
		schedBug(log, 12 * S);
		const index = indexed(log);
		assert.deepEqual(texts(index.entries('all')), [
			'BUG: scheduling while atomic: dtrace/4711/0x00010001',
			'INFO: rcu_sched detected stalls on CPUs/tasks: { 1} (detected by 0, t=21002 jiffies, g=2, c=1, q=0)',
			'__schedule_bug: 5 callbacks suppressed ×2',
			'BUG: scheduling while atomic: dtrace/4711/0x00010001',
		]);
		assert.equal(index.messages()[2]!.suppressed?.count, 99990);
		assert.deepEqual(index.messages()[2]!.classes, []);
		assert.deepEqual(texts(index.entries('problems')), [
			'BUG: scheduling while atomic: dtrace/4711/0x00010001',
			'INFO: rcu_sched detected stalls on CPUs/tasks: { 1} (detected by 0, t=21002 jiffies, g=2, c=1, q=0)',
			'BUG: scheduling while atomic: dtrace/4711/0x00010001',
		]);
	});

	test('runs are per filter: what the filter hides does not break a run', () => {
		const log = new KernelLog();
		rcuStall(log, 21 * S, 21002);
		softLockup(log, 28 * S, 0, 23);
		rcuStall(log, 84 * S, 84007);
		const index = indexed(log);
		assert.equal(index.entries('all').total, 3);
		const [run] = all(index.entries('rcu'));
		assert.deepEqual([run!.count, run!.firstNs, run!.lastNs, run!.text.includes('t=84007')], [2, 21 * S, 84 * S, true]);
	});
});

// --- classes -----------------------------------------------------------------------------------

describe('classes', () => {
	test('problems are err or worse or a WARN/BUG/lockup/stall headline; rcu is what mentions RCU outside stack frames', () => {
		const log = new KernelLog();
		hardLockup(log, S, 0); // warn level, lockup headline
		print(log, 2 * S, ['fbt::perf_event_nmi_handler:entry fired on cpu 0']); // warn-level printk chatter
		print(log, 3 * S, [['info', 'dtracedrv loaded: /dev/dtrace available, dtrace_here=0 nr_cpus=4']]);
		print(log, 4 * S, [['err', 'e1000e: something failed']]);
		rcuStall(log, 5 * S, 21002);
		print(log, 6 * S, [['err', 'BUG: scheduling while atomic: x/1/0x00000002'], ' [<ffffffff81212f33>] rcu_process_callbacks+0x73/0x16e']);
		print(log, 7 * S, [['emerg', 'Kernel panic - not syncing: Watchdog detected hard LOCKUP on cpu 0']]);
		print(log, 8 * S, [['err', 'INFO: Stall ended before state dump start']]);
		print(log, 9 * S, [['warn', 'rcu: INFO: rcu_sched self-detected stall on CPU'], ['warn', 'rcu: \t0-....: (1 ticks this GP)']]);
		const classes = indexed(log)
			.messages()
			.map((m: LogMessage) => m.classes.join('+') || '-');
		assert.deepEqual(classes, ['problems', '-', '-', 'problems', 'problems+rcu', 'problems', 'problems', 'problems+rcu', 'problems+rcu']);
	});

	test('a filter that leaves nothing says so; an empty log says it is empty', () => {
		const log = new KernelLog();
		const index = indexed(log);
		assert.equal(index.entries('all').window({height: 10, scroll: 0}).empty, 'log');
		assert.equal(index.lines('rcu').window({height: 10, scroll: 0}).empty, 'log');
		schedBug(log, S);
		index.update(log);
		const w = index.entries('rcu').window({height: 10, scroll: 0});
		assert.deepEqual([w.empty, w.total, w.rows.length, w.scroll, w.newer], ['filter', 0, 0, 0, 0]);
		assert.equal(index.entries('all').window({height: 10, scroll: 0}).empty, undefined);
	});
});

// --- search ------------------------------------------------------------------------------------

describe('search', () => {
	function searchLog(): LogIndex {
		const log = new KernelLog();
		hardLockup(log, 1 * S, 0); // 0
		schedBug(log, 2 * S); // 1: stack names __schedule_bug
		rcuStall(log, 3 * S, 21002); // 2
		print(log, 4 * S, ['fbt::perf_event_nmi_handler:entry fired on cpu 2']); // 3
		schedBug(log, 5 * S); // 4
		print(log, 6 * S, ['dtracedrv loaded']); // 5
		return indexed(log);
	}

	test('matches are case-insensitive substrings of any line, not only the headline', () => {
		const index = searchLog();
		const w = index.entries('all').window({height: 10, scroll: 0, query: '__SCHEDULE_BUG+'});
		assert.deepEqual(
			w.rows.map((r) => r.match),
			[false, true, false, false, true, false],
		);
		assert.equal(w.matches, 2);
		const none = index.entries('all').window({height: 10, scroll: 0});
		assert.ok(none.rows.every((r) => !r.match));
		assert.equal(none.matches, 0);
	});

	test('n/N walk the matches older and newer from a position, and stop at the ends', () => {
		const list = searchLog().entries('all');
		const q = 'dump_stack';
		const older: number[] = [];
		for (let m = list.findMatch(q, -1, 'older'); m; m = list.findMatch(q, m.offset, 'older')) older.push(m.offset);
		assert.deepEqual(older, [1, 4, 5]);
		const newer: number[] = [];
		for (let m = list.findMatch(q, list.total, 'newer'); m; m = list.findMatch(q, m.offset, 'newer')) newer.push(m.offset);
		assert.deepEqual(newer, [5, 4, 1]);
		const m = list.findMatch(q, 2, 'newer')!;
		assert.equal(list.offsetOf(m.key), m.offset);
		assert.equal(list.findMatch('no such thing', -1, 'older'), undefined);
		assert.equal(list.findMatch('', -1, 'older'), undefined);
	});

	test('in the full view matches are lines', () => {
		const index = searchLog();
		const lines = index.lines('all');
		const w = lines.window({height: 1e9, scroll: 0, query: 'CPU 2'});
		assert.deepEqual(
			w.rows.filter((r) => r.match).map((r) => r.text),
			['fbt::perf_event_nmi_handler:entry fired on cpu 2'],
		);
		assert.equal(w.matches, 1);
		const hits: string[] = [];
		for (let m = lines.findMatch('dump_stack', -1, 'older'); m; m = lines.findMatch('dump_stack', m.offset, 'older')) {
			const row = lines.window({height: 1, scroll: m.offset}).rows[0]!;
			assert.equal(row.key, m.key);
			hits.push(row.text);
		}
		assert.equal(hits.length, 3);
		assert.ok(hits.every((t) => t.includes('dump_stack')));
	});

	test('the hits follow new messages, dropped messages and a changed query', () => {
		const log = new KernelLog(900);
		const index = new LogIndex();
		const list = index.entries('all');
		hardLockup(log, S, 0);
		index.update(log);
		assert.equal(list.window({height: 10, scroll: 0, query: 'lockup'}).matches, 1);
		print(log, 2 * S, ['fbt: nothing']);
		softLockup(log, 3 * S, 1, 23);
		index.update(log);
		assert.equal(list.window({height: 10, scroll: 0, query: 'lockup'}).matches, 2);
		assert.equal(list.window({height: 10, scroll: 0, query: 'fbt'}).matches, 1);
		for (let i = 0; i < 20; i++) print(log, (4 + i) * S, [`filler ${i} ${'x'.repeat(30)}`]);
		index.update(log);
		const w = list.window({height: 100, scroll: 0, query: 'lockup'});
		assert.equal(w.matches, w.rows.filter((r) => r.match).length);
		assert.ok(!index.messages().some((m) => m.headline.startsWith('Watchdog')));
	});
});

// --- the window --------------------------------------------------------------------------------

describe('window', () => {
	test('clampWindow: bounded by the content at both ends', () => {
		assert.deepEqual(clampWindow(100, 10, 0), {from: 90, to: 100, scroll: 0, maxScroll: 90});
		assert.deepEqual(clampWindow(100, 10, 95), {from: 0, to: 10, scroll: 90, maxScroll: 90});
		assert.deepEqual(clampWindow(100, 10, -3), {from: 90, to: 100, scroll: 0, maxScroll: 90});
		assert.deepEqual(clampWindow(5, 10, 3), {from: 0, to: 5, scroll: 0, maxScroll: 0});
		assert.deepEqual(clampWindow(0, 10, 3), {from: 0, to: 0, scroll: 0, maxScroll: 0});
		assert.deepEqual(clampWindow(10, 4, Infinity), {from: 0, to: 4, scroll: 6, maxScroll: 6});
		assert.deepEqual(clampWindow(10, 4, NaN), {from: 6, to: 10, scroll: 0, maxScroll: 6});
	});

	test('scrolling stops at the oldest entry; "new" counts entries below the window', () => {
		const log = new KernelLog();
		for (let i = 0; i < 12; i++) hardLockup(log, (i + 1) * S, i);
		const list = indexed(log).entries('all');
		const w = list.window({height: 5, scroll: 100});
		assert.deepEqual([w.total, w.scroll, w.maxScroll, w.newer, w.older, w.rows.length], [12, 7, 7, 7, 0, 5]);
		assert.deepEqual(
			w.rows.map((r) => r.text),
			[0, 1, 2, 3, 4].map((c) => `Watchdog detected hard LOCKUP on cpu ${c}`),
		);
		const bottom = list.window({height: 5, scroll: 0});
		assert.deepEqual([bottom.newer, bottom.older], [0, 7]);
		assert.equal(bottom.rows.at(-1)!.text, 'Watchdog detected hard LOCKUP on cpu 11');
	});

	test('"new" counts entries, not raw lines: a flood into the newest run adds nothing', () => {
		const log = new KernelLog();
		const index = new LogIndex();
		const list = index.entries('all');
		hardLockup(log, S, 0);
		schedBug(log, 2 * S);
		index.update(log);
		let w = list.window({height: 1, scroll: 1});
		assert.equal(w.rows[0]!.text, 'Watchdog detected hard LOCKUP on cpu 0');
		const end = w.end;
		for (let i = 0; i < 50; i++) schedBug(log, 3 * S + i * MS);
		index.update(log);
		w = list.window({height: 1, scroll: 1 + list.end - end});
		assert.deepEqual([w.newer, w.rows[0]!.text], [1, 'Watchdog detected hard LOCKUP on cpu 0']);
		softLockup(log, 4 * S, 1, 23);
		index.update(log);
		// Holding the position: add how far the end moved.
		w = list.window({height: 1, scroll: 1 + list.end - end});
		assert.deepEqual([w.newer, w.rows[0]!.text], [2, 'Watchdog detected hard LOCKUP on cpu 0']);
	});

	test('the full view windows lines, bounded the same way, with stable keys', () => {
		const log = new KernelLog();
		hardLockup(log, S, 0);
		schedBug(log, 2 * S);
		const lines = indexed(log).lines('all');
		assert.equal(lines.total, 5 + 7);
		const w = lines.window({height: 4, scroll: 6});
		assert.deepEqual(
			w.rows.map((r) => r.key),
			['r2', 'r3', 'r4', 'r5'],
		);
		assert.deepEqual(
			w.rows.map((r) => r.head),
			[false, false, false, true],
		);
		assert.deepEqual([w.newer, w.older], [6, 2]);
		assert.equal(lines.window({height: 4, scroll: 1e6}).scroll, 8);
		assert.equal(lines.offsetOf('r5'), 6);
		assert.equal(lines.offsetOf('r99'), undefined);
		// The problems filter in full: the WARN splat and the BUG, every line.
		assert.equal(indexed(log).lines('problems').total, 12);
	});

	test('revealScroll keeps a visible row where it is and centres one that is not', () => {
		assert.equal(revealScroll(3, 10, 0), 0);
		assert.equal(revealScroll(30, 10, 0), 26);
		assert.equal(revealScroll(2, 10, 20), 0);
	});
});

// --- real kernels ------------------------------------------------------------------------------

describe('scenario logs', () => {
	test('kill9-timeout at 45 s: the 10 s hard lockup is still reachable though 400 records back is mid-stack', () => {
		const {kernel, index} = scenario('kill9-timeout', 45 * S);
		const tail = kernel.log.tail(400);
		assert.ok(!tail.some((r) => r.text.startsWith('Watchdog')), 'the old pane could not reach it');
		assert.equal(tail[0]!.head, false);
		const problems = texts(index.entries('problems'));
		assert.ok(problems.includes('Watchdog detected hard LOCKUP on cpu 0'), problems.join('\n'));
		const first = all(index.entries('all'))[0]!;
		assert.ok(!FRAME_LINE.test(first.text), first.text);
		// One headline per held message, and those are exactly the ring's heads.
		assert.deepEqual(
			index.messages().map((m) => m.seq),
			kernel.log
				.since(0)
				.records.filter((r) => r.head)
				.map((r) => r.seq),
		);
	});

	test('kill9-timeout at 60 s: the flood is one run per stretch, the RCU stall stands out, the WARN is overwritten', () => {
		const {kernel, index} = scenario('kill9-timeout', 60 * S);
		const ring = kernel.log.since(0).records;
		assert.equal(ring[0]!.head, false, 'the ring starts mid-message');
		assert.ok(!ring.some((r) => r.text.startsWith('Watchdog')), 'the 10 s WARN is no longer in the kernel log');
		const bug = 'BUG: scheduling while atomic: dtrace/4711/0x00010001';
		// The stall's figures (g, c, q) are the RCU model's; what matters here is that it stands alone.
		const stall = index.messages().find((m) => m.headline.startsWith('INFO: rcu_sched detected stalls'))!.headline;
		assert.match(stall, /^INFO: rcu_sched detected stalls on CPUs\/tasks: \{ 0\} \(detected by 1, t=21002 jiffies, g=\d+, c=\d+, q=\d+\)$/);
		const bugs = index.messages().filter((m) => m.headline === bug).length;
		assert.deepEqual(texts(index.entries('all')), [`${bug} ×3`, stall, '__schedule_bug: 99990 callbacks suppressed', `${bug} ×${bugs - 3} +599940`]);
		assert.deepEqual(texts(index.entries('problems')), [`${bug} ×3`, stall, `${bug} ×${bugs - 3} +599940`]);
		assert.deepEqual(texts(index.entries('rcu')), [stall]);
		const rows = all(index.entries('all'));
		assert.equal(Math.floor(rows.at(-1)!.firstNs / 1000), 27_002_834);
		assert.equal(rows.at(-1)!.lastNs, index.messages().at(-1)!.ns);
		// Frame by frame or all at once: the same rows (keys aside: a run keeps the key it opened with).
		const fresh = indexed(kernel.log);
		for (const f of LOG_FILTERS) {
			const strip = (rs: readonly LogEntryRow[]): unknown[] => rs.map(({key: _key, ...r}) => r);
			assert.deepEqual(strip(all(fresh.entries(f))), strip(all(index.entries(f))));
			assert.equal(fresh.lines(f).total, index.lines(f).total);
		}
		// Search reaches stack frames: the BUG dumps and the stall's NMI backtrace of CPU0 name dmutex_enter, the notice does not.
		const w = index.entries('all').window({height: 10, scroll: 0, query: 'dmutex_enter'});
		assert.deepEqual(
			w.rows.map((r) => r.match),
			[true, true, false, true],
		);
		// Scrolling is bounded by the four entries.
		const top = index.entries('all').window({height: 2, scroll: 50});
		assert.deepEqual([top.scroll, top.newer, top.rows[0]!.text], [2, 2, bug]);
	});

	test('ipi-irqs-off at 90 s: one entry per event; the rcu filter folds the two stalls', () => {
		const {index} = scenario('ipi-irqs-off', 90 * S, 100 * MS);
		const rows = texts(index.entries('all'));
		assert.equal(rows.length, 4, rows.join('\n'));
		assert.equal(rows[0], 'Watchdog detected hard LOCKUP on cpu 1');
		assert.match(rows[1]!, /^INFO: rcu_sched detected stalls on CPUs\/tasks: \{ 1\} \(detected by 0, t=21002 jiffies, g=\d+, c=\d+, q=\d+\)$/);
		assert.equal(rows[2], 'BUG: soft lockup - CPU#0 stuck for 23s! [ipi_sender:1201]');
		assert.match(rows[3]!, /^INFO: rcu_sched detected stalls on CPUs\/tasks: \{ 1\} \(detected by 0, t=84007 jiffies, g=\d+, c=\d+, q=\d+\)$/);
		assert.equal(index.entries('problems').total, 4);
		// The two stalls are one run in the rcu filter: 63 s apart (t=21002, then t=84007 jiffies).
		const [stalls] = all(index.entries('rcu'));
		assert.equal(stalls!.count, 2);
		assert.equal(stalls!.lastNs - stalls!.firstNs, 63_005_000_000);
	});

	test('safe-xcall: hard lockups on different CPUs are different entries', () => {
		const {index} = scenario('safe-xcall', 30 * S, 100 * MS);
		const rows = texts(index.entries('problems'));
		assert.deepEqual(rows.slice(0, 2), ['Watchdog detected hard LOCKUP on cpu 0', 'Watchdog detected hard LOCKUP on cpu 1']);
	});

	test('rcu-idle-probe: the lockdep splat is headed by its WARNING line and is both a problem and RCU', () => {
		const {index} = scenario('rcu-idle-probe', 2 * S, 100 * MS);
		const [m] = index.messages();
		assert.equal(m!.headline, 'WARNING: suspicious RCU usage');
		assert.deepEqual(m!.classes, ['problems', 'rcu']);
		assert.equal(index.lines('rcu').total, m!.records.length);
	});

	test('printk-recursion: the e1000e flood collapses, nothing is a problem, search finds one CPU', () => {
		const {kernel, index} = scenario('printk-recursion', 5 * S, 100 * MS);
		const rows = all(index.entries('all'));
		assert.ok(rows.length * 5 < index.size, `${rows.length} entries for ${index.size} messages`);
		assert.ok(rows.some((r) => r.text.includes('Detected Hardware Unit Hang') && r.count > 10));
		assert.equal(index.entries('problems').window({height: 10, scroll: 0}).empty, 'filter');
		assert.equal(index.size, kernel.log.since(0).records.filter((r) => r.head).length);
		const list = index.entries('all');
		const m = list.findMatch('on cpu 2', -1, 'older')!;
		const row = list.window({height: 1, scroll: m.offset}).rows[0]!;
		assert.equal(row.text, 'fbt::perf_event_nmi_handler:entry fired on cpu 2');
	});

	test('demo with safe mode: two lockups, a stall and two soft lockups, oldest first', () => {
		const {index} = scenario('demo', 40 * S, 100 * MS, [{at: 2 * S, action: 'safe-mode'}]);
		const rows = texts(index.entries('all'));
		assert.equal(rows.length, 5);
		assert.match(rows[0]!, /^Watchdog detected hard LOCKUP on cpu 1$/);
		assert.match(rows[2]!, /^INFO: rcu_sched (self-)?detected stall/);
		assert.match(rows[4]!, /^BUG: soft lockup - CPU#2/);
	});

	test('rendezvous-race prints nothing: the pane may say the log is empty', () => {
		const {index} = scenario('rendezvous-race', 10 * S, 500 * MS);
		assert.equal(index.entries('all').window({height: 10, scroll: 3}).empty, 'log');
	});
});

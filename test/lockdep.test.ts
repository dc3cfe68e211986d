// lockdep (source/kernel/lockdep.ts, lockdep_report.ts): PROVE_LOCKING's reports, character
// for character as 3.10's kernel/lockdep.c prints them, reported once (the first report turns
// debug_locks off) and when the order is first seen, before anything deadlocks; and the
// mutex-abba scenario: the report, then the deadlock and the hung-task reports, and none of
// it with the mitigation.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {frame} from '../source/kernel/messages.js';
import type {Kernel} from '../source/kernel/kernel.js';
import {loadScenario} from '../source/scenario/load.js';
import {buildKernel, restoreKernel} from '../source/scenario/machine.js';
import {kernelFor, logTexts, MS, S} from './helpers.js';

/** The records of the message whose first line (after its printk("\n")) is `head`. */
function message(k: Kernel, head: string, until: string): string[] {
	const texts = logTexts(k);
	const i = texts.indexOf(head);
	assert.ok(i > 0, `"${head}" in the log`);
	const j = texts.indexOf(until, i);
	assert.ok(j > i, `"${until}" after "${head}"`);
	return texts.slice(i - 1, j + 1);
}

const count = (k: Kernel, text: string): number => logTexts(k).filter((t) => t === text).length;

/** Two tasks, two CPUs, mutexes taken in opposite orders, far apart in time (they never meet). */
function abba(extra: object = {}): object {
	const task = (cpu: number, comm: string, pid: number, first: string, second: string, startAt: string): object => ({
		cpu,
		comm,
		pid,
		startAt,
		repeat: 1,
		steps: [
			{op: 'mutex_lock', lock: first},
			{op: 'call', fn: 'work', for: '100us'},
			{op: 'mutex_lock', lock: second},
			{op: 'call', fn: 'work', for: '100us'},
			{op: 'mutex_unlock', lock: second},
			{op: 'mutex_unlock', lock: first},
		],
	});
	return {
		description: 'lockdep ABBA',
		cpus: 2,
		until: '20ms',
		debug: {PROVE_LOCKING: true},
		locks: [
			{name: 'A', kind: 'mutex'},
			{name: 'B', kind: 'mutex'},
		],
		tasks: [task(0, 'ta', 100, 'A', 'B', '0s'), task(1, 'tb', 101, 'B', 'A', '5ms')],
		...extra,
	};
}

const trace = (spaces: number, ...fns: string[]): string[] => fns.map((f) => ' '.repeat(spaces) + frame(f));

test('kernel/lockdep.c print_circular_bug: header, chain #1 then #0, print_circular_lock_scenario, held locks, backtrace; at the inverted acquisition', () => {
	const k = kernelFor(abba());
	k.advance(20 * MS);
	const at = ', at:' + frame('system_call_fastpath');
	assert.deepEqual(message(k, '======================================================', 'stack backtrace:'), [
		'',
		'======================================================',
		'[ INFO: possible circular locking dependency detected ]',
		'3.10.105 #1 Not tainted',
		'-------------------------------------------------------',
		'tb/101 is trying to acquire lock:',
		` (A){+.+...}${at}`,
		'',
		'but task is already holding lock:',
		` (B){+.+...}${at}`,
		'',
		'which lock already depends on the new lock.',
		'',
		'',
		'the existing dependency chain (in reverse order) is:',
		'',
		'-> #1 (B){+.+...}:',
		...trace(6, 'lock_acquire', 'mutex_lock_nested', 'system_call_fastpath'),
		'',
		'-> #0 (A){+.+...}:',
		...trace(6, '__lock_acquire', 'lock_acquire', 'mutex_lock_nested', 'system_call_fastpath'),
		'',
		'other info that might help us debug this:',
		'',
		' Possible unsafe locking scenario:',
		'',
		'       CPU0                    CPU1',
		'       ----                    ----',
		'  lock(B);',
		'                               lock(A);',
		'                               lock(B);',
		'  lock(A);',
		'',
		' *** DEADLOCK ***',
		'',
		'1 lock held by tb/101:',
		` #0:  (B){+.+...}${at}`,
		'',
		'stack backtrace:',
	]);
	const texts = logTexts(k);
	const bt = texts.indexOf('stack backtrace:');
	assert.equal(texts[bt + 1], 'CPU: 1 PID: 101 Comm: tb Not tainted 3.10.105 #1');
	assert.deepEqual(texts.slice(bt + 4, bt + 9), trace(0, 'dump_stack', 'print_circular_bug', '__lock_acquire', 'lock_acquire', 'mutex_lock_nested'));
	// Reported when tb takes A at 5.1 ms: nobody waited, nothing locked up; lock debugging is off now.
	const rec = k.log.since(0).records.find((r) => r.text.startsWith('[ INFO: possible circular'))!;
	assert.ok(rec.ns > 5 * MS && rec.ns < 5.2 * MS, `at ${rec.ns}`);
	assert.equal(k.lockup, undefined);
	assert.equal(k.s.debugLocks, false);
});

test('a longer cycle: "Chain exists of:" and the -> #2 .. #0 entries (print_circular_lock_scenario with parent != source)', () => {
	const step = (op: string, lock: string): object => ({op, lock});
	const t = (cpu: number, pid: number, a: string, b: string, startAt: string): object => ({
		cpu,
		comm: `t${pid}`,
		pid,
		startAt,
		repeat: 1,
		steps: [step('mutex_lock', a), step('mutex_lock', b), {op: 'call', fn: 'work', for: '10us'}, step('mutex_unlock', b), step('mutex_unlock', a)],
	});
	const k = kernelFor({...abba(), cpus: 3, locks: ['A', 'B', 'C'].map((name) => ({name, kind: 'mutex'})), tasks: [t(0, 100, 'A', 'B', '0s'), t(1, 101, 'B', 'C', '1ms'), t(2, 102, 'C', 'A', '2ms')]});
	k.advance(5 * MS);
	const lines = message(k, '======================================================', ' *** DEADLOCK ***');
	assert.ok(lines.includes('t102/102 is trying to acquire lock:'));
	const chain = lines.filter((l) => l.startsWith('-> #'));
	assert.deepEqual(chain, ['-> #2 (C){+.+...}:', '-> #1 (B){+.+...}:', '-> #0 (A){+.+...}:']);
	const i = lines.indexOf('Chain exists of:');
	assert.deepEqual(lines.slice(i, i + 12), [
		'Chain exists of:',
		'  A --> B --> C',
		'',
		' Possible unsafe locking scenario:',
		'',
		'       CPU0                    CPU1',
		'       ----                    ----',
		'  lock(C);',
		'                               lock(B);',
		'                               lock(C);',
		'  lock(A);',
		'',
	]);
});

test('reported once: the first report turns debug_locks off, and a second inversion later says nothing', () => {
	const k = kernelFor({
		...abba(),
		locks: ['A', 'B', 'C', 'D'].map((name) => ({name, kind: 'mutex'})),
		tasks: [
			{cpu: 0, comm: 'ta', pid: 100, repeat: 1, steps: [{op: 'mutex_lock', lock: 'A'}, {op: 'mutex_lock', lock: 'B'}, {op: 'mutex_unlock', lock: 'B'}, {op: 'mutex_unlock', lock: 'A'}, {op: 'mutex_lock', lock: 'C'}, {op: 'mutex_lock', lock: 'D'}, {op: 'mutex_unlock', lock: 'D'}, {op: 'mutex_unlock', lock: 'C'}]},
			{cpu: 1, comm: 'tb', pid: 101, repeat: 1, startAt: '1ms', steps: [{op: 'mutex_lock', lock: 'B'}, {op: 'mutex_lock', lock: 'A'}, {op: 'mutex_unlock', lock: 'A'}, {op: 'mutex_unlock', lock: 'B'}, {op: 'mutex_lock', lock: 'D'}, {op: 'mutex_lock', lock: 'C'}, {op: 'mutex_unlock', lock: 'C'}, {op: 'mutex_unlock', lock: 'D'}]},
		],
	});
	k.advance(5 * MS);
	assert.equal(count(k, '[ INFO: possible circular locking dependency detected ]'), 1);
	assert.ok(logTexts(k).includes(' (A){+.+...}, at:' + frame('system_call_fastpath')));
	assert.ok(!logTexts(k).some((t) => t.startsWith(' (C)') || t.startsWith(' (D)')));
});

test('without PROVE_LOCKING (no "debug" key) the same inversion prints nothing', () => {
	const s = abba() as Record<string, unknown>;
	delete s['debug'];
	const k = kernelFor(s);
	k.advance(20 * MS);
	assert.deepEqual(logTexts(k), []);
	assert.equal(k.s.debugLocks, true);
});

test('kernel/lockdep.c print_usage_bug: "inconsistent {HARDIRQ-ON-W} -> {IN-HARDIRQ-W} usage." when a handler first takes a lock a task took with IRQs on, on another CPU, before any lockup', () => {
	const k = kernelFor({
		description: 'usage',
		cpus: 2,
		debug: {PROVE_LOCKING: true},
		locks: [{name: 'L', kind: 'spinlock'}],
		tasks: [{cpu: 0, comm: 'drv', pid: 300, steps: [{op: 'spin_lock', lock: 'L'}, {op: 'call', fn: 'refill', for: '50us'}, {op: 'spin_unlock', lock: 'L'}, {op: 'idle', for: '1ms'}]}],
		irqs: [{irq: 19, name: 'eth0', cpu: 1, every: '3ms', steps: [{op: 'spin_lock', lock: 'L'}, {op: 'run', for: '2us'}, {op: 'spin_unlock', lock: 'L'}]}],
	});
	k.advance(10 * MS);
	const lines = message(k, '=================================', 'stack backtrace:');
	assert.deepEqual(lines.slice(0, 9), [
		'',
		'=================================',
		'[ INFO: inconsistent lock state ]',
		'3.10.105 #1 Not tainted',
		'---------------------------------',
		'inconsistent {HARDIRQ-ON-W} -> {IN-HARDIRQ-W} usage.',
		'swapper/1/0 [HC1[1]:SC0[0]:HE0:SE1] takes:',
		' (L){?.+...}, at:' + frame('eth0_interrupt'),
		'{HARDIRQ-ON-W} state was registered at:',
	]);
	assert.deepEqual(lines.slice(9, 13), trace(1, '__lock_acquire', 'lock_acquire', '_raw_spin_lock', 'system_call_fastpath'));
	assert.match(lines[13]!, /^irq event stamp: \d+$/);
	assert.match(lines[14]!, /^hardirqs last {2}enabled at \(\d+\): \[<[0-9a-f]{16}>\] \S+\+0x[0-9a-f]+\/0x[0-9a-f]+$/);
	assert.match(lines[15]!, /^hardirqs last disabled at \(\d+\): \[<[0-9a-f]{16}>\] common_interrupt\+/);
	assert.match(lines[16]!, /^softirqs last {2}enabled at /);
	assert.match(lines[17]!, /^softirqs last disabled at /);
	assert.deepEqual(lines.slice(18), [
		'',
		'other info that might help us debug this:',
		' Possible unsafe locking scenario:',
		'',
		'       CPU0',
		'       ----',
		'  lock(L);',
		'  <Interrupt>',
		'    lock(L);',
		'',
		' *** DEADLOCK ***',
		'',
		'no locks held by swapper/1/0.',
		'',
		'stack backtrace:',
	]);
	assert.equal(k.lockup, undefined, 'the handler ran on CPU1: nothing locked up, lockdep saw the danger anyway');
	assert.equal(count(k, '[ INFO: inconsistent lock state ]'), 1);
});

test('the other way round: a lock first taken in a handler, then by a task with IRQs on: {IN-HARDIRQ-W} -> {HARDIRQ-ON-W}; mark_irqflags stops at the hardirq bit, before SOFTIRQ-ON-W is set ({?.....})', () => {
	const k = kernelFor({
		description: 'usage reversed',
		cpus: 2,
		debug: {PROVE_LOCKING: true},
		locks: [{name: 'L', kind: 'spinlock'}],
		tasks: [{cpu: 0, comm: 'drv', pid: 300, startAt: '2ms', repeat: 1, steps: [{op: 'spin_lock', lock: 'L'}, {op: 'call', fn: 'refill', for: '50us'}, {op: 'spin_unlock', lock: 'L'}]}],
		irqs: [{irq: 19, name: 'eth0', cpu: 1, every: '1ms', steps: [{op: 'spin_lock', lock: 'L'}, {op: 'spin_unlock', lock: 'L'}]}],
	});
	k.advance(3 * MS);
	const lines = message(k, '=================================', '{IN-HARDIRQ-W} state was registered at:');
	assert.deepEqual(lines.slice(5), ['inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage.', 'drv/300 [HC0[0]:SC0[0]:HE1:SE1] takes:', ' (L){?.....}, at:' + frame('system_call_fastpath'), '{IN-HARDIRQ-W} state was registered at:']);
});

test('spin_lock_irqsave in process context is consistent with the handler: no report', () => {
	const k = kernelFor({
		description: 'irqsave',
		cpus: 2,
		debug: {PROVE_LOCKING: true},
		locks: [{name: 'L', kind: 'spinlock'}],
		tasks: [{cpu: 0, comm: 'drv', pid: 300, steps: [{op: 'spin_lock', lock: 'L', irqsave: true}, {op: 'call', fn: 'refill', for: '50us'}, {op: 'spin_unlock', lock: 'L'}, {op: 'idle', for: '1ms'}]}],
		irqs: [{irq: 19, name: 'eth0', cpu: 1, every: '300us', steps: [{op: 'spin_lock', lock: 'L'}, {op: 'spin_unlock', lock: 'L'}]}],
	});
	k.advance(20 * MS);
	assert.deepEqual(logTexts(k), []);
});

test('kernel/lockdep.c print_deadlock_bug: a task taking a mutex it holds: "possible recursive locking detected", before it sleeps for ever', () => {
	const k = kernelFor({
		description: 'AA mutex',
		cpus: 1,
		debug: {PROVE_LOCKING: true},
		locks: [{name: 'M', kind: 'mutex'}],
		tasks: [{cpu: 0, comm: 'aa', pid: 400, steps: [{op: 'mutex_lock', lock: 'M'}, {op: 'mutex_lock', lock: 'M'}]}],
	});
	k.advance(5 * MS);
	const at = ', at:' + frame('system_call_fastpath');
	assert.deepEqual(message(k, '=============================================', 'stack backtrace:'), [
		'',
		'=============================================',
		'[ INFO: possible recursive locking detected ]',
		'3.10.105 #1 Not tainted',
		'---------------------------------------------',
		'aa/400 is trying to acquire lock:',
		` (M){+.+...}${at}`,
		'',
		'but task is already holding lock:',
		` (M){+.+...}${at}`,
		'',
		'other info that might help us debug this:',
		' Possible unsafe locking scenario:',
		'',
		'       CPU0',
		'       ----',
		'  lock(M);',
		'  lock(M);',
		'',
		' *** DEADLOCK ***',
		'',
		' May be due to missing lock nesting notation',
		'',
		'1 lock held by aa/400:',
		` #0:  (M){+.+...}${at}`,
		'',
		'stack backtrace:',
	]);
	assert.ok(k.lockup);
});

test('a proprietary module (the DTrace port taints P) has turned lock debugging off: lockdep says nothing', () => {
	const k = kernelFor({...abba(), dtrace: {consumer: {pid: 4711, cpu: 0}, probes: 10}});
	k.advance(20 * MS);
	assert.equal(count(k, '[ INFO: possible circular locking dependency detected ]'), 0);
});

// --- the shipped scenario ---------------------------------------------------------------

test('mutex-abba: lockdep reports the cycle the first time dev_reset inverts the order, long before the two tasks deadlock; then hung-task names both', () => {
	const loaded = loadScenario('mutex-abba');
	const k = buildKernel(loaded);
	k.advance(loaded.scenario.until);
	const records = k.log.since(0).records;
	const reports = records.filter((r) => r.text === '[ INFO: possible circular locking dependency detected ]');
	assert.equal(reports.length, 1);
	assert.ok(k.lockup, 'the tasks met and deadlocked');
	assert.equal(k.lockup.kind, 'deadlock');
	assert.deepEqual(k.lockup.tasks, [{comm: 'cfg_ioctl', pid: 2101}, {comm: 'dev_reset', pid: 2102}]);
	assert.ok(reports[0]!.ns < k.lockup.at, `lockdep at ${reports[0]!.ns}, deadlock at ${k.lockup.at}`);
	assert.match(k.lockup.explanation, /cfg_ioctl \(pid 2101\) sleeps on mutex dev_mutex held by dev_reset \(pid 2102\); dev_reset \(pid 2102\) sleeps on mutex cfg_mutex held by cfg_ioctl \(pid 2101\)/);
	assert.ok(logTexts(k).includes('dev_reset/2102 is trying to acquire lock:'));
	// Both in D state for more than 120 s: khungtaskd (every 120 s) sees them unchanged on its second look after they blocked.
	const hung = records.filter((r) => r.text.startsWith('INFO: task '));
	assert.deepEqual(hung.map((r) => r.text), ['INFO: task cfg_ioctl:2101 blocked for more than 120 seconds.', 'INFO: task dev_reset:2102 blocked for more than 120 seconds.']);
	assert.ok(hung.every((r) => r.ns === 240 * S));
	// debug_show_held_locks(t) follows each: lockdep turned itself off at its report.
	assert.equal(count(k, 'INFO: lockdep is turned off.'), 2);
	assert.equal(k.warnings.hungTask, 2);
});

test('mutex-abba mitigated: dev_reset takes cfg_mutex first, one order, no report and no lockup', () => {
	const k = buildKernel(loadScenario('mutex-abba'), {mitigated: true});
	k.advance(loadScenario('mutex-abba').scenario.until);
	assert.equal(k.lockup, undefined);
	assert.deepEqual(logTexts(k), []);
	assert.ok(k.locks.get('cfg_mutex')!.acquisitions > 1000, 'both tasks kept going');
	assert.ok(k.locks.get('cfg_mutex')!.contentions > 0, 'and did contend');
});

test('mutex-abba: a checkpoint before the report runs on to the same report, deadlock and hash; two runs agree', () => {
	const loaded = loadScenario('mutex-abba');
	const a = buildKernel(loaded);
	a.advance(2 * MS + 7);
	assert.equal(a.s.debugLocks, true, 'not reported yet');
	const restored = restoreKernel(loaded, structuredClone(a.checkpoint()));
	const b = buildKernel(loaded);
	for (const k of [a, restored, b]) k.advance(loaded.scenario.until);
	assert.equal(restored.eventHash, a.eventHash);
	assert.equal(b.eventHash, a.eventHash);
	assert.deepEqual(logTexts(restored), logTexts(a));
	assert.equal(restored.lockup?.at, a.lockup?.at);
});

// The scenario's "debug" key (3.10 Kconfig): DEBUG_SPINLOCK's lock-side reports
// (lib/spinlock_debug.c) and DEBUG_ATOMIC_SLEEP's (kernel/sched/core.c), their exact texts,
// when they come, how often, and that without the key nothing new is printed.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {frame} from '../source/kernel/messages.js';
import type {Kernel} from '../source/kernel/kernel.js';
import {SPIN_LOCKUP_NS} from '../source/kernel/spinlock_debug.js';
import {InputError} from '../source/scenario/load.js';
import {inline, kernelFor, logTexts, MS, S} from './helpers.js';

const recordsStarting = (k: Kernel, prefix: string) => k.log.since(0).records.filter((r) => r.text.startsWith(prefix));

/** CPU0's task holds L for `hold`; CPU1's task wants it 1 ms later. */
function holder(hold: string, debug?: object): object {
	return {
		description: 'spin holder',
		cpus: 2,
		until: '5s',
		...(debug ? {debug} : {}),
		locks: [{name: 'L', kind: 'spinlock'}],
		tasks: [
			{cpu: 0, comm: 'owner', pid: 500, repeat: 1, steps: [{op: 'spin_lock', lock: 'L'}, {op: 'call', fn: 'slow_path', for: hold}, {op: 'spin_unlock', lock: 'L'}]},
			{cpu: 1, comm: 'waiter', pid: 501, startAt: '1ms', repeat: 1, steps: [{op: 'spin_lock', lock: 'L'}, {op: 'spin_unlock', lock: 'L'}]},
		],
	};
}

test('lib/spinlock_debug.c spin_dump: "BUG: spinlock lockup suspected on CPU#%d, %s/%d" and " lock: %pS, .magic: %08x, .owner: %s/%d, .owner_cpu: %d" after loops_per_jiffy * HZ (1 s) of spinning, then trigger_all_cpu_backtrace', () => {
	const k = kernelFor(holder('3s', {DEBUG_SPINLOCK: true}));
	k.advance(5 * S);
	const heads = recordsStarting(k, 'BUG: spinlock');
	assert.equal(heads.length, 1, 'one report: after it the CPU spins on in arch_spin_lock');
	assert.equal(heads[0]!.ns, 1 * MS + SPIN_LOCKUP_NS);
	assert.equal(SPIN_LOCKUP_NS, S);
	const texts = logTexts(k);
	const i = texts.indexOf('BUG: spinlock lockup suspected on CPU#1, waiter/501');
	assert.deepEqual(texts.slice(i, i + 8), [
		'BUG: spinlock lockup suspected on CPU#1, waiter/501',
		' lock: L+0x0/0x40, .magic: dead4ead, .owner: owner/500, .owner_cpu: 0',
		'CPU: 1 PID: 501 Comm: waiter Not tainted 3.10.105 #1',
		'Hardware name: xcalltop emulated SMP machine, BIOS 1.0 11/21/2026',
		'Call Trace:',
		frame('dump_stack'),
		frame('spin_dump'),
		frame('do_raw_spin_lock'),
	]);
	assert.equal(texts[i + 8], frame('_raw_spin_lock'));
	assert.ok(texts.includes('sending NMI to all CPUs:'));
	assert.ok(texts.includes('NMI backtrace for cpu 0') && texts.includes('NMI backtrace for cpu 1'));
	assert.equal(k.lockup, undefined, 'the owner let go at 3 s: a suspected lockup, not a real one');
});

test('a spin shorter than a second: no report; the same scenario without "debug": no report', () => {
	for (const k of [kernelFor(holder('900ms', {DEBUG_SPINLOCK: true})), kernelFor(holder('3s'))]) {
		k.advance(5 * S);
		assert.equal(recordsStarting(k, 'BUG: spinlock').length, 0);
	}
});

test('"lockup suspected" is not gated by debug_locks: it still prints after an earlier report has turned lock debugging off', () => {
	const s = holder('3s', {DEBUG_SPINLOCK: true}) as {tasks: {steps: object[]}[]};
	// A bad unlock first (spin_bug "already unlocked" turns debug_locks off)... on a lock of its own.
	const k = kernelFor({...s, locks: [{name: 'L', kind: 'spinlock'}, {name: 'X', kind: 'spinlock'}], tasks: [...s.tasks, {cpu: 1, comm: 'early', pid: 502, repeat: 1, steps: [{op: 'spin_lock', lock: 'X'}, {op: 'spin_unlock', lock: 'X'}, {op: 'idle', for: '10us'}]}]});
	k.s.debugLocks = false;
	k.advance(5 * S);
	assert.equal(recordsStarting(k, 'BUG: spinlock lockup suspected on CPU#1').length, 1);
});

test('spin_bug "recursion" (lock->owner == current): a task taking a spinlock it holds: once at once, then "lockup suspected" a second later', () => {
	const k = kernelFor({
		description: 'AA spin',
		cpus: 2,
		debug: {DEBUG_SPINLOCK: true},
		locks: [{name: 'L', kind: 'spinlock'}],
		tasks: [{cpu: 0, comm: 'aa', pid: 600, steps: [{op: 'run', for: '1ms', mode: 'kernel'}, {op: 'spin_lock', lock: 'L'}, {op: 'spin_lock', lock: 'L'}]}],
	});
	k.advance(3 * S);
	const heads = recordsStarting(k, 'BUG: spinlock');
	assert.deepEqual(heads.map((r) => r.text), ['BUG: spinlock recursion on CPU#0, aa/600', 'BUG: spinlock lockup suspected on CPU#0, aa/600']);
	assert.ok(heads[0]!.ns > 1 * MS && heads[0]!.ns < 1.1 * MS, 'at the second spin_lock, after the 1 ms run');
	assert.equal(heads[1]!.ns - heads[0]!.ns, SPIN_LOCKUP_NS);
	const texts = logTexts(k);
	const i = texts.indexOf('BUG: spinlock recursion on CPU#0, aa/600');
	assert.equal(texts[i + 1], ' lock: L+0x0/0x40, .magic: dead4ead, .owner: aa/600, .owner_cpu: 0');
	assert.deepEqual(texts.slice(i + 5, i + 10), [frame('dump_stack'), frame('spin_dump'), frame('spin_bug'), frame('do_raw_spin_lock'), frame('_raw_spin_lock')]);
	assert.equal(k.lockup?.kind, 'self-deadlock');
});

test('PROVE_LOCKING selects DEBUG_SPINLOCK: lockdep reports the AA first, so spin_bug stays silent (debug_locks is off), and "lockup suspected" still comes', () => {
	const k = kernelFor({
		description: 'AA spin lockdep',
		cpus: 1,
		debug: {PROVE_LOCKING: true},
		locks: [{name: 'L', kind: 'spinlock'}],
		tasks: [{cpu: 0, comm: 'aa', pid: 600, steps: [{op: 'spin_lock', lock: 'L'}, {op: 'spin_lock', lock: 'L'}]}],
	});
	k.advance(2 * S);
	const texts = logTexts(k);
	assert.ok(texts.includes('[ INFO: possible recursive locking detected ]'));
	assert.ok(!texts.includes('BUG: spinlock recursion on CPU#0, aa/600'));
	assert.ok(texts.includes('BUG: spinlock lockup suspected on CPU#0, aa/600'));
});

test('the schema: PROVE_LOCKING with DEBUG_SPINLOCK written false is refused (Kconfig selects it); unknown options are refused', () => {
	assert.throws(() => inline({description: 'x', cpus: 1, debug: {PROVE_LOCKING: true, DEBUG_SPINLOCK: false}}), (e: unknown) => e instanceof InputError && /\$\.debug\.DEBUG_SPINLOCK: PROVE_LOCKING selects DEBUG_SPINLOCK/.test(e.message));
	assert.throws(() => inline({description: 'x', cpus: 1, debug: {LOCKDEP: true}}), (e: unknown) => e instanceof InputError && /debug/.test(e.message));
});

// --- DEBUG_ATOMIC_SLEEP -------------------------------------------------------------------

function sleepy(steps: object[], debug: object | undefined, extra: object = {}): Kernel {
	return kernelFor({
		description: 'atomic sleep',
		cpus: 1,
		...(debug ? {debug} : {}),
		locks: [
			{name: 'S', kind: 'spinlock'},
			{name: 'M', kind: 'mutex'},
		],
		tasks: [{cpu: 0, comm: 'sleepy', pid: 700, steps}],
		...extra,
	});
}

const mutexUnderSpin = [{op: 'spin_lock', lock: 'S'}, {op: 'mutex_lock', lock: 'M'}, {op: 'mutex_unlock', lock: 'M'}, {op: 'spin_unlock', lock: 'S'}, {op: 'run', for: '100ms'}];

test('kernel/sched/core.c __might_sleep: "BUG: sleeping function called from invalid context at %s:%d" and "in_atomic(): %d, irqs_disabled(): %d, pid: %d, name: %s", mutex_lock under a spinlock, at most once a second (prev_jiffy)', () => {
	const k = sleepy(mutexUnderSpin, {DEBUG_ATOMIC_SLEEP: true});
	k.advance(2 * S + 50 * MS);
	const heads = recordsStarting(k, 'BUG: sleeping function');
	// Every 100 ms the task does it again; __might_sleep prints at 0 s, then the first time a second (HZ jiffies) has passed, and again.
	assert.equal(heads.length, 3);
	assert.equal(heads[0]!.ns, 0);
	for (let i = 1; i < 3; i++) {
		const gap = heads[i]!.ns - heads[i - 1]!.ns;
		assert.ok(gap >= S && gap < S + 110 * MS, `gap ${gap}`);
	}
	const texts = logTexts(k);
	const i = texts.indexOf('BUG: sleeping function called from invalid context at kernel/mutex.c:95');
	assert.ok(i >= 0);
	assert.equal(texts[i + 1], 'in_atomic(): 1, irqs_disabled(): 0, pid: 700, name: sleepy');
	assert.deepEqual(texts.slice(i + 5, i + 8), [frame('dump_stack'), frame('__might_sleep'), frame('mutex_lock')]);
	assert.equal(k.log.since(0).records[i]!.level, 'err');
});

test('with IRQs off and no lock: in_atomic(): 0, irqs_disabled(): 1; with PROVE_LOCKING mutex_lock is mutex_lock_nested (kernel/mutex.c:413), and the held locks and irq events follow', () => {
	const k = sleepy([{op: 'irq_disable'}, {op: 'mutex_lock', lock: 'M'}, {op: 'mutex_unlock', lock: 'M'}, {op: 'irq_enable'}, {op: 'idle', for: '10ms'}], {DEBUG_ATOMIC_SLEEP: true, PROVE_LOCKING: true});
	k.advance(5 * MS);
	const texts = logTexts(k);
	const i = texts.indexOf('BUG: sleeping function called from invalid context at kernel/mutex.c:413');
	assert.ok(i >= 0, texts.join('\n'));
	assert.deepEqual(texts.slice(i + 1, i + 3), ['in_atomic(): 0, irqs_disabled(): 1, pid: 700, name: sleepy', 'no locks held by sleepy/700.']);
	assert.match(texts[i + 3]!, /^irq event stamp: \d+$/);
	assert.match(texts[i + 5]!, /^hardirqs last disabled at \(\d+\): \[<[0-9a-f]{16}>\] system_call_fastpath\+/);
});

test('__schedule_bug: an idle (msleep) holding a spinlock: "BUG: scheduling while atomic: %s/%d/0x%08x" (the count includes __schedule()\'s own +1), every time', () => {
	const k = sleepy([{op: 'spin_lock', lock: 'S'}, {op: 'idle', for: '1ms'}, {op: 'spin_unlock', lock: 'S'}, {op: 'run', for: '1ms'}], {DEBUG_ATOMIC_SLEEP: true});
	k.advance(10 * MS);
	const heads = recordsStarting(k, 'BUG: scheduling while atomic');
	assert.ok(heads.length >= 4, `${heads.length}`);
	assert.equal(heads[0]!.text, 'BUG: scheduling while atomic: sleepy/700/0x00000002');
	const texts = logTexts(k);
	const i = texts.indexOf(heads[0]!.text);
	assert.equal(texts[i + 1], 'Modules linked in: virtio_net virtio_blk ext4 jbd2 mbcache');
	assert.ok(k.taint.has('W'));
});

test('without DEBUG_ATOMIC_SLEEP (no PREEMPT_COUNT, spinlocks do not count) the same steps print nothing', () => {
	for (const steps of [mutexUnderSpin, [{op: 'spin_lock', lock: 'S'}, {op: 'idle', for: '1ms'}, {op: 'spin_unlock', lock: 'S'}, {op: 'run', for: '1ms'}]]) {
		const k = sleepy(steps, undefined);
		k.advance(2 * S);
		assert.deepEqual(logTexts(k), []);
	}
});

test('a handler step that sleeps stays a load-time error with the option on', () => {
	assert.throws(
		() => inline({description: 'x', cpus: 1, debug: {DEBUG_ATOMIC_SLEEP: true}, locks: [{name: 'M', kind: 'mutex'}], irqs: [{irq: 19, name: 'eth0', cpu: 0, every: '1ms', steps: [{op: 'mutex_lock', lock: 'M'}, {op: 'mutex_unlock', lock: 'M'}]}]}),
		(e: unknown) => e instanceof InputError && /may not sleep/.test(e.message),
	);
});

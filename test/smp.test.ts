// kernel/smp.c's csd serialization: csd_lock() on the caller's per-target csd (cfd_data,
// or csd_data with one target) waits until the previous call that used it has run there,
// whatever the wait flag, so a second asynchronous cross-call to a CPU spinning with IRQs
// off waits for ever.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {describe, waitPhrase} from '../source/kernel/describe.js';
import {kernelFor, logTexts, MS, S} from './helpers.js';

/** CPU0 holds A and sends `calls` asynchronous cross-calls; CPU1 wants A with IRQs off. */
function scenario(calls: number, cpus = 3) {
	const async = {op: 'smp_call_function', func: 'drain_local_pages', wait: false};
	return {
		description: 'async cross-calls to a CPU spinning with IRQs off',
		cpus,
		hz: 1000,
		locks: [{name: 'A', kind: 'spinlock'}],
		tasks: [
			{cpu: 0, comm: 'caller', pid: 10, repeat: 1, steps: [{op: 'spin_lock', lock: 'A'}, {op: 'run', for: '1ms', mode: 'kernel'}, ...Array.from({length: calls}, () => async), {op: 'run', for: '1ms', mode: 'kernel'}, {op: 'spin_unlock', lock: 'A'}, {op: 'idle', for: '1s'}]},
			{cpu: 1, comm: 'taker', pid: 11, repeat: 1, steps: [{op: 'run', for: '100us', mode: 'kernel'}, {op: 'spin_lock', lock: 'A', irqsave: true}, {op: 'run', for: '1ms', mode: 'kernel'}, {op: 'spin_unlock', lock: 'A'}, {op: 'idle', for: '1s'}]},
		],
	};
}

for (const cpus of [2, 3]) {
	test(`a second async smp_call_function waits in csd_lock for the CPU spinning with IRQs off, and deadlocks (kernel/smp.c csd_lock, ${cpus} CPUs)`, () => {
		const k = kernelFor(scenario(2, cpus));
		k.advance(5 * S);
		const cpu0 = k.cpus[0]!;
		assert.equal(cpu0.activity.kind, 'xcall-wait');
		assert.equal(describe(k, cpu0), 'csd_lock wait CPU1 (smp_call_function)');
		assert.equal(waitPhrase(k, cpu0), 'waits in csd_lock (smp_call_function) for CPU1 to run its earlier drain_local_pages (not run: IRQs off: spin A (CPU0))');
		assert.ok(k.lockup, 'a lockup');
		assert.equal(k.lockup.kind, 'deadlock');
		assert.ok(k.lockup.at > 1 * MS && k.lockup.at < 20 * MS, `at ${k.lockup.at}`);
		assert.match(k.lockup.explanation, /^CPU0 waits in csd_lock for CPU1 to run its earlier cross-call \(smp_call_function\); CPU1 spins with IRQs off on lock A held by CPU0/);
		// Only the first call went out: CPU2 (when there is one) ran it once.
		if (cpus === 3) assert.equal(k.cpus[2]!.call, 1);
		assert.equal(k.cpus[1]!.call, 0);
	});
}

test('one async smp_call_function alone does not block: the caller goes on, unlocks, and the target runs it later', () => {
	const k = kernelFor(scenario(1));
	k.advance(5 * S);
	assert.equal(k.lockup, undefined);
	assert.equal(k.cpus[1]!.call, 1, 'CPU1 ran the call once it had the lock and IRQs back on');
	assert.equal(k.cpus[2]!.call, 1);
});

test('back-to-back async calls to CPUs that take interrupts serialize on the csd without a lockup', () => {
	const k = kernelFor({
		description: 'async calls in a loop',
		cpus: 3,
		hz: 1000,
		tasks: [{cpu: 0, comm: 'caller', pid: 10, steps: [{op: 'smp_call_function', func: 'f', wait: false}]}],
	});
	k.advance(10 * MS);
	assert.equal(k.lockup, undefined);
	const calls = k.cpus[1]!.call;
	assert.ok(calls > 10, `CPU1 ran ${calls}`);
	// Each call waited for the previous one to run: never more than one in flight per target.
	assert.ok(k.cpus[1]!.callQueue.length - k.cpus[1]!.callHead <= 1);
});

test('with one target a waiting call takes a fresh csd on its stack: after an async call it waits for its own call, not in csd_lock (kernel/smp.c smp_call_function_single)', () => {
	const s = scenario(1, 2) as ReturnType<typeof scenario>;
	const steps = s.tasks[0]!.steps as object[];
	steps.splice(3, 0, {op: 'smp_call_function', func: 'sync_one', wait: true});
	const k = kernelFor(s);
	k.advance(5 * S);
	const cpu0 = k.cpus[0]!;
	assert.equal(cpu0.activity.kind, 'xcall-wait');
	assert.equal(describe(k, cpu0), 'xcall wait CPU1 (smp_call_function)');
	assert.ok(k.lockup);
	assert.match(k.lockup.explanation, /^CPU0 waits for CPU1 to run its cross-call \(smp_call_function\); CPU1 spins with IRQs off on lock A held by CPU0/);
});

/** CPU0 runs `step` once after 1 ms; CPU1 spins with IRQs off on A for 50 ms; the rest idle. */
function targeted(step: object, irqsOff = false, cpus = 4) {
	return {
		description: 'a targeted cross-call',
		cpus,
		hz: 1000,
		locks: [{name: 'A', kind: 'spinlock'}],
		tasks: [
			{cpu: 0, comm: 'caller', pid: 10, repeat: 1, steps: [{op: 'run', for: '1ms', mode: 'kernel'}, ...(irqsOff ? [{op: 'irq_disable'}] : []), step, ...(irqsOff ? [{op: 'irq_enable'}] : []), {op: 'idle', for: '1s'}]},
		],
	};
}

test('smp_call_function_single runs the function on its target only, over CALL_FUNCTION_SINGLE, and waits for it', () => {
	const k = kernelFor(targeted({op: 'smp_call_function_single', cpu: 2, func: 'f'}));
	k.advance(100 * MS);
	assert.deepEqual(k.cpus.map((c) => c.call), [0, 0, 1, 0]);
	assert.equal(k.lockup, undefined);
	assert.equal(k.tasks.find((t) => t.pid === 10)!.pc > 1, true);
});

test('smp_call_function_many runs on the listed CPUs but the caller; on_each_cpu on every other CPU', () => {
	const many = kernelFor(targeted({op: 'smp_call_function_many', cpus: [0, 1, 3], func: 'f'}));
	many.advance(100 * MS);
	assert.deepEqual(many.cpus.map((c) => c.call), [0, 1, 0, 1]);
	const each = kernelFor(targeted({op: 'on_each_cpu', func: 'f'}));
	each.advance(100 * MS);
	assert.deepEqual(each.cpus.map((c) => c.call), [0, 1, 1, 1]);
});

const WARN_243 = /^WARNING: at kernel\/smp\.c:243 smp_call_function_single\+0x[0-9a-f]+\/0x[0-9a-f]+\(\)$/;
const WARN_381 = /^WARNING: at kernel\/smp\.c:381 smp_call_function_many\+0x[0-9a-f]+\/0x[0-9a-f]+\(\)$/;

test('with IRQs off: smp_call_function_single WARNs at kernel/smp.c:243 "WARNING: at %s:%d %pS()", smp_call_function_many at 381, and 381 then 243 when the mask has one remote CPU', () => {
	const warns = (step: object) => {
		const k = kernelFor(targeted(step, true));
		k.advance(100 * MS);
		return logTexts(k).filter((t) => WARN_243.test(t) || WARN_381.test(t)).map((t) => (WARN_243.test(t) ? 243 : 381));
	};
	assert.deepEqual(warns({op: 'smp_call_function_single', cpu: 1}), [243]);
	assert.deepEqual(warns({op: 'smp_call_function_single', cpu: 0}), [243], 'to itself too: the WARN comes first');
	assert.deepEqual(warns({op: 'smp_call_function_many', cpus: [1, 2]}), [381]);
	assert.deepEqual(warns({op: 'smp_call_function_many', cpus: [0, 2]}), [381, 243]);
	assert.deepEqual(warns({op: 'on_each_cpu'}), [381]);
	assert.deepEqual(warns({op: 'smp_call_function_single', cpu: 1, wait: false}), [243]);
});

test('a second async smp_call_function_single waits in csd_lock on csd_data, even for another target, while the first has not run', () => {
	const s = {
		description: 'async single calls',
		cpus: 3,
		hz: 1000,
		locks: [{name: 'A', kind: 'spinlock'}],
		tasks: [
			{cpu: 0, comm: 'caller', pid: 10, repeat: 1, steps: [{op: 'spin_lock', lock: 'A'}, {op: 'run', for: '1ms', mode: 'kernel'}, {op: 'smp_call_function_single', cpu: 1, func: 'f', wait: false}, {op: 'smp_call_function_single', cpu: 2, func: 'g', wait: false}, {op: 'spin_unlock', lock: 'A'}, {op: 'idle', for: '1s'}]},
			{cpu: 1, comm: 'taker', pid: 11, repeat: 1, steps: [{op: 'run', for: '100us', mode: 'kernel'}, {op: 'spin_lock', lock: 'A', irqsave: true}, {op: 'spin_unlock', lock: 'A'}, {op: 'idle', for: '1s'}]},
		],
	};
	const k = kernelFor(s);
	k.advance(1 * S);
	assert.equal(describe(k, k.cpus[0]!), 'csd_lock wait CPU1 (smp_call_function_single)');
	assert.equal(k.cpus[2]!.call, 0, 'the call to CPU2 never went out');
	assert.ok(k.lockup);
	assert.match(k.lockup.explanation, /^CPU0 waits in csd_lock for CPU1 to run its earlier cross-call \(smp_call_function_single\); CPU1 spins with IRQs off on lock A held by CPU0/);
});

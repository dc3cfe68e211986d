// The preemption model (CONFIG_PREEMPT_NONE / _VOLUNTARY / CONFIG_PREEMPT, 3.10): where a task
// running in the kernel gives its CPU to another. `none` only at cond_resched() (when
// need_resched is set), sleeps and the end of a user task's steps; `voluntary` also at
// might_sleep() (mutex_lock...); `full` on interrupt return whenever preempt_count is 0,
// and at the preempt_enable() that drops it to 0. spin_lock counts as preempt_disable.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import type {Kernel} from '../source/kernel/kernel.js';
import {validateScenario} from '../source/scenario/load.js';
import {kernelFor, logTexts, MS, S} from './helpers.js';

type Step = Record<string, unknown>;

/** CPU1: a kernel thread looping over `loop`; `waiter`, a user task on the same CPU, wakes at 5 ms and wants the CPU now and then. */
function machine(preemption: string, loop: Step[], extra: Record<string, unknown> = {}): Kernel {
	return kernelFor({
		description: 'a kernel loop and a task that wants its CPU',
		cpus: 2,
		preemption,
		locks: [
			{name: 'L', kind: 'spinlock'},
			{name: 'M', kind: 'mutex'},
		],
		tasks: [
			{cpu: 1, comm: 'looper', pid: 300, kthread: true, steps: loop},
			{cpu: 1, comm: 'waiter', pid: 301, startAt: '5ms', steps: [{op: 'run', for: '200us'}, {op: 'idle', for: '2ms'}]},
		],
		...extra,
	});
}

const waiter = (k: Kernel) => k.tasks.find((t) => t.comm === 'waiter')!;
const scan = {op: 'call', fn: 'scan_table', for: '500us'};

test('none and voluntary: a kernel loop with no scheduling point keeps its CPU (the woken task never runs, soft lockup); full: preempted on interrupt return', () => {
	for (const model of ['none', 'voluntary', 'full']) {
		const k = machine(model, [scan]);
		k.advance(30 * S);
		const ran = waiter(k).iteration;
		const soft = logTexts(k).filter((t) => t.startsWith('BUG: soft lockup - CPU#1 stuck for '));
		if (model === 'full') {
			assert.ok(ran > 1000, `full: waiter ran ${ran} passes`);
			assert.equal(soft.length, 0, `full: ${soft.join('|')}`);
			assert.ok(k.tasks.find((t) => t.comm === 'looper')!.switchCount > 1000);
		} else {
			assert.equal(ran, 0, `${model}: the waiter never got CPU1`);
			assert.equal(waiter(k).state, 'runnable');
			assert.match(soft[0] ?? '', /^BUG: soft lockup - CPU#1 stuck for 2\ds! \[looper:300\]$/, model);
		}
	}
});

test('cond_resched() schedules when need_resched is set, under every model: the waiter runs and the watchdog thread too', () => {
	for (const model of ['none', 'voluntary', 'full']) {
		const k = machine(model, [scan, {op: 'cond_resched'}]);
		k.advance(30 * S);
		assert.ok(waiter(k).iteration > 1000, `${model}: ${waiter(k).iteration}`);
		assert.equal(k.warnings.softLockup, 0, model);
		assert.equal(k.warnings.rcuStall, 0, model);
	}
});

test('cond_resched() with nothing waiting does not switch: need_resched comes from a waiting task, a wake-up, the watchdog thread (every 4 s) or the RCU stall report', () => {
	const k = kernelFor({description: 'alone on CPU1', cpus: 2, tasks: [{cpu: 1, comm: 'looper', pid: 300, kthread: true, steps: [scan, {op: 'cond_resched'}]}]});
	const looper = k.tasks[0]!;
	k.advance(3 * S);
	assert.equal(looper.switchCount, 0, 'no switch before the watchdog thread wakes');
	// watchdog/1 is woken at the first sample period (4 s): the next cond_resched() schedules.
	k.advance(4 * S + MS);
	assert.equal(looper.switchCount, 1);
	k.advance(8 * S + MS);
	assert.equal(looper.switchCount, 2);
	assert.equal(k.warnings.softLockup, 0);
});

test('voluntary: might_sleep() in mutex_lock is a preemption point, none does not reschedule there', () => {
	const loop = [scan, {op: 'mutex_lock', lock: 'M'}, {op: 'mutex_unlock', lock: 'M'}];
	const none = machine('none', loop);
	none.advance(2 * S);
	assert.equal(waiter(none).iteration, 0);
	const voluntary = machine('voluntary', loop);
	voluntary.advance(2 * S);
	assert.ok(waiter(voluntary).iteration > 100, `${waiter(voluntary).iteration}`);
});

test('full: preempt_disable() and spin_lock() hold preemption off; the switch comes at the preempt_enable()/spin_unlock() that drops the count to 0', () => {
	for (const [open, close] of [
		[{op: 'preempt_disable'}, {op: 'preempt_enable'}],
		[{op: 'spin_lock', lock: 'L'}, {op: 'spin_unlock', lock: 'L'}],
	] as const) {
		const k = machine('full', [open, {op: 'call', fn: 'long_section', for: '40ms'}, close, scan]);
		const looper = k.tasks.find((t) => t.comm === 'looper')!;
		k.advance(39 * MS);
		assert.equal(waiter(k).state, 'runnable', `${open.op}: the waiter still waits at 39 ms`);
		assert.equal(looper.switchCount, 0);
		k.advance(40 * MS + 200 * 1000);
		// The section ends at 40 ms plus the interrupt time stolen from it; preempt_enable() switches at once.
		assert.equal(looper.state, 'runnable', `${open.op}: switched out at the end of the section`);
		assert.equal(looper.pc, 3, `${open.op}: next step is the one after ${close.op}`);
	}
	// Without the section the waiter gets the CPU at the first tick after its wake-up.
	const k = machine('full', [{op: 'call', fn: 'long_section', for: '40ms'}, scan]);
	k.advance(6 * MS + 1);
	assert.notEqual(waiter(k).state, 'runnable');
});

test('a preempted step carries on for the time it still had: the work done is the same under every model', () => {
	const done = (model: string): number => {
		const k = machine(model, [scan, {op: 'cond_resched'}]);
		k.advance(10 * S);
		return k.tasks.find((t) => t.comm === 'looper')!.iteration;
	};
	const [none, full] = [done('none'), done('full')];
	// CPU1 is shared the same way (the waiter's time); only where the switches fall differs.
	assert.ok(Math.abs(none - full) <= 2, `none ${none}, full ${full}`);
});

test('the preemption key: rcu_preempt is refused without "full", and "full" refuses another flavour; a kthread has no user mode', () => {
	const base = {description: 'x', cpus: 2, tasks: [{cpu: 0, comm: 'a', pid: 10, steps: [{op: 'run', for: '1ms'}]}]};
	const problems = (s: object): readonly string[] => validateScenario(JSON.stringify(s), 'p.json').problems;
	assert.deepEqual(problems({...base, rcuFlavour: 'rcu_preempt'}), ['p.json: $.rcuFlavour: rcu_preempt is preemptible RCU (CONFIG_TREE_PREEMPT_RCU), which needs "preemption": "full"']);
	assert.deepEqual(problems({...base, preemption: 'full', rcuFlavour: 'rcu_sched'}), ['p.json: $.rcuFlavour: with "preemption": "full" RCU is preemptible: the flavour is rcu_preempt, not rcu_sched']);
	assert.deepEqual(problems({...base, preemption: 'sometimes'}), ['p.json: $.preemption: expected one of "none", "voluntary", "full", got "sometimes"']);
	assert.deepEqual(problems({...base, tasks: [{...base.tasks[0], kthread: true}]}), ['p.json: $.tasks[0].steps[0].mode: run in user mode in a kernel thread ("kthread": true), which has no user mode; write "mode": "kernel"']);
	assert.deepEqual(problems({...base, tasks: [{...base.tasks[0], steps: [{op: 'preempt_enable'}, {op: 'run', for: '1ms'}]}]}), ['p.json: $.tasks[0].steps[0]: preempt_enable without a matching preempt_disable in this task before it']);
	assert.deepEqual(problems({...base, tasks: [{...base.tasks[0], steps: [{op: 'preempt_disable'}, {op: 'run', for: '1ms', mode: 'kernel'}]}]}), ['p.json: $.tasks[0].steps[0]: preempt_disable on every pass with no matching preempt_enable: the nesting grows for ever']);
	assert.deepEqual(problems({...base, tasks: [{...base.tasks[0], steps: [{op: 'preempt_disable'}, {op: 'run', for: '1ms'}, {op: 'preempt_enable'}]}]}), ['p.json: $.tasks[0].steps[1]: run in user mode with preemption disabled (preempt_disable at $.tasks[0].steps[0]); return to user mode after preempt_enable, or write "mode": "kernel"']);
	assert.deepEqual(problems({...base, preemption: 'full'}), []);
});

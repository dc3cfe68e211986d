// Functions a scenario defines (`functions`) and cross-calls run by name: the steps run on the
// target in its call-function interrupt, IRQs off, and the caller's csd is released only when
// the function returns (kernel/smp.c: csd->func(csd->info); csd_unlock(csd)). A function that
// spins on a lock its waiting caller holds is the classic cross-call deadlock.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import type {Spinlock} from '../source/kernel/locks.js';
import {validateScenario} from '../source/scenario/load.js';
import {kernelFor, logTexts, MS, S} from './helpers.js';

const US = 1_000;

/** CPU0 takes zone_lock (unless `free`), asks CPU1 to drain its pages and waits. */
function drain(opts: {free?: boolean; body?: object[]} = {}): object {
	const caller = [{op: 'run', for: '1ms', mode: 'kernel'}, ...(opts.free ? [] : [{op: 'spin_lock', lock: 'zone_lock'}]), {op: 'smp_call_function_single', cpu: 1, func: 'drain_local_pages'}, ...(opts.free ? [] : [{op: 'spin_unlock', lock: 'zone_lock'}]), {op: 'idle', for: '1ms'}];
	return {
		description: 'drain',
		cpus: 2,
		until: '3s',
		locks: [{name: 'zone_lock', kind: 'spinlock'}],
		functions: {drain_local_pages: {steps: opts.body ?? [{op: 'spin_lock', lock: 'zone_lock'}, {op: 'run', for: '20us'}, {op: 'printk', text: 'drained'}, {op: 'spin_unlock', lock: 'zone_lock'}]}},
		tasks: [
			{cpu: 0, comm: 'kswapd0', pid: 40, steps: caller},
			{cpu: 1, comm: 'cat', pid: 41, steps: [{op: 'run', for: '5ms'}]},
		],
	};
}

test('the called function takes the lock its waiting caller holds: the cross-call deadlock, named in the explanation', () => {
	const k = kernelFor(drain());
	k.advance(1 * S);
	const l = k.lockup!;
	assert.equal(l.kind, 'deadlock');
	assert.deepEqual(l.cpus, [0, 1]);
	assert.equal(
		l.explanation,
		"CPU0 waits for CPU1 to finish drain_local_pages, its cross-call (smp_call_function_single); CPU1 runs drain_local_pages for CPU0's smp_call_function_single and spins with IRQs off on lock zone_lock held by CPU0, which waits for drain_local_pages to return with the lock held (cross-call deadlock)",
	);
	// The cycle closed when CPU1 took the IPI (1 ms + the IPI's latency), in its handler.
	assert.ok(l.at > 1 * MS && l.at < 1 * MS + 5 * US, `${l.at}`);
	const cpu1 = k.cpus[1]!;
	assert.equal(cpu1.ctx, 'hardirq');
	assert.equal(cpu1.irqsOn, false);
	assert.deepEqual(k.framesOf(cpu1).slice(0, 5), ['_raw_spin_lock', 'drain_local_pages', 'generic_smp_call_function_single_interrupt', 'smp_call_function_single_interrupt', 'call_function_single_interrupt']);
	// CPU1's timer stops with its IRQs: LOC stays where it was.
	const loc = cpu1.loc;
	k.advance(2 * S);
	assert.equal(cpu1.loc, loc);
});

test('a function that takes a free lock runs its steps on the target and the caller goes on only after it returns', () => {
	const k = kernelFor(drain({free: true}));
	const [cpu0, cpu1] = [k.cpus[0]!, k.cpus[1]!];
	// Up to the instant CPU1 takes the IPI and starts the function's 20us run in its interrupt.
	for (let t = 1 * MS; cpu1.ctx !== 'hardirq' && t < 2 * MS; t += 100) k.advance(t);
	const t0 = k.now;
	assert.equal(cpu1.activity.kind, 'run');
	assert.equal(cpu0.activity.kind, 'xcall-wait');
	k.advance(t0 + 15 * US);
	assert.equal(cpu0.activity.kind, 'xcall-wait', 'still waiting while the function runs');
	k.advance(t0 + 30 * US);
	assert.notEqual(cpu0.activity.kind, 'xcall-wait');
	assert.equal(cpu1.ctx, 'task', 'back in the task the interrupt came in over');
	assert.equal(logTexts(k).filter((t) => t === 'drained').length, 1);
	k.advance(1 * S);
	assert.equal(k.lockup, undefined);
	assert.equal((k.locks.get('zone_lock') as Spinlock).holder, -1);
	assert.ok(logTexts(k).filter((t) => t === 'drained').length > 100);
});

test('functions without steps keep the fixed-cost path: a name alone is still a valid func', () => {
	const k = kernelFor({...drain({free: true}), functions: {}});
	k.advance(1 * S);
	assert.equal(k.lockup, undefined);
	assert.deepEqual(logTexts(k).filter((t) => t === 'drained'), []);
	assert.ok(k.cpus[1]!.call > 100);
});

test('static checks: a called function may not sleep, unlocks only what it took, returns holding nothing', () => {
	const cases: [object[], string][] = [
		[[{op: 'mutex_lock', lock: 'M'}], '$.functions.drain_local_pages.steps[0]: mutex_lock can sleep, and a function called by a cross-call or stop_machine (atomic context, IRQs off) may not sleep; take a spinlock instead, or defer the work to a task'],
		[[{op: 'idle', for: '1ms'}], '$.functions.drain_local_pages.steps[0]: idle can sleep, and a function called by a cross-call or stop_machine (atomic context, IRQs off) may not sleep; take a spinlock instead, or defer the work to a task'],
		[[{op: 'run', for: '1us'}, {op: 'spin_unlock', lock: 'zone_lock'}], '$.functions.drain_local_pages.steps[1]: spin_unlock of "zone_lock", which this function does not hold here'],
		[[{op: 'spin_lock', lock: 'zone_lock'}], '$.functions.drain_local_pages.steps[0]: the function returns still holding spinlock "zone_lock", taken here'],
	];
	for (const [body, want] of cases) {
		const s = drain({free: true, body}) as {locks: object[]};
		s.locks.push({name: 'M', kind: 'mutex'});
		const r = validateScenario(JSON.stringify(s), 'bad.json');
		assert.deepEqual(r.problems, [`bad.json: ${want}`]);
	}
});

test('schema: a function names declared spinlocks and is a C identifier', () => {
	const undeclared = validateScenario(JSON.stringify(drain({free: true, body: [{op: 'spin_lock', lock: 'X'}, {op: 'spin_unlock', lock: 'X'}]})), 'x.json');
	assert.deepEqual(undeclared.problems, ['x.json: $.functions.drain_local_pages.steps[0].lock: lock "X" is not declared in $.locks', 'x.json: $.functions.drain_local_pages.steps[1].lock: lock "X" is not declared in $.locks']);
	const named = validateScenario(JSON.stringify({...drain({free: true}), functions: {'drain pages': {steps: [{op: 'run', for: '1us'}]}}}), 'x.json');
	assert.deepEqual(named.problems, ['x.json: $.functions["drain pages"]: expected a C function name as the key, got "drain pages"']);
});

test('a called function blocked in its interrupt is plain data: a clone in the deadlock and one mid-function run on as the original', () => {
	for (const [scenario, at] of [
		[drain(), 1 * MS + 3 * US],
		[drain({free: true}), 1 * MS + 10 * US],
	] as const) {
		const k = kernelFor(scenario);
		k.advance(at);
		const copy = k.clone();
		k.advance(2 * S);
		copy.advance(2 * S);
		assert.equal(copy.eventHash, k.eventHash);
		assert.deepEqual(copy.lockup, k.lockup);
	}
});

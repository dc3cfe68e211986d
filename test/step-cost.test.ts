// Every task step that touches shared state and goes straight on (a lock taken or released,
// a cross-call queued) costs timing.stepCost (10ns by default), paid with the CPU's next timed
// step or at the end of a pass that has none. A tight lock ping-pong between two CPUs then
// moves the clock and the CPUs take turns; a loop that can never advance time is refused at
// load.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import type {Spinlock} from '../source/kernel/locks.js';
import {validateScenario} from '../source/scenario/load.js';
import {kernelFor, MS} from './helpers.js';

const pingPong = (timing: object = {}): object => ({
	description: 'two CPUs take and release one lock as fast as they can',
	cpus: 2,
	until: '10ms',
	timing,
	locks: [{name: 'L', kind: 'spinlock'}],
	tasks: [0, 1].map((cpu) => ({cpu, comm: `pp${cpu}`, pid: 10 + cpu, steps: [{op: 'spin_lock', lock: 'L'}, {op: 'spin_unlock', lock: 'L'}]})),
});

test('a spin_lock/spin_unlock ping-pong between two CPUs runs, and fairly: each gets the lock about as often, the clock moves', () => {
	const k = kernelFor(pingPong());
	k.advance(10 * MS);
	assert.equal(k.now, 10 * MS);
	assert.equal(k.lockup, undefined);
	const [a, b] = k.tasks;
	assert.ok(a!.iteration > 1000 && b!.iteration > 1000, `${a!.iteration} ${b!.iteration}`);
	assert.ok(Math.abs(a!.iteration - b!.iteration) <= 1, `taking turns: ${a!.iteration} vs ${b!.iteration}`);
	const lock = k.locks.get('L') as Spinlock;
	// Every pass took the lock once; a pass still paying for its steps at 10ms is not counted yet.
	const extra = lock.acquisitions - a!.iteration - b!.iteration;
	assert.ok(extra >= 0 && extra <= 2, `${lock.acquisitions} acquisitions, ${a!.iteration + b!.iteration} passes`);
});

test('one CPU alone in a lock loop: each pass costs two steps, 20ns', () => {
	const s = pingPong() as {tasks: object[]};
	s.tasks.pop();
	const k = kernelFor(s);
	k.advance(1 * MS);
	// 1ms / 20ns passes, give or take the ticks' handler time the passes are pushed out by.
	const passes = k.tasks[0]!.iteration;
	assert.ok(passes > 40_000 && passes <= 50_000, `${passes}`);
	const dearer = kernelFor({...s, timing: {stepCost: '50ns'}});
	dearer.advance(1 * MS);
	assert.ok(dearer.tasks[0]!.iteration < passes / 2, `${dearer.tasks[0]!.iteration} vs ${passes}`);
});

test('the cost rides on the next timed step: a lock taken before a 1ms call makes that pass 1ms + 20ns', () => {
	const k = kernelFor({
		description: 'lock, work, unlock',
		cpus: 1,
		watchdogs: false,
		locks: [{name: 'L', kind: 'spinlock'}],
		tasks: [{cpu: 0, comm: 'w', pid: 10, repeat: 1, steps: [{op: 'spin_lock', lock: 'L'}, {op: 'call', fn: 'work', for: '1ms'}, {op: 'spin_unlock', lock: 'L'}]}],
	});
	k.advance(2 * MS);
	const lock = k.locks.get('L') as Spinlock;
	assert.equal(lock.maxHold, 1 * MS + 10 + 1_000 * 2, 'the call (pushed out by the tick handler\'s 2us) plus the spin_lock\'s 10ns');
});

test('with stepCost 0s the old rule holds: a lock loop no other task takes is refused at load, as is an irq_disable/irq_enable loop at any cost', () => {
	const alone = pingPong({stepCost: '0s'}) as {tasks: object[]};
	alone.tasks.pop();
	const msg = 'none of these steps can take virtual time, and the task repeats for ever (repeat: 0): its CPU would loop at one instant; add a run, idle or call that takes time, or give repeat a count';
	assert.deepEqual(validateScenario(JSON.stringify(alone), 'a.json').problems, [`a.json: $.tasks[0].steps: ${msg}`]);
	const costly = pingPong() as {tasks: object[]};
	costly.tasks.pop();
	assert.deepEqual(validateScenario(JSON.stringify(costly), 'a.json').problems, []);
	const irqs = {...costly, tasks: [{cpu: 0, comm: 'irqs', pid: 10, steps: [{op: 'irq_disable'}, {op: 'irq_enable'}]}]};
	assert.deepEqual(validateScenario(JSON.stringify(irqs), 'a.json').problems, [`a.json: $.tasks[0].steps: ${msg}`]);
});

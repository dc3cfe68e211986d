// A scenario's NMI handler (`nmi`: register_nmi_handler(NMI_LOCAL, ...) on a periodic NMI
// source). NMIs are not maskable: the handler comes in over code with IRQs off, and one that
// spins on a lock that code holds never returns. While it spins no other NMI comes in on that
// CPU, the NMI watchdog's included (3.10: its perf event cannot fire inside an NMI), and the
// timer cannot tick: no hard or soft lockup report from that CPU. Another CPU's RCU stall
// detector names it.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {validateScenario} from '../source/scenario/load.js';
import {kernelFor, logTexts, MS, S} from './helpers.js';

function sampler(irqsave: boolean, nmiSteps?: object[]): object {
	return {
		description: 'nmi sampler',
		cpus: 2,
		until: '30s',
		locks: [{name: 'stats_lock', kind: 'spinlock'}],
		nmi: {handler: 'stats_nmi', every: '10ms', cpus: [0], steps: nmiSteps ?? [{op: 'spin_lock', lock: 'stats_lock'}, {op: 'printk', text: 'stats_nmi: sample'}, {op: 'spin_unlock', lock: 'stats_lock'}]},
		tasks: [
			{cpu: 0, comm: 'statd', pid: 500, steps: [{op: 'run', for: '3ms'}, {op: 'spin_lock', lock: 'stats_lock', irqsave}, {op: 'call', fn: 'stats_update', for: irqsave ? '8ms' : '1ms'}, {op: 'spin_unlock', lock: 'stats_lock'}]},
			{cpu: 1, comm: 'cat', pid: 41, steps: [{op: 'run', for: '5ms'}]},
		],
	};
}

test('an NMI handler that takes a lock the interrupted code holds (IRQs off or not) hangs the CPU for good: explained, no watchdog report from that CPU, RCU stall seen by the other', () => {
	const k = kernelFor(sampler(true));
	k.advance(30 * S);
	const l = k.lockup!;
	assert.equal(l.kind, 'stuck');
	assert.deepEqual(l.cpus, [0]);
	assert.equal(l.explanation, "CPU0's NMI handler stats_nmi spins on lock stats_lock, which statd (pid 500) holds on CPU0, interrupted by that NMI: NMIs cannot be masked and the holder cannot run again to release it");
	// The first NMI, at 10 ms, came in while statd held the lock (3 ms .. 11 ms) with IRQs off.
	assert.equal(l.at, 10 * MS);
	const cpu0 = k.cpus[0]!;
	assert.equal(cpu0.ctx, 'nmi');
	assert.deepEqual(k.framesOf(cpu0).slice(0, 5), ['_raw_spin_lock', 'stats_nmi', 'nmi_handle', 'do_nmi', 'end_repeat_nmi']);
	assert.equal(k.warnings.hardLockup, 0, 'the NMI watchdog cannot fire inside an NMI');
	assert.equal(k.warnings.softLockup, 0, 'the watchdog hrtimer cannot fire either');
	const texts = logTexts(k);
	assert.ok(texts.some((t) => t.startsWith('INFO: rcu_sched detected stalls on CPUs/tasks: { 0} (detected by 1, ')), texts.join('\n'));
	assert.deepEqual(texts.filter((t) => t.includes('stats_nmi: sample')), []);
});

test('the handler runs every period on its CPUs, takes the free lock, prints, and counts in NMI', () => {
	const s = sampler(false) as {tasks: {steps: object[]}[]};
	s.tasks[0]!.steps = [{op: 'run', for: '3ms'}, {op: 'idle', for: '1ms'}];
	const k = kernelFor(s);
	k.advance(1 * S);
	assert.equal(k.lockup, undefined);
	assert.equal(k.cpus[0]!.nmi, 100);
	assert.equal(k.cpus[1]!.nmi, 0);
	assert.equal(logTexts(k).filter((t) => t === 'stats_nmi: sample').length, 100);
});

test('an NMI handler that waits for a lock held on another CPU gets it when that CPU lets go', () => {
	const s = sampler(false) as {tasks: {cpu: number; steps: object[]}[]};
	s.tasks = [
		{cpu: 0, comm: 'statd', pid: 500, steps: [{op: 'run', for: '3ms'}, {op: 'idle', for: '1ms'}]} as never,
		{cpu: 1, comm: 'statw', pid: 501, steps: [{op: 'run', for: '1ms'}, {op: 'spin_lock', lock: 'stats_lock'}, {op: 'call', fn: 'stats_write', for: '300us'}, {op: 'spin_unlock', lock: 'stats_lock'}]} as never,
	];
	const k = kernelFor(s);
	k.advance(2 * S);
	assert.equal(k.lockup, undefined);
	assert.equal(k.cpus[0]!.nmi, 200);
	assert.equal(k.cpus[0]!.ctx === 'nmi', false);
});

test('static checks: an NMI handler may not sleep; schema: its CPUs exist and its locks are declared', () => {
	const sleeping = validateScenario(JSON.stringify(sampler(false, [{op: 'idle', for: '1ms'}])), 'n.json');
	assert.deepEqual(sleeping.problems, ['n.json: $.nmi.steps[0]: idle can sleep, and an NMI handler (NMI context) may not sleep; take a spinlock instead, or defer the work to a task']);
	const holding = validateScenario(JSON.stringify(sampler(false, [{op: 'spin_lock', lock: 'stats_lock'}])), 'n.json');
	assert.deepEqual(holding.problems, ['n.json: $.nmi.steps[0]: the NMI handler returns still holding spinlock "stats_lock", taken here']);
	const s = sampler(false) as {nmi: {cpus: number[]; steps: object[]}};
	s.nmi.cpus = [2];
	s.nmi.steps = [{op: 'spin_lock', lock: 'Y'}, {op: 'spin_unlock', lock: 'Y'}];
	assert.deepEqual([...validateScenario(JSON.stringify(s), 'n.json').problems].sort(), ['n.json: $.nmi.cpus[0]: expected a CPU below 2, got 2', 'n.json: $.nmi.steps[0].lock: lock "Y" is not declared in $.locks', 'n.json: $.nmi.steps[1].lock: lock "Y" is not declared in $.locks']);
});

test('a CPU hung in its NMI handler is plain data: a clone runs on as the original', () => {
	const k = kernelFor(sampler(true));
	k.advance(20 * MS);
	const copy = k.clone();
	k.advance(25 * S);
	copy.advance(25 * S);
	assert.equal(copy.eventHash, k.eventHash);
	assert.deepEqual(logTexts(copy), logTexts(k));
});

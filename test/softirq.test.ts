// Softirqs and bottom halves (source/kernel/softirq.ts): raised by the tick and by tasklets,
// run on irq exit unless in_interrupt(), the restart limit that hands the rest to ksoftirqd,
// local_bh_disable deferring them, /proc/softirqs, the static checks on callbacks, and the
// classic lockup: spin_lock() in process context against the same lock in a timer callback.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {renderProcSoftirqs} from '../source/kernel/procfs.js';
import {MAX_SOFTIRQ_RESTART, SOFTIRQ_NAMES, TASKLET_SOFTIRQ, TIMER_SOFTIRQ} from '../source/kernel/softirq.js';
import {loadScenario, parseScenario} from '../source/scenario/load.js';
import {buildKernel} from '../source/scenario/machine.js';
import {kernelFor, logTexts, MS, runCli, S} from './helpers.js';

const base = {
	description: 'softirq test',
	cpus: 2,
	locks: [{name: 'L', kind: 'spinlock'}],
	tasks: [{cpu: 1, comm: 'busy', pid: 100, steps: [{op: 'run', for: '1ms'}]}],
};

const timer = (steps: object[], every = '10ms', cpu = 0): object => ({name: 'my_timer_fn', cpu, every, steps});

test('kernel/softirq.c: MAX_SOFTIRQ_RESTART is 10; softirq_to_name[] in include/linux/interrupt.h order', () => {
	assert.equal(MAX_SOFTIRQ_RESTART, 10);
	assert.deepEqual([...SOFTIRQ_NAMES], ['HI', 'TIMER', 'NET_TX', 'NET_RX', 'BLOCK', 'BLOCK_IOPOLL', 'TASKLET', 'SCHED', 'HRTIMER', 'RCU']);
});

test('fs/proc/softirqs.c show_softirqs: 20 spaces then "CPU%-8d" per CPU; each row "%12s:" then " %10u" per CPU', () => {
	const k = kernelFor(base);
	k.advance(10 * MS);
	const lines = renderProcSoftirqs(k.s.softirq.counts).split('\n');
	assert.equal(lines[0], '                    CPU0       CPU1       ');
	assert.equal(lines[1], '          HI:          0          0');
	// run_local_timers() raises TIMER_SOFTIRQ on every tick: 10 ticks in 10 ms at HZ=1000.
	assert.equal(lines[2], '       TIMER:         10         10');
	assert.equal(lines[6], 'BLOCK_IOPOLL:          0          0');
	assert.ok(/^ {9}RCU: {1,10}\d+ {1,10}\d+$/.test(lines[10]!), lines[10]);
	assert.equal(lines.length, 12);
	assert.equal(lines[11], '');
});

test('the tick raises TIMER_SOFTIRQ and irq_exit runs it: one TIMER per local timer interrupt', () => {
	const k = kernelFor(base);
	k.advance(250 * MS);
	for (const cpu of k.cpus) assert.equal(k.s.softirq.counts[cpu.id]![TIMER_SOFTIRQ], cpu.loc);
});

test('xcalltop run prints /proc/softirqs after /proc/interrupts for a scenario with timers, and on --show softirqs', () => {
	const r = runCli(['run', 'timer-softirq-lock', '--until', '100ms', '--mitigated']);
	assert.equal(r.status, 0, r.stderr);
	const i = r.stdout.indexOf('--- /proc/interrupts at 0.100000s');
	// CPU1 ticks 100 times; on CPU0 the ticks that came while BHs were off merged into fewer runs.
	const j = r.stdout.indexOf('--- /proc/softirqs at 0.100000s\n                    CPU0       CPU1       \n          HI:          0          0\n');
	assert.ok(i >= 0 && j > i, r.stdout);
	assert.ok(/\n {7}TIMER: {6,9}\d{2,3} {8}100\n/.test(r.stdout.slice(j)), r.stdout.slice(j));
	const demo = runCli(['run', 'demo', '--until', '10ms', '--show', 'softirqs']);
	assert.ok(demo.stdout.includes('--- /proc/softirqs at 0.010000s\n'), demo.stdout);
	assert.ok(!demo.stdout.includes('/proc/interrupts'));
});

test('a timer callback runs every period on its CPU, in softirq context with IRQs on, under the tick that expired it', () => {
	const k = kernelFor({...base, timers: [timer([{op: 'printk', text: 'tick!'}, {op: 'run', for: '100us'}])]});
	k.advance(100 * MS + 50_000);
	assert.equal(logTexts(k).filter((t) => t === 'tick!').length, 10);
	const cpu = k.cpus[0]!;
	assert.equal(cpu.ctx, 'softirq');
	assert.equal(cpu.irqsOn, true);
	assert.deepEqual(k.framesOf(cpu).slice(0, 9), ['my_timer_fn', 'call_timer_fn', 'run_timer_softirq', '__do_softirq', 'call_softirq', 'do_softirq', 'irq_exit', 'smp_apic_timer_interrupt', 'apic_timer_interrupt']);
	k.advance(100 * MS + 150_000);
	assert.equal(cpu.ctx, 'idle');
	assert.equal(k.lockup, undefined);
});

test('local_bh_disable defers softirqs: the tick raises TIMER but irq_exit leaves it; local_bh_enable runs it in the task', () => {
	const k = kernelFor({
		...base,
		tasks: [{cpu: 0, comm: 'bhoff', pid: 100, repeat: 1, startAt: '500us', steps: [{op: 'local_bh_disable'}, {op: 'run', for: '25ms', mode: 'kernel'}, {op: 'local_bh_enable'}, {op: 'idle', for: '1s'}]}],
		timers: [timer([{op: 'run', for: '200us'}])],
	});
	k.advance(20 * MS);
	const counts = k.s.softirq.counts;
	assert.equal(counts[0]![TIMER_SOFTIRQ], 0, 'no TIMER softirq ran on CPU0 while BHs were off');
	assert.equal(counts[1]![TIMER_SOFTIRQ], 20);
	assert.equal(k.s.softirq.pending[0]! & (1 << TIMER_SOFTIRQ), 1 << TIMER_SOFTIRQ);
	// At 25.5 ms local_bh_enable runs the pending TIMER once: the timer due at 10 ms and 20 ms runs once, in the task's context.
	k.advance(25 * MS + 600_000);
	const cpu = k.cpus[0]!;
	assert.equal(counts[0]![TIMER_SOFTIRQ], 1);
	assert.equal(cpu.ctx, 'softirq');
	assert.deepEqual(k.framesOf(cpu).slice(0, 7), ['my_timer_fn', 'call_timer_fn', 'run_timer_softirq', '__do_softirq', 'call_softirq', 'do_softirq', 'local_bh_enable']);
	k.advance(40 * MS);
	assert.equal(k.tasks[0]!.state, 'sleeping', 'the task went on to its idle step after the softirq returned');
	assert.equal(k.lockup, undefined);
});

test('__do_softirq restarts at most MAX_SOFTIRQ_RESTART times, then wakes ksoftirqd/0 (pid 3), which runs the rest when it gets the CPU', () => {
	// A tasklet that schedules itself again is pending again after every pass.
	const k = kernelFor({
		...base,
		tasklets: [{name: 'again_fn', steps: [{op: 'tasklet_schedule', tasklet: 'again_fn'}]}],
		irqs: [{irq: 19, name: 'eth0', cpu: 0, every: '1s', steps: [{op: 'tasklet_schedule', tasklet: 'again_fn'}]}],
		timeline: [],
	});
	const st = k.s.softirq;
	while (k.s.devIrq.counts[0]![0] === 0) k.step();
	assert.equal(st.counts[0]![TASKLET_SOFTIRQ], MAX_SOFTIRQ_RESTART, 'one pass and nine restarts on irq exit');
	assert.equal(st.deferred[0], 1);
	const ksoftirqd = st.ksoftirqd[0]!;
	assert.equal(ksoftirqd.comm, 'ksoftirqd/0');
	assert.equal(ksoftirqd.pid, 3);
	assert.equal(ksoftirqd.state, 'runnable');
	k.advance(k.now + 1 * MS);
	assert.ok(st.counts[0]![TASKLET_SOFTIRQ]! > 100 * MAX_SOFTIRQ_RESTART, `ksoftirqd keeps running the tasklet: ${st.counts[0]![TASKLET_SOFTIRQ]}`);
	assert.equal(k.cpus[0]!.current, ksoftirqd);
});

test('__do_softirq stops restarting after MAX_SOFTIRQ_TIME (2 ms): a 5 ms callback leaves the TIMER raised meanwhile to ksoftirqd', () => {
	const k = kernelFor({...base, timers: [timer([{op: 'run', for: '5ms'}], '50ms')]});
	k.advance(56 * MS);
	const st = k.s.softirq;
	assert.equal(st.deferred[0], 1);
	assert.equal(st.ksoftirqd[0]?.comm, 'ksoftirqd/0');
	assert.equal(st.deferred[1], 0);
	assert.equal(st.ksoftirqd[1], null);
});

test('a tasklet scheduled from a device interrupt handler runs on that CPU in TASKLET_SOFTIRQ, on the handler\'s irq exit', () => {
	const k = kernelFor({
		...base,
		tasklets: [{name: 'nic_rx_fn', steps: [{op: 'printk', text: 'rx'}, {op: 'run', for: '50us'}]}],
		irqs: [{irq: 19, name: 'eth0', cpu: 1, every: '1ms', startAt: '1500us', steps: [{op: 'tasklet_schedule', tasklet: 'nic_rx_fn'}]}],
	});
	k.advance(1500 * 1000 + 10_000);
	const cpu = k.cpus[1]!;
	assert.equal(cpu.ctx, 'softirq');
	assert.deepEqual(k.framesOf(cpu).slice(0, 8), ['nic_rx_fn', 'tasklet_action', '__do_softirq', 'call_softirq', 'do_softirq', 'irq_exit', 'do_IRQ', 'common_interrupt']);
	k.advance(11 * MS);
	assert.equal(k.s.softirq.counts[1]![TASKLET_SOFTIRQ], 10);
	assert.equal(k.s.softirq.counts[0]![TASKLET_SOFTIRQ], 0);
	assert.equal(logTexts(k).filter((t) => t === 'rx').length, 10);
});

test('timer-softirq-lock: the TIMER softirq spins on the lock the task it interrupted holds: LOCKUP, RCU self-detected stall, soft lockup, no hard LOCKUP', () => {
	const k = buildKernel(loadScenario('timer-softirq-lock'));
	k.advance(30 * S);
	assert.ok(k.lockup);
	assert.deepEqual(k.lockup.cpus, [0]);
	assert.ok(k.lockup.at <= 20 * MS, `at ${k.lockup.at}`);
	assert.equal(
		k.lockup.explanation,
		"CPU0's TIMER softirq (timer stats_timer_fn) spins on lock stats_lock with IRQs on, which statd (pid 1200) holds on CPU0; the softirq interrupted it on irq exit, so it cannot run again to release it",
	);
	const texts = logTexts(k);
	// kernel/watchdog.c:316 "BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]\n": the watchdog/0 thread never runs under the softirq.
	assert.deepEqual(
		texts.filter((t) => t.startsWith('BUG: soft lockup')).map((t) => t.replace(/stuck for 2[234]s/, 'stuck for Ns')),
		['BUG: soft lockup - CPU#0 stuck for Ns! [statd:1200]'],
	);
	// kernel/rcutree.c:925 "INFO: %s self-detected stall on CPU": CPU0's own tick sees it owes the QS.
	assert.equal(texts.filter((t) => /^INFO: rcu_sched self-detected stall on CPU \{ 0\} {2}\(t=21000 jiffies g=\d+ c=\d+ q=\d+\)$/.test(t)).length, 1);
	// IRQs stay on: the tick still comes, hrtimer_interrupts moves, the NMI watchdog is quiet.
	assert.equal(k.warnings.hardLockup, 0);
	assert.equal(texts.some((t) => /hard LOCKUP/.test(t)), false);
	assert.ok(k.cpus[0]!.loc > 29_000, `LOC on CPU0: ${k.cpus[0]!.loc}`);
	const cpu = k.cpus[0]!;
	assert.equal(cpu.ctx, 'softirq');
	assert.equal(cpu.irqsOn, true);
	assert.deepEqual(k.framesOf(cpu).slice(0, 2), ['_raw_spin_lock', 'stats_timer_fn']);
});

test('timer-softirq-lock mitigated: spin_lock_bh keeps the TIMER softirq off while stats_lock is held; spin_unlock_bh runs it; nothing hangs', () => {
	const k = buildKernel(loadScenario('timer-softirq-lock'), {mitigated: true});
	k.advance(30 * S);
	assert.equal(k.lockup, undefined);
	assert.equal(k.warnings.hardLockup + k.warnings.rcuStall + k.warnings.softLockup, 0);
	const st = k.s.softirq;
	// Every tick still raises TIMER; those that came in a locked stretch merged and ran at spin_unlock_bh.
	const timer0 = st.counts[0]![TIMER_SOFTIRQ]!;
	assert.ok(timer0 > 15_000 && timer0 < k.cpus[0]!.loc, `TIMER on CPU0: ${timer0}, LOC ${k.cpus[0]!.loc}`);
	// The task takes it every 5 ms, the callback every 10 ms.
	assert.ok(k.locks.get('stats_lock')!.acquisitions > 8_000, `the task and the callback both kept taking the lock: ${k.locks.get('stats_lock')!.acquisitions}`);
	assert.equal(st.bhDisabled[0], 0);
});

test('softirq state is plain data: a checkpoint taken while the callback spins, and one in the mitigated run, run on as the originals', () => {
	for (const mitigated of [false, true]) {
		const k = buildKernel(loadScenario('timer-softirq-lock'), {mitigated});
		k.advance(25 * MS + 123_457);
		const copy = k.clone();
		k.advance(3 * S);
		copy.advance(3 * S);
		assert.equal(copy.eventHash, k.eventHash);
		assert.deepEqual(copy.s.softirq.counts, k.s.softirq.counts);
	}
});

test('timer-softirq-lock is deterministic: the same seed gives the same event-log hash and log', () => {
	const run = (): [string, string[]] => {
		const k = buildKernel(loadScenario('timer-softirq-lock'));
		k.advance(25 * S);
		return [k.eventHash, logTexts(k)];
	};
	assert.deepEqual(run(), run());
});

test('static checks: a timer callback or tasklet may not sleep, unlocks only what it took, returns holding nothing', () => {
	const cases: [object, string][] = [
		[{timers: [timer([{op: 'mutex_lock', lock: 'M'}, {op: 'mutex_unlock', lock: 'M'}])]}, '$.timers[0].steps[0]: mutex_lock can sleep, and a timer callback (softirq context) may not sleep; take a spinlock instead, or defer the work to a task'],
		[{timers: [timer([{op: 'idle', for: '1ms'}])]}, '$.timers[0].steps[0]: idle can sleep, and a timer callback (softirq context) may not sleep'],
		[{tasklets: [{name: 't_fn', steps: [{op: 'run', for: '1us'}, {op: 'spin_unlock', lock: 'L'}]}]}, '$.tasklets[0].steps[1]: spin_unlock of "L", which this tasklet does not hold here'],
		[{tasklets: [{name: 't_fn', steps: [{op: 'spin_lock', lock: 'L'}]}]}, '$.tasklets[0].steps[0]: a tasklet returns still holding spinlock "L", taken here'],
	];
	for (const [extra, want] of cases) {
		const bad = {...base, locks: [...base.locks, {name: 'M', kind: 'mutex'}], ...extra};
		assert.throws(() => parseScenario(JSON.stringify(bad), 'bad.json'), (e: Error) => e.message.includes(`bad.json: ${want}`), want);
	}
});

test('schema: timers on CPUs that exist, declared spinlocks, declared tasklets, one name per callback', () => {
	const cases: [object, string][] = [
		[{timers: [timer([{op: 'run', for: '1us'}], '1ms', 2)]}, '$.timers[0].cpu: expected a CPU below 2'],
		[{timers: [timer([{op: 'spin_lock', lock: 'X'}, {op: 'spin_unlock', lock: 'X'}])]}, '$.timers[0].steps[0].lock: lock "X" is not declared in $.locks'],
		[{timers: [timer([{op: 'tasklet_schedule', tasklet: 'nope'}])]}, '$.timers[0].steps[0].tasklet: tasklet "nope" is not declared in $.tasklets'],
		[{irqs: [{irq: 19, name: 'eth0', cpu: 0, every: '1ms', steps: [{op: 'tasklet_schedule', tasklet: 'nope'}]}]}, '$.irqs[0].steps[0].tasklet: tasklet "nope" is not declared in $.tasklets'],
		[{timers: [timer([{op: 'run', for: '1us'}])], tasklets: [{name: 'my_timer_fn', steps: [{op: 'run', for: '1us'}]}]}, '$.tasklets[0].name: "my_timer_fn" names another timer or tasklet'],
		[{timers: [timer([{op: 'run', for: '1us'}], '0s')]}, '$.timers[0].every: expected a duration above 0'],
	];
	for (const [extra, want] of cases) {
		assert.throws(() => parseScenario(JSON.stringify({...base, ...extra}), 'x.json'), (e: Error) => e.message.includes(want), want);
	}
});

test('static checks walk spin_lock_bh/spin_unlock_bh as a lock and its release', () => {
	const steps = [{op: 'spin_lock_bh', lock: 'L'}, {op: 'run', for: '1us', mode: 'kernel'}, {op: 'spin_unlock_bh', lock: 'L'}, {op: 'spin_unlock_bh', lock: 'L'}, {op: 'idle', for: '1ms'}];
	assert.throws(
		() => parseScenario(JSON.stringify({...base, tasks: [{cpu: 0, comm: 'bh', pid: 100, steps}]}), 'x.json'),
		(e: Error) => e.message.includes('x.json: $.tasks[0].steps[3]: spin_unlock_bh of "L", which this task does not hold here'),
	);
});

test('single steps say which softirq blocked on irq exit', () => {
	const k = buildKernel(loadScenario('timer-softirq-lock'));
	k.advance(10 * MS - 1);
	assert.equal(k.step()!.text, "all CPUs: local timer tick (jiffies 10); CPU0's TIMER softirq (timer stats_timer_fn) spins on stats_lock, held by CPU0");
});

test('static checks: local_bh_enable without local_bh_disable, user mode with bottom halves off, exiting with them off', () => {
	const cases: [object[], number, string][] = [
		[[{op: 'run', for: '1ms', mode: 'kernel'}, {op: 'local_bh_enable'}], 0, '$.tasks[0].steps[1]: local_bh_enable with bottom halves not turned off here (no local_bh_disable or spin_lock_bh before it on this path)'],
		[[{op: 'local_bh_disable'}, {op: 'run', for: '1ms'}, {op: 'local_bh_enable'}], 0, '$.tasks[0].steps[1]: run in user mode with bottom halves off (turned off at $.tasks[0].steps[0]); return to user mode after local_bh_enable, or write "mode": "kernel"'],
		[[{op: 'run', for: '1ms', mode: 'kernel'}, {op: 'local_bh_disable'}], 1, '$.tasks[0].steps[1]: the task exits (repeat: 1) with bottom halves still off, turned off here'],
	];
	for (const [steps, repeat, want] of cases) {
		const bad = {...base, tasks: [{cpu: 0, comm: 'bh', pid: 100, repeat, steps}]};
		assert.throws(() => parseScenario(JSON.stringify(bad), 'bad.json'), (e: Error) => e.message.includes(`bad.json: ${want}`), want);
	}
	const good = {...base, tasks: [{cpu: 0, comm: 'bh', pid: 100, steps: [{op: 'spin_lock_bh', lock: 'L'}, {op: 'local_bh_disable'}, {op: 'run', for: '1ms', mode: 'kernel'}, {op: 'local_bh_enable'}, {op: 'spin_unlock_bh', lock: 'L'}, {op: 'run', for: '1ms'}]}]};
	assert.doesNotThrow(() => parseScenario(JSON.stringify(good), 'good.json'));
});

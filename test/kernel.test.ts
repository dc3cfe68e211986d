// Kernel rules from the design: interrupts, cross-calls, locks, RCU and the watchdogs,
// each checked on a small machine built for the rule.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {kernelFor, logHeads, logTexts, MS, S} from './helpers.js';
import {V_CAL} from '../source/kernel/apic.js';

const base = {description: 'test', cpus: 2, hz: 1000};

/** CPU1 runs `steps` once, CPU0 works in user mode. */
function machine(steps: object[], extra: object = {}) {
	return {
		...base,
		tasks: [
			{cpu: 0, comm: 'user0', pid: 100, steps: [{op: 'run', for: '1ms'}]},
			{cpu: 1, comm: 'victim', pid: 200, repeat: 1, steps},
		],
		...extra,
	};
}

test('LOC advances at HZ per CPU while interrupts are on, and freezes while they are off', () => {
	const k = kernelFor(machine([{op: 'run', for: '1s'}, {op: 'irq_disable'}, {op: 'run', for: '3s', mode: 'kernel'}, {op: 'irq_enable'}, {op: 'run', for: '1s'}]));
	k.advance(1 * S);
	assert.ok(k.cpus[1]!.loc >= 999 && k.cpus[1]!.loc <= 1000, `LOC after 1 s: ${k.cpus[1]!.loc}`);
	k.advance(1.1 * S);
	const at1 = k.cpus[1]!.loc;
	k.advance(3.9 * S);
	assert.equal(k.cpus[1]!.loc, at1, 'no timer interrupts while IRQs are off');
	assert.ok(k.cpus[0]!.loc >= 3899, 'the other CPU keeps ticking');
	k.advance(4.5 * S);
	// The pending LOC vector is delivered once when IRQs come back; merged ticks are lost.
	assert.ok(k.cpus[1]!.loc >= at1 + 1 + 490 && k.cpus[1]!.loc <= at1 + 1 + 502, `LOC after re-enable: ${k.cpus[1]!.loc}`);
});

test('an IPI stays pending while the target has IRQs off; later ones merge into it', () => {
	const k = kernelFor(machine([{op: 'irq_disable'}, {op: 'run', for: '10ms', mode: 'kernel'}, {op: 'irq_enable'}, {op: 'run', for: '10ms'}]));
	k.advance(1 * MS);
	const calls = [0, 1, 2].map(() => k.crossCall(k.cpus[0]!, [1], 'smp_call_function', 'noop'));
	k.advance(2 * MS);
	const cpu1 = k.cpus[1]!;
	assert.equal(cpu1.irr & (1 << V_CAL), 1 << V_CAL, 'CAL is pending in the IRR');
	assert.equal(cpu1.mergedIpis, 2);
	assert.equal(cpu1.call, 0);
	k.advance(12 * MS);
	assert.equal(cpu1.call, 1, 'one interrupt serves all three queued calls');
	for (const c of calls) assert.equal(c.remaining, 0);
});

test('smp_call_function with IRQs off prints the one-time WARN for its call site', () => {
	const k = kernelFor({
		...base,
		tasks: [
			{cpu: 0, comm: 'caller', pid: 100, repeat: 3, steps: [{op: 'irq_disable'}, {op: 'smp_call_function', func: 'remote_fn'}, {op: 'irq_enable'}, {op: 'run', for: '1ms'}]},
			{cpu: 1, comm: 'user1', pid: 200, steps: [{op: 'run', for: '1ms'}]},
		],
	});
	k.advance(50 * MS);
	const warns = logTexts(k).filter((t) => t.startsWith('WARNING: at kernel/smp.c:381 smp_call_function_many+'));
	assert.equal(warns.length, 1, 'WARN_ON_ONCE: once per call site per boot');
	assert.equal(k.warnings.warn, 1);
	assert.ok(logTexts(k).includes(' [<' + logTexts(k).find((t) => t.includes('] smp_call_function+'))!.slice(3)), 'the stack names smp_call_function');
	assert.equal(k.cpus[1]!.call, 3, 'all three calls reached the target');
	assert.ok(k.taint.has('W'));
});

test('the caller of smp_call_function waits for every target, with no timeout and no message', () => {
	const k = kernelFor({
		...base,
		cpus: 3,
		tasks: [
			{cpu: 0, comm: 'caller', pid: 100, repeat: 1, steps: [{op: 'run', for: '1ms'}, {op: 'smp_call_function', func: 'remote_fn'}, {op: 'run', for: '10s'}]},
			{cpu: 1, comm: 'fast', pid: 200, steps: [{op: 'run', for: '1ms'}]},
			{cpu: 2, comm: 'slow', pid: 300, repeat: 1, steps: [{op: 'irq_disable'}, {op: 'run', for: '5s', mode: 'kernel'}, {op: 'irq_enable'}, {op: 'run', for: '10s'}]},
		],
	});
	k.advance(4.9 * S);
	assert.equal(k.cpus[0]!.activity.kind, 'xcall-wait');
	assert.equal(k.describe(k.cpus[0]!), "xcall wait CPU2 (smp_call_function)");
	assert.equal(logTexts(k).length, 0, 'the 3.x csd wait prints nothing');
	k.advance(5.1 * S);
	assert.equal(k.cpus[0]!.activity.kind, 'run', 'released once CPU2 takes the IPI');
	assert.equal(k.lockup, undefined);
});

const ipiDeadlock = (irqsave: boolean) => ({
	...base,
	locks: [{name: 'A', kind: 'spinlock'}],
	tasks: [
		{cpu: 0, comm: 'sender', pid: 100, steps: [{op: 'run', for: '2ms'}, {op: 'spin_lock', lock: 'A'}, {op: 'call', fn: 'work', for: '300us'}, {op: 'smp_call_function', func: 'sync'}, {op: 'spin_unlock', lock: 'A'}]},
		{cpu: 1, comm: 'spinner', pid: 200, steps: [{op: 'run', for: '2100us'}, {op: 'spin_lock', lock: 'A', irqsave}, {op: 'call', fn: 'drain', for: '20us'}, {op: 'spin_unlock', lock: 'A'}]},
	],
});

test('a cross-call to a CPU spinning with IRQs off on a lock the caller holds is a lockup, explained', () => {
	const k = kernelFor(ipiDeadlock(true));
	k.advance(10 * MS);
	assert.ok(k.lockup);
	assert.equal(k.lockup.kind, 'deadlock');
	assert.deepEqual(k.lockup.cpus, [0, 1]);
	assert.equal(k.lockup.explanation, 'CPU0 waits for CPU1 to run its cross-call (smp_call_function); CPU1 spins with IRQs off on lock A held by CPU0');
	assert.ok(k.lockup.at >= 2.3 * MS && k.lockup.at < 2.31 * MS, `formed at ${k.lockup.at}`);
});

test('the same cycle with IRQs on is no lockup: the spinning CPU still takes the IPI', () => {
	const k = kernelFor(ipiDeadlock(false));
	k.advance(2 * S);
	assert.equal(k.lockup, undefined);
	assert.ok(k.cpus[1]!.call > 100);
	assert.ok((k.locks.get('A') as {acquisitions: number}).acquisitions > 100);
});

test('spinlocks hand over in arrival order (ticket locks)', () => {
	const hold = (cpu: number, start: string) => ({cpu, comm: `t${cpu}`, pid: 100 + cpu, repeat: 1, startAt: start, steps: [{op: 'spin_lock', lock: 'L'}, {op: 'call', fn: 'crit', for: '1ms'}, {op: 'spin_unlock', lock: 'L'}, {op: 'idle', for: '1s'}]});
	const k = kernelFor({...base, cpus: 4, locks: [{name: 'L', kind: 'spinlock'}], tasks: [hold(0, '0ms'), hold(3, '100us'), hold(1, '200us'), hold(2, '300us')]});
	const order: number[] = [];
	let last = -1;
	for (let i = 0; i < 5000 && order.length < 4; i++) {
		k.step();
		const l = k.locks.get('L') as {holder: number};
		if (l.holder !== -1 && l.holder !== last) order.push(l.holder);
		last = l.holder;
	}
	assert.deepEqual(order, [0, 3, 1, 2]);
});

test('a mutex waiter sleeps, is woken by a RES IPI and owns the mutex after unlock', () => {
	const k = kernelFor({
		...base,
		locks: [{name: 'M', kind: 'mutex'}],
		tasks: [
			{cpu: 0, comm: 'owner', pid: 100, repeat: 1, steps: [{op: 'mutex_lock', lock: 'M'}, {op: 'call', fn: 'slow_io', for: '5ms'}, {op: 'mutex_unlock', lock: 'M'}, {op: 'idle', for: '1s'}]},
			{cpu: 1, comm: 'waiter', pid: 200, repeat: 1, startAt: '1ms', steps: [{op: 'mutex_lock', lock: 'M'}, {op: 'call', fn: 'use', for: '1ms'}, {op: 'mutex_unlock', lock: 'M'}, {op: 'idle', for: '1s'}]},
		],
	});
	k.advance(3 * MS);
	const m = k.locks.get('M') as {owner?: {comm: string}; waiters: {comm: string}[]};
	assert.equal(m.owner?.comm, 'owner');
	assert.deepEqual(m.waiters.map((w) => w.comm), ['waiter']);
	assert.equal(k.cpus[1]!.activity.kind, 'idle', 'the waiter sleeps; its CPU idles');
	k.advance(5.5 * MS);
	assert.equal(m.owner?.comm, 'waiter');
	assert.equal(k.cpus[1]!.res, 1);
});

test('RCU: a CPU that never passes a quiescent state self-reports at t=21000 jiffies and again 3x later', () => {
	const k = kernelFor(machine([{op: 'run', for: '100s', mode: 'kernel'}]));
	k.advance(90 * S);
	const stalls = logHeads(k).filter((r) => r.text.includes('stall'));
	assert.equal(stalls.length, 2);
	assert.match(stalls[0]!.text, /^INFO: rcu_sched self-detected stall on CPU \{ 1\} {2}\(t=21000 jiffies g=\d+ c=\d+ q=\d+\)$/);
	assert.match(stalls[1]!.text, /^INFO: rcu_sched self-detected stall on CPU \{ 1\} {2}\(t=84003 jiffies g=\d+ c=\d+ q=\d+\)$/);
	assert.equal(stalls[0]!.cpu, 1);
	assert.ok(Math.abs(stalls[0]!.ns - 21 * S) < 5 * MS, `first report at ${stalls[0]!.ns}`);
	assert.equal(k.warnings.rcuStall, 2);
});

test('RCU: a CPU with IRQs off is reported by another CPU 2 jiffies after the deadline', () => {
	const k = kernelFor(machine([{op: 'run', for: '5ms'}, {op: 'irq_disable'}, {op: 'run', for: '100s', mode: 'kernel'}]));
	k.advance(30 * S);
	const stall = logHeads(k).find((r) => r.text.includes('stall'))!;
	assert.match(stall.text, /^INFO: rcu_sched detected stalls on CPUs\/tasks: \{ 1\} \(detected by 0, t=21002 jiffies, g=\d+, c=\d+, q=\d+\)$/);
	assert.equal(stall.cpu, 0);
	assert.ok(logTexts(k).includes('NMI backtrace for cpu 1'));
});

test('RCU stall timeout and HZ come from the scenario', () => {
	const k = kernelFor(machine([{op: 'run', for: '100s', mode: 'kernel'}], {hz: 250, thresholds: {rcuStallTimeout: 5}}));
	k.advance(8 * S);
	const stall = logHeads(k).find((r) => r.text.includes('stall'))!;
	assert.match(stall.text, /\(t=1250 jiffies /);
	assert.ok(Math.abs(stall.ns - 5 * S) < 10 * MS);
});

test('soft lockup: reported once per episode after 2 x watchdog_thresh without the watchdog thread', () => {
	const k = kernelFor(machine([{op: 'run', for: '2s'}, {op: 'run', for: '100s', mode: 'kernel'}]));
	k.advance(80 * S);
	const soft = logHeads(k).filter((r) => r.text.startsWith('BUG: soft lockup'));
	assert.equal(soft.length, 1);
	const m = /^BUG: soft lockup - CPU#1 stuck for (\d+)s! \[victim:200\]$/.exec(soft[0]!.text);
	assert.ok(m, soft[0]!.text);
	assert.ok(Number(m[1]) >= 21 && Number(m[1]) <= 24, `stuck for ${m[1]}s`);
	assert.ok(soft[0]!.ns >= 22 * S && soft[0]!.ns <= 30 * S, `reported at ${soft[0]!.ns}`);
	assert.equal(k.warnings.hardLockup, 0, 'IRQs were on: no hard lockup');
});

test('soft lockup repeats with a growing duration in the modern format', () => {
	const k = kernelFor(machine([{op: 'run', for: '2s'}, {op: 'run', for: '100s', mode: 'kernel'}], {formats: 'modern'}));
	k.advance(80 * S);
	const soft = logHeads(k).filter((r) => r.text.startsWith('watchdog: BUG: soft lockup'));
	assert.ok(soft.length >= 2, `${soft.length} reports`);
	const secs = soft.map((r) => Number(/stuck for (\d+)s/.exec(r.text)![1]));
	assert.ok(secs[1]! > secs[0]!);
});

test('hard lockup: the NMI watchdog warns once, 10 to 20 s after IRQs go off', () => {
	// IRQs go off after the first watchdog hrtimer (4 s) has run.
	const k = kernelFor(machine([{op: 'run', for: '5s'}, {op: 'irq_disable'}, {op: 'run', for: '100s', mode: 'kernel'}]));
	k.advance(60 * S);
	const hard = logHeads(k).filter((r) => r.text.includes('hard LOCKUP'));
	assert.equal(hard.length, 0, 'the message is the body of a WARN, not its head');
	const texts = k.log.since(0).records;
	const msgRecs = texts.filter((r) => r.text === 'Watchdog detected hard LOCKUP on cpu 1');
	assert.equal(msgRecs.length, 1);
	assert.ok(msgRecs[0]!.ns >= 15 * S && msgRecs[0]!.ns <= 25 * S, `at ${msgRecs[0]!.ns}`);
	assert.equal(k.warnings.hardLockup, 1);
	assert.ok(k.cpus[1]!.nmi >= 5, 'NMIs still arrive with IRQs off');
});

test('hardlockup_panic halts the machine with the panic string', () => {
	const k = kernelFor(machine([{op: 'irq_disable'}, {op: 'run', for: '100s', mode: 'kernel'}], {thresholds: {hardlockupPanic: true}}));
	k.advance(20 * S);
	assert.equal(k.panicked, 'Watchdog detected hard LOCKUP on cpu 1');
	assert.ok(logTexts(k).includes('Kernel panic - not syncing: Watchdog detected hard LOCKUP on cpu 1'));
	const events = k.events;
	k.advance(60 * S);
	assert.equal(k.events, events, 'no events run after the panic');
	assert.equal(k.step(), undefined, 'nothing runs after the panic');
});

test('workload durations are drawn from the seeded PRNG', () => {
	const sc = machine([{op: 'run', for: {min: '1ms', max: '50ms'}}, {op: 'idle', for: {min: '1ms', max: '9ms'}}]);
	const hashAt = (seed: number) => {
		const k = kernelFor({...sc, tasks: sc.tasks.map((t) => ({...t, repeat: 0}))}, {seed});
		k.advance(2 * S);
		return k.eventHash;
	};
	assert.equal(hashAt(5), hashAt(5));
	assert.notEqual(hashAt(5), hashAt(6));
});

// The DTrace port: probes and safe mode, dtrace_xcall, teardown, inputs, /proc/dtrace.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {kernelFor, logTexts, MS, S} from './helpers.js';
import type {DtracePort} from '../source/kernel/dtrace/port.js';
import {STAT_NAMES} from '../source/kernel/dtrace/stats.js';
import {snapshot} from '../source/kernel/snapshot.js';

const port = (k: ReturnType<typeof kernelFor>) => k.extension<DtracePort>('dtrace')!;

/** CPU0 calls `site` with IRQs off (holding nothing); CPU1 and CPU2 work in user mode. */
function probing(dtrace: object, extra: object = {}) {
	return {
		description: 'dtrace test',
		cpus: 3,
		tasks: [
			{cpu: 0, comm: 'prober', pid: 100, steps: [{op: 'run', for: '1ms'}, {op: 'irq_disable'}, {op: 'call', fn: 'site_fn', for: '10us'}, {op: 'irq_enable'}]},
			{cpu: 1, comm: 'user1', pid: 101, steps: [{op: 'run', for: '1ms'}, {op: 'call', fn: 'vfs_read', for: '20us'}]},
			{cpu: 2, comm: 'user2', pid: 102, steps: [{op: 'run', for: '1ms'}]},
		],
		dtrace: {consumer: {pid: 4711, cpu: 2, startAt: '10ms'}, probes: 100, sites: [{fn: 'site_fn', action: 'xcall'}], ...dtrace},
		...extra,
	};
}

test('safe mode: a probe at an IRQs-off site does not fire and is counted as probe_safe', () => {
	const k = kernelFor(probing({safeMode: true}));
	k.advance(200 * MS);
	const p = port(k);
	assert.ok(p.stats.get('probe_safe') > 50);
	assert.equal(p.stats.get('probe_noint'), 0);
	assert.equal(p.stats.get('xcall2'), 0, 'no cross-call was started from the suppressed site');
	assert.equal(p.stats.get('dtrace_safe'), 1);
});

test('safe mode off: the probe fires with IRQs off and its dtrace_xcall completes when targets take interrupts', () => {
	const k = kernelFor(probing({safeMode: false}));
	k.advance(200 * MS);
	const p = port(k);
	assert.ok(p.stats.get('probe_noint') > 50);
	assert.ok(p.stats.get('ipi1') >= 2 * p.stats.get('probe_noint'), 'the private vector reached both other CPUs');
	assert.equal(k.lockup, undefined);
	// The private vector is invisible in /proc/interrupts.
	assert.ok(k.cpus.every((c) => c.call === 0));
});

test('the original path goes through smp_call_function: a WARN once, and CAL counts move', () => {
	const k = kernelFor(probing({safeMode: false, xcall: 'smp_call_function'}));
	k.advance(200 * MS);
	const warns = logTexts(k).filter((t) => /^WARNING: at kernel\/smp\.c:381 smp_call_function_many\+0x[0-9a-f]+\/0x[0-9a-f]+\(\)$/.test(t));
	assert.equal(warns.length, 1);
	assert.ok(logTexts(k).some((t) => t.includes('] orig_dtrace_xcall+')));
	assert.ok(k.cpus[1]!.call > 50);
	assert.equal(port(k).stats.get('ipi1'), 0);
});

/** Two CPUs that cross-call each other from IRQs-off probe sites at the same moment. */
const mutual = (xcall: string) => ({
	description: 'A<->B',
	cpus: 3,
	tasks: [0, 1].map((cpu) => ({cpu, comm: `p${cpu}`, pid: 100 + cpu, steps: [{op: 'run', for: '1ms'}, {op: 'irq_disable'}, {op: 'call', fn: 'site_fn', for: '5us'}, {op: 'irq_enable'}]})),
	dtrace: {consumer: {pid: 4711, cpu: 2, startAt: '0s'}, probes: 10, sites: [{fn: 'site_fn', action: 'xcall'}], safeMode: false, xcall},
});

test('dtrace_xcall services other CPUs while it waits, so A<->B mutual cross-calls do not deadlock', () => {
	const k = kernelFor(mutual('dtrace_xcall'));
	k.advance(100 * MS);
	assert.equal(k.lockup, undefined);
	assert.ok(port(k).stats.get('probe_noint') > 100);
});

test('the same mutual cross-call through smp_call_function with IRQs off deadlocks', () => {
	const k = kernelFor(mutual('smp_call_function'));
	k.advance(100 * MS);
	assert.ok(k.lockup);
	assert.ok(k.lockup.cpus.includes(0) && k.lockup.cpus.includes(1));
	assert.match(k.lockup.explanation, /^CPU0 waits for CPU1 to run its cross-call \(dtrace_xcall from probe fbt::site_fn:entry via smp_call_function\); CPU1 waits for CPU0 /);
});

const consumerOnly = (dtrace: object = {}) => ({
	description: 'teardown',
	cpus: 4,
	tasks: [1, 2, 3].map((cpu) => ({cpu, comm: `w${cpu}`, pid: 100 + cpu, steps: [{op: 'run', for: {min: '100us', max: '1ms'}}, {op: 'call', fn: 'vfs_read', for: '20us'}]})),
	dtrace: {consumer: {pid: 4711, cpu: 0, startAt: '0s'}, probes: 1000, traceAll: true, ...dtrace},
	timeline: [{at: '100ms', action: 'ctrl-c'}],
});

test('^C tears each probe down with syncsPerProbe dtrace_sync calls, each a cross-call to every CPU', () => {
	const k = kernelFor(consumerOnly());
	k.advance(2 * S);
	const p = port(k);
	const t = p.teardown!;
	assert.equal(p.consumer!.state, 'gone');
	assert.equal(t.left, 0);
	// start sync + 3 per probe + final sync, plus dtrace_state_stop's
	assert.equal(t.syncs, 1 + 3 * 1000 + 1 + 1);
	assert.equal(t.xcalls, 3 * t.syncs);
	const trace = k.trace.read();
	// probes= is cnt_probes - cnt_free1 (hits), not the probes left: no probe fires once the
	// consumer is tearing down, so the start line has every hit and the done line none.
	assert.match(trace.find((l) => l.includes('teardown start'))!, new RegExp(`^\\d+\\.\\d{9} #0 4711:teardown start xcalls=\\d+ probes=${p.stats.get('probes')}$`));
	assert.match(trace.find((l) => l.includes('teardown done'))!, /^\d+\.\d{9} #0 4711:teardown done 0\.\d{9} xcalls=\d+ probes=0$/);
	assert.ok(t.lastAckCounts.reduce((a, b) => a + b, 0) > 0);
	assert.ok(p.teardownRate() > 0);
});

test('the xcall7 fast path skips CPUs that are not in probe context', () => {
	const k = kernelFor(consumerOnly({fastSync: true}));
	k.advance(2 * S);
	const p = port(k);
	assert.equal(p.teardown!.xcalls, 0);
	assert.ok(p.stats.get('xcall7(fast)') >= 3 * 3003);
});

test('kill -9 takes the close path at once, with a disorderly sync first', () => {
	const sc = {...consumerOnly(), timeline: [{at: '100ms', action: 'kill-9'}]};
	const k = kernelFor(sc);
	k.advance(2 * S);
	const t = port(k).teardown!;
	assert.equal(t.disorderly, true);
	assert.equal(t.syncs, 1 + 1 + 3 * 1000 + 1);
	assert.equal(port(k).consumer!.state, 'gone');
});

test('inputs: safe-mode toggles, start-consumer starts a new consumer once the old one is gone', () => {
	const k = kernelFor(consumerOnly());
	k.advance(50 * MS);
	const p = port(k);
	k.apply('safe-mode');
	assert.equal(p.options.safeMode, false);
	assert.equal(p.stats.get('dtrace_safe'), 0);
	k.apply('start-consumer');
	assert.equal(p.consumer!.pid, 4711, 'one consumer at a time');
	k.advance(2 * S);
	k.apply('start-consumer');
	assert.equal(p.consumer!.pid, 4712);
	k.advance(2.1 * S);
	assert.equal(p.consumer!.state, 'running');
	assert.deepEqual(
		k.applied.map((i) => [i.action, i.at]),
		[
			['safe-mode', 50 * MS],
			['start-consumer', 50 * MS],
			['ctrl-c', 100 * MS],
			['start-consumer', 2 * S],
		],
	);
});

test('timer fires the consumer cyclic on the chosen CPU: a dtrace_sync from interrupt context', () => {
	const k = kernelFor({...consumerOnly(), timeline: []});
	k.advance(50 * MS);
	const before = port(k).stats.get('xcall2');
	k.apply('timer', '1');
	k.advance(60 * MS);
	assert.equal(port(k).stats.get('timer1'), 1);
	assert.equal(port(k).stats.get('xcall2'), before + 1);
	assert.equal(k.cpus[1]!.irqStack.length, 0, 'the interrupt returned');
});

test('/proc/dtrace/stats lists name=value in the driver order, dtrace_safe first', () => {
	const k = kernelFor(consumerOnly());
	k.advance(10 * MS);
	const lines = port(k).stats.render().trimEnd().split('\n');
	assert.deepEqual(
		lines.map((l) => l.split('=')[0]),
		[...STAT_NAMES],
	);
	assert.equal(lines[0], 'dtrace_safe=1');
	assert.equal(lines.at(-1), 'shutdown=0');
});

test('the snapshot carries /proc/dtrace/stats and the tail of /proc/dtrace/trace', () => {
	const k = kernelFor(consumerOnly());
	k.advance(1 * S);
	const snap = snapshot(k);
	assert.equal(snap.dtraceStats, port(k).stats.render());
	assert.match(snap.dtraceStats!, /^dtrace_safe=1\nprobes=\d+\n/);
	assert.deepEqual(snap.traceTail, k.trace.tail(200));
	assert.match(snap.traceTail.at(-1)!, /teardown done/);
});

test('the port taints the kernel P and O and prints its load banner into the ring', () => {
	const k = kernelFor(consumerOnly());
	k.advance(1 * MS);
	assert.ok(k.taint.has('P') && k.taint.has('O'));
	// Through the module's printk() override: KERN_WARNING's "\0014" stays, with insmod's pid.
	assert.equal(k.trace.read()[0], '0.000000000 #0 4690:\x014dtracedrv loaded: /dev/dtrace available, dtrace_here=0 nr_cpus=4');
	assert.ok(k.modules[0] === 'dtracedrv(PO)');
});

// The port's lines and counters as dtrace4linux's driver/ (HEAD 8f602789) prints and counts
// them: /proc/dtrace/stats, the ring's teardown, kmem_free and load lines, the int3
// handler's nested branch, and the wrapper's re-entrancy line.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {kernelFor, MS, S} from './helpers.js';
import type {DtracePort} from '../source/kernel/dtrace/port.js';
import {symbolAddress} from '../source/kernel/messages.js';
import {renderShow} from '../source/headless/run.js';

const port = (k: ReturnType<typeof kernelFor>) => k.extension<DtracePort>('dtrace')!;
const ring = (k: ReturnType<typeof kernelFor>, what: string) => k.trace.read().filter((l) => l.includes(what));

/** A consumer on CPU0 with fbt probes on every function the workers call. */
const consumer = (dtrace: object = {}, extra: object = {}) => ({
	description: 'port fidelity',
	cpus: 4,
	tasks: [1, 2, 3].map((cpu) => ({cpu, comm: `w${cpu}`, pid: 100 + cpu, steps: [{op: 'run', for: {min: '100us', max: '1ms'}}, {op: 'call', fn: 'vfs_read', for: '20us'}]})),
	dtrace: {consumer: {pid: 4711, cpu: 0, startAt: '0s'}, probes: 1000, traceAll: true, ...dtrace},
	timeline: [{at: '100ms', action: 'ctrl-c'}],
	...extra,
});

/** CPU0 calls site_fn with IRQs off; CPU1 and CPU2 call vfs_read with IRQs on. */
const irqsOffSite = (dtrace: object) => ({
	description: 'safe mode',
	cpus: 3,
	tasks: [
		{cpu: 0, comm: 'prober', pid: 100, steps: [{op: 'run', for: '1ms'}, {op: 'irq_disable'}, {op: 'call', fn: 'site_fn', for: '10us'}, {op: 'irq_enable'}]},
		{cpu: 1, comm: 'user1', pid: 101, steps: [{op: 'run', for: '1ms'}, {op: 'call', fn: 'vfs_read', for: '20us'}]},
		{cpu: 2, comm: 'user2', pid: 102, steps: [{op: 'run', for: '1ms'}]},
	],
	dtrace: {consumer: {pid: 4711, cpu: 2, startAt: '10ms'}, probes: 100, traceAll: true, ...dtrace},
});

test('stats "probes=%llu" is cnt_probes, counted first in __dtrace_probe after the wrapper\'s checks (driver/dtrace.c dtrace_probe); int3_1 counts every trap (driver/intr.c dtrace_int3_handler)', () => {
	const k = kernelFor(irqsOffSite({safeMode: true}));
	k.advance(200 * MS);
	const s = port(k).stats;
	assert.ok(s.get('probe_safe') > 50, 'the IRQs-off site is dropped by safe mode');
	assert.ok(s.get('probes') > 50, 'the IRQs-on site fires');
	assert.equal(s.get('int3_1'), s.get('probes') + s.get('probe_safe'), 'a dropped probe trapped, but never reached __dtrace_probe');
});

test('stats "int3_2(ours)=%llu" counts every int3 dtrace_invop claims, equal to int3_1 for fbt, and "int1=%llu" each single step (driver/intr.c dtrace_int3_handler, dtrace_int1_handler)', () => {
	const k = kernelFor(irqsOffSite({safeMode: false, sites: [{fn: 'site_fn', action: 'xcall'}]}));
	k.advance(200 * MS);
	const s = port(k).stats;
	assert.ok(s.get('int3_1') > 100);
	assert.equal(s.get('int3_2(ours)'), s.get('int3_1'));
	assert.equal(s.get('int1'), s.get('int3_1'));
	assert.equal(s.get('int3_3(reentr)'), 0);
});

test('stats "xcall2=%lu" is counted before dtrace_xcall2\'s per-CPU fast path, which counts "xcall7(fast)=%llu" for each CPU skipped (driver/x_call.c dtrace_xcall2)', () => {
	const k = kernelFor(consumer({fastSync: true}));
	k.advance(2 * S);
	const s = port(k).stats;
	const t = port(k).teardown!;
	assert.equal(t.xcalls, 0, 'nobody was in probe context: every sync skipped every CPU');
	assert.equal(s.get('xcall7(fast)'), 3 * t.syncs);
	assert.ok(s.get('xcall2') >= t.syncs, 'each skipped sync still counts in xcall2');
});

test('stats "xcall5(spinlock)=%lu" is ack_wait\'s highest poll index, "if (cnt > cnt_xcall5) cnt_xcall5 = cnt;", at most 99 with ack_wait(c, 100) (driver/x_call.c ack_wait)', () => {
	// CPU3 spins with IRQs off for 50 ms at a time: every cross-call to it waits far longer than 100 polls.
	const k = kernelFor(
		consumer({switchRate: '100ms'}, {
			tasks: [
				{cpu: 1, comm: 'w1', pid: 101, steps: [{op: 'run', for: '1ms'}]},
				{cpu: 3, comm: 'serial', pid: 103, steps: [{op: 'run', for: '1ms'}, {op: 'irq_disable'}, {op: 'run', mode: 'kernel', for: '50ms'}, {op: 'irq_enable'}]},
			],
			timeline: [],
		}),
	);
	k.advance(1 * S);
	const s = port(k).stats;
	assert.ok(s.get('xcall6(ack_waits)') > 1000, 'acks waited for thousands of polls');
	assert.equal(s.get('xcall5(spinlock)'), 99);
});

test('ring "teardown start xcalls=%lu probes=%llu" and "teardown done %s xcalls=%lu probes=%llu" print cnt_probes - cnt_free1 (driver/dtrace.c dtrace_state_destroy)', () => {
	const k = kernelFor(consumer({}, {timeline: [{at: '100ms', action: 'ctrl-c'}, {at: '2s', action: 'start-consumer'}, {at: '2200ms', action: 'ctrl-c'}]}));
	k.advance(1 * S);
	const p = port(k);
	const first = p.stats.get('probes');
	assert.ok(first > 100);
	k.advance(4 * S);
	const start = ring(k, 'teardown start');
	const done = ring(k, 'teardown done');
	assert.equal(start.length, 2);
	assert.match(start[0]!, new RegExp(`^0\\.\\d{9} #0 4711:teardown start xcalls=\\d+ probes=${first}$`));
	assert.match(done[0]!, /^0\.\d{9} #0 4711:teardown done 0\.\d{9} xcalls=\d+ probes=0$/);
	// The second session's start line counts from the first teardown's first ECB destroy.
	assert.match(start[1]!, new RegExp(`^2\\.\\d{9} #0 4712:teardown start xcalls=\\d+ probes=${p.stats.get('probes') - first}$`));
});

test('ring "kmem_free t=%s (%d)" on a new maximum, else "kmem_free cnt=%d" every 10000 frees; the counts live for the module\'s lifetime (driver/dtrace.c dtrace_ecb_destroy)', () => {
	const k = kernelFor(consumer({probes: 6000}, {timeline: [{at: '100ms', action: 'ctrl-c'}, {at: '2s', action: 'start-consumer'}, {at: '2200ms', action: 'ctrl-c'}]}));
	k.advance(5 * S);
	assert.equal(port(k).consumer!.state, 'gone');
	const lines = ring(k, 'kmem_free');
	assert.deepEqual(
		lines.map((l) => l.replace(/^\d+\.\d{9} #0 \d+:/, '')),
		['kmem_free t=0.000000180 (1)', 'kmem_free cnt=10000'],
	);
	assert.match(lines[1]!, /^2\.\d{9} #0 4712:kmem_free cnt=10000$/, 'the 10000th free is in the second session');
});

test('ring load banner: printk(KERN_WARNING "dtracedrv loaded: /dev/dtrace available, dtrace_here=%d nr_cpus=%d\\n") through the module\'s printk() override keeps "\\0014", with insmod\'s pid (driver/dtrace_linux.c, driver/printf.c)', () => {
	for (const printf of ['dtrace_printf', 'printk']) {
		const k = kernelFor(consumer({printf}));
		k.advance(1 * MS);
		assert.equal(k.trace.read()[0], '0.000000000 #0 4690:\u00014dtracedrv loaded: /dev/dtrace available, dtrace_here=0 nr_cpus=4');
		assert.ok(!k.log.since(0).records.some((r) => r.text.includes('dtracedrv loaded')), 'never in dmesg');
	}
	const k = kernelFor(consumer());
	k.advance(1 * MS);
	assert.ok(renderShow(k, ['trace']).includes('\n0.000000000 #0 4690:\\x014dtracedrv loaded: /dev/dtrace available, dtrace_here=0 nr_cpus=4\n'), '/proc/dtrace/trace shows the \\001 byte escaped');
});

test('ring "recursive-int[%lu]: PC:%p" marked "-": a probed function called from an fbt probe\'s action takes dtrace_int3_handler\'s nested branch, counted in int3_3(reentr), then unpatched (driver/intr.c dtrace_int3_handler)', () => {
	const k = kernelFor(consumer({actionRecurses: true, inTracingFlag: false}, {timeline: []}));
	k.advance(500 * MS);
	const s = port(k).stats;
	const lines = ring(k, 'recursive-int');
	assert.equal(lines.length, 1);
	assert.match(lines[0]!, new RegExp(`^0\\.\\d{9} #[123] 10[123]-recursive-int\\[1\\]: PC:${symbolAddress('ktime_get')}$`));
	assert.equal(s.get('int3_3(reentr)'), 1);
	assert.equal(s.get('int3_1'), s.get('int3_2(ours)') + 1, 'the nested trap is not claimed');
	assert.equal(s.get('probe_recursion'), 0);
	assert.deepEqual(ring(k, 're-entrancy'), []);
});

test('ring "dtrace_probe: re-entrancy: old=%d this=%d [#%lu]" is the wrapper\'s, for probes that do not come through the int3 handler (pid), nine at most (driver/dtrace.c dtrace_probe)', () => {
	const k = kernelFor(consumer({provider: 'pid', actionRecurses: true, inTracingFlag: false}, {timeline: []}));
	k.advance(500 * MS);
	const s = port(k).stats;
	const lines = ring(k, 're-entrancy');
	assert.equal(lines.length, 9);
	assert.match(lines[0]!, /^0\.\d{9} #[123] 10[123]:dtrace_probe: re-entrancy: old=\d+ this=\d+ \[#1\]$/);
	assert.ok(s.get('probe_recursion') > 9);
	assert.equal(s.get('int3_2(ours)'), 0, 'dtrace_invop does not claim a user-space trap');
	assert.equal(s.get('int3_3(reentr)'), 0);
});

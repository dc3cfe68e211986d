// Kernel messages compared with the exact strings of shared/reference/kernel.md.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import * as msg from '../source/kernel/messages.js';
import {dmesgStamp, secNsec} from '../source/kernel/time.js';
import {TraceRing, LOG_BUFSIZ} from '../source/kernel/trace-ring.js';
import {KernelLog, formatRecord} from '../source/kernel/klog.js';

const numbers = {flavour: 'rcu_sched', t: 21000, gpnum: 4242, completed: 4241, q: 123};

test('3.x RCU self-detected stall line matches print_cpu_stall() exactly', () => {
	assert.equal(msg.rcuSelfStall3x(3, numbers), 'INFO: rcu_sched self-detected stall on CPU { 3}  (t=21000 jiffies g=4242 c=4241 q=123)');
});

test('3.x RCU stall detected by another CPU matches print_other_cpu_stall() exactly', () => {
	assert.equal(
		msg.rcuOtherStall3x([3], 0, {...numbers, t: 21002}),
		'INFO: rcu_sched detected stalls on CPUs/tasks: { 3} (detected by 0, t=21002 jiffies, g=4242, c=4241, q=123)',
	);
	assert.equal(msg.rcuOtherStall3x([1, 5], 2, numbers).split(' (')[0], 'INFO: rcu_sched detected stalls on CPUs/tasks: { 1 5}');
	assert.equal(msg.RCU_STALL_ENDED, 'INFO: Stall ended before state dump start');
});

test('modern RCU stall carries the rcu: prefix on pr_err lines only', () => {
	const lines = msg.rcuSelfStallModern({cpu: 3, ticksThisGp: 20999, softirq: 1201, fqs: 5250}, {...numbers, gpnum: 10901, q: 312});
	assert.equal(lines[0], 'rcu: INFO: rcu_sched self-detected stall on CPU');
	assert.equal(lines[1], 'rcu: \t3-....: (20999 ticks this GP) idle=900/1/0x4000000000000000 softirq=1201/1201 fqs=5250 ');
	assert.equal(lines[2], '\t(t=21000 jiffies g=10901 q=312)');
});

test('soft lockup line in the 3.x and modern forms', () => {
	assert.equal(msg.softLockupLine('3.x', 1, 11, 'dtrace', 5862), 'BUG: soft lockup - CPU#1 stuck for 11s! [dtrace:5862]');
	assert.equal(msg.softLockupLine('modern', 2, 22, 'kworker/2:1', 90), 'watchdog: BUG: soft lockup - CPU#2 stuck for 22s! [kworker/2:1:90]');
});

test('hard lockup is a WARN splat on 3.x with the watchdog message', () => {
	const ctx = {cpu: 1, pid: 0, comm: 'swapper/1', tainted: 'Not tainted', release: '3.10.105', modules: 'virtio_net', frames: ['native_safe_halt']};
	const lines = msg.hardLockupReport('3.x', ctx, '0123456789abcdef').map((l) => l.text);
	assert.equal(lines[0], '------------[ cut here ]------------');
	assert.match(lines[1]!, /^WARNING: at kernel\/watchdog\.c:245 watchdog_overflow_callback\+0x[0-9a-f]+\/0x[0-9a-f]+\(\)$/);
	assert.equal(lines[2], 'Watchdog detected hard LOCKUP on cpu 1');
	assert.equal(lines[3], 'Modules linked in: virtio_net');
	assert.equal(lines[4], 'CPU: 1 PID: 0 Comm: swapper/1 Not tainted 3.10.105 #1');
	assert.equal(lines.at(-1), '---[ end trace 0123456789abcdef ]---');
	const modern = msg.hardLockupReport('modern', ctx, '0123456789abcdef').map((l) => l.text);
	assert.equal(modern[0], 'NMI watchdog: Watchdog detected hard LOCKUP on cpu 1');
});

test('WARN head: 3.10 warn_slowpath_common form and the modern __warn form', () => {
	const ctx = {cpu: 0, pid: 1201, comm: 'ipi_sender', tainted: 'Not tainted', release: '3.10.105', modules: '', frames: []};
	const old = msg.warnSplat('3.x', msg.SMP_CALL_FUNCTION_MANY_WARN, undefined, ctx, '0000000000000001').map((l) => l.text);
	assert.match(old[1]!, /^WARNING: at kernel\/smp\.c:381 smp_call_function_many\+0x[0-9a-f]+\/0x[0-9a-f]+\(\)$/);
	const modern = msg.warnSplat('modern', msg.SMP_CALL_FUNCTION_MANY_WARN, undefined, ctx, '0000000000000001').map((l) => l.text);
	assert.match(modern[1]!, /^WARNING: CPU: 0 PID: 1201 at kernel\/smp\.c:381 smp_call_function_many\+0x[0-9a-f]+\/0x[0-9a-f]+$/);
});

test('scheduling while atomic keeps the %08x preempt count', () => {
	assert.equal(msg.schedulingWhileAtomic('dtrace', 4711, 0x10001), 'BUG: scheduling while atomic: dtrace/4711/0x00010001');
});

test('print_tainted() keeps one column per 3.10 flag, G for no proprietary module', () => {
	assert.equal(msg.taintString(new Set()), 'Not tainted');
	assert.equal(msg.taintString(new Set(['W'])), 'Tainted: G        W   ');
	assert.equal(msg.taintString(new Set(['P', 'O', 'W'])), 'Tainted: P        W  O');
});

test('a symbol prints the same address and offset everywhere', () => {
	assert.equal(msg.frame('smp_call_function_many'), msg.frame('smp_call_function_many'));
	assert.match(msg.frame('do_nmi'), /^ \[<ffffffff8[0-9a-f]{7}>\] do_nmi\+0x[0-9a-f]+\/0x[0-9a-f]+$/);
});

test('dmesg timestamps are [%5lu.%06lu] ', () => {
	assert.equal(dmesgStamp(21_000_123_456), '[   21.000123] ');
	assert.equal(dmesgStamp(0), '[    0.000000] ');
	assert.equal(dmesgStamp(123_456_789_999_999), '[123456.789999] ');
	const log = new KernelLog();
	assert.equal(formatRecord(log.print(84_003_000_000, 0, 'err', 'x')), '[   84.003000] x');
});

test('dtrace_printf lines: sec.nsec from the first call, #cpu pid, then : or - with no space', () => {
	const ring = new TraceRing();
	ring.printf(5_000_000_000, 0, 4711, false, 'first');
	ring.printf(8_000_001_200, 0, 4711, false, 'teardown start xcalls=12 probes=3400');
	ring.printf(12_004_512_331 + 5_000_000_000, 1, 0, true, 'ack_wait');
	assert.deepEqual(ring.read(), ['0.000000000 #0 4711:first', '3.000001200 #0 4711:teardown start xcalls=12 probes=3400', '12.004512331 #1 0-ack_wait']);
	assert.equal(secNsec(3_000_001_200), '3.000001200');
});

test('the dtrace_printf ring keeps exactly the last 64 KiB, cutting the oldest line', () => {
	const ring = new TraceRing();
	for (let i = 0; i < 5000; i++) ring.printf(i * 1000, i % 4, 100, false, `line ${i} ${'x'.repeat(20)}`);
	const text = ring.read().join('\n') + '\n';
	assert.equal(text.length, LOG_BUFSIZ);
	assert.match(ring.read().at(-1)!, /:line 4999 x+$/);
	assert.ok(!ring.read()[0]!.startsWith('0.'), 'the first line shown starts mid-line after a wrap');
});

test('the printk ring is bounded like log_buf and reports what a reader lost', () => {
	const log = new KernelLog();
	for (let i = 0; i < 20_000; i++) log.print(i, 0, 'info', `message number ${i}`);
	const {records, lost} = log.since(0);
	assert.ok(lost > 0);
	assert.equal(records.length + lost, 20_000);
	assert.equal(records.at(-1)!.text, 'message number 19999');
	const bytes = records.reduce((n, r) => n + r.text.length + 16, 0);
	assert.ok(bytes <= 1 << 17, `log holds ${bytes} bytes`);
});

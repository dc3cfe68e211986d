// Each seed scenario, headless, with and without its mitigation: outcome, CPUs, the exact
// kernel messages and when they come. And determinism per scenario.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {listScenarioNames, loadScenario} from '../source/scenario/load.js';
import {buildKernel} from '../source/scenario/machine.js';
import type {DtracePort} from '../source/kernel/dtrace/port.js';
import {MS, S} from './helpers.js';

function run(name: string, until: number, mitigated = false) {
	const k = buildKernel(loadScenario(name), {mitigated});
	k.advance(until);
	const records = k.log.since(0).records;
	const find = (re: RegExp) => records.filter((r) => re.test(r.text));
	return {k, records, find, port: k.extension<DtracePort>('dtrace')};
}

test('safe-xcall: a probe cross-call from an IRQs-off region deadlocks CPU0 and CPU1', () => {
	const {k, find} = run('safe-xcall', 30 * S);
	assert.ok(k.lockup);
	assert.ok(k.lockup.at > 500 * MS && k.lockup.at < 2 * S, `at ${k.lockup.at}`);
	assert.ok(k.lockup.explanation.startsWith('CPU0 waits for CPU1 to run its cross-call (dtrace_xcall from probe fbt::flush_pending_updates:entry); CPU1 spins with IRQs off on lock A held by CPU0'));
	assert.ok(k.lockup.cpus.includes(0) && k.lockup.cpus.includes(1));
	const hard = find(/^Watchdog detected hard LOCKUP on cpu [01]$/);
	assert.deepEqual(hard.map((r) => r.text), ['Watchdog detected hard LOCKUP on cpu 0', 'Watchdog detected hard LOCKUP on cpu 1']);
	for (const r of hard) assert.ok(r.ns >= k.lockup.at + 9 * S && r.ns <= k.lockup.at + 21 * S);
	const rcu = find(/^INFO: rcu_sched detected stalls on CPUs\/tasks: \{ 0 1\} \(detected by [23], t=21002 jiffies, g=\d+, c=\d+, q=\d+\)$/);
	assert.equal(rcu.length, 1);
});

test('safe-xcall with safe mode on: no lockup, every hit at the IRQs-off site suppressed', () => {
	const {k, port, records} = run('safe-xcall', 30 * S, true);
	assert.equal(k.lockup, undefined);
	assert.equal(port!.options.safeMode, true);
	assert.ok(port!.stats.get('probe_safe') > 1000);
	assert.equal(port!.stats.get('probe_noint'), 0);
	assert.equal(records.length, 0, 'a quiet kernel log');
});

test('teardown-storm: ~120,000 cross-calls, a crawling teardown, and the kernel complains about CPU0', () => {
	const {k, port, find} = run('teardown-storm', 40 * S);
	const t = port!.teardown!;
	assert.equal(k.lockup, undefined);
	assert.equal(t.left, 0);
	assert.ok(t.syncs >= 120_000 && t.syncs < 120_010, `${t.syncs} syncs`);
	assert.ok(port!.stats.get('xcall1') >= 120_000);
	const secs = (t.doneAt! - t.startedAt) / S;
	assert.ok(secs > 20 && secs < 35, `teardown took ${secs}s`);
	const soft = find(/^BUG: soft lockup - CPU#0 stuck for 2\ds! \[dtrace:4711\]$/);
	assert.equal(soft.length, 1);
	assert.ok(soft[0]!.ns > 23 * S && soft[0]!.ns < 30 * S);
	const rcu = find(/^INFO: rcu_sched self-detected stall on CPU \{ 0\} {2}\(t=21000 jiffies g=\d+ c=\d+ q=\d+\)$/);
	assert.equal(rcu.length, 1);
	assert.ok(Math.abs(rcu[0]!.ns - (t.startedAt + 21 * S)) < 20 * MS);
	// The other CPUs pay for every cross-call in interrupt time: sluggish while it runs.
	assert.ok(k.cpus[1]!.irqNs > 1 * S, `CPU1 spent ${k.cpus[1]!.irqNs / S}s in interrupts`);
});

test('teardown-storm with the fast sync path: done in milliseconds, no complaints', () => {
	const {k, port, find} = run('teardown-storm', 40 * S, true);
	const t = port!.teardown!;
	assert.ok(t.doneAt! - t.startedAt < 100 * MS);
	assert.equal(find(/soft lockup|stall/).length, 0);
	assert.ok(k.cpus[1]!.irqNs < 0.1 * S);
});

test('kill9-timeout: the hrtimer cleanup spins in hardirq on the mutex its own CPU holds', () => {
	const {k, find} = run('kill9-timeout', 30 * S);
	assert.ok(k.lockup);
	assert.equal(k.lockup.kind, 'deadlock');
	assert.deepEqual(k.lockup.cpus, [0]);
	assert.equal(
		k.lockup.explanation,
		'CPU0 (hardirq: fasttrap_pid_cleanup_cb) spins on mutex dtrace_lock held by dtrace (pid 4711), the task it interrupted; dtrace (pid 4711) cannot run until that interrupt returns on CPU0',
	);
	const bugs = find(/^BUG: scheduling while atomic: dtrace\/4711\/0x00010001$/);
	assert.ok(bugs.length >= 10);
	assert.ok(bugs[0]!.ns > 2 * S && bugs[0]!.ns < 2.01 * S);
	assert.ok(find(/^__schedule_bug: \d+ callbacks suppressed$/).length >= 1);
	assert.equal(find(/^Watchdog detected hard LOCKUP on cpu 0$/).length, 1);
	assert.equal(find(/^INFO: rcu_sched detected stalls on CPUs\/tasks: \{ 0\} \(detected by [123], t=21002 jiffies/).length, 1);
});

test('kill9-timeout with workqueue timeouts: the kworker waits for the holder, cleanup completes', () => {
	const {k, port, records} = run('kill9-timeout', 10 * S, true);
	assert.equal(k.lockup, undefined);
	assert.equal(port!.consumer!.state, 'gone');
	assert.equal(port!.fasttrapProbes, 0);
	// fasttrap_pid_cleanup_cb prints nothing (dtrace4linux has no such line).
	assert.ok(!k.trace.read().some((l) => l.includes('fasttrap_pid_cleanup_cb')));
	assert.ok(k.tasks.some((t) => t.comm === 'kworker/u8:1' && t.state === 'exited'));
	assert.equal(records.length, 0);
});

test('every scenario is deterministic: same seed, same hash; another seed, another hash', () => {
	for (const name of listScenarioNames()) {
		const hash = (seed?: number) => {
			const k = buildKernel(loadScenario(name), {seed});
			k.advance(4 * S);
			return k.eventHash;
		};
		assert.equal(hash(), hash(), name);
		assert.notEqual(hash(), hash(99), name);
	}
});

test('printk-recursion: a printk from the NMI probe hangs CPU1 on the logbuf_lock it holds, then the whole machine', () => {
	const {k, find} = run('printk-recursion', 20 * S);
	assert.ok(k.lockup);
	assert.equal(k.lockup.kind, 'stuck');
	assert.ok(k.lockup.explanation.includes('CPU1 (NMI: probe fbt::perf_event_nmi_handler:entry calls printk) spins on logbuf_lock, which CPU1 itself holds in printk from kworker/1:1 (pid 61)'));
	assert.deepEqual(k.lockup.cpus, [0, 1, 2, 3], 'every other CPU hangs in its next NMI printk');
	assert.ok(k.cpus.every((c) => c.ctx === 'nmi'));
	// Nothing reaches the log once the lock can never be released: the machine goes silent.
	const last = k.log.since(0).records.at(-1)!;
	assert.ok(last.ns <= k.lockup.at);
	assert.ok(find(/stall|soft lockup|hard LOCKUP/).length === 0);
	assert.ok(k.lostMessages > 0 || k.warnings.rcuStall === 0);
});

test('printk-recursion with dtrace_printf: the NMI probe writes the ring, nothing hangs', () => {
	const {k} = run('printk-recursion', 20 * S, true);
	assert.equal(k.lockup, undefined);
	const nmiLines = k.trace.read().filter((l) => /^\d+\.\d{9} #\d \d+-fbt::perf_event_nmi_handler:entry fired on cpu \d$/.test(l));
	assert.ok(nmiLines.length > 500, `${nmiLines.length} ring lines, written with interrupts off ('-')`);
	assert.equal(k.trace.byteCount, 64 * 1024, 'the ring wrapped and kept its last 64 KiB');
});

test('rcu-idle-probe: the modern suspicious RCU usage splat, once; the guard avoids it', () => {
	const {k, records, port} = run('rcu-idle-probe', 10 * S);
	const texts = records.map((r) => r.text);
	const at = texts.indexOf('WARNING: suspicious RCU usage');
	assert.ok(at > 0);
	assert.deepEqual(texts.slice(at - 1, at + 14), [
		'=============================',
		'WARNING: suspicious RCU usage',
		'5.6.0-rc4 #1 Tainted: P           O     ',
		'-----------------------------',
		'driver/dtrace.c:1387 suspicious rcu_dereference_check() usage!',
		'',
		'other info that might help us debug this:',
		'',
		'',
		'RCU used illegally from idle CPU!',
		'rcu_scheduler_active = 1, debug_locks = 0',
		'RCU used illegally from extended quiescent state!',
		'no locks held by swapper/1/0.',
		'',
		'stack backtrace:',
	]);
	assert.equal(texts.filter((t) => t === 'WARNING: suspicious RCU usage').length, 1, 'lockdep prints it once');
	assert.ok(port!.rcuSplats > 1);
	assert.ok(port!.inTracingStops > 1000, 'the in-tracing flag stopped the tracer probing itself');
	assert.equal(port!.stats.get('probe_recursion'), 0);
	assert.equal(k.lockup, undefined);
	const guarded = run('rcu-idle-probe', 10 * S, true);
	assert.equal(guarded.records.length, 0);
	assert.ok(guarded.port!.rcuGuarded > 1000);
});

test('without the in-tracing flag the nested probe traps into dtrace_int3_handler\'s nested branch: one recursive-int line, then the probe is unpatched', () => {
	const loaded = loadScenario('rcu-idle-probe');
	const k = buildKernel({...loaded, scenario: {...loaded.scenario, dtrace: {...loaded.scenario.dtrace!, inTracingFlag: false}}});
	k.advance(2 * S);
	const p = k.extension<DtracePort>('dtrace')!;
	assert.equal(p.stats.get('int3_3(reentr)'), 1, 'the opcode is written back: ktime_get never traps again');
	assert.equal(p.stats.get('probe_recursion'), 0, 'fbt nesting never reaches the wrapper');
	assert.ok(!k.trace.read().some((l) => l.includes('dtrace_probe: re-entrancy')));
	const lines = k.trace.read().filter((l) => l.includes('recursive-int'));
	assert.equal(lines.length, 1);
	assert.match(lines[0]!, /^\d+\.\d{9} #\d \d+-recursive-int\[1\]: PC:ffffffff[0-9a-f]{8}$/);
});

test('rendezvous-race: a straggler misses the exit count, spins for ever, its next IPI stays pending', () => {
	const {k} = run('rendezvous-race', 10 * S);
	assert.ok(k.lockup);
	assert.equal(k.lockup.kind, 'stuck');
	assert.deepEqual(k.lockup.cpus, [0, 1, 2]);
	assert.match(k.lockup.explanation, /CPU\d spins for ever on the exit barrier of rendezvous #(\d+): its vCPU was preempted before it saw smp_rv_waiters\[2\] reach 3, and rendezvous #\d+ reset the counter to 0/);
	const straggler = k.cpus[Number(/CPU(\d) spins for ever/.exec(k.lockup.explanation)![1])]!;
	assert.equal(straggler.isr & (1 << 3), 1 << 3, 'the rendezvous vector is still in service');
	assert.equal(straggler.irr & (1 << 3), 1 << 3, 'and the next one is pending behind it');
	assert.equal(k.log.since(0).records.length, 0, 'FreeBSD 8 prints nothing');
});

test('rendezvous-race with the generation count: thousands of rendezvous, no hang', () => {
	const {k} = run('rendezvous-race', 10 * S, true);
	assert.equal(k.lockup, undefined);
	const r = k.extensionList.find((e) => e.name === 'rendezvous') as unknown as {completed: number};
	assert.ok(r.completed > 10_000, `${r.completed} completed`);
});

test('input mitigation flips the scenario\'s option and back', () => {
	const k = buildKernel(loadScenario('kill9-timeout'));
	k.advance(1 * MS);
	assert.equal(k.option('timeouts'), 'hrtimer');
	k.apply('mitigation');
	assert.equal(k.option('timeouts'), 'workqueue');
	assert.equal(k.mitigated, true);
	k.apply('mitigation');
	assert.equal(k.option('timeouts'), 'hrtimer');
});

test('every scenario meets the outcome its own `expect` declares', () => {
	for (const name of listScenarioNames()) {
		const loaded = loadScenario(name);
		const expect = loaded.scenario.expect;
		if (!expect) continue;
		const k = buildKernel(loaded);
		k.advance(loaded.scenario.until);
		assert.equal(k.lockup !== undefined, expect.lockup, `${name}: lockup`);
		if (!k.lockup) continue;
		for (const c of expect.cpus ?? []) assert.ok(k.lockup.cpus.includes(c), `${name}: CPU${c} in ${k.lockup.cpus}`);
		if (expect.by !== undefined) assert.ok(k.lockup.at <= expect.by, `${name}: lockup at ${k.lockup.at} after ${expect.by}`);
	}
});

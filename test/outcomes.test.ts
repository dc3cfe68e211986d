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
	assert.ok(k.trace.read().some((l) => /^\d+\.\d{9} #\d [0-9]+:fasttrap_pid_cleanup_cb: 2000 probes cleaned up$/.test(l)));
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

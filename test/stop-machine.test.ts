// stop_machine (3.10 kernel/stop_machine.c): every CPU's stopper thread (migration/N) runs
// stop_machine_cpu_stop, a state machine PREPARE -> DISABLE_IRQ -> RUN -> EXIT in which each
// CPU spins (no scheduling, no touch_nmi_watchdog in 3.10) until all have acked the state. A
// CPU that never schedules keeps the others spinning in PREPARE with IRQs still on: soft
// lockups and an RCU stall, no hard LOCKUP. A slow function keeps them spinning in RUN with
// IRQs off: hard LOCKUP everywhere.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {loadScenario} from '../source/scenario/load.js';
import {buildKernel} from '../source/scenario/machine.js';
import {kernelFor, logHeads, logTexts, MS, S} from './helpers.js';
import {formatSummary, summarize} from '../source/kernel/summary.js';

test('stop-machine-straggler: the stoppers spin in PREPARE behind CPU1, IRQs on; RCU stall on CPU1 at 21 s, then "BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]" (kernel/watchdog.c) on every CPU, no hard LOCKUP', () => {
	const k = buildKernel(loadScenario('stop-machine-straggler'));
	k.advance(2 * S + 1 * MS);
	for (const c of [0, 2, 3]) {
		const cpu = k.cpus[c]!;
		assert.equal(cpu.current?.comm, `migration/${c}`);
		assert.equal(cpu.activity.kind, 'busy-wait');
		assert.equal(cpu.irqsOn, true, 'PREPARE: IRQs still on');
		assert.equal(k.describe(cpu), 'stop_machine PREPARE: wait CPU1');
	}
	assert.equal(k.cpus[1]!.current?.comm, 'hwpoll/1');
	assert.equal(k.cpus[1]!.runq[0]?.comm, 'migration/1');
	k.advance(30 * S);
	const l = k.lockup!;
	assert.equal(l.kind, 'stuck');
	assert.deepEqual(l.cpus, [0, 1, 2, 3]);
	assert.equal(
		l.explanation,
		"CPU0 (migration/0) spins in stop_machine_cpu_stop (PREPARE, IRQs on) waiting for CPU1's stopper thread migration/1; CPU1: hwpoll/1 (pid 318) runs ring_poll_loop in the kernel and has not scheduled since stop_machine began (preemption none): its stopper thread migration/1 is runnable but cannot run (also stuck behind it: CPU2 (migration/2) spins in stop_machine_cpu_stop (PREPARE, IRQs on) waiting for CPU1's stopper thread migration/1; CPU3 (migration/3) spins in stop_machine_cpu_stop (PREPARE, IRQs on) waiting for CPU1's stopper thread migration/1)",
	);
	const heads = logHeads(k).map((h) => h.text);
	assert.ok(heads.some((t) => t.startsWith('INFO: rcu_sched self-detected stall on CPU { 1}')), heads.join('\n'));
	for (const [c, who] of [[0, 'migration/0:7'], [1, 'hwpoll/1:318'], [2, 'migration/2:17'], [3, 'migration/3:22']] as const) {
		assert.ok(heads.some((t) => new RegExp(`^BUG: soft lockup - CPU#${c} stuck for \\d+s! \\[${who.replace('/', '\\/')}\\]$`).test(t)), `${c}: ${heads.join('\n')}`);
	}
	assert.equal(k.warnings.hardLockup, 0);
	assert.equal(k.warnings.softLockup, 4);
	assert.equal(k.tasks.find((t) => t.comm === 'bash')!.state, 'sleeping', 'the caller still waits in wait_for_completion');
	assert.ok(logTexts(k).some((t) => t.includes('stop_machine_cpu_stop')));
});

test('stop-machine-straggler at 60 s: the poll loop ends, migration/1 runs, the patch lands; the lockup is over (by the next look, every 100 ms) and says so', () => {
	const k = buildKernel(loadScenario('stop-machine-straggler'));
	k.advance(59 * S);
	assert.equal(k.lockup!.over, undefined);
	k.advance(61 * S);
	const l = k.lockup!;
	assert.equal(l.at, 2_000_302_000, 'still the lockup found at 2 s');
	assert.ok(l.over! > 60 * S && l.over! <= 60.2 * S, `over by ${l.over}`);
	assert.notEqual(k.tasks.find((t) => t.comm === 'bash')!.state, 'sleeping', 'stop_machine returned');
	for (const c of [0, 2, 3]) assert.ok(!k.cpus[c]!.current?.comm.startsWith('migration/'), `CPU${c} left its stopper`);
	const summary = formatSummary(summarize(k));
	assert.match(summary, /^outcome {8}LOCKUP \(stuck\) on CPU0, CPU1, CPU2, CPU3 at 2\.000302s, over by 60\.\d{6}s$/m);
	assert.match(summary, /^explanation {4}while it held: CPU0 \(migration\/0\) spins in stop_machine_cpu_stop/m);
	// hwpoll/1's next minute-long loop: CPU1 alone goes on earning soft lockups.
	k.advance(90 * S);
	const soft = logHeads(k).filter((h) => h.text.startsWith('BUG: soft lockup'));
	assert.ok(soft.some((h) => h.ns > 61 * S && h.text.endsWith('[hwpoll/1:318]')));
	assert.ok(soft.filter((h) => h.ns > 61 * S).every((h) => h.text.startsWith('BUG: soft lockup - CPU#1 ')));
});

test('stop-machine-straggler mitigated: the loop calls cond_resched, migration/1 runs, the patch is done in milliseconds, nothing hangs', () => {
	const k = buildKernel(loadScenario('stop-machine-straggler'), {mitigated: true});
	k.advance(2 * S + 10 * MS);
	const bash = k.tasks.find((t) => t.comm === 'bash')!;
	assert.equal(bash.state, 'exited');
	for (const cpu of k.cpus) {
		assert.equal(cpu.irqsOn || cpu.ctx === 'hardirq', true);
		assert.notEqual(cpu.activity.kind, 'busy-wait');
		assert.equal(k.tasks.find((t) => t.comm === `migration/${cpu.id}`)!.state, 'sleeping');
	}
	k.advance(30 * S);
	assert.equal(k.lockup, undefined);
	assert.deepEqual({...k.warnings}, {rcuStall: 0, softLockup: 0, hardLockup: 0, warn: 0, bug: 0, hungTask: 0});
});

/** stop_machine on CPU0 whose function runs `body` on CPU1; CPU1 runs a short user loop. */
function slow(body: object[], extra: object = {}): object {
	return {
		description: 'stop_machine with a function',
		cpus: 2,
		until: '15s',
		locks: [{name: 'text_mutex_spin', kind: 'spinlock'}],
		functions: {patch_text: {steps: body}},
		tasks: [
			{cpu: 0, comm: 'insmod', pid: 812, repeat: 1, startAt: '1s', steps: [{op: 'stop_machine', func: 'patch_text', cpu: 1}, {op: 'printk', text: 'patched'}]},
			{cpu: 1, comm: 'java', pid: 900, steps: [{op: 'run', for: '3ms'}, {op: 'idle', for: '1ms'}]},
		],
		...extra,
	};
}

test('the function runs on the CPU stop_machine names, with IRQs off on every CPU, then every CPU restores its IRQs and the caller goes on', () => {
	const k = kernelFor(slow([{op: 'spin_lock', lock: 'text_mutex_spin'}, {op: 'run', for: '2ms'}, {op: 'printk', text: 'patching on the stopped machine'}, {op: 'spin_unlock', lock: 'text_mutex_spin'}]));
	k.advance(1 * S + 1 * MS);
	assert.equal(k.cpus[1]!.current?.comm, 'migration/1');
	assert.equal(k.cpus[1]!.activity.kind, 'run');
	assert.equal(k.cpus[0]!.irqsOn, false, 'RUN: IRQs off on the CPU that waits');
	assert.equal(k.cpus[1]!.irqsOn, false, 'and on the one running the function');
	assert.equal(k.describe(k.cpus[0]!), 'stop_machine RUN: wait CPU1');
	assert.equal(k.framesOf(k.cpus[1]!)[0], 'patch_text');
	k.advance(1 * S + 10 * MS);
	const heads = logHeads(k);
	const patching = heads.find((h) => h.text === 'patching on the stopped machine')!;
	const patched = heads.find((h) => h.text === 'patched')!;
	assert.equal(patching.cpu, 1);
	assert.equal(patched.cpu, 0);
	assert.ok(patched.ns > patching.ns);
	assert.ok(k.cpus.every((c) => c.irqsOn));
	assert.equal(k.lockup, undefined);
});

test('a function that runs past watchdog_thresh with IRQs off everywhere: "Watchdog detected hard LOCKUP on cpu %d" (kernel/watchdog.c) on every CPU, since 3.10 does not touch the NMI watchdog in the loop', () => {
	const k = kernelFor(slow([{op: 'run', for: '12s'}]));
	k.advance(15 * S);
	const texts = logTexts(k);
	assert.ok(texts.includes('Watchdog detected hard LOCKUP on cpu 0'), texts.join('\n'));
	assert.ok(texts.includes('Watchdog detected hard LOCKUP on cpu 1'), texts.join('\n'));
	assert.equal(k.warnings.hardLockup, 2);
	// It ends: the caller goes on once the function returns at 13 s.
	assert.equal(k.tasks.find((t) => t.comm === 'insmod')!.state, 'exited');
	assert.equal(k.lockup, undefined);
});

test('cond_resched without a waiting stopper thread is only a step: the loop keeps its CPU', () => {
	const k = kernelFor({
		description: 'cond_resched alone',
		cpus: 1,
		until: '1s',
		tasks: [
			{cpu: 0, comm: 'a', pid: 10, steps: [{op: 'call', fn: 'work', for: '1ms'}, {op: 'cond_resched'}]},
			{cpu: 0, comm: 'b', pid: 11, steps: [{op: 'run', for: '1ms'}]},
		],
	});
	k.advance(100 * MS);
	const [a, b] = k.tasks;
	// Both run: the end of each pass is where they take turns, not cond_resched.
	assert.ok(a!.iteration > 10 && b!.iteration > 10, `${a!.iteration} ${b!.iteration}`);
});

test('a second stop_machine waits for the first to end (stop_cpus_mutex), then runs its own', () => {
	const s = slow([{op: 'run', for: '1ms'}]) as {tasks: object[]};
	s.tasks.push({cpu: 1, comm: 'modprobe', pid: 813, repeat: 1, startAt: '1s', steps: [{op: 'stop_machine', func: 'patch_text', cpu: 0}, {op: 'printk', text: 'second done'}]});
	const k = kernelFor(s);
	k.advance(2 * S);
	const texts = logTexts(k);
	assert.ok(texts.includes('patched') && texts.includes('second done'), texts.join('\n'));
	assert.equal(k.lockup, undefined);
	assert.ok(k.cpus.every((c) => c.irqsOn));
});

test('stop_machine is plain data: clones in PREPARE and in RUN run on as the original', () => {
	for (const [k, at] of [
		[buildKernel(loadScenario('stop-machine-straggler')), 2 * S + 1 * MS],
		[kernelFor(slow([{op: 'run', for: '3s'}])), 1 * S + 5 * MS],
	] as const) {
		k.advance(at);
		const copy = k.clone();
		k.advance(25 * S);
		copy.advance(25 * S);
		assert.equal(copy.eventHash, k.eventHash);
		assert.deepEqual(logTexts(copy), logTexts(k));
	}
});

// ksoftirqd/N (kernel/softirq.c's smpboot thread): the per-CPU kthread __do_softirq wakes
// when its restart limit leaves work pending. It runs when the scheduler gives it the CPU
// (here: when the CPU's task sleeps or ends its list; there is no preemption), runs
// __do_softirq, then cond_resched()s, and sleeps once nothing is pending.
import type {Cpu} from './cpu.js';
import type {Kernel} from './kernel.js';
import {run, schedulePoint, setActivity, sleepCurrent, startTimed, wake} from './sched.js';
import {runSoftirqs, VIA_KSOFTIRQD} from './softirq.js';

/** What one ksoftirqd pass (run_ksoftirqd, cond_resched) costs besides its callbacks' own steps. */
export const KSOFTIRQD_PASS_NS = 1_000;

/** ksoftirqd/N's pid as a 3.10 boot numbers the per-CPU kthreads (ksoftirqd/0 is 3, then one every 5). */
export function ksoftirqdPid(cpu: number): number {
	return cpu === 0 ? 3 : 13 + 5 * (cpu - 1);
}

/** wakeup_softirqd(): ksoftirqd/N (created on first use) becomes runnable on its CPU. */
export function wakeupSoftirqd(k: Kernel, cpu: Cpu): void {
	const st = k.s.softirq;
	st.deferred[cpu.id]!++;
	let t = st.ksoftirqd[cpu.id];
	if (!t) {
		t = {comm: `ksoftirqd/${cpu.id}`, pid: ksoftirqdPid(cpu.id), cpu: cpu.id, steps: [], repeat: 0, pc: 0, iteration: 0, variantPass: -1, mitigatedPass: false, state: 'sleeping', sleepsOn: undefined, sleepToken: 0, blockedSince: 0, switchCount: 0, lastSwitchCount: 0, driver: {fn: k.softirqFns.ksoftirqd}};
		k.s.tasks.push(t);
		st.ksoftirqd[cpu.id] = t;
	}
	if (t.state === 'sleeping') wake(k, t, cpu);
}

/** run_ksoftirqd() each time the thread gets the CPU; after a pass, cond_resched(). */
export function ksoftirqdThread(k: Kernel, cpu: Cpu): void {
	const task = cpu.current!;
	if (task.iteration > 0) {
		task.iteration = 0;
		// cond_resched() and rcu_note_context_switch(): a quiescent state; others runnable go first.
		schedulePoint(k, cpu);
		if (cpu.runq.length > 0) {
			task.state = 'runnable';
			cpu.runq.push(task);
			cpu.current = undefined;
			run(k, cpu);
			return;
		}
	}
	if (k.s.softirq.pending[cpu.id] === 0) {
		// ksoftirqd_should_run() is false: back to sleep until woken.
		sleepCurrent(k, cpu, undefined);
		return;
	}
	task.iteration = 1;
	setActivity(k, cpu, {kind: 'run', mode: 'kernel', fn: 'run_ksoftirqd', until: k.s.now});
	if (!runSoftirqs(k, cpu, VIA_KSOFTIRQD)) return;
	startTimed(k, cpu, {kind: 'run', mode: 'kernel', fn: 'run_ksoftirqd', until: 0}, KSOFTIRQD_PASS_NS);
}

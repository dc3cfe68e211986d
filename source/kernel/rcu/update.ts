// The RCU API a task's steps call (kernel/rcupdate.c, include/linux/rcupdate.h in 3.10):
// rcu_read_lock/unlock, synchronize_rcu (wait_rcu_gp: call_rcu(wakeme_after_rcu) and sleep
// in wait_for_completion until the callback runs), call_rcu. Without CONFIG_PREEMPT the
// read side is preempt_disable()/preempt_enable() and synchronize_rcu() is
// synchronize_sched(); with it, readers nest a per-task counter (tree_plugin.ts).
import type {StepOp} from '../config.js';
import type {Cpu, Task} from '../cpu.js';
import type {Kernel} from '../kernel.js';
import {mightSleep, preemptCheck} from '../preempt.js';
import {schedulePoint} from '../sched.js';
import {taskBaseFrames} from '../stacktrace.js';
import type {StuckNode, WaitEdge} from '../waitfor.js';
import {queueCallbacks} from './tree.js';
import {readUnlockSpecial} from './tree_plugin.js';

export function rcuReadLock(k: Kernel, cpu: Cpu, task: Task): void {
	if (k.config.preemption === 'full') task.rcuNesting = (task.rcuNesting ?? 0) + 1;
	else cpu.preempt++;
}

/** rcu_read_unlock(); the task has moved past the step. */
export function rcuReadUnlock(k: Kernel, cpu: Cpu, task: Task): boolean {
	if (k.config.preemption !== 'full') {
		if (cpu.preempt > 0) cpu.preempt--;
		return preemptCheck(k, cpu, task);
	}
	const nesting = (task.rcuNesting ?? 0) - 1;
	task.rcuNesting = Math.max(0, nesting);
	if (nesting === 0 && task.rcuBlocked) readUnlockSpecial(k, task);
	return true;
}

/** call_rcu(): one callback on this CPU's list. */
export function callRcu(k: Kernel, cpu: Cpu): void {
	queueCallbacks(k.s.rcu, cpu.id, 1);
}

/** synchronize_rcu(): the task sleeps (TASK_UNINTERRUPTIBLE) until a full grace period has elapsed. */
export function synchronizeRcu(k: Kernel, cpu: Cpu, task: Task): boolean {
	if (mightSleep(k, cpu, task)) return true;
	const preemptible = k.config.preemption === 'full';
	// rcu_blocking_is_gp(): with one CPU and no preemptible readers, a call is a grace period.
	if (!preemptible && k.s.cpus.length === 1) {
		task.pc++;
		return true;
	}
	queueCallbacks(k.s.rcu, cpu.id, 1, task);
	k.s.rcu.sleepers++;
	task.state = 'sleeping';
	task.sleepsOn = 'an RCU grace period';
	task.sleepFrames = ['schedule', 'schedule_timeout', 'wait_for_completion', 'wait_rcu_gp', preemptible ? 'synchronize_rcu' : 'synchronize_sched', ...taskBaseFrames(task)];
	task.sleepToken++;
	task.blockedSince = k.s.now;
	task.switchCount++;
	cpu.current = undefined;
	schedulePoint(k, cpu);
	return true;
}

/** Steps that never schedule: a kernel thread looping over only these never passes an RCU-sched quiescent state. */
const NO_SCHEDULING_POINT: ReadonlySet<StepOp> = new Set<StepOp>(['call', 'spin_lock', 'spin_unlock', 'irq_disable', 'irq_enable', 'preempt_disable', 'preempt_enable', 'rcu_read_lock', 'rcu_read_unlock', 'call_rcu', 'complete', 'complete_all', 'log', 'tlb_flush', 'smp_call_function', 'smp_call_function_single', 'smp_call_function_many', 'on_each_cpu']);

/**
 * The kernel thread a CPU runs for good without a quiescent state, or undefined: without
 * CONFIG_PREEMPT, a kthread whose loop (in the code variant it runs now and will run next)
 * has no step that sleeps, calls cond_resched() or returns to user mode.
 */
export function loopsWithoutQs(k: Kernel, cpu: Cpu): Task | undefined {
	if (k.config.preemption === 'full' || cpu.ctx !== 'task' || cpu.rcuIdle) return undefined;
	const t = cpu.current;
	if (!t?.kthread || t.driver || t.repeat !== 0) return undefined;
	for (const st of t.steps) {
		const active = st.when === undefined || (st.when === 'mitigated') === k.s.mitigated || (st.when === 'mitigated') === t.mitigatedPass;
		if (!active) continue;
		if (st.op === 'run' ? st.mode === 'user' : !NO_SCHEDULING_POINT.has(st.op)) return undefined;
	}
	return t;
}

/** The wait-for graph's RCU part: tasks in synchronize_rcu wait for the CPUs that owe the grace period a quiescent state. */
export function rcuWaitFor(k: Kernel, edges: WaitEdge[], stuck: StuckNode[]): void {
	const rcu = k.s.rcu;
	if (rcu.sleepers === 0 || !rcu.inProgress) return;
	const owing = k.s.cpus.filter((c) => rcu.need[c.id] === 1);
	for (const list of rcu.batches)
		for (const batch of list)
			for (const t of batch.wake)
				for (const c of owing)
					edges.push({
						from: `task:${t.pid}`,
						to: `cpu${c.id}`,
						since: t.blockedSince,
						task: {comm: t.comm, pid: t.pid},
						text: `${t.comm} (pid ${t.pid}) sleeps in synchronize_rcu() until a grace period ends, and grace period ${rcu.gpnum} waits for a quiescent state from CPU${c.id}`,
					});
	for (const c of owing) {
		const t = loopsWithoutQs(k, c);
		if (t) stuck.push({node: `cpu${c.id}`, since: c.switchedIn, text: `CPU${c.id} (${t.comm}, pid ${t.pid}) runs a kernel thread whose loop has no scheduling point (no cond_resched(), preemption ${k.config.preemption ?? 'none'}): it never passes a quiescent state`});
	}
}

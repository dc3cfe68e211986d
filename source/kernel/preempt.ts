// The preemption model (kernel/sched/core.c, include/linux/preempt.h in 3.10): when a task
// in the kernel gives the CPU up. `none` (CONFIG_PREEMPT_NONE): only where it sleeps, ends
// its step list (a user task's return to user mode) or calls cond_resched() with
// need_resched set. `voluntary` (CONFIG_PREEMPT_VOLUNTARY): also at every might_sleep()
// (mutex_lock, wait_for_completion, synchronize_rcu), and a task running in user mode is
// preempted on interrupt return. `full` (CONFIG_PREEMPT): a task is preempted on interrupt
// return wherever preempt_count is 0, and by preempt_enable() when the count drops to 0.
// need_resched is set by a waiting task whose time slice has come, a woken task, the
// watchdog thread (a FIFO thread, woken every sample period) and the RCU stall report's
// set_need_resched().
import type {Cpu, Task} from './cpu.js';
import type {Kernel} from './kernel.js';
import {noteContextSwitch} from './rcu/tree_plugin.js';
import {run, schedulePoint, startTimed} from './sched.js';

/** sysctl_sched_latency and sysctl_sched_min_granularity (CFS, 3.10 defaults). */
const SCHED_LATENCY = 6_000_000;
const MIN_GRANULARITY = 750_000;

/** need_resched() as the model keeps it. */
export function needResched(k: Kernel, cpu: Cpu): boolean {
	if (cpu.reschedFlag || cpu.wdThreadPending) return true;
	const waiting = cpu.runq.length;
	// check_preempt_tick(): the current task has had its share of sched_latency.
	return waiting > 0 && k.s.now - cpu.switchedIn >= Math.max(MIN_GRANULARITY, SCHED_LATENCY / (waiting + 1));
}

/**
 * __schedule() with the current task still runnable (cond_resched, preempt_schedule): an
 * RCU quiescent state, the watchdog thread if it waits, and the next runnable task if any.
 * Returns true when another task now has the CPU (the current one went to the back of
 * the runqueue).
 */
export function scheduleRunnable(k: Kernel, cpu: Cpu, task: Task): boolean {
	cpu.reschedFlag = false;
	noteContextSwitch(k, cpu, task);
	task.switchCount++;
	schedulePoint(k, cpu);
	cpu.switchedIn = k.s.now;
	if (cpu.runq.length === 0) return false;
	task.state = 'runnable';
	cpu.runq.push(task);
	cpu.current = undefined;
	return true;
}

/** A cond_resched() step: schedules when need_resched is set and preemption is not disabled. The task has moved past the step. */
export function condResched(k: Kernel, cpu: Cpu, task: Task): boolean {
	// A stopper thread (stop-class, above every other) set need_resched when stop_machine woke it.
	const stopper = k.s.stopper.threads[cpu.id];
	const stopperWaits = stopper !== undefined && cpu.runq[0] === stopper;
	if (cpu.preempt === 0 && (stopperWaits || needResched(k, cpu))) scheduleRunnable(k, cpu, task);
	return true;
}

/**
 * might_sleep() at the start of a sleeping step: with CONFIG_PREEMPT_VOLUNTARY it is a
 * cond_resched(). Returns true when the task gave the CPU up (it runs the step when it
 * gets the CPU back).
 */
export function mightSleep(k: Kernel, cpu: Cpu, task: Task): boolean {
	if (k.config.preemption !== 'voluntary' || cpu.preempt !== 0 || !needResched(k, cpu)) return false;
	return scheduleRunnable(k, cpu, task);
}

export function preemptDisable(cpu: Cpu): void {
	cpu.preempt++;
}

/** preempt_enable(): with CONFIG_PREEMPT, preempt_schedule() when the count drops to 0 and need_resched is set. The task has moved past the step. */
export function preemptEnable(k: Kernel, cpu: Cpu, task: Task): boolean {
	if (cpu.preempt > 0) cpu.preempt--;
	return preemptCheck(k, cpu, task);
}

/** The preempt_check_resched() at the end of preempt_enable() (spin_unlock, rcu_read_unlock under !PREEMPT_RCU...). */
export function preemptCheck(k: Kernel, cpu: Cpu, task: Task): boolean {
	if (k.config.preemption === 'full' && cpu.preempt === 0 && cpu.current === task && needResched(k, cpu)) scheduleRunnable(k, cpu, task);
	return true;
}

/**
 * Interrupt return to a task running a timed step (retint_kernel's preempt_schedule_irq
 * with CONFIG_PREEMPT; retint_careful to user mode with PREEMPT_VOLUNTARY or PREEMPT): the
 * task is preempted when need_resched is set and nothing disables preemption. Its step
 * carries on, for the time it still had, when it gets the CPU back.
 */
export function irqReturnPreempt(k: Kernel, cpu: Cpu): void {
	const model = k.config.preemption;
	if (model === undefined || model === 'none') return;
	const task = cpu.current;
	const a = cpu.activity;
	if (task === undefined || task.driver || a.kind !== 'run' || cpu.ctx !== 'task' || !cpu.irqsOn || cpu.preempt !== 0) return;
	if (a.mode === 'kernel' && model !== 'full') return;
	if (!needResched(k, cpu)) return;
	const remaining = Math.max(0, a.until - k.s.now) + cpu.stolen;
	if (!scheduleRunnable(k, cpu, task)) return;
	task.preempted = {activity: a, remaining};
	// The step's completion event is now stale.
	cpu.token++;
	run(k, cpu);
}

/** The run loop picked a task that was preempted in a timed step: the step carries on. */
export function resumePreempted(k: Kernel, cpu: Cpu, task: Task): void {
	const p = task.preempted!;
	task.preempted = undefined;
	startTimed(k, cpu, p.activity, p.remaining);
}

// The RCU API a task's steps call (kernel/rcupdate.c, include/linux/rcupdate.h in 3.10):
// rcu_read_lock/unlock, synchronize_rcu (wait_rcu_gp: call_rcu(wakeme_after_rcu) and sleep
// in wait_for_completion until the callback runs), call_rcu. Without CONFIG_PREEMPT the
// read side is preempt_disable()/preempt_enable() and synchronize_rcu() is
// synchronize_sched(); with it, readers nest a per-task counter (tree_plugin.ts).
import type {Cpu, Task} from '../cpu.js';
import type {Kernel} from '../kernel.js';
import {mightSleep, preemptCheck} from '../preempt.js';
import {schedulePoint} from '../sched.js';
import {taskBaseFrames} from '../stacktrace.js';
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

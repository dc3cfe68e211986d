// Preemptible RCU (kernel/rcutree_plugin.h in 3.10, CONFIG_TREE_PREEMPT_RCU, the rcu_preempt
// flavour of CONFIG_PREEMPT): readers nest a per-task counter and may be preempted. A task
// switched out inside a read-side critical section is queued on the blkd_tasks list; if its
// CPU still owed the current grace period a quiescent state, it is queued where gp_tasks
// points and blocks that grace period, otherwise only the next. Its CPU's quiescent state is
// noted either way. The outermost rcu_read_unlock() of such a task dequeues it
// (rcu_read_unlock_special), which may end the grace period.
import type {Cpu, Task} from '../cpu.js';
import type {Kernel} from '../kernel.js';
import {endGp, gpEnded, type RcuState} from './tree.js';

/** rcu_preempt_note_context_switch(): the current task is switched out, maybe inside a read-side critical section. */
export function noteContextSwitch(k: Kernel, cpu: Cpu, task: Task): void {
	if (!task.rcuNesting || task.rcuBlocked) return;
	const rcu = k.s.rcu;
	task.rcuBlocked = true;
	const owes = rcu.inProgress && rcu.need[cpu.id] === 1;
	if (owes && rcu.gpTasks !== null) {
		// list_add(&t->rcu_node_entry, rnp->gp_tasks->prev); rnp->gp_tasks = &t->rcu_node_entry;
		rcu.blkd.splice(rcu.blkd.indexOf(rcu.gpTasks), 0, task);
		rcu.gpTasks = task;
	} else {
		rcu.blkd.unshift(task);
		if (owes) rcu.gpTasks = task;
	}
}

/** rcu_read_unlock_special(): the outermost unlock of a task preempted in its critical section. */
export function readUnlockSpecial(k: Kernel, task: Task): void {
	task.rcuBlocked = false;
	const rcu = k.s.rcu;
	const i = rcu.blkd.indexOf(task);
	if (i < 0) return;
	if (rcu.gpTasks === task) rcu.gpTasks = rcu.blkd[i + 1] ?? null;
	rcu.blkd.splice(i, 1);
	if (endGp(rcu)) gpEnded(k);
}

/**
 * The pids rcu_print_task_stall() prints (" P%d" each): 3.10 starts its walk at gp_tasks
 * with list_for_each_entry_continue(), so the gp_tasks entry itself (the most recently
 * queued blocker) is not printed; only those queued before it are.
 */
export function stallTaskPids(rcu: RcuState): number[] {
	if (rcu.gpTasks === null) return [];
	return rcu.blkd.slice(rcu.blkd.indexOf(rcu.gpTasks) + 1).map((t) => t.pid);
}

/** Tasks that block the current grace period (gp_tasks and the entries after it). */
export function blockingTasks(rcu: RcuState): Task[] {
	if (rcu.gpTasks === null) return [];
	return rcu.blkd.slice(rcu.blkd.indexOf(rcu.gpTasks));
}

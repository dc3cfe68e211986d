// The hung-task detector (kernel/hung_task.c, 3.10): khungtaskd sleeps hung_task_timeout_secs,
// then check_hung_uninterruptible_tasks() looks at every task in TASK_UNINTERRUPTIBLE (here: a
// task asleep on a mutex). A task whose context-switch count has not moved since the last look
// is reported, at most hung_task_warnings (10) times in all; a count that moved is only
// remembered. So a task that blocks just after one check is reported two checks later.
import type {Task} from './cpu.js';
import {EV_HUNG_TASK} from './engine.js';
import type {Kernel} from './kernel.js';
import * as msg from './messages.js';
import {printLines} from './printk.js';
import {debugShowHeldLocks} from './lockdep_report.js';
import {NS_PER_SEC} from './time.js';

/** sysctl_hung_task_warnings' initial value. */
export const HUNG_TASK_WARNINGS = 10;

/** Queues khungtaskd's first wake-up (none when the timeout is 0: the detector is off). */
export function startHungTask(k: Kernel): void {
	const timeout = k.config.thresholds.hungTaskTimeout;
	if (timeout > 0) k.q.push(k.s.now + timeout * NS_PER_SEC, EV_HUNG_TASK, -1);
}

/** khungtaskd's wake-up: check_hung_uninterruptible_tasks(timeout), then sleep again. */
export function onHungTaskCheck(k: Kernel): void {
	const timeout = k.config.thresholds.hungTaskTimeout;
	k.q.push(k.s.now + timeout * NS_PER_SEC, EV_HUNG_TASK, -1);
	// "If the system crashed already then all bets are off."
	if (k.s.panicked !== undefined || k.s.taint.has('D')) return;
	for (const t of k.s.tasks) if (uninterruptible(t)) checkHungTask(k, t, timeout);
}

/** t->state == TASK_UNINTERRUPTIBLE: mutex_lock (not _interruptible), wait_for_completion(_timeout) and synchronize_rcu sleep so, and only they set sleepsOn. */
function uninterruptible(t: Task): boolean {
	return t.state === 'sleeping' && t.sleepsOn !== undefined;
}

function checkHungTask(k: Kernel, t: Task, timeout: number): void {
	const switchCount = t.switchCount;
	// A task that never switched out is not checked (it blocked before ever running).
	if (switchCount === 0) return;
	if (switchCount !== t.lastSwitchCount) {
		t.lastSwitchCount = switchCount;
		return;
	}
	if (k.s.hungTaskWarnings === 0) return;
	k.s.hungTaskWarnings--;
	// With lockdep (DEBUG_LOCK_ALLOC) mutex_lock is mutex_lock_nested; debug_show_held_locks(t) follows sched_show_task(t).
	const slowpath = k.config.debug?.proveLocking ? ['mutex_lock_nested'] : ['__mutex_lock_slowpath', 'mutex_lock'];
	printLines(k, t.cpu, [...msg.hungTaskReport(t.comm, t.pid, timeout, t.sleepFrames ?? ['schedule', 'schedule_preempt_disabled', ...slowpath, 'system_call_fastpath']), ...debugShowHeldLocks(k, t)]);
	k.s.warnings.hungTask++;
}

// Sleeping mutexes (kernel/mutex.c): a contended mutex_lock puts the task to sleep on the
// mutex; mutex_unlock hands it to the first waiter and wakes it.
import type {Cpu, Task} from './cpu.js';
import type {Kernel} from './kernel.js';
import {lockNamed, type Mutex} from './locks.js';
import {schedulePoint, wake} from './sched.js';
import {mutexUnlockNotOwner} from './debug_locks.js';
import {lockdepRelease} from './lockdep.js';
import {mutexLockDebug, scheduleBug} from './might_sleep.js';

/** mutex_lock from a task step: returns true (the CPU goes on with this task or, when it sleeps, another). */
export function mutexLock(k: Kernel, cpu: Cpu, task: Task, name: string): boolean {
	const m = lockNamed(k, name, 'mutex');
	if (k.s.debug) mutexLockDebug(k, cpu, name);
	if (m.owner === undefined) {
		takeMutex(k, m, task);
		task.pc++;
		return true;
	}
	if (k.s.debug) scheduleBug(k, cpu, k.config.debug?.proveLocking ? ['schedule_preempt_disabled', 'mutex_lock_nested'] : ['schedule_preempt_disabled', '__mutex_lock_slowpath', 'mutex_lock']);
	m.contentions++;
	m.waiters.push(task);
	task.state = 'sleeping';
	task.sleepsOn = name;
	task.blockedSince = k.s.now;
	task.switchCount++;
	cpu.current = undefined;
	schedulePoint(k, cpu);
	return true;
}

export function takeMutex(k: Kernel, m: Mutex, task: Task): void {
	m.owner = task;
	m.heldSince = k.s.now;
	m.acquisitions++;
}

export function mutexUnlock(k: Kernel, cpu: Cpu, name: string, task: Task): void {
	const m = lockNamed(k, name, 'mutex');
	if (k.s.debug) lockdepRelease(k, cpu, name);
	// With DEBUG_MUTEXES the unlock goes on after the WARN: the owner is cleared, a waiter woken.
	if (m.owner !== task) mutexUnlockNotOwner(k, cpu);
	m.maxHold = Math.max(m.maxHold, k.s.now - m.heldSince);
	const next = m.waiters.shift();
	if (next === undefined) {
		m.owner = undefined;
		return;
	}
	takeMutex(k, m, next);
	next.pc++;
	wake(k, next, cpu);
}

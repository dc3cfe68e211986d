// Completions (kernel/sched/core.c in 3.10: complete, complete_all, wait_for_common): a
// count of "done" events and a wait queue. wait_for_completion sleeps TASK_UNINTERRUPTIBLE
// (so khungtaskd watches it) until done is above 0, then takes one; complete() adds one and
// wakes the first waiter; complete_all() adds UINT_MAX/2 and wakes them all. With a timeout
// (wait_for_completion_timeout) the sleep also ends when the timeout expires.
import type {Cpu, Task} from './cpu.js';
import {EV_TASK_WAKE, KernelError} from './engine.js';
import type {Kernel} from './kernel.js';
import {mightSleep} from './preempt.js';
import {schedulePoint, wake} from './sched.js';
import {taskBaseFrames} from './stacktrace.js';

export interface Completion {
	readonly name: string;
	/** x->done */
	done: number;
	/** x->wait, in arrival order. */
	readonly waiters: Task[];
}

/** complete_all(): x->done += UINT_MAX/2. */
const COMPLETE_ALL = 2147483647;

export function makeCompletions(names: readonly string[] = []): Map<string, Completion> {
	return new Map(names.map((name) => [name, {name, done: 0, waiters: []}]));
}

function completionNamed(k: Kernel, name: string): Completion {
	const x = k.s.completions.get(name);
	if (!x) throw new KernelError(`no completion named ${name}`);
	return x;
}

/** wait_for_completion(_timeout) from a task step: returns true (the CPU goes on with this task or, when it sleeps, another). */
export function waitForCompletion(k: Kernel, cpu: Cpu, task: Task, name: string, timeout: number | undefined): boolean {
	if (mightSleep(k, cpu, task)) return true;
	const x = completionNamed(k, name);
	if (x.done > 0) {
		x.done--;
		task.pc++;
		return true;
	}
	x.waiters.push(task);
	task.state = 'sleeping';
	task.sleepsOn = `completion ${name}`;
	task.sleepFrames = ['schedule', 'schedule_timeout', timeout === undefined ? 'wait_for_completion' : 'wait_for_completion_timeout', ...taskBaseFrames(task)];
	task.sleepToken++;
	task.blockedSince = k.s.now;
	task.switchCount++;
	cpu.current = undefined;
	if (timeout !== undefined) {
		task.wakeOnTimeout = true;
		k.q.push(k.s.now + timeout, EV_TASK_WAKE, cpu.id, task.sleepToken, task);
	}
	schedulePoint(k, cpu);
	return true;
}

/** complete() or complete_all(). */
export function complete(k: Kernel, cpu: Cpu, name: string, all: boolean): void {
	const x = completionNamed(k, name);
	x.done = all ? x.done + COMPLETE_ALL : x.done + 1;
	while (x.done > 0 && x.waiters.length > 0) {
		const t = x.waiters.shift()!;
		x.done--;
		t.wakeOnTimeout = false;
		t.sleepFrames = undefined;
		t.pc++;
		wake(k, t, cpu);
	}
}

/** wait_for_completion_timeout's timeout expired first: the task leaves the wait queue (the step returns 0). */
export function completionTimedOut(k: Kernel, task: Task): void {
	task.wakeOnTimeout = false;
	task.sleepsOn = undefined;
	task.sleepFrames = undefined;
	for (const x of k.s.completions.values()) {
		const i = x.waiters.indexOf(task);
		if (i >= 0) x.waiters.splice(i, 1);
	}
}

/** Tasks asleep on a completion, for the wait-for graph. */
export function completionWaiters(k: Kernel): {task: Task; completion: string}[] {
	const out: {task: Task; completion: string}[] = [];
	for (const x of k.s.completions.values()) for (const task of x.waiters) out.push({task, completion: x.name});
	return out;
}

// The scheduler (kernel/sched/core.c, much reduced): each CPU runs its current task until a
// step takes time or blocks, then the next runnable one, or idles. A CPU's activity says what
// it does in its task context; its token makes completion events of an earlier activity stale.
// Tasks the kernel drives itself (the dtrace consumer, a kworker) run a registered function
// instead of steps.
import {V_RES} from './apic.js';
import {LOGBUF_LOCK, type Dur} from './config.js';
import type {Activity, Continuation, Cpu, Task} from './cpu.js';
import {EV_RESUME, EV_STEP_DONE, EV_TASK_WAKE, KernelError} from './engine.js';
import {sendIpi} from './ipi.js';
import type {Kernel} from './kernel.js';
import {randomRange} from './random.js';
import {quiescentState} from './rcu/tree.js';
import {runWatchdogThread} from './watchdog.js';
import {execStep} from './workload.js';
import {completionTimedOut} from './completion.js';
import {resumePreempted} from './preempt.js';

export function setActivity(k: Kernel, cpu: Cpu, activity: Activity): void {
	cpu.activity = activity;
	cpu.since = k.s.now;
	cpu.token++;
	cpu.stolen = 0;
}

/**
 * Steps that touch shared state (a lock taken or released, a csd queued): each costs
 * timing.stepCost, owed by the CPU and paid by its next timed activity (or at the end of a
 * pass that had none), so a loop of them moves the clock and contended loops take turns. A
 * printk step's own logbuf_lock work is already in its timed record copy (msg_print_text).
 */
const SHARED_STATE_OPS: ReadonlySet<string> = new Set(['spin_lock', 'spin_unlock', 'mutex_lock', 'mutex_unlock', 'smp_call_function', 'smp_call_function_single', 'smp_call_function_many', 'on_each_cpu', 'read_lock', 'read_unlock', 'write_lock', 'write_unlock', 'spin_trylock', 'spin_lock_bh', 'spin_unlock_bh']);

/** What the CPU owes for steps that went straight on, now paid (by a timed step or a sleep that starts that much later). */
export function takeDebt(cpu: Cpu): number {
	const debt = cpu.stepDebt;
	cpu.stepDebt = 0;
	return debt;
}

/** A timed activity that ends `ns` from now, plus what the CPU owes for steps that went straight on (its end moves out by interrupt time stolen meanwhile). */
export function startTimed(k: Kernel, cpu: Cpu, activity: Activity & {kind: 'run'}, ns: number): void {
	const now = k.s.now;
	ns += takeDebt(cpu);
	setActivity(k, cpu, {...activity, until: now + ns});
	k.q.push(now + ns, EV_STEP_DONE, cpu.id, cpu.token);
}

/** Queues a RESUME for an idle CPU that has work (a woken task). */
export function kick(k: Kernel, cpu: Cpu): void {
	k.q.push(k.s.now, EV_RESUME, cpu.id, cpu.token);
}

/** A duration from the CPU's own PRNG stream. */
export function draw(cpu: Cpu, d: Dur): number {
	return d.min === d.max ? d.min : randomRange(cpu.random, d.min, d.max);
}

export function onStepDone(k: Kernel, cpuId: number, token: number): void {
	const cpu = k.s.cpus[cpuId]!;
	if (token !== cpu.token) return;
	if (cpu.stolen > 0) {
		const extra = cpu.stolen;
		cpu.stolen = 0;
		k.q.push(k.s.now + extra, EV_STEP_DONE, cpuId, token);
		return;
	}
	// A softirq callback's timed step (softirq.ts) goes on through its hook, not the task's steps.
	if (cpu.ctx === 'softirq' && cpu.resumeHook) return resumeCpu(k, cpu);
	const task = cpu.current;
	if (task) task.pc++;
	run(k, cpu);
}

export function onResume(k: Kernel, cpuId: number, token: number): void {
	const cpu = k.s.cpus[cpuId]!;
	if (token !== cpu.token) return;
	const a = cpu.activity;
	const hook = cpu.resumeHook;
	if (hook) {
		cpu.resumeHook = undefined;
		k.invoke(hook, cpu);
		return;
	}
	if (a.kind === 'xcall-wait') {
		cpu.preempt--;
		// Out of csd_lock(): the step runs again and now finds the csd free.
		if (cpu.current && a.csd === undefined) cpu.current.pc++;
	} else if (a.kind === 'spin') {
		if (cpu.current) cpu.current.pc++;
	} else if (a.kind !== 'idle') return;
	run(k, cpu);
}

/** A wait ended outside the event that would say so (a lock handed over): the CPU's resume hook, or its task goes on. */
export function resumeCpu(k: Kernel, cpu: Cpu): void {
	const hook = cpu.resumeHook;
	cpu.resumeHook = undefined;
	if (hook) k.invoke(hook, cpu);
	else run(k, cpu);
}

/** A timed wake (end of a sleep, or a task's start). Stale wakes of an earlier sleep are ignored. */
export function onTaskWake(k: Kernel, task: Task, token: number): void {
	if (task.state === 'sleeping' && (task.sleepsOn === undefined || task.wakeOnTimeout) && token === task.sleepToken) {
		if (task.wakeOnTimeout) completionTimedOut(k, task);
		if (!task.driver) task.pc++;
	} else if (task.state !== 'new') return;
	task.state = 'runnable';
	const cpu = k.s.cpus[task.cpu]!;
	cpu.runq.push(task);
	if (cpu.current === undefined && cpu.activity.kind === 'idle') run(k, cpu);
	else if (cpu.current !== undefined) cpu.reschedFlag = true;
}

/** Wakes a task from a mutex or completion; an idle remote CPU gets a RES IPI. */
export function wake(k: Kernel, task: Task, from: Cpu): void {
	task.state = 'runnable';
	task.sleepsOn = undefined;
	const cpu = k.s.cpus[task.cpu]!;
	cpu.runq.push(task);
	// check_preempt_curr(): the woken task may preempt the one running (need_resched).
	if (cpu.current !== undefined) cpu.reschedFlag = true;
	if (cpu.current !== undefined || cpu.activity.kind !== 'idle') return;
	if (cpu === from) kick(k, cpu);
	else sendIpi(k, cpu.id, V_RES);
}

/** Wakes a sleeping kernel-driven task early (a signal, a completion). */
export function wakeTask(k: Kernel, task: Task, from: Cpu): void {
	if (task.state !== 'sleeping') return;
	wake(k, task, from);
}

/** Adds a task the kernel drives itself (the dtrace consumer, a kworker) and makes it runnable. */
export function spawn(k: Kernel, cpuId: number, comm: string, pid: number, driver: Continuation): Task {
	const task: Task = {comm, pid, cpu: cpuId, steps: [], repeat: 0, pc: 0, iteration: 0, variantPass: -1, mitigatedPass: false, state: 'new', sleepsOn: undefined, sleepToken: 0, blockedSince: 0, switchCount: 0, lastSwitchCount: 0, driver};
	k.s.tasks.push(task);
	onTaskWake(k, task, 0);
	return task;
}

/** The current task sleeps for `ns` (or until woken when ns is undefined); the CPU runs something else. */
export function sleepCurrent(k: Kernel, cpu: Cpu, ns: number | undefined): void {
	const task = cpu.current;
	if (!task) return;
	task.state = 'sleeping';
	task.sleepToken++;
	cpu.current = undefined;
	if (ns !== undefined) k.q.push(k.s.now + ns, EV_TASK_WAKE, cpu.id, task.sleepToken, task);
	schedulePoint(k, cpu);
	run(k, cpu);
}

/** The current task exits. */
export function exitCurrent(k: Kernel, cpu: Cpu): void {
	const task = cpu.current;
	if (!task) return;
	task.state = 'exited';
	cpu.current = undefined;
	schedulePoint(k, cpu);
	run(k, cpu);
}

/** A scheduling point: context switch (an RCU QS) and a chance for the watchdog thread. */
export function schedulePoint(k: Kernel, cpu: Cpu): void {
	if (cpu.wdThreadPending) runWatchdogThread(k, cpu);
	quiescentState(k, cpu);
}

function enterIdle(k: Kernel, cpu: Cpu): void {
	cpu.ctx = 'idle';
	setActivity(k, cpu, {kind: 'idle'});
	schedulePoint(k, cpu);
}

/** Runs the current task's steps until one takes time or blocks. */
export function run(k: Kernel, cpu: Cpu): void {
	const s = k.s;
	const stepCost = k.config.timing.stepCost ?? 0;
	for (let guard = 0; guard < 100_000; guard++) {
		if (s.panicked !== undefined) return;
		let task = cpu.current;
		if (task === undefined) {
			task = cpu.runq.shift();
			if (task === undefined) {
				enterIdle(k, cpu);
				return;
			}
			cpu.current = task;
			task.state = 'running';
			cpu.ctx = 'task';
			cpu.switchedIn = s.now;
			if (task.preempted !== undefined) {
				resumePreempted(k, cpu, task);
				return;
			}
		}
		if (task.driver) {
			k.invoke(task.driver, cpu);
			return;
		}
		if (task.pc >= task.steps.length) {
			// A pass of steps that went straight on pays for them before it starts again.
			if (cpu.stepDebt > 0 && task.pc === task.steps.length) {
				startTimed(k, cpu, {kind: 'run', mode: 'kernel', fn: undefined, until: 0}, 0);
				return;
			}
			task.iteration++;
			// A kernel thread going round its loop passes no scheduling point.
			if (!task.kthread) schedulePoint(k, cpu);
			if (task.repeat > 0 && task.iteration >= task.repeat) {
				task.state = 'exited';
				cpu.current = undefined;
				continue;
			}
			task.pc = 0;
			if (cpu.runq.length > 0 && !task.kthread) {
				task.state = 'runnable';
				cpu.runq.push(task);
				cpu.current = undefined;
			}
			continue;
		}
		// A pass runs one variant of the code: a mitigation flipped mid-pass applies from the next.
		if (task.variantPass !== task.iteration) {
			task.variantPass = task.iteration;
			task.mitigatedPass = s.mitigated;
		}
		const step = task.steps[task.pc]!;
		if (step.when !== undefined && (step.when === 'mitigated') !== task.mitigatedPass) {
			task.pc++;
			continue;
		}
		if (!execStep(k, cpu, task, step)) return;
		if (stepCost > 0 && SHARED_STATE_OPS.has(step.op) && !('lock' in step && step.lock === LOGBUF_LOCK)) cpu.stepDebt += stepCost;
	}
	throw new KernelError(`CPU${cpu.id}: task ${cpu.current?.comm ?? '?'} runs too many zero-time steps in a row`);
}


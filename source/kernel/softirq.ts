// Softirqs and bottom halves (kernel/softirq.c in 3.10, with kernel/timer.c's TIMER_SOFTIRQ
// action and the tasklets): per-CPU pending bits, raised by the tick (TIMER every tick, RCU
// when the CPU has a grace period to note) and by tasklet_schedule; irq_exit() runs them
// through __do_softirq() when the CPU is not in_interrupt() (not in a handler, not already
// serving softirqs, bottom halves not disabled), with IRQs on; a pass that leaves work
// pending restarts at most MAX_SOFTIRQ_RESTART times and for at most MAX_SOFTIRQ_TIME, then
// wakes ksoftirqd/N (ksoftirqd.ts).
// local_bh_disable/enable add and remove SOFTIRQ_DISABLE_OFFSET; enabling runs what is pending.
//
// A callback that must wait (a spinlock someone holds, a `run` step) blocks as an interrupt
// handler does: the context it interrupted is saved on the CPU's irqStack under a frame whose
// vector is SOFTIRQ_FRAME, and comes back when __do_softirq returns. IRQs stay on meanwhile,
// so the tick and other interrupts keep coming in on top of it.
import type {SoftirqStep} from './config.js';
import type {Activity, Context, Cpu, Task} from './cpu.js';
import {returnFromInterrupt, saveInterrupted} from './irq.js';
import {EV_STEP_DONE} from './engine.js';
import type {Kernel} from './kernel.js';
import {printk} from './printk.js';
import {ksoftirqdThread, wakeupSoftirqd} from './ksoftirqd.js';
import {draw, setActivity} from './sched.js';
import {releaseSpin, spinInAtomic} from './spinlock.js';
import {softirqFrames} from './stacktrace.js';
import {NS_PER_SEC} from './time.js';

// include/linux/interrupt.h's enum, in order.
export const HI_SOFTIRQ = 0;
export const TIMER_SOFTIRQ = 1;
export const TASKLET_SOFTIRQ = 6;
export const RCU_SOFTIRQ = 9;
/** kernel/softirq.c softirq_to_name[NR_SOFTIRQS]. */
export const SOFTIRQ_NAMES = ['HI', 'TIMER', 'NET_TX', 'NET_RX', 'BLOCK', 'BLOCK_IOPOLL', 'TASKLET', 'SCHED', 'HRTIMER', 'RCU'] as const;
export const NR_SOFTIRQS = SOFTIRQ_NAMES.length;
/** kernel/softirq.c: #define MAX_SOFTIRQ_RESTART 10 */
export const MAX_SOFTIRQ_RESTART = 10;
/** kernel/softirq.c: #define MAX_SOFTIRQ_TIME msecs_to_jiffies(2) */
export const MAX_SOFTIRQ_TIME_MS = 2;
/** IrqFrame.vector of a softirq run that blocked (hardirq vectors are >= 0, an NMI is -1). */
export const SOFTIRQ_FRAME = -2;

// Where __do_softirq was called from (SoftirqRun.via): a hardirq vector's irq_exit (>= 0), or:
export const VIA_BH_ENABLE = -1;
export const VIA_KSOFTIRQD = -2;
export const VIA_SPIN_UNLOCK_BH = -3;

/** The callback a softirq run is in: a timer's or a tasklet's, its next step, the code variant it latched. */
export interface Callback {
	readonly kind: 'timer' | 'tasklet';
	readonly index: number;
	pc: number;
	readonly mitigated: boolean;
}

/** One __do_softirq() on a CPU, as plain data so that a blocked one survives a checkpoint. */
export interface SoftirqRun {
	readonly id: number;
	readonly via: number;
	/** The context it interrupted. */
	readonly from: Context;
	/** Vectors still to run in this pass. */
	mask: number;
	/** The vector whose action runs (-1 between actions), and the timers or tasklets it has still to call. */
	vec: number;
	list: number[];
	cb: Callback | null;
	/** max_restart and `end` (jiffies) of the restart loop. */
	restart: number;
	readonly end: number;
	/** Whether it blocked (its frame is on the irqStack). */
	blocked: boolean;
	/** Spinlocks its callbacks hold. */
	readonly held: string[];
}

export interface SoftirqState {
	/** local_softirq_pending(), per CPU. */
	readonly pending: number[];
	/** kstat_softirqs_cpu(vec, cpu): [cpu][vec]. */
	readonly counts: number[][];
	/** local_bh_disable depth per CPU (SOFTIRQ_DISABLE_OFFSET units). */
	readonly bhDisabled: number[];
	readonly running: (SoftirqRun | null)[];
	/** Per timer: the jiffy it is due. */
	readonly timerDue: number[];
	/** Per tasklet: TASKLET_STATE_SCHED, and the CPU running it (TASKLET_STATE_RUN) or -1. */
	readonly taskletSched: boolean[];
	readonly taskletRunning: number[];
	/** Per CPU: tasklet_vec, the tasklets scheduled there. */
	readonly taskletVec: number[][];
	readonly ksoftirqd: (Task | null)[];
	/** Per CPU: times __do_softirq handed what was left to ksoftirqd (wakeup_softirqd). */
	readonly deferred: number[];
	/** Per CPU: gpnum + completed when the CPU last raised RCU_SOFTIRQ. */
	readonly rcuSeen: number[];
	/** Whether the scenario has timers or tasklets (callbacks that run steps); without, a pass only counts. */
	readonly callbacks: boolean;
	nextId: number;
}

export function makeSoftirqState(config: Kernel['config'], cpus: number): SoftirqState {
	const per = <T>(f: () => T): T[] => Array.from({length: cpus}, f);
	const hz = config.hz;
	return {
		pending: per(() => 0),
		counts: per(() => new Array<number>(NR_SOFTIRQS).fill(0)),
		bhDisabled: per(() => 0),
		running: per(() => null),
		timerDue: (config.timers ?? []).map((t) => Math.ceil(((t.startAt + t.every) * hz) / NS_PER_SEC)),
		taskletSched: (config.tasklets ?? []).map(() => false),
		taskletRunning: (config.tasklets ?? []).map(() => -1),
		taskletVec: per(() => []),
		ksoftirqd: per(() => null),
		deferred: per(() => 0),
		rcuSeen: per(() => 0),
		callbacks: (config.timers?.length ?? 0) + (config.tasklets?.length ?? 0) > 0,
		nextId: 1,
	};
}

/** Defines the functions blocked softirq runs and ksoftirqd go on by; only for scenarios with callbacks. */
export function attachSoftirq(k: Kernel): void {
	if (!k.s.softirq.callbacks) return;
	k.softirqFns.resume = k.define<undefined>('softirq_resume', (kk, cpu) => resumeSoftirq(kk, cpu));
	k.softirqFns.ksoftirqd = k.define<undefined>('run_ksoftirqd', (kk, cpu) => ksoftirqdThread(kk, cpu));
}

/** in_interrupt(): in a hardirq, NMI or softirq, or with bottom halves disabled. */
export function inInterrupt(k: Kernel, cpu: Cpu): boolean {
	return cpu.ctx === 'hardirq' || cpu.ctx === 'nmi' || cpu.ctx === 'softirq' || k.s.softirq.bhDisabled[cpu.id]! > 0;
}

/** The tick's raises (update_process_times): run_local_timers() raises TIMER every tick; rcu_check_callbacks() RCU when there is a grace period to note. */
export function tickSoftirqs(k: Kernel, cpu: Cpu): void {
	const st = k.s.softirq;
	const id = cpu.id;
	const rcu = k.s.rcu;
	const mark = rcu.gpnum + rcu.completed;
	if (st.rcuSeen[id] === mark) st.pending[id]! |= 1 << TIMER_SOFTIRQ;
	else {
		st.rcuSeen[id] = mark;
		st.pending[id]! |= (1 << TIMER_SOFTIRQ) | (1 << RCU_SOFTIRQ);
	}
}

/** irq_exit() after the handler of `vector` returned: runs pending softirqs unless in_interrupt(). */
export function irqExit(k: Kernel, cpu: Cpu, vector: number): void {
	const st = k.s.softirq;
	const id = cpu.id;
	const mask = st.pending[id]!;
	if (mask === 0 || (cpu.ctx !== 'task' && cpu.ctx !== 'idle') || st.bhDisabled[id]! > 0) return;
	if (st.callbacks) {
		runSoftirqs(k, cpu, vector);
		return;
	}
	// The hot path (every tick): nothing here runs steps or raises again, so one pass, counted.
	st.pending[id] = 0;
	const counts = st.counts[id]!;
	if (mask === 1 << TIMER_SOFTIRQ) counts[TIMER_SOFTIRQ]!++;
	else for (let m = mask; m !== 0; m &= m - 1) counts[31 - Math.clz32(m & -m)]!++;
}

/** do_softirq()/__do_softirq(): false when a callback blocked (the CPU is now in softirq context, the rest comes later). */
export function runSoftirqs(k: Kernel, cpu: Cpu, via: number): boolean {
	const st = k.s.softirq;
	const mask = st.pending[cpu.id]!;
	st.pending[cpu.id] = 0;
	if (!st.callbacks) {
		// Nothing here runs steps or raises again: one pass, counted.
		const counts = st.counts[cpu.id]!;
		for (let m = mask; m !== 0; m &= m - 1) counts[31 - Math.clz32(m & -m)]!++;
		return true;
	}
	const end = k.jiffies + Math.ceil((MAX_SOFTIRQ_TIME_MS * k.config.hz) / 1000);
	const r: SoftirqRun = {id: st.nextId++, via, from: cpu.ctx, mask, vec: -1, list: [], cb: null, restart: MAX_SOFTIRQ_RESTART, end, blocked: false, held: []};
	st.running[cpu.id] = r;
	cpu.ctx = 'softirq';
	return softirqLoop(k, cpu, r);
}

/** __do_softirq's loop from where `r` stands; false when it blocked. */
function softirqLoop(k: Kernel, cpu: Cpu, r: SoftirqRun): boolean {
	const st = k.s.softirq;
	for (;;) {
		if (r.cb) {
			if (!runCallback(k, cpu, r, r.cb)) return false;
			r.cb = null;
			continue;
		}
		if (r.vec >= 0) {
			const next = r.list.shift();
			if (next !== undefined) {
				startCallback(k, cpu, r, next);
				continue;
			}
			r.vec = -1;
		}
		if (r.mask !== 0) {
			const vec = 31 - Math.clz32(r.mask & -r.mask);
			r.mask &= ~(1 << vec);
			st.counts[cpu.id]![vec]!++;
			r.vec = vec;
			r.list = actionList(k, cpu, vec);
			continue;
		}
		const pending = st.pending[cpu.id]!;
		if (pending !== 0) {
			if (k.jiffies < r.end && --r.restart > 0) {
				r.mask = pending;
				st.pending[cpu.id] = 0;
				continue;
			}
			wakeupSoftirqd(k, cpu);
		}
		st.running[cpu.id] = null;
		if (r.blocked) returnFromInterrupt(k, cpu);
		else cpu.ctx = r.from;
		return true;
	}
}

/** What a vector's action calls: TIMER the timers due on this CPU (run_timer_softirq), TASKLET the CPU's tasklet list (tasklet_action). */
function actionList(k: Kernel, cpu: Cpu, vec: number): number[] {
	const st = k.s.softirq;
	if (vec === TIMER_SOFTIRQ) {
		const j = k.jiffies;
		const out: number[] = [];
		(k.config.timers ?? []).forEach((t, i) => {
			if (t.cpu === cpu.id && st.timerDue[i]! <= j) out.push(i);
		});
		return out;
	}
	if (vec === TASKLET_SOFTIRQ) return st.taskletVec[cpu.id]!.splice(0);
	return [];
}

function startCallback(k: Kernel, cpu: Cpu, r: SoftirqRun, index: number): void {
	const st = k.s.softirq;
	if (r.vec === TIMER_SOFTIRQ) {
		// detach_expired_timer; the callback re-arms itself (mod_timer(jiffies + period)).
		const t = k.config.timers![index]!;
		st.timerDue[index] = k.jiffies + Math.max(1, Math.round((t.every * k.config.hz) / NS_PER_SEC));
		r.cb = {kind: 'timer', index, pc: 0, mitigated: k.s.mitigated};
		return;
	}
	if (st.taskletRunning[index] !== -1) {
		// tasklet_trylock failed (it runs on another CPU): back on this CPU's list, raised again.
		st.taskletVec[cpu.id]!.push(index);
		st.pending[cpu.id]! |= 1 << TASKLET_SOFTIRQ;
		return;
	}
	st.taskletSched[index] = false;
	st.taskletRunning[index] = cpu.id;
	r.cb = {kind: 'tasklet', index, pc: 0, mitigated: k.s.mitigated};
}

export function callbackConf(k: Kernel, cb: Callback): {readonly name: string; readonly steps: readonly SoftirqStep[]} {
	return cb.kind === 'timer' ? k.config.timers![cb.index]! : k.config.tasklets![cb.index]!;
}

/** Runs a callback's steps until it waits or returns; true when it returned. */
function runCallback(k: Kernel, cpu: Cpu, r: SoftirqRun, cb: Callback): boolean {
	const conf = callbackConf(k, cb);
	while (cb.pc < conf.steps.length) {
		const step = conf.steps[cb.pc++]!;
		if (step.when !== undefined && (step.when === 'mitigated') !== cb.mitigated) continue;
		switch (step.op) {
			case 'spin_lock': {
				if (spinInAtomic(k, cpu, step.lock)) {
					r.held.push(step.lock);
					break;
				}
				softirqWaits(k, cpu, r, {kind: 'spin', lock: step.lock});
				cpu.resumeHook = {fn: k.softirqFns.resume};
				return false;
			}
			case 'spin_unlock': {
				releaseSpin(k, cpu, step.lock);
				const i = r.held.indexOf(step.lock);
				if (i >= 0) r.held.splice(i, 1);
				break;
			}
			case 'run': {
				const ns = draw(cpu, step.for);
				// A timed step ends as a task's does (later by what interrupts steal), then goes on through the hook.
				softirqWaits(k, cpu, r, {kind: 'run', mode: 'kernel', fn: conf.name, until: k.s.now + ns});
				k.q.push(k.s.now + ns, EV_STEP_DONE, cpu.id, cpu.token);
				cpu.resumeHook = {fn: k.softirqFns.resume};
				return false;
			}
			case 'printk':
				printk(k, cpu.id, 'info', step.text);
				break;
			case 'tasklet_schedule':
				taskletSchedule(k, cpu, step.tasklet);
				break;
		}
	}
	if (cb.kind === 'tasklet') k.s.softirq.taskletRunning[cb.index] = -1;
	return true;
}

/** The run waits (spins, runs a timed step): the first wait saves the interrupted context. */
function softirqWaits(k: Kernel, cpu: Cpu, r: SoftirqRun, activity: Activity): void {
	const frames = softirqFrames(k, r);
	if (r.blocked) {
		const top = cpu.irqStack.length - 1;
		cpu.irqStack[top] = {...cpu.irqStack[top]!, frames};
		setActivity(k, cpu, activity);
		return;
	}
	r.blocked = true;
	saveInterrupted(k, cpu, SOFTIRQ_FRAME, r.from, frames);
	// __do_softirq runs its actions with IRQs on.
	if (!cpu.irqsOn) cpu.irqsOn = true;
	setActivity(k, cpu, activity);
}

/** The hook a blocked run goes on by, when its timed step ends or a lock is handed over to it. */
function resumeSoftirq(k: Kernel, cpu: Cpu): void {
	const r = k.s.softirq.running[cpu.id];
	if (!r) return;
	if (r.cb && cpu.activity.kind === 'spin') r.held.push(cpu.activity.lock);
	softirqLoop(k, cpu, r);
}

/** tasklet_schedule(): unless already scheduled, onto this CPU's list, TASKLET_SOFTIRQ raised (raise_softirq_irqoff). */
export function taskletSchedule(k: Kernel, cpu: Cpu, name: string): void {
	const st = k.s.softirq;
	const index = (k.config.tasklets ?? []).findIndex((t) => t.name === name);
	if (index < 0 || st.taskletSched[index]) return;
	st.taskletSched[index] = true;
	st.taskletVec[cpu.id]!.push(index);
	st.pending[cpu.id]! |= 1 << TASKLET_SOFTIRQ;
	if (!inInterrupt(k, cpu)) wakeupSoftirqd(k, cpu);
}

// --- bottom halves in process context ----------------------------------------------------

/** local_bh_disable() (and the first half of spin_lock_bh). */
export function localBhDisable(k: Kernel, cpu: Cpu): void {
	k.s.softirq.bhDisabled[cpu.id]!++;
}

/**
 * local_bh_enable() from a task step (or the second half of spin_unlock_bh): runs what is
 * pending unless in_interrupt(). Returns true when the task goes straight on; false when a
 * softirq blocked, after which the task resumes at its next step.
 */
export function localBhEnable(k: Kernel, cpu: Cpu, task: Task, unlockBh = false): boolean {
	const st = k.s.softirq;
	if (st.bhDisabled[cpu.id]! > 0) st.bhDisabled[cpu.id]!--;
	if (st.pending[cpu.id] !== 0 && !inInterrupt(k, cpu)) {
		// A zero-length step: if a softirq blocks, the task's own step ends when it returns.
		if (st.callbacks) setActivity(k, cpu, {kind: 'run', mode: 'kernel', fn: undefined, until: k.s.now});
		if (!runSoftirqs(k, cpu, unlockBh ? VIA_SPIN_UNLOCK_BH : VIA_BH_ENABLE)) return false;
	}
	task.pc++;
	return true;
}

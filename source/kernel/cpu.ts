// Per-CPU and per-task state. Plain mutable objects: the kernel owns them and the UI only
// ever sees copies made by snapshot(). Plain data all the way down (no functions, no class
// instances) so that a checkpoint is one structuredClone of the kernel's state: work to do
// later is a Continuation naming a registered function. Records may point at each other (a
// runqueue holds tasks): structuredClone keeps such a graph as it is.
import type {RandomState} from './random.js';
import type {Step} from './config.js';
import type {CrossCall} from './smp.js';

export type Context = 'task' | 'softirq' | 'hardirq' | 'nmi' | 'idle';

export interface Task {
	readonly comm: string;
	readonly pid: number;
	readonly cpu: number;
	readonly steps: readonly Step[];
	readonly repeat: number;
	pc: number;
	iteration: number;
	/** The pass (`iteration`) whose code variant is latched, and whether it runs the mitigated one (steps' `when`). */
	variantPass: number;
	mitigatedPass: boolean;
	state: 'new' | 'runnable' | 'running' | 'sleeping' | 'exited';
	/** A mutex the task sleeps on, for the wait-for graph. */
	sleepsOn: string | undefined;
	/** Bumped at every sleep, so a timed wake of an earlier sleep is recognised as stale. */
	sleepToken: number;
	/** When the task last went to sleep on a mutex (TASK_UNINTERRUPTIBLE), virtual ns. */
	blockedSince: number;
	/** Context switches away from the task (3.10's nvcsw + nivcsw, as far as the model switches). */
	switchCount: number;
	/** hung_task.c's t->last_switch_count: switchCount at khungtaskd's last look. */
	lastSwitchCount: number;
	/** Set by the kernel for tasks it owns (dtrace consumer, kworker) instead of steps: runs whenever the task gets the CPU. */
	driver?: Continuation;
	/** A kernel thread (TaskConfig.kthread): going round its step list is no scheduling point. */
	kthread?: boolean;
	/** rcu_read_lock_nesting (preemptible RCU only). */
	rcuNesting?: number;
	/** Preempted inside an RCU read-side critical section: queued on rcu.blkd (RCU_READ_UNLOCK_BLOCKED). */
	rcuBlocked?: boolean;
	/** The timed step a preemption interrupted, and the time it still had to run, to carry on with when it runs again. */
	preempted?: {readonly activity: Activity & {kind: 'run'}; readonly remaining: number} | undefined;
	/** The call chain under schedule() while the task sleeps (hung-task reports); mutex_lock's when absent. */
	sleepFrames?: readonly string[] | undefined;
	/** Sleeping with a timeout (wait_for_completion_timeout): the timed wake ends the wait. */
	wakeOnTimeout?: boolean;
}

/**
 * Work to run later, as plain data: a function registered with Kernel.define (by name, at
 * attach, so a restored kernel has the same ids) and its plain argument. It runs on a CPU.
 */
export interface Continuation {
	readonly fn: number;
	readonly data?: unknown;
}

/** A continuation due at a virtual time (Kernel.at), on CPU `cpu`. */
export interface Callback extends Continuation {
	readonly cpu: number;
}

/** What the CPU is doing in its current (task or idle) context. */
export type Activity =
	| {readonly kind: 'run'; readonly mode: 'user' | 'kernel'; readonly fn: string | undefined; readonly until: number}
	| {readonly kind: 'idle'}
	/** `rw`: spinning in read_lock/write_lock on an rwlock (rwlock.ts). */
	| {readonly kind: 'spin'; readonly lock: string; readonly rw?: 'read' | 'write'}
	/**
	 * Waiting for a cross-call's targets (csd_lock_wait); with `csd`, waiting in csd_lock()
	 * for the earlier `call` to run on CPU `csd` before the same csd can be used again.
	 */
	| {readonly kind: 'xcall-wait'; readonly call: CrossCall; readonly csd?: number}
	| {readonly kind: 'stuck'; readonly fn: string; readonly reason: string; /** In a few words, for the CPU strip (else fn). */ readonly doing?: string}
	/** Spinning on a lock-like thing an extension owns (the port's mutex, logbuf_lock, a barrier). */
	| {readonly kind: 'busy-wait'; readonly on: string; readonly fn: string; readonly describe: string};

/** The context a blocking interrupt handler interrupted, restored when it returns. */
export interface IrqFrame {
	/** APIC vector in service (-1 for an NMI). */
	readonly vector: number;
	readonly ctx: Context;
	readonly activity: Activity;
	readonly since: number;
	readonly irqsOn: boolean;
	readonly irqOffSince: number;
	/** Time the interrupted timed step still had to run. */
	readonly remaining: number;
	readonly resumeHook: Continuation | undefined;
	/** What the handler is, for stack dumps: innermost first. */
	readonly frames: readonly string[];
	/** Virtual ns at which the handler blocked: from then on the CPU's time is handler time. */
	readonly enteredAt: number;
}

/** An hrtimer callback; its function returns true when it blocked (and will return from the interrupt itself). */
export interface HrtimerCallback extends Continuation {
	readonly name: string;
	/** What the timer is, for step reports (`dtrace timeout()`); the name alone when absent. */
	readonly describe?: string;
}

export interface Cpu {
	readonly id: number;
	/** This CPU's own PRNG stream (durations of its task's steps). */
	readonly random: RandomState;
	irqsOn: boolean;
	irqOffSince: number;
	ctx: Context;
	current: Task | undefined;
	readonly runq: Task[];
	activity: Activity;
	since: number;
	preempt: number;
	/** Pending (IRR) and in-service (ISR) vector masks. */
	irr: number;
	isr: number;
	/** Interrupt time charged to the current timed activity, pushed onto its end. */
	stolen: number;
	/** Bumped whenever the activity changes, so stale completion events are ignored. */
	token: number;
	/** smp_call_function requests queued for this CPU; entries before callHead are done. */
	readonly callQueue: CrossCall[];
	callHead: number;
	/**
	 * This CPU's cfd_data csds (kernel/smp.c), one per target: the last smp_call_function
	 * call that used each. csd_lock() on it waits until that call has run on the target
	 * (CSD_FLAG_LOCK clear). Sparse; null or absent: never used.
	 */
	readonly cfd: (CrossCall | null)[];
	/** This CPU's csd_data: the csd smp_call_function_single takes for a call that does not wait (a waiting one uses a fresh csd on its stack). */
	csdData: CrossCall | null;
	/** IRQ flags saved by spin_lock_irqsave, per lock. */
	readonly savedIrq: Map<string, boolean>;
	/** What to do instead of finishing the current step when a wait ends (probe actions). */
	resumeHook: Continuation | undefined;
	/**
	 * Nanoseconds spent in interrupt and NMI handlers, for the load figures: the cost of
	 * each handler that returns at once, plus every closed stretch a handler spent blocked
	 * (spinning, waiting). A handler blocked right now is not in it yet: use irqTimeNs().
	 */
	irqNs: number;
	/** Between rcu_idle_enter() and rcu_idle_exit(): RCU is not watching this CPU. */
	rcuIdle: boolean;
	/** Interrupted contexts under a handler that is blocked (spinning, waiting). */
	readonly irqStack: IrqFrame[];
	/** Expired hrtimers waiting for the local timer interrupt. */
	readonly pendingTimers: HrtimerCallback[];

	// /proc/interrupts counters
	nmi: number;
	loc: number;
	spu: number;
	pmi: number;
	iwi: number;
	rtr: number;
	res: number;
	/** irq_call_count: 3.x shows CAL as this minus tlb. */
	call: number;
	tlb: number;
	mergedIpis: number;

	// soft/hard lockup watchdog
	touchTs: number;
	reportTs: number;
	softWarned: boolean;
	wdTimerPending: boolean;
	wdThreadPending: boolean;
	hrtimerInts: number;
	hrtimerIntsSaved: number;
	hardWarned: boolean;
	/** touch_nmi_watchdog() was called since the last NMI check (watchdog_nmi_touch): the next check skips. */
	nmiTouched: boolean;

	/** timing.stepCost owed for task steps that touched shared state and went straight on (sched.ts). */
	stepDebt: number;

	// RCU
	rcuTicksThisGp: number;
	softirqs: number;
	/** Ticks left before this CPU's housekeeping queues its next background RCU callback. */
	rcuBgCountdown: number;

	// scheduler (preempt.ts)
	/** TIF_NEED_RESCHED set by something other than a waiting task or the watchdog thread (the RCU stall's set_need_resched()). */
	reschedFlag: boolean;
	/** When the current task got the CPU (its time slice). */
	switchedIn: number;
}

export function makeCpu(id: number, random: RandomState): Cpu {
	return {
		id,
		random,
		irqsOn: true,
		irqOffSince: 0,
		ctx: 'idle',
		current: undefined,
		runq: [],
		activity: {kind: 'idle'},
		since: 0,
		preempt: 0,
		irr: 0,
		isr: 0,
		stolen: 0,
		token: 0,
		callQueue: [],
		callHead: 0,
		cfd: [],
		csdData: null,
		savedIrq: new Map(),
		resumeHook: undefined,
		irqNs: 0,
		rcuIdle: false,
		irqStack: [],
		pendingTimers: [],
		nmi: 0,
		loc: 0,
		spu: 0,
		pmi: 0,
		iwi: 0,
		rtr: 0,
		res: 0,
		call: 0,
		tlb: 0,
		mergedIpis: 0,
		touchTs: 0,
		reportTs: 0,
		softWarned: false,
		wdTimerPending: false,
		wdThreadPending: false,
		hrtimerInts: 0,
		hrtimerIntsSaved: 0,
		hardWarned: false,
		nmiTouched: false,
		stepDebt: 0,
		rcuTicksThisGp: 0,
		softirqs: 0,
		rcuBgCountdown: 1,
		reschedFlag: false,
		switchedIn: 0,
	};
}

/**
 * All handler time (hardirq and NMI, softirq work done inside them) up to `now`, including
 * the open stretch of a handler still blocked. Why: a CPU spinning for seconds inside an
 * interrupt or NMI handler is 100% interrupt time; irqNs alone only learns that when the
 * handler returns, which in a lockup is never, so the monitor read 0%.
 */
export function irqTimeNs(cpu: Cpu, now: number): number {
	const outermost = cpu.irqStack[0];
	return outermost === undefined ? cpu.irqNs : cpu.irqNs + (now - outermost.enteredAt);
}

/** The comm/pid `current` names on this CPU (the idle task is swapper/N, pid 0). */
export function currentComm(cpu: Cpu): {comm: string; pid: number} {
	return cpu.current ? {comm: cpu.current.comm, pid: cpu.current.pid} : {comm: `swapper/${cpu.id}`, pid: 0};
}

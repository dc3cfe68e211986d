// Per-CPU and per-task state. Plain mutable objects: the kernel owns them and the UI only
// ever sees copies made by snapshot().
import type {Random} from './random.js';
import type {Step} from './config.js';

export type Context = 'task' | 'softirq' | 'hardirq' | 'nmi' | 'idle';

export interface Task {
	readonly comm: string;
	readonly pid: number;
	readonly cpu: number;
	readonly steps: readonly Step[];
	readonly repeat: number;
	pc: number;
	iteration: number;
	state: 'new' | 'runnable' | 'running' | 'sleeping' | 'exited';
	/** A mutex the task sleeps on, for the wait-for graph. */
	sleepsOn: string | undefined;
	/** Bumped at every sleep, so a timed wake of an earlier sleep is recognised as stale. */
	sleepToken: number;
	/** Set by the kernel for tasks it owns (dtrace consumer, kworker) instead of steps. */
	driver?: (cpu: Cpu) => void;
}

/** What the CPU is doing in its current (task or idle) context. */
export type Activity =
	| {readonly kind: 'run'; readonly mode: 'user' | 'kernel'; readonly fn: string | undefined; readonly until: number}
	| {readonly kind: 'idle'}
	| {readonly kind: 'spin'; readonly lock: string}
	| {readonly kind: 'xcall-wait'; readonly call: CrossCall}
	| {readonly kind: 'stuck'; readonly fn: string; readonly reason: string; /** In a few words, for the CPU strip (else fn). */ readonly doing?: string}
	/** Spinning on a lock-like thing an extension owns (the port's mutex, logbuf_lock, a barrier). */
	| {readonly kind: 'busy-wait'; readonly on: string; readonly fn: string; readonly describe: string};

/** One cross-call in flight: who sent it, to whom, and which targets have not yet run it. */
export class CrossCall {
	remaining: number;
	lastAckCpu = -1;
	lastAck: number;
	/** The caller's stack while it waits, innermost first (for dumps). */
	frames: readonly string[] | undefined;
	/** Called for each target as it acks. */
	onAck: ((call: CrossCall, target: number) => void) | undefined;
	/** Targets not yet acked, as a bitset in 32-bit words (cheaper to make than a typed array). */
	private readonly bits: number[];

	constructor(
		readonly id: number,
		readonly caller: number,
		/** Name shown in explanations: smp_call_function, flush_tlb_others, dtrace_xcall. */
		readonly via: string,
		readonly func: string,
		readonly started: number,
		readonly targets: readonly number[],
		readonly isTlb: boolean,
		/** The IPI vector it travels on (CALL_FUNCTION, or the port's private vector). */
		readonly vector: number,
	) {
		this.remaining = targets.length;
		this.lastAck = started;
		const words = targets.length === 0 ? 0 : (Math.max(...targets) >> 5) + 1;
		this.bits = new Array<number>(words).fill(0);
		for (const t of targets) this.bits[t >> 5]! |= 1 << (t & 31);
	}

	isPending(cpu: number): boolean {
		return ((this.bits[cpu >> 5] ?? 0) & (1 << (cpu & 31))) !== 0;
	}

	/** Marks `cpu` as done; returns false when it was not pending. */
	clear(cpu: number): boolean {
		const w = cpu >> 5;
		const b = 1 << (cpu & 31);
		const word = this.bits[w] ?? 0;
		if ((word & b) === 0) return false;
		this.bits[w] = word & ~b;
		this.remaining--;
		return true;
	}
}

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
	readonly resumeHook: (() => void) | undefined;
	/** What the handler is, for stack dumps: innermost first. */
	readonly frames: readonly string[];
	/** Virtual ns at which the handler blocked: from then on the CPU's time is handler time. */
	readonly enteredAt: number;
}

/** An hrtimer callback; returns true when it blocked (and will return from the interrupt itself). */
export interface HrtimerCallback {
	readonly name: string;
	readonly fn: (cpu: Cpu) => boolean;
	/** What the timer is, for step reports (`dtrace timeout()`); the name alone when absent. */
	readonly describe?: string;
}

export interface Cpu {
	readonly id: number;
	readonly random: Random;
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
	/** IRQ flags saved by spin_lock_irqsave, per lock. */
	readonly savedIrq: Map<string, boolean>;
	/** What to do instead of finishing the current step when a wait ends (probe actions). */
	resumeHook: (() => void) | undefined;
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

	// RCU
	rcuTicksThisGp: number;
	softirqs: number;
}

export function makeCpu(id: number, random: Random): Cpu {
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
		rcuTicksThisGp: 0,
		softirqs: 0,
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

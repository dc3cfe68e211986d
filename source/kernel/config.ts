// The kernel's own view of a scenario: complete, validated, in nanoseconds. The scenario
// layer (source/scenario) turns JSON into this; the kernel never sees raw input.

/** A duration drawn uniformly from [min, max] ns by the CPU's own PRNG stream. */
/** The printk ring's raw spinlock (kernel/printk.c); here so a scenario can name it without loading the kernel. */
export const LOGBUF_LOCK = 'logbuf_lock';
import type {ConsoleConfig} from './console.js';

export interface Dur {
	readonly min: number;
	readonly max: number;
}

/** A step of one variant of the code only: the mitigated one or the original (a task latches it per pass). */
export interface Variant {
	readonly when?: 'mitigated' | 'unmitigated' | undefined;
}

export type Step = Variant &
	(
	| {readonly op: 'run'; readonly for: Dur; readonly mode: 'user' | 'kernel'}
	| {readonly op: 'idle'; readonly for: Dur}
	| {readonly op: 'irq_disable'}
	| {readonly op: 'irq_enable'}
	| {readonly op: 'spin_lock'; readonly lock: string; readonly irqsave: boolean}
	| {readonly op: 'spin_unlock'; readonly lock: string}
	| {readonly op: 'mutex_lock'; readonly lock: string}
	| {readonly op: 'mutex_unlock'; readonly lock: string}
	| {readonly op: 'smp_call_function'; readonly func: string; readonly wait: boolean}
	| {readonly op: 'tlb_flush'}
	| {readonly op: 'call'; readonly fn: string; readonly for: Dur}
	| {readonly op: 'rcu_idle_enter'}
	| {readonly op: 'rcu_idle_exit'}
	/** Stores a message in the kernel log (the printk step expands to lock, log, console write, unlock). */
	| {readonly op: 'log'; readonly text: string}
	| {readonly op: 'smp_call_function_single'; readonly cpu: number; readonly func: string; readonly wait: boolean}
	| {readonly op: 'smp_call_function_many'; readonly cpus: readonly number[]; readonly func: string; readonly wait: boolean}
	| {readonly op: 'on_each_cpu'; readonly func: string; readonly wait: boolean}
	// Reader-writer locks (rwlock.ts): irqsave is the _irqsave form, irq the _irq one.
	| {readonly op: 'read_lock' | 'write_lock'; readonly lock: string; readonly irqsave: boolean; readonly irq: boolean}
	| {readonly op: 'read_unlock' | 'write_unlock'; readonly lock: string; readonly irq: boolean}
	/** spin_trylock: takes the lock if free; if not, skips the next `skip` steps. */
	| {readonly op: 'spin_trylock'; readonly lock: string; readonly irqsave: boolean; readonly skip: number}
	/** printk with a console (console.ts): console_trylock_for_printk, then console_unlock's drain. */
	| {readonly op: 'console_trylock' | 'console_drain'}
	/** stop_machine(fn, NULL, cpumask_of(cpu)): every CPU's stopper thread, `func` run on `cpu` with IRQs off everywhere (stop_machine.ts). */
	| {readonly op: 'stop_machine'; readonly func: string; readonly cpu: number}
	/** cond_resched(): a scheduling point when need_resched is set (preempt.ts), a waiting stopper thread included. */
	| {readonly op: 'cond_resched'}
	// Bottom halves (softirq.ts).
	| {readonly op: 'spin_lock_bh'; readonly lock: string}
	| {readonly op: 'spin_unlock_bh'; readonly lock: string}
	| {readonly op: 'local_bh_disable'}
	| {readonly op: 'local_bh_enable'}
	// Preemption, the RCU read side and completions (preempt.ts, rcu/update.ts, completion.ts).
	| {readonly op: 'preempt_disable'}
	| {readonly op: 'preempt_enable'}
	| {readonly op: 'rcu_read_lock'}
	| {readonly op: 'rcu_read_unlock'}
	| {readonly op: 'synchronize_rcu'}
	| {readonly op: 'call_rcu'; readonly func: string}
	/** wait_for_completion, or wait_for_completion_timeout with `timeout` (ns). */
	| {readonly op: 'wait_for_completion'; readonly completion: string; readonly timeout?: number | undefined}
	| {readonly op: 'complete'; readonly completion: string}
	| {readonly op: 'complete_all'; readonly completion: string}
	);

export type StepOp = Step['op'];

/** A step of a device interrupt handler (hardirq context: nothing that sleeps). */
export type IrqStep = Variant &
	(
		| {readonly op: 'spin_lock'; readonly lock: string}
		| {readonly op: 'spin_unlock'; readonly lock: string}
		| {readonly op: 'run'; readonly for: Dur}
		| {readonly op: 'printk'; readonly text: string}
		| {readonly op: 'read_lock' | 'write_lock' | 'read_unlock' | 'write_unlock'; readonly lock: string}
		/** tasklet_schedule(): queue a tasklet on this CPU (softirq.ts). */
		| {readonly op: 'tasklet_schedule'; readonly tasklet: string}
	);

/** A device interrupt line (kernel/irq/): raised every `every` ns on its CPU (or round-robin over its affinity). */
export interface IrqConfig {
	readonly irq: number;
	/** The action's name (request_irq's devname), as /proc/interrupts shows it. */
	readonly name: string;
	/** `IO-APIC-edge`, `IO-APIC-fasteoi`, `PCI-MSI-edge`: chip name and flow name. */
	readonly chip: string;
	/** The handler function, for stack dumps. */
	readonly handler: string;
	readonly cpus: readonly number[];
	readonly every: number;
	readonly startAt: number;
	readonly steps: readonly IrqStep[];
}

/** A function a scenario defines (`functions`), run by cross-calls and stop_machine: atomic context, nothing that sleeps. */
export interface FunctionConfig {
	readonly steps: readonly IrqStep[];
}

/** An NMI handler registered with register_nmi_handler(NMI_LOCAL, ...), run by a periodic NMI source on each of `cpus`. */
export interface NmiConfig {
	readonly handler: string;
	readonly cpus: readonly number[];
	readonly every: number;
	readonly startAt: number;
	readonly steps: readonly IrqStep[];
}

export interface TaskConfig {
	readonly cpu: number;
	readonly comm: string;
	readonly pid: number;
	/** Iterations of `steps`; 0 means forever. */
	readonly repeat: number;
	readonly startAt: number;
	readonly steps: readonly Step[];
	/** A kernel thread: its steps are the body of its for (;;) loop; going round is no scheduling point. */
	readonly kthread?: boolean | undefined;
}

export interface LockConfig {
	readonly name: string;
	readonly kind: 'spinlock' | 'mutex' | 'rwlock';
}

export interface Timing {
	/** From the sender's ICR write to the target's IRR. */
	readonly ipiLatency: number;
	readonly tickHandler: number;
	readonly callHandler: number;
	readonly reschedHandler: number;
	readonly lockHandoff: number;
	readonly contextSwitch: number;
	/** What a task step that touches shared state and goes straight on costs (a lock taken or released, IRQs off or on). */
	readonly stepCost?: number;
}

export interface Thresholds {
	/** CONFIG_RCU_CPU_STALL_TIMEOUT, seconds (3..300). */
	readonly rcuStallTimeout: number;
	/** watchdog_thresh, seconds; soft lockup at 2x, hard lockup NMI period 1x. */
	readonly watchdogThresh: number;
	readonly softlockupPanic: boolean;
	readonly hardlockupPanic: boolean;
	/** hung_task_timeout_secs (CONFIG_DEFAULT_HUNG_TASK_TIMEOUT, 120): khungtaskd's period and limit; 0 turns it off. */
	readonly hungTaskTimeout: number;
}

export type Formats = '3.x' | 'modern';
export type RcuFlavour = 'rcu_sched' | 'rcu_preempt' | 'rcu_bh';
/** CONFIG_PREEMPT_NONE, CONFIG_PREEMPT_VOLUNTARY, CONFIG_PREEMPT. */
export type Preemption = 'none' | 'voluntary' | 'full';

/** How often each CPU's own housekeeping (timers, softirq work) queues an RCU callback, by default. */
export const DEFAULT_RCU_BACKGROUND = 10_000_000;

export interface KernelConfig {
	readonly name: string;
	readonly cpus: number;
	readonly hz: number;
	readonly formats: Formats;
	readonly rcuFlavour: RcuFlavour;
	readonly release: string;
	readonly thresholds: Thresholds;
	readonly timing: Timing;
	readonly locks: readonly LockConfig[];
	readonly tasks: readonly TaskConfig[];
	/** Linux's stall detectors (RCU stall, soft and hard lockup). FreeBSD 8 has none. */
	readonly watchdogs: boolean;
	/** perf sampling NMIs per second on every CPU (0: only the NMI watchdog). */
	readonly perfNmiHz: number;
	/** What input `mitigation` flips: an extension option and the value that avoids the lockup. */
	readonly mitigation?: {readonly describe: string; readonly option?: string | undefined; readonly value?: unknown} | undefined;
	/** Device interrupt lines (none by default). */
	readonly irqs?: readonly IrqConfig[] | undefined;
	/** Kconfig debug options the scenario switches on (lockdep.ts, spinlock_debug.ts, might_sleep.ts); none when absent. */
	readonly debug?: DebugConfig | undefined;
	/** printk's console (console.ts); without it a printk step writes its own record for its `for`. */
	readonly console?: ConsoleConfig | undefined;
	/** Functions with steps, by name: what `func` of a cross-call or stop_machine step runs (none: the handler's fixed cost). */
	readonly functions?: Readonly<Record<string, FunctionConfig>> | undefined;
	/** An NMI handler that runs steps (none by default). */
	readonly nmi?: NmiConfig | undefined;
	/** timer_list timers whose callbacks run in TIMER_SOFTIRQ (softirq.ts). */
	readonly timers?: readonly TimerConfig[] | undefined;
	/** Tasklets (TASKLET_SOFTIRQ), scheduled by tasklet_schedule steps. */
	readonly tasklets?: readonly TaskletConfig[] | undefined;
	/** The preemption model ('none' when absent); 'full' makes RCU preemptible (rcu_preempt). */
	readonly preemption?: Preemption | undefined;
	/** ns between background call_rcu callbacks on each ticking CPU (DEFAULT_RCU_BACKGROUND when absent; 0: none). */
	readonly rcuBackground?: number | undefined;
	/** struct completion names (init_completion), none when absent. */
	readonly completions?: readonly string[] | undefined;
}

/** A step of a softirq callback (a timer function, a tasklet): atomic context, nothing that sleeps. */
export type SoftirqStep = IrqStep;

/** A timer_list on one CPU (add_timer_on): armed at startAt, due every `every` (re-armed by its callback with mod_timer). */
export interface TimerConfig {
	/** The callback function, for stack dumps and reports. */
	readonly name: string;
	readonly cpu: number;
	readonly every: number;
	readonly startAt: number;
	readonly steps: readonly SoftirqStep[];
}

/** A tasklet (tasklet_init): runs in TASKLET_SOFTIRQ on the CPU that scheduled it. */
export interface TaskletConfig {
	/** The tasklet's function. */
	readonly name: string;
	readonly steps: readonly SoftirqStep[];
}

/** 3.10 lock-debugging Kconfig options. PROVE_LOCKING selects DEBUG_SPINLOCK (lib/Kconfig.debug). */
export interface DebugConfig {
	readonly proveLocking: boolean;
	readonly debugSpinlock: boolean;
	readonly debugAtomicSleep: boolean;
}

export const DEFAULT_TIMING: Timing = {
	ipiLatency: 1_000,
	tickHandler: 2_000,
	callHandler: 1_200,
	reschedHandler: 600,
	lockHandoff: 100,
	contextSwitch: 2_000,
	stepCost: 10,
};

export const DEFAULT_THRESHOLDS: Thresholds = {
	rcuStallTimeout: 21,
	watchdogThresh: 10,
	softlockupPanic: false,
	hardlockupPanic: false,
	hungTaskTimeout: 120,
};

export const DEFAULT_RELEASE = '3.10.105';

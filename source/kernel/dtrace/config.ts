// The DTrace port's settings as a scenario declares them. The options an input or a
// scenario's mitigation may flip are the mutable ones in DtraceOptions.

export type ProbeAction = 'trace' | 'xcall' | 'printf';

export interface ProbeSite {
	/** Kernel function whose entry carries the probe (perf_event_nmi_handler fires in NMI context). */
	readonly fn: string;
	/** What the enabling does when it fires: record only, cross-call every CPU, or print a line. */
	readonly action: ProbeAction;
}

export interface DtraceOptions {
	/** Probes whose site runs with interrupts off do not fire (counted as probe_safe). */
	safeMode: boolean;
	/** dtrace_xcall (the port's private vector, polls while waiting) or the kernel's smp_call_function. */
	xcall: 'dtrace_xcall' | 'smp_call_function';
	/** dtrace_sync skips CPUs that are not in probe context (the xcall7 "fast" path). */
	fastSync: boolean;
	/**
	 * timeout() callbacks as hrtimers (hardirq) or dispatched to a workqueue thread. The hrtimer
	 * flavour is the short-lived one the pid-provider post describes; dtrace4linux's published
	 * timeout() was a timer_list stub until 2012-07-22, a workqueue (driver/taskq.c) since.
	 */
	timeouts: 'hrtimer' | 'workqueue';
	/** Where the port's own messages go. */
	printf: 'dtrace_printf' | 'printk';
	/** A probe in an RCU-idle section enters RCU first (rcu_is_watching() guard). */
	rcuWatchingGuard: boolean;
	/** A per-stack in-tracing flag stops a tracer from recursing into itself. */
	inTracingFlag: boolean;
}

export interface DtraceConfig {
	readonly consumer: {readonly pid: number; readonly cpu: number; readonly startAt: number} | undefined;
	readonly provider: 'fbt' | 'pid';
	/** Probes the consumer's enabling creates (fbt::: is about 40,000). */
	readonly probes: number;
	/** fbt::: — every `call` step fires a recording probe. */
	readonly traceAll: boolean;
	readonly sites: readonly ProbeSite[];
	/** dtrace_sync() calls per probe torn down. */
	readonly syncsPerProbe: number;
	/** How often the consumer switches (and so cross-calls) the per-CPU buffers. */
	readonly switchRate: number;
	readonly bufSize: number;
	readonly recordSize: number;
	/** A probe's action calls a probed function (the tracer traces itself). */
	readonly actionRecurses: boolean;
	readonly options: DtraceOptions;
}

export const DEFAULT_DTRACE_OPTIONS: DtraceOptions = {
	safeMode: true,
	xcall: 'dtrace_xcall',
	fastSync: false,
	timeouts: 'hrtimer',
	printf: 'dtrace_printf',
	rcuWatchingGuard: false,
	inTracingFlag: false,
};

/** The pid of the `insmod dtracedrv.ko` that loaded the module (at boot, before any consumer). */
export const INSMOD_PID = 4690;

/** Costs of the port's own work, in ns. */
export const PORT_TIMING = {
	/** dtrace_int_ipi beyond the machine's interrupt cost: xcall_slave2, the function, the EOI write. */
	ipiHandler: 300,
	/** Enabling one probe (patching its int3). */
	enablePerProbe: 1_000,
	/** dtrace_ecb_destroy and friends, per dtrace_sync in the teardown loop. */
	perSync: 400,
	/** One kmem_free of an ECB, as dtrace_ecb_destroy times it (part of perSync's work). */
	kmemFree: 180,
	/** A dtrace_sync that cross-calls nobody (the fast path). */
	localSync: 150,
	/** One ack_wait poll. */
	ackPoll: 50,
	/** The consumer copying a snapshot out and printing it. */
	consume: 80_000,
} as const;

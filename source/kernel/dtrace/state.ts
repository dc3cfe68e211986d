// Everything the DTrace port changes as the machine runs, as plain data in the kernel's
// state (kernel.s.ext.dtrace), so that a checkpoint holds the port too. The port's code (the
// files named after dtrace4linux's driver/) works on it through the DtracePort binding.
import type {Cpu, Task} from '../cpu.js';
import type {CrossCall} from '../smp.js';
import type {DtraceConfig, DtraceOptions} from './config.js';
import {makeStatsState, type StatsState} from './stats.js';

export type ConsumerState = 'starting' | 'running' | 'stopping' | 'tearing down' | 'killed' | 'gone';

export interface Consumer {
	readonly pid: number;
	readonly cpu: number;
	task: Task | undefined;
	state: ConsumerState;
	stopRequested: boolean;
	killRequested: boolean;
	/** Where the driver is in its work (see consumerStep). */
	phase: 'enable' | 'sleep' | 'switch' | 'stop' | 'close' | 'done';
	switchCpu: number;
	startedAt: number;
}

export interface TeardownProgress {
	readonly total: number;
	left: number;
	syncs: number;
	/** Targets that ran a teardown cross-call. */
	xcalls: number;
	readonly startedAt: number;
	doneAt: number | undefined;
	lastAckCpu: number;
	readonly lastAckCounts: number[];
	/** (virtual ns, syncs) samples for the rate. */
	readonly samples: {t: number; syncs: number}[];
	/** Where the loop is: 'start' sync, per-probe syncs, 'done' sync. */
	stage: 'lock' | 'disorderly' | 'start' | 'probes' | 'final' | 'unlock' | 'finished';
	syncsLeftForProbe: number;
	readonly disorderly: boolean;
}

/** One of the driver's spinning mutexes (driver/mutex.c). */
export interface PortMutex {
	readonly name: string;
	owner: {task: Task | undefined; cpu: number; ctx: Cpu['ctx']; since: number} | undefined;
	/** CPUs spinning for it, in arrival order. */
	readonly spinners: number[];
}

export interface PendingTimeout {
	readonly id: number;
	readonly fn: string;
	readonly armedOn: number;
	readonly at: number;
	fired: boolean;
	/** Reports only: the CPU it fired on (hrtimer) or was handed to (kworker). */
	firedOn?: number;
}

export interface DtraceState {
	/** The options an input or the scenario's mitigation may flip. */
	readonly options: DtraceOptions;
	readonly stats: StatsState;
	consumer: Consumer | undefined;
	teardown: TeardownProgress | undefined;
	/** The CPU running the teardown loop, whose probes do not fire (-1: none). */
	lockTeardown: number;
	shutdown: boolean;
	/** fasttrap probes waiting for their cleanup callback. */
	fasttrapProbes: number;
	readonly timeouts: PendingTimeout[];
	readonly mutexes: Map<string, PortMutex>;
	/** Per CPU: how deep it is in probe context. */
	readonly probeLevel: Int32Array;
	/** Per CPU: dtrace_xcall requests waiting for xcall_slave2; entries before the head are done. */
	readonly mailbox: CrossCall[][];
	readonly mailboxHead: Int32Array;
	/** Private-vector interrupts taken, per CPU (the port only keeps the total, ipi1). */
	readonly ipisByCpu: Float64Array;
	/** Bytes in each CPU's principal buffer. */
	readonly buffers: Float64Array;
	/** The function whose probe each CPU is inside, while it is. */
	readonly currentProbe: (string | undefined)[];
	nextPid: number;
	nextTimeoutId: number;
	/** printk_ratelimited's window for __schedule_bug. */
	readonly schedBugWindow: {start: number; printed: number; suppressed: number};
	rcuSplats: number;
	/** Every schedule() from atomic context, printed or suppressed. */
	schedAtomic: number;
	rcuGuarded: number;
	inTracingStops: number;
	/** Functions whose fbt probe the int3 handler's nested branch unpatched (opcode written back). */
	readonly unpatched: string[];
	/** cnt_free1: cnt_probes when the last teardown destroyed its first ECB. */
	free1: number;
	/** dtrace_ecb_destroy's statics: ECBs freed since load, and the longest kmem_free so far. */
	ecbFrees: number;
	maxFreeNs: number;
}

export function makeDtraceState(config: DtraceConfig, cpus: number): DtraceState {
	return {
		options: {...config.options},
		stats: makeStatsState(),
		consumer: undefined,
		teardown: undefined,
		lockTeardown: -1,
		shutdown: false,
		fasttrapProbes: 0,
		timeouts: [],
		mutexes: new Map([
			['cpu_lock', {name: 'cpu_lock', owner: undefined, spinners: []}],
			['dtrace_lock', {name: 'dtrace_lock', owner: undefined, spinners: []}],
		]),
		probeLevel: new Int32Array(cpus),
		mailbox: Array.from({length: cpus}, () => []),
		mailboxHead: new Int32Array(cpus),
		ipisByCpu: new Float64Array(cpus),
		buffers: new Float64Array(cpus),
		currentProbe: [],
		nextPid: config.consumer?.pid ?? 4711,
		nextTimeoutId: 1,
		schedBugWindow: {start: -Infinity, printed: 0, suppressed: 0},
		rcuSplats: 0,
		schedAtomic: 0,
		rcuGuarded: 0,
		inTracingStops: 0,
		unpatched: [],
		free1: 0,
		ecbFrees: 0,
		maxFreeNs: 0,
	};
}

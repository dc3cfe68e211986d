// Everything about the machine that changes as it runs, in one plain-data tree: CPUs, tasks,
// locks, the event heap, the rings, the PRNG streams, RCU, the hash, and each extension's
// own state under `ext`. No functions and no class instances anywhere below it: a
// checkpoint is one structuredClone of it, and a kernel built around the copy runs on
// exactly as the original would. Code (subsystem modules, extensions, the functions that
// continuations name) lives outside it.
import type {KernelConfig} from './config.js';
import {makeCpu, type Context, type Cpu, type Task} from './cpu.js';
import {makeHash, type EventHash} from './hash.js';
import {makeFeedState, type FeedState} from './input-feed.js';
import type {Input} from './extension.js';
import {makeLogState, type LogState} from './klog.js';
import {makeLock, type Lock} from './locks.js';
import {makeQueueState, type QueueState} from './queue.js';
import {makeStreams, randomU32, type RandomState, type StreamName} from './random.js';
import {makeRcu, type RcuState} from './rcu/tree.js';
import {makeTraceState, type TraceState} from './trace-ring.js';
import type {Lockup} from './waitfor.js';
import {HUNG_TASK_WARNINGS} from './hung_task.js';
import {makeDebugState, type DebugState} from './lockdep.js';
import {makeConsoleState, type ConsoleState} from './console.js';
import {makeBodyState, type BodyState} from './smp_function.js';
import {makeStopperState, type StopperState} from './stop_machine.js';
import {makeSoftirqState, type SoftirqState} from './softirq.js';
import {makeCompletions, type Completion} from './completion.js';
import {DEFAULT_RCU_BACKGROUND} from './config.js';

export interface Warnings {
	rcuStall: number;
	softLockup: number;
	hardLockup: number;
	warn: number;
	bug: number;
	/** hung_task.c reports (INFO: task ... blocked for more than ...). */
	hungTask: number;
}

export interface KernelState {
	/** The scenario's machine, read-only: in the state so that a checkpoint is all a kernel needs. */
	readonly config: KernelConfig;
	readonly seed: number;
	booted: boolean;
	/** Virtual ns. */
	now: number;
	events: number;
	/** Events in a row at the current instant (see CLOCK_STOPPED_EVENTS). */
	stillEvents: number;
	/** Jiffies of the next aligned tick. */
	tickIndex: number;
	nextCallId: number;
	/** The context the interrupt handler now running interrupted. */
	handlerFrom: Context;
	readonly cpus: Cpu[];
	readonly tasks: Task[];
	readonly locks: Map<string, Lock>;
	readonly queue: QueueState;
	readonly hash: EventHash;
	readonly log: LogState;
	readonly trace: TraceState;
	readonly inputFeed: FeedState;
	readonly rcu: RcuState;
	readonly streams: Record<StreamName, RandomState>;
	readonly warnings: Warnings;
	readonly taint: Set<string>;
	readonly modules: string[];
	readonly applied: Input[];
	/** WARN_ON_ONCE sites that already fired (`file:line`). */
	readonly warnedSites: Set<string>;
	readonly oopsId: string;
	lockup: Lockup | undefined;
	/** sysctl_hung_task_warnings: hung-task reports left. */
	hungTaskWarnings: number;
	/** lib/debug_locks.c's debug_locks: on until the first lock-debugging report. */
	debugLocks: boolean;
	panicked: string | undefined;
	/** Whether the scenario's mitigation is in force. */
	mitigated: boolean;
	/** The mitigation option's value before it was first flipped. */
	unmitigatedValue: unknown;
	/** Messages printk could not store because logbuf_lock is held by a CPU that will never let go. */
	lostMessages: number;
	/** Each extension's own state, by extension name. */
	readonly ext: Record<string, unknown>;
	/** Device interrupt lines (config.irqs): counts, pending lines, handlers in progress. */
	readonly devIrq: DevIrqState;
	/** The scenario's debug options' state (lockdep's graph, __might_sleep's rate limit); none without `debug`. */
	readonly debug: DebugState | undefined;
	/** console_sem and the console's place in the log (console.ts). */
	readonly console: ConsoleState;
	/** Scenario-defined functions and the NMI handler running their steps, per context and CPU (smp_function.ts). */
	readonly bodies: BodyState;
	/** The stop_machine() in progress and the stopper threads made so far (stop_machine.ts). */
	readonly stopper: StopperState;
	/** Softirqs, bottom halves, timers, tasklets, ksoftirqd (see softirq.ts). */
	readonly softirq: SoftirqState;
	/** struct completion by name (config.completions). */
	readonly completions: Map<string, Completion>;
}

/** Device interrupts' state, plain data (see irq.ts). */
export interface DevIrqState {
	/** kstat_irqs: per line (config.irqs order), per CPU. */
	readonly counts: number[][];
	/** Times each line was raised (round-robin over its affinity). */
	readonly raised: number[];
	/** Lines raised on each CPU whose handler has not started (one pending per line, as the IRR). */
	readonly pending: number[][];
	/** The handler running on each CPU: its line, next step, whether it has blocked, its run id. */
	readonly running: ({line: number; pc: number; blocked: boolean; id: number; mitigated: boolean} | null)[];
	nextId: number;
}

export function makeState(config: KernelConfig, seed: number): KernelState {
	const streams = makeStreams(seed, config.cpus);
	const cpus: Cpu[] = [];
	for (let i = 0; i < config.cpus; i++) cpus.push(makeCpu(i, streams.perCpu[i]!));
	const timeout = Math.min(300, Math.max(3, config.thresholds.rcuStallTimeout));
	const boot = streams.subsystem.boot;
	const oopsId = randomU32(boot).toString(16).padStart(8, '0') + randomU32(boot).toString(16).padStart(8, '0');
	const locks = new Map<string, Lock>();
	for (const lock of config.locks) locks.set(lock.name, makeLock(lock.name, lock.kind));
	const tasks: Task[] = config.tasks.map((t) => ({
		comm: t.comm,
		pid: t.pid,
		cpu: t.cpu,
		steps: t.steps,
		repeat: t.repeat,
		pc: 0,
		iteration: 0,
		variantPass: -1,
		mitigatedPass: false,
		state: 'new',
		sleepsOn: undefined,
		sleepToken: 0,
		blockedSince: 0,
		switchCount: 0,
		lastSwitchCount: 0,
		kthread: t.kthread === true,
	}));
	const bg = config.rcuBackground ?? DEFAULT_RCU_BACKGROUND;
	return {
		config,
		seed,
		booted: false,
		now: 0,
		events: 0,
		stillEvents: 0,
		tickIndex: 0,
		nextCallId: 1,
		handlerFrom: 'task',
		cpus,
		tasks,
		locks,
		queue: makeQueueState(),
		hash: makeHash(),
		log: makeLogState(),
		trace: makeTraceState(),
		inputFeed: makeFeedState(),
		rcu: makeRcu(config.cpus, timeout * config.hz, bg > 0 ? Math.max(1, Math.round((bg * config.hz) / 1e9)) : 0),
		streams: streams.subsystem,
		warnings: {rcuStall: 0, softLockup: 0, hardLockup: 0, warn: 0, bug: 0, hungTask: 0},
		hungTaskWarnings: HUNG_TASK_WARNINGS,
		debugLocks: true,
		taint: new Set(),
		modules: ['virtio_net', 'virtio_blk', 'ext4', 'jbd2', 'mbcache'],
		applied: [],
		warnedSites: new Set(),
		oopsId,
		lockup: undefined,
		panicked: undefined,
		mitigated: false,
		unmitigatedValue: undefined,
		lostMessages: 0,
		ext: {},
		devIrq: {
			counts: (config.irqs ?? []).map(() => cpus.map(() => 0)),
			raised: (config.irqs ?? []).map(() => 0),
			pending: cpus.map(() => []),
			running: cpus.map(() => null),
			nextId: 1,
		},
		debug: config.debug ? makeDebugState(config.cpus, config.debug.proveLocking) : undefined,
		console: makeConsoleState(),
		bodies: makeBodyState(config.cpus),
		stopper: makeStopperState(config.cpus),
		softirq: makeSoftirqState(config, config.cpus),
		completions: makeCompletions(config.completions),
	};
}

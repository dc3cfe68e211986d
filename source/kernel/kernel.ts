// The emulated SMP kernel: a discrete-event machine over integer-nanosecond virtual time.
// Pure and deterministic: the same config, seed and stamped inputs give the same events,
// counters and messages on any machine. No I/O, no wall clock, no ambient randomness.
import {V_CAL, V_CALS, V_DTRACE, V_LOC, V_RES, bit, highestReady} from './apic.js';
import type {KernelConfig, Step, Dur} from './config.js';
import {CrossCall, currentComm, makeCpu, type Activity, type Context, type Cpu, type HrtimerCallback, type Task} from './cpu.js';
import {EventHash} from './hash.js';
import {InputFeed, inputSource, sourceArg, type AppliedInput, type InputSource} from './input-feed.js';
import {KernelLog, type LogLevel, type LogRecord} from './klog.js';
import {makeLock, type Lock, type Mutex, type Spinlock} from './locks.js';
import * as msg from './messages.js';
import {EventQueue} from './queue.js';
import {makeStreams, type Random, type StreamName} from './random.js';
import {RcuState, RCU_STALL_RAT_DELAY} from './rcu.js';
import {CallbackLabels, describeStep, takeBefore, type CallbackDescriber, type StepReport} from './step-report.js';
import {formatSeconds, NS_PER_SEC} from './time.js';
import {quote} from '../terminal/safe-text.js';
import {TraceRing} from './trace-ring.js';
import {cpuNode, findLockup, type Lockup, type StuckNode, type WaitEdge} from './waitfor.js';

// Event kinds.
const EV_TICK = 1;
const EV_WD_TIMER = 2;
const EV_WD_NMI = 3;
const EV_STEP_DONE = 4;
const EV_RESUME = 5;
const EV_IPI = 6;
const EV_INPUT = 7;
const EV_TASK_WAKE = 8;
const EV_DETECT = 9;
const EV_CALLBACK = 10;
const EV_IPI_MANY = 11;
const EV_HRTIMER = 12;
const EV_PERF_NMI = 13;

const LOC_BIT = bit(V_LOC);

const IDLE_FRAMES = ['native_safe_halt', 'default_idle', 'arch_cpu_idle', 'cpu_startup_entry', 'start_secondary'];

/** The printk ring's raw spinlock (kernel/printk.c). */
export const LOGBUF_LOCK = 'logbuf_lock';

/** A stamped input: keys, scenario timeline entries and --input flags all become these. */
export interface Input {
	/** Virtual ns at which it is applied. */
	readonly at: number;
	/** `ctrl-c`, `kill-9`, `safe-mode`, `timer`, ... */
	readonly action: string;
	/** Optional argument after a colon: `timer:2` has arg "2". */
	readonly arg?: string | undefined;
}

/**
 * Applies an input. It may return what it did, one short sentence for the status line
 * (`^C sent to dtrace 4711`); the kernel records that in its input feed.
 */
export type InputHandler = (kernel: Kernel, input: Input) => string | void;

/**
 * What an input takes after its colon: `none`, or `cpu`, a CPU number below the machine's
 * count that may be left out (`timer` alone picks the pending timer's CPU). Scenario
 * timelines and --input flags are checked against it before the kernel boots.
 */
export type InputArg = 'none' | 'cpu';

/** An input action an extension (or the kernel) understands. */
export interface InputDefinition {
	/** One line, for help. */
	readonly describe: string;
	readonly arg: InputArg;
	readonly handle: InputHandler;
}

export type {AppliedInput, InputSource} from './input-feed.js';
export type {CallbackDescriber, StepReport, EventName} from './step-report.js';

/** A subsystem (the DTrace port, a FreeBSD rendezvous model...) plugged into the kernel. */
export interface KernelExtension {
	readonly name: string;
	/** Input actions this extension understands, with a one-line description each. */
	readonly inputs: Readonly<Record<string, InputDefinition>>;
	/** Called once at boot after the CPUs exist. */
	boot?(kernel: Kernel): void;
	/** Extra wait-for edges and stuck nodes for lockup explanations. */
	waitFor?(kernel: Kernel, edges: WaitEdge[], stuck: StuckNode[]): void;
	/** Handler for the private dtrace IPI vector and similar. */
	vector?(kernel: Kernel, cpu: Cpu, vector: number): boolean;
	/**
	 * A task's `call` step enters `fn` (a probe site). Return true when the extension took
	 * the CPU over (a probe action that waits); it must then resume the step itself.
	 */
	onCall?(kernel: Kernel, cpu: Cpu, task: Task, fn: string, body: number): boolean;
	/** A perf NMI on `cpu` ran perf_event_nmi_handler (a probe site for the DTrace port). */
	onNmi?(kernel: Kernel, cpu: Cpu): void;
	/**
	 * Reporting only: who sent the IPIs now pending for `vector` on `cpu`, before it takes
	 * them (`from CPU0 (dtrace_sync_func)`), for vectors the extension owns.
	 */
	describeIpi?(kernel: Kernel, cpu: Cpu, vector: number): string | undefined;
	/** Reporting only: what `cpu` waits for, as a verb phrase, when the wait is the extension's own (its mutexes). */
	describeWait?(kernel: Kernel, cpu: Cpu): string | undefined;
	/** Whether `target` can run a cross-call on `vector` right now, when the kernel alone would say no. */
	services?(kernel: Kernel, target: Cpu, vector: number): boolean;
	/** An IPI reached a CPU that has interrupts off (a polling loop may still see it). */
	ipiMasked?(kernel: Kernel, target: Cpu, vector: number): void;
	/** Options a scenario's mitigation or an input may flip. */
	setOption?(name: string, value: unknown): boolean;
	option?(name: string): unknown;
}

export interface Warnings {
	rcuStall: number;
	softLockup: number;
	hardLockup: number;
	warn: number;
	bug: number;
}

export class KernelError extends Error {}

/**
 * Virtual time stopped: the events at one instant never end (a task looping over steps that
 * take no time). A runtime error with a one-line message naming the CPU and the task.
 */
export class ClockStoppedError extends KernelError {}

/** This many events in a row at one instant means time will never move again. */
export const CLOCK_STOPPED_EVENTS = 1_000_000;

export class Kernel {
	now = 0;
	events = 0;
	/** Events in a row at the current instant (see CLOCK_STOPPED_EVENTS). */
	private stillEvents = 0;
	readonly cpus: Cpu[] = [];
	readonly tasks: Task[] = [];
	readonly locks = new Map<string, Lock>();
	readonly log = new KernelLog();
	readonly trace = new TraceRing();
	readonly rcu: RcuState;
	readonly warnings: Warnings = {rcuStall: 0, softLockup: 0, hardLockup: 0, warn: 0, bug: 0};
	readonly taint = new Set<string>();
	readonly modules: string[] = ['virtio_net', 'virtio_blk', 'ext4', 'jbd2', 'mbcache'];
	readonly applied: Input[] = [];
	/**
	 * Every applied input with its source and what it did, newest last (bounded). Why: the
	 * monitor polls it by sequence number to announce timeline inputs (^C at 3 s) and the
	 * outcome of keys, which it cannot know from outside (a timer that was not pending).
	 */
	readonly inputFeed = new InputFeed();
	/** What each kind of callback (see at()) was, for step reports. */
	readonly callbackLabels = new CallbackLabels();
	readonly streams: Record<StreamName, Random>;
	lockup: Lockup | undefined;
	panicked: string | undefined;
	/** Whether the scenario's mitigation is in force. */
	mitigated = false;
	private unmitigatedValue: unknown;

	private readonly queue = new EventQueue();
	private readonly hash = new EventHash();
	private tickIndex = 0;
	private readonly warnedSites = new Set<string>();
	private readonly extensions: KernelExtension[] = [];
	private readonly inputs = new Map<string, InputDefinition>();
	private nextCallId = 1;
	/** The context the handler now running interrupted. */
	private handlerFrom: Context = 'task';
	private readonly others: (readonly number[])[] = [];
	readonly oopsId: string;
	readonly jiffyNs: number;
	private readonly samplePeriod: number;
	private readonly nmiPeriod: number;
	private booted = false;

	constructor(
		readonly config: KernelConfig,
		readonly seed: number,
	) {
		const streams = makeStreams(seed, config.cpus);
		this.streams = streams.subsystem;
		for (let i = 0; i < config.cpus; i++) this.cpus.push(makeCpu(i, streams.perCpu[i]!));
		this.jiffyNs = NS_PER_SEC / config.hz;
		const timeout = Math.min(300, Math.max(3, config.thresholds.rcuStallTimeout));
		this.rcu = new RcuState(config.cpus, timeout * config.hz);
		// sample_period = get_softlockup_thresh() * (NSEC_PER_SEC / 5)
		this.samplePeriod = 2 * config.thresholds.watchdogThresh * (NS_PER_SEC / 5);
		this.nmiPeriod = config.thresholds.watchdogThresh * NS_PER_SEC;
		const boot = this.streams.boot;
		this.oopsId = boot.u32().toString(16).padStart(8, '0') + boot.u32().toString(16).padStart(8, '0');
		for (const lock of config.locks) this.locks.set(lock.name, makeLock(lock.name, lock.kind));
		for (const t of config.tasks) {
			this.tasks.push({
				comm: t.comm,
				pid: t.pid,
				cpu: t.cpu,
				steps: t.steps,
				repeat: t.repeat,
				pc: 0,
				iteration: 0,
				state: 'new',
				sleepsOn: undefined,
				sleepToken: 0,
			});
		}
	}

	/** Plugs in a subsystem before boot. */
	use(extension: KernelExtension): this {
		if (this.booted) throw new KernelError(`cannot add ${extension.name} after boot`);
		this.extensions.push(extension);
		for (const [action, def] of Object.entries(extension.inputs)) this.inputs.set(action, def);
		return this;
	}

	/** Input actions this kernel understands, for validation and help. */
	actions(): ReadonlyMap<string, {readonly describe: string; readonly arg: InputArg}> {
		return this.inputs;
	}

	boot(): this {
		if (this.booted) return this;
		this.booted = true;
		const m = this.config.mitigation;
		if (m) {
			this.inputs.set('mitigation', {
				describe: `flip the scenario's mitigation: ${m.describe}`,
				arg: 'none',
				handle: () => {
					this.toggleMitigation();
					return `mitigation ${this.mitigated ? 'on' : 'off'}: ${m.describe}`;
				},
			});
			this.unmitigatedValue = this.extensions.map((e) => e.option?.(m.option)).find((v) => v !== undefined);
		}
		const n = this.config.cpus;
		// Every CPU's tick is aligned to the same jiffy boundary (Linux's default,
		// skew_tick=0): one queue entry per jiffy ticks them all, in CPU order.
		this.tickIndex = 1;
		this.queue.push(this.tickAt(1), EV_TICK, -1);
		for (const cpu of this.cpus) {
			if (!this.config.watchdogs) break;
			const stagger = Math.floor((cpu.id * this.jiffyNs) / n);
			this.queue.push(this.samplePeriod + stagger, EV_WD_TIMER, cpu.id);
			this.queue.push(this.nmiPeriod + stagger + 500_000, EV_WD_NMI, cpu.id);
		}
		for (const task of this.tasks) {
			const cfg = this.config.tasks[this.tasks.indexOf(task)]!;
			this.queue.push(cfg.startAt, EV_TASK_WAKE, task.cpu, 0, task);
		}
		this.queue.push(this.jiffyNs, EV_DETECT, 0);
		if (this.config.perfNmiHz > 0) this.queue.push(Math.floor(NS_PER_SEC / this.config.perfNmiHz), EV_PERF_NMI, -1);
		this.rcu.startGp(0);
		for (const ext of this.extensions) ext.boot?.(this);
		return this;
	}

	// --- driving -------------------------------------------------------------------------

	/**
	 * Runs every event up to and including `toNs`, then sets the clock to `toNs`. With
	 * `maxEvents`, stops after that many (the clock stays at the last event's time) so a
	 * caller can give the event loop its turn; returns whether `toNs` was reached.
	 */
	advance(toNs: number, maxEvents = Number.POSITIVE_INFINITY): boolean {
		this.boot();
		const q = this.queue;
		for (let n = 0; this.panicked === undefined && q.peekTime() <= toNs; n++) {
			if (n >= maxEvents) return false;
			this.dispatch();
		}
		if (toNs > this.now) this.now = toNs;
		return true;
	}

	/**
	 * Runs exactly one event and says which, in one line (`CPU1: CAL IPI from CPU0
	 * delivered`). Returns undefined when there is nothing left to run. Why: single-stepping
	 * is only useful if the person sees what each step did; the report is built here, around
	 * the event, so advance() and the hot loop pay nothing for it.
	 */
	step(): StepReport | undefined {
		this.boot();
		const q = this.queue;
		if (this.panicked !== undefined || q.length === 0) return undefined;
		const next = q.peek();
		const before = takeBefore(this, next.kind, next.cpu, next.arg, next.payload);
		this.dispatch();
		return describeStep(this, before);
	}

	/** Says which event keeps repeating at this instant, in the words of a step report, and stops. */
	private clockStopped(): never {
		// The describing step below must not trip the check again.
		this.stillEvents = Number.NEGATIVE_INFINITY;
		const at = formatSeconds(this.now);
		const ran = this.step();
		throw new ClockStoppedError(`virtual time stopped at ${at}: ${CLOCK_STOPPED_EVENTS} events in a row without time passing; the last: ${quote(ran?.text ?? 'none', 120)}. Some step, period or handler in the scenario takes no time in a loop`);
	}


	private toggleMitigation(): void {
		const m = this.config.mitigation!;
		this.mitigated = !this.mitigated;
		const value = this.mitigated ? m.value : this.unmitigatedValue;
		for (const ext of this.extensions) if (ext.setOption?.(m.option, value)) break;
	}

	/** The current value of an extension option (safe mode, timeouts...). */
	option(name: string): unknown {
		return this.extensions.map((e) => e.option?.(name)).find((v) => v !== undefined);
	}

	/**
	 * Applies an input now (a key), stamped with the current virtual time. The record says
	 * what it did (`result`), the same one inputFeed.last holds.
	 */
	apply(action: string, arg?: string): AppliedInput {
		this.boot();
		const input: Input = {at: this.now, action, arg};
		return this.runInput(input, 'user');
	}

	/** Queues an input for its own virtual time: the scenario's timeline, or a --input flag (`cli`). */
	schedule(input: Input, source: Exclude<InputSource, 'user'> = 'timeline'): void {
		this.boot();
		if (!this.inputs.has(input.action)) throw new KernelError(`unknown input "${input.action}"`);
		this.queue.push(Math.max(input.at, this.now), EV_INPUT, 0, sourceArg(source), input);
	}

	/**
	 * Schedules a kernel-internal callback (for extensions). `label` (from describeCallbacks)
	 * and `cpu` only name it in step reports: they ride in the event's unhashed argument.
	 */
	at(time: number, fn: (k: Kernel) => void, label = 0, cpu = -1): void {
		this.queue.push(Math.max(time, this.now), EV_CALLBACK, 0, CallbackLabels.arg(label, cpu), fn);
	}

	/** Registers a describer for a kind of callback; pass the id to at(). Once per kind, at boot. */
	describeCallbacks(describe: CallbackDescriber): number {
		return this.callbackLabels.register(describe);
	}

	get eventHash(): string {
		return this.hash.hex();
	}

	get jiffies(): number {
		return Math.floor((this.now * this.config.hz) / NS_PER_SEC);
	}

	/** Virtual time of the next event, or Infinity. */
	get nextEventAt(): number {
		return this.queue.peekTime();
	}

	private runInput(input: Input, source: InputSource): AppliedInput {
		const def = this.inputs.get(input.action);
		if (!def) throw new KernelError(`unknown input "${input.action}"`);
		this.applied.push(input);
		this.hash.add(0x494e);
		this.hash.addString(input.action + ':' + (input.arg ?? ''));
		return this.inputFeed.push(this.now, input, source, def.handle(this, input));
	}

	private dispatch(): void {
		const q = this.queue;
		// Checked before the pop, so that the event named is the one that keeps coming back.
		if (q.peekTime() !== this.now) this.stillEvents = 0;
		else if (++this.stillEvents >= CLOCK_STOPPED_EVENTS) this.clockStopped();
		q.pop();
		const now = q.time;
		this.now = now;
		this.events++;
		const kind = q.kind;
		const cpuId = q.cpu;
		const h = this.hash;
		h.add((kind << 16) | (cpuId & 0xffff));
		h.addTime(now);
		switch (kind) {
			case EV_TICK:
				this.onTick();
				break;
			case EV_STEP_DONE:
				this.onStepDone(cpuId, q.arg);
				break;
			case EV_IPI:
				this.onIpi(cpuId, q.arg);
				break;
			case EV_IPI_MANY: {
				// One heap entry, but each arrival at a CPU is an event of its own.
				const targets = q.payload as readonly number[];
				this.events += targets.length - 1;
				for (const t of targets) {
					h.add((EV_IPI << 16) | t);
					this.onIpi(t, q.arg);
				}
				break;
			}
			case EV_RESUME:
				this.onResume(cpuId, q.arg);
				break;
			case EV_WD_TIMER:
				this.onWatchdogTimer(cpuId);
				break;
			case EV_WD_NMI:
				this.onWatchdogNmi(cpuId);
				break;
			case EV_TASK_WAKE:
				this.onTaskWake(q.payload as Task, q.arg);
				break;
			case EV_DETECT:
				this.onDetect();
				break;
			case EV_INPUT:
				this.runInput(q.payload as Input, inputSource(q.arg));
				break;
			case EV_CALLBACK:
				(q.payload as (k: Kernel) => void)(this);
				break;
			case EV_HRTIMER:
				this.onHrtimer(cpuId, q.payload as HrtimerCallback);
				break;
			case EV_PERF_NMI:
				this.onPerfNmi();
				break;
		}
	}

	// --- printk --------------------------------------------------------------------------

	printk(cpu: number, level: LogLevel, text: string): LogRecord | undefined {
		if (this.logbufWedged()) return undefined;
		return this.log.print(this.now, cpu, level, text, true);
	}

	/** Prints a multi-line message: the first line is its head, the rest its body. */
	printLines(cpu: number, lines: readonly msg.Line[]): void {
		if (this.logbufWedged()) return;
		lines.forEach((line, i) => this.log.print(this.now, cpu, line.level, line.text, i === 0));
	}

	/** Messages printk could not store because logbuf_lock is held by a CPU that will never let go. */
	lostMessages = 0;

	/**
	 * Whether logbuf_lock is held by a CPU that can never release it. Such a printk would
	 * spin for ever; the emulator drops the message and counts it instead of hanging the
	 * handler that printed it.
	 */
	private logbufWedged(): boolean {
		const lock = this.locks.get(LOGBUF_LOCK) as Spinlock | undefined;
		if (!lock || lock.holder < 0) return false;
		const holder = this.cpus[lock.holder]!;
		const wedged = holder.activity.kind === 'stuck' || (this.lockup?.cpus.includes(lock.holder) ?? false);
		if (wedged) this.lostMessages++;
		return wedged;
	}

	stackContext(cpu: Cpu, irqFrames?: readonly string[], irqKind?: 'NMI' | 'IRQ'): msg.StackContext {
		const {comm, pid} = currentComm(cpu);
		return {
			cpu: cpu.id,
			pid,
			comm,
			tainted: msg.taintString(this.taint, this.config.formats),
			release: this.config.release,
			modules: this.modules.join(' '),
			frames: this.framesOf(cpu),
			irqFrames,
			irqKind,
		};
	}

	/** WARN_ON_ONCE: the splat is printed the first time a site trips, once per boot. */
	warnOnce(cpu: Cpu, site: msg.WarnSite, message: string | undefined, callers: readonly string[]): boolean {
		const key = `${site.file}:${site.line}`;
		if (this.warnedSites.has(key)) return false;
		this.warnedSites.add(key);
		this.warn(cpu, site, message, {callers});
		return true;
	}

	/**
	 * A WARN splat from `site`. `callers` are the frames below the warning function (the
	 * CPU's current activity by default); `nmi` frames put the whole warning on the NMI stack.
	 */
	warn(cpu: Cpu, site: msg.WarnSite, message: string | undefined, where: {callers?: readonly string[]; nmi?: readonly string[]} = {}): void {
		const warnFrames = ['dump_stack', 'warn_slowpath_common', message === undefined ? 'warn_slowpath_null' : 'warn_slowpath_fmt', site.fn];
		const base = this.stackContext(cpu);
		const ctx: msg.StackContext = where.nmi
			? {...base, irqFrames: [...warnFrames, ...where.nmi], irqKind: 'NMI'}
			: {...base, frames: [...warnFrames, ...(where.callers ?? base.frames)]};
		this.printLines(cpu.id, msg.warnSplat(this.config.formats, site, message, ctx, this.oopsId));
		this.warnings.warn++;
		this.taint.add('W');
	}

	/** Halts the machine: "Kernel panic - not syncing: ...". */
	panic(cpu: Cpu, reason: string): void {
		this.printk(cpu.id, 'emerg', `Kernel panic - not syncing: ${reason}`);
		this.panicked = reason;
	}

	// --- interrupts ----------------------------------------------------------------------

	sendIpi(to: number, vector: number, latency = this.config.timing.ipiLatency): void {
		this.queue.push(this.now + latency, EV_IPI, to, vector);
	}

	/** One ICR write to a set of CPUs (send_IPI_mask): they all see it at the same time. */
	sendIpiMany(targets: readonly number[], vector: number, latency = this.config.timing.ipiLatency): void {
		if (targets.length === 1) this.sendIpi(targets[0]!, vector, latency);
		else if (targets.length > 1) this.queue.push(this.now + latency, EV_IPI_MANY, -1, vector, targets);
	}

	/** Every CPU but `cpu`, the mask smp_call_function uses (cached: it never changes). */
	othersOf(cpu: Cpu): readonly number[] {
		let list = this.others[cpu.id];
		if (!list) {
			list = this.cpus.filter((c) => c !== cpu).map((c) => c.id);
			this.others[cpu.id] = list;
		}
		return list;
	}

	private onIpi(cpuId: number, vector: number): void {
		const cpu = this.cpus[cpuId]!;
		const b = bit(vector);
		// One pending (IRR) per vector: a second one while the first waits merges into it.
		if (cpu.irr & b) cpu.mergedIpis++;
		else cpu.irr |= b;
		if (cpu.irqsOn) this.deliver(cpu);
		else for (const ext of this.extensions) ext.ipiMasked?.(this, cpu, vector);
	}

	/** Accepts pending vectors while the CPU has interrupts on and is not in a handler. */
	deliver(cpu: Cpu): void {
		while (cpu.irqsOn && cpu.ctx !== 'hardirq' && cpu.ctx !== 'nmi') {
			const ready = cpu.irr & ~cpu.isr;
			if (ready === 0) return;
			const vector = highestReady(ready);
			const b = 1 << vector;
			cpu.irr &= ~b;
			cpu.isr |= b;
			const prev = cpu.ctx;
			cpu.ctx = 'hardirq';
			this.handlerFrom = prev;
			if (!this.handleVector(cpu, vector, prev)) return; // blocked: the vector stays in service
			cpu.ctx = prev;
			cpu.isr &= ~b;
		}
	}

	/** Returns whether the handler finished and wrote EOI. */
	private handleVector(cpu: Cpu, vector: number, interrupted: Cpu['ctx']): boolean {
		switch (vector) {
			case V_LOC:
				return this.localTimerInterrupt(cpu, interrupted);
			case V_RES:
				cpu.res++;
				this.charge(cpu, this.config.timing.reschedHandler);
				if (cpu.current === undefined && cpu.runq.length > 0) this.kick(cpu);
				return true;
			case V_CALS: {
				const depth = cpu.irqStack.length;
				for (const ext of this.extensions) if (ext.vector?.(this, cpu, vector)) return cpu.irqStack.length === depth;
				this.callFunctionInterrupt(cpu);
				return true;
			}
			case V_CAL:
				this.callFunctionInterrupt(cpu);
				return true;
			case V_DTRACE:
			default: {
				const depth = cpu.irqStack.length;
				for (const ext of this.extensions) if (ext.vector?.(this, cpu, vector)) return cpu.irqStack.length === depth;
				cpu.spu++;
				return true;
			}
		}
	}

	/** Arms an hrtimer on `cpuId`: at `at` its callback runs in hardirq context there. */
	armHrtimer(cpuId: number, at: number, timer: HrtimerCallback): void {
		this.queue.push(Math.max(at, this.now), EV_HRTIMER, cpuId, 0, timer);
	}

	/** Fires an hrtimer callback now (an injected timer): it waits for the CPU's interrupts. */
	fireHrtimer(cpuId: number, timer: HrtimerCallback): void {
		this.onHrtimer(cpuId, timer);
	}

	private onHrtimer(cpuId: number, timer: HrtimerCallback): void {
		const cpu = this.cpus[cpuId]!;
		cpu.pendingTimers.push(timer);
		cpu.irr |= LOC_BIT;
		if (cpu.irqsOn) this.deliver(cpu);
	}

	/**
	 * Called from inside an interrupt handler that has to wait (spin on a lock, wait for a
	 * cross-call): saves the interrupted context and makes `activity` the CPU's. The handler
	 * ends with returnFromInterrupt().
	 */
	blockInHandler(cpu: Cpu, activity: Activity, frames: readonly string[], nmi = false): void {
		const a = cpu.activity;
		const interrupted = nmi ? cpu.ctx : this.handlerFrom;
		let vector = -1;
		if (!nmi) for (let v = 0; v < 8; v++) if (cpu.isr & (1 << v)) vector = v;
		cpu.irqStack.push({
			vector,
			ctx: interrupted,
			activity: a,
			since: cpu.since,
			irqsOn: cpu.irqsOn,
			irqOffSince: cpu.irqOffSince,
			remaining: a.kind === 'run' ? Math.max(0, a.until - this.now) + cpu.stolen : 0,
			resumeHook: cpu.resumeHook,
			frames,
			enteredAt: this.now,
		});
		cpu.resumeHook = undefined;
		cpu.ctx = nmi ? 'nmi' : 'hardirq';
		if (cpu.irqsOn) cpu.irqOffSince = this.now;
		cpu.irqsOn = false;
		this.setActivity(cpu, activity);
	}

	/** The blocked handler is done: EOI, and the interrupted context carries on. */
	returnFromInterrupt(cpu: Cpu): void {
		const f = cpu.irqStack.pop();
		if (!f) return;
		// The whole stretch under the outermost blocked handler was handler time.
		if (cpu.irqStack.length === 0) cpu.irqNs += this.now - f.enteredAt;
		if (f.vector >= 0) cpu.isr &= ~(1 << f.vector);
		cpu.ctx = f.ctx;
		cpu.irqsOn = f.irqsOn;
		cpu.irqOffSince = f.irqOffSince;
		cpu.resumeHook = f.resumeHook;
		const a = f.activity;
		this.setActivity(cpu, a.kind === 'run' ? {...a, until: this.now + f.remaining} : a);
		cpu.since = f.since;
		const token = cpu.token;
		// Whatever the interrupted context was waiting for may have happened meanwhile.
		if (a.kind === 'run') this.queue.push(this.now + f.remaining, EV_STEP_DONE, cpu.id, token);
		else if (a.kind === 'spin' && (this.locks.get(a.lock) as Spinlock | undefined)?.holder === cpu.id) this.queue.push(this.now, EV_RESUME, cpu.id, token);
		else if (a.kind === 'xcall-wait' && a.call.remaining === 0) this.queue.push(this.now, EV_RESUME, cpu.id, token);
		else if (a.kind === 'idle' && cpu.current === undefined && cpu.runq.length > 0) this.kick(cpu);
		for (const ext of this.extensions) ext.ipiMasked?.(this, cpu, -1);
		this.deliver(cpu);
	}

	/**
	 * raw_spin_lock from NMI context (a printk in an NMI handler). Returns 'taken', or
	 * 'self' when this CPU already holds it (the NMI interrupted the holder: it can never
	 * get it), or 'wait' after queueing the CPU as a waiter (the caller blocks the handler).
	 */
	spinFromNmi(cpu: Cpu, name: string): 'taken' | 'self' | 'wait' {
		const lock = this.lock(name, 'spinlock');
		if (lock.holder === -1) {
			this.takeSpinlock(lock, cpu);
			return 'taken';
		}
		if (lock.holder === cpu.id) return 'self';
		lock.contentions++;
		lock.waiters.push(cpu.id);
		return 'wait';
	}

	/** Releases a spinlock taken outside a task step (NMI and interrupt handlers). */
	releaseSpin(cpu: Cpu, name: string): void {
		const lock = this.lock(name, 'spinlock');
		if (lock.holder !== cpu.id) return;
		cpu.preempt++;
		this.spinUnlock(cpu, name);
	}

	private onPerfNmi(): void {
		this.queue.push(this.now + Math.floor(NS_PER_SEC / this.config.perfNmiHz), EV_PERF_NMI, -1);
		for (const cpu of this.cpus) {
			// NMIs do not nest: a CPU still inside one takes no other.
			if (cpu.ctx === 'nmi') continue;
			this.hash.add((EV_PERF_NMI << 16) | cpu.id);
			cpu.nmi++;
			cpu.pmi++;
			const prev = cpu.ctx;
			cpu.ctx = 'nmi';
			const depth = cpu.irqStack.length;
			for (const ext of this.extensions) ext.onNmi?.(this, cpu);
			if (cpu.irqStack.length === depth) cpu.ctx = prev;
		}
		this.events += this.cpus.length - 1;
	}

	/** Interrupt time is charged to the interrupted timed activity, pushing its end out. */
	charge(cpu: Cpu, ns: number): void {
		cpu.irqNs += ns;
		if (cpu.activity.kind === 'run') cpu.stolen += ns;
	}

	private tickAt(k: number): number {
		return Math.floor((k * NS_PER_SEC) / this.config.hz);
	}

	private onTick(): void {
		this.queue.push(this.tickAt(++this.tickIndex), EV_TICK, -1);
		const h = this.hash;
		const cpus = this.cpus;
		this.events += cpus.length - 1;
		for (let i = 0; i < cpus.length; i++) {
			const cpu = cpus[i]!;
			h.add((EV_TICK << 16) | i);
			cpu.irr |= LOC_BIT;
			if (cpu.irqsOn) this.deliver(cpu);
			if (this.panicked !== undefined) return;
		}
	}

	/** Returns false when an hrtimer callback blocked (the handler has not returned). */
	private localTimerInterrupt(cpu: Cpu, interrupted: Cpu['ctx']): boolean {
		cpu.loc++;
		this.charge(cpu, this.config.timing.tickHandler);
		while (cpu.pendingTimers.length > 0) {
			const timer = cpu.pendingTimers.shift()!;
			if (timer.fn(cpu)) return false;
		}
		if (cpu.wdTimerPending) {
			cpu.wdTimerPending = false;
			this.watchdogTimerFn(cpu);
			if (this.panicked !== undefined) return true;
		}
		// update_process_times -> rcu_check_callbacks: stall check first, then the QS.
		const j = this.jiffies;
		const rcu = this.rcu;
		if (rcu.inProgress && this.config.watchdogs) {
			if (rcu.need[cpu.id]) cpu.rcuTicksThisGp++;
			this.checkCpuStall(cpu, j);
		}
		const userOrIdle = interrupted === 'idle' || cpu.rcuIdle || (interrupted === 'task' && cpu.activity.kind === 'run' && cpu.activity.mode === 'user');
		if (userOrIdle) this.quiescentState(cpu);
		cpu.softirqs++;
		return true;
	}

	// --- cross-calls ---------------------------------------------------------------------

	/**
	 * Starts a cross-call from `caller` to `targets` over CALL_FUNCTION_VECTOR, the
	 * generic smp_call_function_many path. The caller's own waiting is up to the caller.
	 */
	crossCall(
		caller: Cpu,
		targets: readonly number[],
		via: string,
		func: string,
		opts: {
			isTlb?: boolean;
			vector?: number;
			queue?: (target: number, call: CrossCall) => void;
			extraLatency?: number;
			frames?: readonly string[];
			onAck?: (call: CrossCall, target: number) => void;
		} = {},
	): CrossCall {
		const vector = opts.vector ?? V_CAL;
		const call = new CrossCall(this.nextCallId++, caller.id, via, func, this.now, targets, opts.isTlb ?? false, vector);
		call.frames = opts.frames;
		call.onAck = opts.onAck;
		const queue = opts.queue ?? ((t: number, c: CrossCall) => this.cpus[t]!.callQueue.push(c));
		for (const t of targets) queue(t, call);
		this.sendIpiMany(targets, vector, this.config.timing.ipiLatency + (opts.extraLatency ?? 0));
		if (targets.length === 0) this.finishCall(call);
		return call;
	}

	private callFunctionInterrupt(cpu: Cpu): void {
		cpu.call++;
		let ranTlb = false;
		const queue = cpu.callQueue;
		const cost = this.config.timing.callHandler;
		// An ack never queues work synchronously (completion is an event), so everything
		// from the head to the end is this interrupt's. Truncating an array is a runtime
		// call in V8: reset only now and then.
		const n = queue.length;
		for (let i = cpu.callHead; i < n; i++) {
			const call = queue[i]!;
			queue[i] = undefined!;
			if (call.isTlb) ranTlb = true;
			this.charge(cpu, cost);
			this.ack(call, cpu.id);
		}
		cpu.callHead = n;
		if (n >= 256) {
			queue.length = 0;
			cpu.callHead = 0;
		}
		if (ranTlb) cpu.tlb++;
	}

	/** A target has run the function: the caller's csd lock for it clears. */
	ack(call: CrossCall, target: number): void {
		if (!call.clear(target)) return;
		call.lastAckCpu = target;
		call.lastAck = this.now;
		call.onAck?.(call, target);
		if (call.remaining === 0) this.finishCall(call);
	}

	private finishCall(call: CrossCall): void {
		const caller = this.cpus[call.caller]!;
		const done = this.now + this.config.timing.callHandler;
		if (caller.activity.kind === 'xcall-wait' && caller.activity.call === call) this.queue.push(done, EV_RESUME, caller.id, caller.token);
	}

	/** Whether `target` could run a cross-call it has been sent right now. */
	canService(target: Cpu, vector = V_CAL): boolean {
		if (target.irqsOn && (target.isr & bit(vector)) === 0 && target.activity.kind !== 'stuck' && target.ctx !== 'nmi' && target.ctx !== 'hardirq') return true;
		for (const ext of this.extensions) if (ext.services?.(this, target, vector)) return true;
		return false;
	}

	// --- CPU execution -------------------------------------------------------------------

	setActivity(cpu: Cpu, activity: Activity): void {
		cpu.activity = activity;
		cpu.since = this.now;
		cpu.token++;
		cpu.stolen = 0;
	}

	setIrqs(cpu: Cpu, on: boolean): void {
		if (cpu.irqsOn === on) return;
		cpu.irqsOn = on;
		if (!on) cpu.irqOffSince = this.now;
		else this.deliver(cpu);
	}

	/** Queues a RESUME for an idle CPU that has work (a woken task). */
	kick(cpu: Cpu): void {
		this.queue.push(this.now, EV_RESUME, cpu.id, cpu.token);
	}

	draw(cpu: Cpu, d: Dur): number {
		return d.min === d.max ? d.min : cpu.random.bigRange(d.min, d.max);
	}

	private onStepDone(cpuId: number, token: number): void {
		const cpu = this.cpus[cpuId]!;
		if (token !== cpu.token) return;
		if (cpu.stolen > 0) {
			const extra = cpu.stolen;
			cpu.stolen = 0;
			this.queue.push(this.now + extra, EV_STEP_DONE, cpuId, token);
			return;
		}
		const task = cpu.current;
		if (task) task.pc++;
		this.run(cpu);
	}

	private onResume(cpuId: number, token: number): void {
		const cpu = this.cpus[cpuId]!;
		if (token !== cpu.token) return;
		const a = cpu.activity;
		const hook = cpu.resumeHook;
		if (hook) {
			cpu.resumeHook = undefined;
			hook();
			return;
		}
		if (a.kind === 'xcall-wait') {
			cpu.preempt--;
			if (cpu.current) cpu.current.pc++;
		} else if (a.kind === 'spin') {
			if (cpu.current) cpu.current.pc++;
		} else if (a.kind !== 'idle') return;
		this.run(cpu);
	}

	/** A timed wake (end of a sleep, or a task's start). Stale wakes of an earlier sleep are ignored. */
	private onTaskWake(task: Task, token: number): void {
		if (task.state === 'sleeping' && task.sleepsOn === undefined && token === task.sleepToken) {
			if (!task.driver) task.pc++;
		} else if (task.state !== 'new') return;
		task.state = 'runnable';
		const cpu = this.cpus[task.cpu]!;
		cpu.runq.push(task);
		if (cpu.current === undefined && cpu.activity.kind === 'idle') this.run(cpu);
	}

	/** Wakes a task from a mutex or completion; an idle remote CPU gets a RES IPI. */
	wake(task: Task, from: Cpu): void {
		task.state = 'runnable';
		task.sleepsOn = undefined;
		const cpu = this.cpus[task.cpu]!;
		cpu.runq.push(task);
		if (cpu.current !== undefined || cpu.activity.kind !== 'idle') return;
		if (cpu === from) this.kick(cpu);
		else this.sendIpi(cpu.id, V_RES);
	}

	/** Adds a task the kernel drives itself (the dtrace consumer, a kworker) and makes it runnable. */
	spawn(cpuId: number, comm: string, pid: number, driver: (cpu: Cpu) => void): Task {
		const task: Task = {comm, pid, cpu: cpuId, steps: [], repeat: 0, pc: 0, iteration: 0, state: 'new', sleepsOn: undefined, sleepToken: 0, driver};
		this.tasks.push(task);
		this.onTaskWake(task, 0);
		return task;
	}

	/** The current task sleeps for `ns` (or until woken when ns is undefined); the CPU runs something else. */
	sleepCurrent(cpu: Cpu, ns: number | undefined): void {
		const task = cpu.current;
		if (!task) return;
		task.state = 'sleeping';
		task.sleepToken++;
		cpu.current = undefined;
		if (ns !== undefined) this.queue.push(this.now + ns, EV_TASK_WAKE, cpu.id, task.sleepToken, task);
		this.schedulePoint(cpu);
		this.run(cpu);
	}

	/** The current task exits. */
	exitCurrent(cpu: Cpu): void {
		const task = cpu.current;
		if (!task) return;
		task.state = 'exited';
		cpu.current = undefined;
		this.schedulePoint(cpu);
		this.run(cpu);
	}

	/** Wakes a sleeping kernel-driven task early (a signal, a completion). */
	wakeTask(task: Task, from: Cpu): void {
		if (task.state !== 'sleeping') return;
		this.wake(task, from);
	}

	/** A scheduling point: context switch (an RCU QS) and a chance for the watchdog thread. */
	schedulePoint(cpu: Cpu): void {
		if (cpu.wdThreadPending) this.runWatchdogThread(cpu);
		this.quiescentState(cpu);
		this.rcu.queued++;
	}

	private enterIdle(cpu: Cpu): void {
		cpu.ctx = 'idle';
		this.setActivity(cpu, {kind: 'idle'});
		this.schedulePoint(cpu);
	}

	/** Runs the current task's steps until one takes time or blocks. */
	run(cpu: Cpu): void {
		for (let guard = 0; guard < 100_000; guard++) {
			if (this.panicked !== undefined) return;
			let task = cpu.current;
			if (task === undefined) {
				task = cpu.runq.shift();
				if (task === undefined) {
					this.enterIdle(cpu);
					return;
				}
				cpu.current = task;
				task.state = 'running';
				cpu.ctx = 'task';
			}
			if (task.driver) {
				task.driver(cpu);
				return;
			}
			if (task.pc >= task.steps.length) {
				task.iteration++;
				this.schedulePoint(cpu);
				if (task.repeat > 0 && task.iteration >= task.repeat) {
					task.state = 'exited';
					cpu.current = undefined;
					continue;
				}
				task.pc = 0;
				if (cpu.runq.length > 0) {
					task.state = 'runnable';
					cpu.runq.push(task);
					cpu.current = undefined;
				}
				continue;
			}
			if (!this.execStep(cpu, task, task.steps[task.pc]!)) return;
		}
		throw new KernelError(`CPU${cpu.id}: task ${cpu.current?.comm ?? '?'} runs too many zero-time steps in a row`);
	}

	/** Executes one step; returns true when the task can go straight on to the next. */
	private execStep(cpu: Cpu, task: Task, step: Step): boolean {
		switch (step.op) {
			case 'run':
				this.startTimed(cpu, {kind: 'run', mode: step.mode, fn: undefined, until: 0}, this.draw(cpu, step.for));
				return false;
			case 'call': {
				const body = this.draw(cpu, step.for);
				for (const ext of this.extensions) if (ext.onCall?.(this, cpu, task, step.fn, body)) return false;
				this.startTimed(cpu, {kind: 'run', mode: 'kernel', fn: step.fn, until: 0}, body);
				return false;
			}
			case 'idle': {
				task.state = 'sleeping';
				task.sleepToken++;
				cpu.current = undefined;
				this.queue.push(this.now + this.draw(cpu, step.for), EV_TASK_WAKE, cpu.id, task.sleepToken, task);
				this.schedulePoint(cpu);
				return true;
			}
			case 'irq_disable':
				this.setIrqs(cpu, false);
				task.pc++;
				return true;
			case 'irq_enable':
				task.pc++;
				this.setIrqs(cpu, true);
				return cpu.current === task && cpu.activity.kind !== 'stuck';
			case 'spin_lock':
				return this.spinLock(cpu, task, step.lock, step.irqsave);
			case 'spin_unlock':
				this.spinUnlock(cpu, step.lock);
				task.pc++;
				return true;
			case 'mutex_lock':
				return this.mutexLock(cpu, task, step.lock);
			case 'mutex_unlock':
				this.mutexUnlock(cpu, step.lock);
				task.pc++;
				return true;
			case 'smp_call_function':
				return this.smpCallFunction(cpu, task, step.func, step.wait);
			case 'tlb_flush':
				return this.flushTlbOthers(cpu, task);
			case 'rcu_idle_enter':
				// An extended quiescent state: RCU stops watching this CPU.
				cpu.rcuIdle = true;
				this.quiescentState(cpu);
				task.pc++;
				return true;
			case 'rcu_idle_exit':
				cpu.rcuIdle = false;
				task.pc++;
				return true;
			case 'log':
				this.printk(cpu.id, 'info', step.text);
				task.pc++;
				return true;
		}
	}

	startTimed(cpu: Cpu, activity: Activity & {kind: 'run'}, ns: number): void {
		this.setActivity(cpu, {...activity, until: this.now + ns});
		this.queue.push(this.now + ns, EV_STEP_DONE, cpu.id, cpu.token);
	}

	lock<K extends Lock['kind']>(name: string, kind: K): Extract<Lock, {kind: K}> {
		const lock = this.locks.get(name);
		if (!lock || lock.kind !== kind) throw new KernelError(`no ${kind} named ${name}`);
		return lock as Extract<Lock, {kind: K}>;
	}

	private spinLock(cpu: Cpu, task: Task, name: string, irqsave: boolean): boolean {
		const lock = this.lock(name, 'spinlock');
		if (irqsave) {
			cpu.savedIrq.set(name, cpu.irqsOn);
			this.setIrqs(cpu, false);
		}
		cpu.preempt++;
		if (lock.holder === -1) {
			this.takeSpinlock(lock, cpu);
			task.pc++;
			return true;
		}
		lock.contentions++;
		lock.waiters.push(cpu.id);
		this.setActivity(cpu, {kind: 'spin', lock: name});
		return false;
	}

	private takeSpinlock(lock: Spinlock, cpu: Cpu): void {
		lock.holder = cpu.id;
		lock.heldSince = this.now;
		lock.holderIrqsOff = !cpu.irqsOn;
		lock.acquisitions++;
	}

	private spinUnlock(cpu: Cpu, name: string): void {
		const lock = this.lock(name, 'spinlock');
		if (lock.holder !== cpu.id) throw new KernelError(`CPU${cpu.id} unlocks ${name} it does not hold`);
		lock.maxHold = Math.max(lock.maxHold, this.now - lock.heldSince);
		lock.holder = -1;
		cpu.preempt--;
		const next = lock.waiters.shift();
		if (next !== undefined) {
			// Ticket locks hand over in arrival order.
			const waiter = this.cpus[next]!;
			this.takeSpinlock(lock, waiter);
			this.queue.push(this.now + this.config.timing.lockHandoff, EV_RESUME, waiter.id, waiter.token);
		}
		const saved = cpu.savedIrq.get(name);
		if (saved !== undefined) {
			cpu.savedIrq.delete(name);
			this.setIrqs(cpu, saved);
		}
	}

	private mutexLock(cpu: Cpu, task: Task, name: string): boolean {
		const m = this.lock(name, 'mutex');
		if (m.owner === undefined) {
			this.takeMutex(m, task);
			task.pc++;
			return true;
		}
		m.contentions++;
		m.waiters.push(task);
		task.state = 'sleeping';
		task.sleepsOn = name;
		cpu.current = undefined;
		this.schedulePoint(cpu);
		return true;
	}

	takeMutex(m: Mutex, task: Task): void {
		m.owner = task;
		m.heldSince = this.now;
		m.acquisitions++;
	}

	private mutexUnlock(cpu: Cpu, name: string): void {
		const m = this.lock(name, 'mutex');
		m.maxHold = Math.max(m.maxHold, this.now - m.heldSince);
		const next = m.waiters.shift();
		if (next === undefined) {
			m.owner = undefined;
			return;
		}
		this.takeMutex(m, next);
		next.pc++;
		this.wake(next, cpu);
	}

	private smpCallFunction(cpu: Cpu, task: Task, func: string, wait: boolean): boolean {
		if (!cpu.irqsOn) this.warnOnce(cpu, msg.SMP_CALL_FUNCTION_MANY_WARN, undefined, ['smp_call_function', func, 'system_call_fastpath']);
		cpu.preempt++;
		const call = this.crossCall(cpu, this.othersOf(cpu), 'smp_call_function', func);
		if (!wait || call.remaining === 0) {
			cpu.preempt--;
			task.pc++;
			return true;
		}
		this.setActivity(cpu, {kind: 'xcall-wait', call});
		return false;
	}

	private flushTlbOthers(cpu: Cpu, task: Task): boolean {
		if (!cpu.irqsOn) this.warnOnce(cpu, msg.SMP_CALL_FUNCTION_MANY_WARN, undefined, ['native_flush_tlb_others', 'flush_tlb_mm_range', 'SyS_munmap', 'system_call_fastpath']);
		cpu.preempt++;
		const call = this.crossCall(cpu, this.othersOf(cpu), 'flush_tlb_others', 'flush_tlb_func', {isTlb: true});
		if (call.remaining === 0) {
			cpu.preempt--;
			task.pc++;
			return true;
		}
		this.setActivity(cpu, {kind: 'xcall-wait', call});
		return false;
	}

	// --- RCU -----------------------------------------------------------------------------

	quiescentState(cpu: Cpu): void {
		if (this.rcu.noteQs(cpu.id)) {
			for (const c of this.cpus) c.rcuTicksThisGp = 0;
			this.rcu.startGp(this.jiffies);
		}
	}

	private stallNumbers(j: number): msg.RcuStallNumbers {
		const rcu = this.rcu;
		const modern = this.config.formats === 'modern';
		return {
			flavour: this.config.rcuFlavour,
			t: j - rcu.gpStart,
			gpnum: modern ? rcu.gpnum * 4 + 1 : rcu.gpnum,
			completed: rcu.completed,
			q: rcu.queued,
		};
	}

	private rcuCpuInfo(cpu: Cpu): msg.RcuCpuInfo {
		return {cpu: cpu.id, ticksThisGp: cpu.rcuTicksThisGp, softirq: cpu.softirqs, fqs: Math.floor((this.jiffies - this.rcu.gpStart) / 4)};
	}

	/** check_cpu_stall(), run from each CPU's scheduling-clock tick. */
	private checkCpuStall(cpu: Cpu, j: number): void {
		const rcu = this.rcu;
		if (rcu.need[cpu.id] && j >= rcu.jiffiesStall) {
			const n = this.stallNumbers(j);
			if (this.config.formats === '3.x') this.printk(cpu.id, 'err', msg.rcuSelfStall3x(cpu.id, n));
			else this.printLines(cpu.id, msg.rcuSelfStallModern(this.rcuCpuInfo(cpu), n).map((text) => ({level: 'err', text})));
			this.warnings.rcuStall++;
			this.allCpuBacktrace(cpu);
			if (j >= rcu.jiffiesStall) rcu.pushOutStall(j);
		} else if (j >= rcu.jiffiesStall + RCU_STALL_RAT_DELAY) {
			rcu.pushOutStall(j);
			const stalled = rcu.stalledCpus();
			const n = this.stallNumbers(j);
			if (this.config.formats === '3.x') this.printk(cpu.id, 'err', msg.rcuOtherStall3x(stalled, cpu.id, n));
			else
				this.printLines(
					cpu.id,
					msg.rcuOtherStallModern(
						stalled.map((c) => this.rcuCpuInfo(this.cpus[c]!)),
						cpu.id,
						n,
					).map((text) => ({level: 'err', text})),
				);
			this.warnings.rcuStall++;
			if (stalled.length === 0) this.printk(cpu.id, 'err', msg.RCU_STALL_ENDED);
			else this.allCpuBacktrace(cpu);
		}
	}

	/** trigger_all_cpu_backtrace(): an NMI to every CPU, each printing where it is. */
	private allCpuBacktrace(from: Cpu): void {
		// Part of the message that triggered it, not a message of its own.
		if (!this.logbufWedged()) this.log.print(this.now, from.id, 'info', msg.nmiBacktraceHeader(), false);
		for (const c of this.cpus) {
			c.nmi++;
			const ctx = this.stackContext(c);
			// The NMI backtrace prints the CPU line and the call trace, not the hardware name.
			const [head, , ...rest] = msg.dumpStack(ctx, 'warn');
			this.log.print(this.now, c.id, 'warn', msg.nmiBacktraceFor(c.id), false);
			this.log.print(this.now, c.id, 'warn', head!.text, false);
			for (const line of rest) this.log.print(this.now, c.id, 'warn', line.text, false);
		}
	}

	// --- lockup watchdogs ------------------------------------------------------------------

	private getTimestamp(): number {
		// local_clock() >> 30: "seconds" are really 1.074 s units.
		return Math.floor(this.now / 1073741824);
	}

	private onWatchdogTimer(cpuId: number): void {
		this.queue.push(this.now + this.samplePeriod, EV_WD_TIMER, cpuId);
		const cpu = this.cpus[cpuId]!;
		// The watchdog hrtimer rides the local APIC timer vector.
		cpu.wdTimerPending = true;
		cpu.irr |= bit(V_LOC);
		this.deliver(cpu);
	}

	/** watchdog_timer_fn(): kicks both detectors and checks for a soft lockup. */
	private watchdogTimerFn(cpu: Cpu): void {
		const touch = cpu.touchTs;
		cpu.hrtimerInts++;
		cpu.wdThreadPending = true;
		if (touch === 0) {
			// __touch_watchdog() from the hrtimer itself: no context switch, no RCU QS.
			cpu.touchTs = this.getTimestamp();
			cpu.reportTs = cpu.touchTs;
			return;
		}
		const now = this.getTimestamp();
		const thresh = 2 * this.config.thresholds.watchdogThresh;
		const modern = this.config.formats === 'modern';
		const stuck = modern ? now > cpu.reportTs + thresh : now > touch + thresh;
		if (stuck) {
			if (!modern && cpu.softWarned) return;
			if (modern) cpu.reportTs = now;
			const ctx = this.stackContext(cpu);
			this.printLines(cpu.id, msg.softLockupReport(this.config.formats, now - touch, ctx));
			this.warnings.softLockup++;
			if (modern) this.taint.add('L');
			if (this.config.thresholds.softlockupPanic) {
				this.panic(cpu, 'softlockup: hung tasks');
				return;
			}
			cpu.softWarned = true;
		} else cpu.softWarned = false;
		if (this.preemptible(cpu)) this.runWatchdogThread(cpu);
	}

	/** The per-CPU FIFO watchdog thread got the CPU: it touches the timestamp. */
	private runWatchdogThread(cpu: Cpu): void {
		cpu.wdThreadPending = false;
		cpu.touchTs = this.getTimestamp();
		cpu.reportTs = cpu.touchTs;
		this.quiescentState(cpu);
	}

	/** Whether a woken RT thread runs on return from this interrupt (3.x: !CONFIG_PREEMPT). */
	private preemptible(cpu: Cpu): boolean {
		const a = cpu.activity;
		if (cpu.current === undefined) return a.kind === 'idle';
		return a.kind === 'run' && a.mode === 'user' && cpu.preempt === 0;
	}

	/** The perf NMI watchdog: a hard lockup when the hrtimer count has not moved. */
	private onWatchdogNmi(cpuId: number): void {
		this.queue.push(this.now + this.nmiPeriod, EV_WD_NMI, cpuId);
		const cpu = this.cpus[cpuId]!;
		if (cpu.ctx === 'nmi') return; // NMIs are blocked until the running one returns
		cpu.nmi++;
		cpu.pmi++;
		if (cpu.hrtimerIntsSaved !== cpu.hrtimerInts) {
			cpu.hrtimerIntsSaved = cpu.hrtimerInts;
			cpu.hardWarned = false;
			return;
		}
		if (cpu.hardWarned) return;
		const prev = cpu.ctx;
		cpu.ctx = 'nmi';
		const nmiFrames = ['__perf_event_overflow', 'perf_event_overflow', 'intel_pmu_handle_irq', 'perf_event_nmi_handler', 'nmi_handle', 'do_nmi', 'end_repeat_nmi'];
		if (this.config.thresholds.hardlockupPanic) {
			this.panic(cpu, msg.hardLockupMessage(cpu.id));
		} else if (this.config.formats === '3.x') {
			this.warn(cpu, msg.WATCHDOG_OVERFLOW_WARN, msg.hardLockupMessage(cpu.id), {nmi: nmiFrames});
		} else {
			this.printLines(cpu.id, msg.hardLockupReport('modern', this.stackContext(cpu), this.oopsId));
		}
		cpu.ctx = prev;
		this.warnings.hardLockup++;
		cpu.hardWarned = true;
	}

	// --- wait-for graph ------------------------------------------------------------------

	/** Edges of the current wait-for graph: who cannot progress until whom. */
	waitFor(): {edges: WaitEdge[]; stuck: StuckNode[]} {
		const edges: WaitEdge[] = [];
		const stuck: StuckNode[] = [];
		for (const cpu of this.cpus) {
			const a = cpu.activity;
			if (a.kind === 'spin') {
				const lock = this.locks.get(a.lock) as Spinlock | undefined;
				if (lock && lock.holder >= 0 && lock.holder !== cpu.id) {
					edges.push({
						from: cpuNode(cpu.id),
						to: cpuNode(lock.holder),
						since: cpu.since,
						text: `CPU${cpu.id} ${cpu.ctx === 'nmi' ? '(NMI) spins' : `spins with IRQs ${cpu.irqsOn ? 'on' : 'off'}`} on lock ${a.lock} held by CPU${lock.holder}`,
					});
				}
			} else if (a.kind === 'xcall-wait') {
				for (const t of a.call.targets) {
					const target = this.cpus[t]!;
					if (!a.call.isPending(t) || this.canService(target, a.call.vector)) continue;
					edges.push({
						from: cpuNode(cpu.id),
						to: cpuNode(t),
						since: Math.max(cpu.since, target.irqOffSince),
						text: `CPU${cpu.id} waits for CPU${t} to run its cross-call (${a.call.via})`,
					});
				}
			} else if (a.kind === 'stuck') {
				stuck.push({node: cpuNode(cpu.id), since: cpu.since, text: `CPU${cpu.id} ${a.reason}`});
			}
		}
		for (const lock of this.locks.values()) {
			if (lock.kind !== 'mutex' || lock.owner === undefined) continue;
			const owner = lock.owner;
			const ownerCpu = this.cpus.find((c) => c.current === owner);
			for (const w of lock.waiters) {
				edges.push({
					from: `task:${w.pid}`,
					to: ownerCpu ? cpuNode(ownerCpu.id) : `task:${owner.pid}`,
					since: lock.heldSince,
					text: `${w.comm} (pid ${w.pid}) sleeps on mutex ${lock.name} held by ${owner.comm} (pid ${owner.pid})${ownerCpu ? ` on CPU${ownerCpu.id}` : ''}`,
				});
			}
		}
		for (const ext of this.extensions) ext.waitFor?.(this, edges, stuck);
		return {edges, stuck};
	}

	private onDetect(): void {
		this.queue.push(this.now + this.jiffyNs, EV_DETECT, 0);
		if (this.lockup) {
			// Keep the first detection time, but let the report grow as more CPUs get stuck behind it.
			if (this.jiffies % 100 !== 0) return;
			const {edges, stuck} = this.waitFor();
			const now = findLockup(edges, stuck);
			if (now) this.lockup = {...now, at: Math.min(now.at, this.lockup.at)};
			return;
		}
		let blocked = false;
		for (const c of this.cpus) {
			const k = c.activity.kind;
			if (k === 'spin' || k === 'xcall-wait' || k === 'stuck' || k === 'busy-wait') {
				blocked = true;
				break;
			}
		}
		if (!blocked) for (const lock of this.locks.values()) if (lock.kind === 'mutex' && lock.waiters.length > 0) blocked = true;
		if (!blocked) return;
		const {edges, stuck} = this.waitFor();
		this.lockup = findLockup(edges, stuck);
	}

	// --- introspection -------------------------------------------------------------------

	/** The call chain a stack dump shows for what the CPU is doing, innermost first. */
	framesOf(cpu: Cpu): string[] {
		// A handler that blocked sits on top of what it interrupted.
		let frames = this.activityFrames(cpu, cpu.activity);
		for (let i = cpu.irqStack.length - 1; i >= 0; i--) {
			const f = cpu.irqStack[i]!;
			frames = [...frames, ...f.frames, ...this.activityFrames(cpu, f.activity)];
		}
		return frames;
	}

	/** The frames below whatever the current task is doing. */
	baseFrames(cpu: Cpu): string[] {
		if (!cpu.current) return [];
		return cpu.current.pid === 0 ? IDLE_FRAMES.slice(1) : ['system_call_fastpath'];
	}

	private activityFrames(cpu: Cpu, a: Activity): string[] {
		const base = this.baseFrames(cpu);
		switch (a.kind) {
			case 'spin':
				return [cpu.savedIrq.has(a.lock) ? '_raw_spin_lock_irqsave' : '_raw_spin_lock', ...base];
			case 'xcall-wait':
				if (a.call.frames) return [...a.call.frames, ...base];
				if (a.call.via === 'smp_call_function') return ['smp_call_function_many', 'smp_call_function', a.call.func, ...base];
				if (a.call.via === 'flush_tlb_others') return ['smp_call_function_many', 'native_flush_tlb_others', 'flush_tlb_mm_range', 'SyS_munmap', ...base];
				return [a.call.via, ...base];
			case 'run':
				return a.mode === 'kernel' ? [a.fn ?? 'do_kernel_work', ...base] : ['retint_careful'];
			case 'stuck':
				return [a.fn];
			case 'busy-wait':
				return [a.fn];
			case 'idle':
				return IDLE_FRAMES;
		}
	}

	/** One line for the CPU strip: what it runs or spins on. */
	describe(cpu: Cpu): string {
		const a = cpu.activity;
		switch (a.kind) {
			case 'run':
				return a.mode === 'user' ? 'user' : `kernel ${a.fn ?? ''}`.trimEnd();
			case 'idle':
				return 'idle';
			case 'spin': {
				const lock = this.locks.get(a.lock) as Spinlock | undefined;
				return `spin ${a.lock}${lock && lock.holder >= 0 ? ` (CPU${lock.holder})` : ''}`;
			}
			case 'xcall-wait': {
				// Short: who it waits for first, then which kind of cross-call.
				const waiting = a.call.targets.filter((t) => a.call.isPending(t));
				const via = a.call.via.split(' ')[0];
				if (waiting.length === 0) return `xcall acked (${via})`;
				const whom = waiting.length > 3 ? `${waiting.length} CPUs` : waiting.map((t) => `CPU${t}`).join(',');
				return `xcall wait ${whom} (${via})`;
			}
			case 'stuck':
				return a.doing ?? a.fn;
			case 'busy-wait':
				return a.describe;
		}
	}

	get extensionList(): readonly KernelExtension[] {
		return this.extensions;
	}

	extension<T extends KernelExtension>(name: string): T | undefined {
		return this.extensions.find((e) => e.name === name) as T | undefined;
	}
}

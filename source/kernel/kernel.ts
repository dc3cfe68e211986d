// The emulated SMP kernel: a discrete-event machine over integer-nanosecond virtual time.
// Pure and deterministic: the same config, seed and stamped inputs give the same events,
// counters and messages on any machine. No I/O, no wall clock, no ambient randomness.
//
// Kernel composes: its state is one plain-data tree (state.ts) that the subsystem modules
// (engine, ipi/irq, tick, sched, spinlock, mutex, smp, rcu/, watchdog, printk...) work on
// as functions taking the kernel; this class holds the code bound to it (extensions, input
// handlers, the functions continuations name) and the driving API. A checkpoint is one
// structuredClone of the state; restore builds a kernel around a copy.
import type {KernelConfig} from './config.js';
import type {Continuation, Cpu} from './cpu.js';
import {advance, KernelError, step, EV_CALLBACK, EV_DETECT, EV_INPUT, EV_PERF_NMI, EV_TASK_WAKE, EV_TICK, EV_WD_NMI, EV_WD_TIMER} from './engine.js';
import type {Input, InputArg, InputDefinition, KernelExtension} from './extension.js';
import {hashHex, hashString, hashWord} from './hash.js';
import {InputFeed, sourceArg, type AppliedInput, type InputSource} from './input-feed.js';
import {KernelLog} from './klog.js';
import {EventQueue} from './queue.js';
import {attachDeviceIrqs} from './irq.js';
import {mitigationInput, rememberUnmitigated} from './mitigation.js';
import {attachSoftirq} from './softirq.js';
import {startHungTask} from './hung_task.js';
import {attachSpinlockDebug} from './spinlock_debug.js';
import {rcuBoot} from './rcu/tree.js';
import {crossCall, type CrossCall, type CrossCallOptions} from './smp.js';
import {defineBodies, usesBodies} from './smp_function.js';
import {bootNmiSource} from './nmi.js';
import {framesOf} from './stacktrace.js';
import {makeState, type KernelState} from './state.js';
import type {StepReport} from './step-report.js';
import {describe} from './describe.js';
import {tickAt} from './tick.js';
import {NS_PER_SEC} from './time.js';
import {TraceRing} from './trace-ring.js';
import {waitFor, type StuckNode, type WaitEdge} from './waitfor.js';
import {freebsdFrames} from './freebsd/stack.js';
import {isFreeBsd} from './freebsd/vmstat.js';

export {ClockStoppedError, CLOCK_STOPPED_EVENTS, KernelError} from './engine.js';
export {LOGBUF_LOCK} from './printk.js';
export type {Input, InputArg, InputDefinition, InputHandler, KernelExtension} from './extension.js';
export type {Warnings, KernelState} from './state.js';
export type {AppliedInput, InputSource} from './input-feed.js';
export type {StepReport, EventName} from './step-report.js';

/** What a continuation names: returns true (hrtimer callbacks) when it blocked. */
export type KernelFn<D = never> = (kernel: Kernel, cpu: Cpu, data: D) => boolean | void;
/** Says, after it ran, what a callback (Kernel.at) did, for step reports. */
export type CallbackDescriber<D = never> = (kernel: Kernel, cpu: number, data: D) => string;

/** Everything a kernel needs to carry on from a point: plain data, so it survives structuredClone. */
export interface KernelCheckpoint {
	readonly state: KernelState;
	/** The extensions' names, in the order they were plugged in. */
	readonly extensions: readonly string[];
	/** The names of the functions continuations in the state name, by id. */
	readonly functions: readonly string[];
}

export class Kernel {
	/** Everything that changes as the machine runs (see state.ts). */
	readonly s: KernelState;
	readonly config: KernelConfig;
	/** Handles over parts of the state. */
	readonly q: EventQueue;
	readonly log: KernelLog;
	readonly trace: TraceRing;
	/**
	 * Every applied input with its source and what it did, newest last (bounded). Why: the
	 * monitor polls it by sequence number to announce timeline inputs (^C at 3 s) and the
	 * outcome of keys, which it cannot know from outside (a timer that was not pending).
	 */
	readonly inputFeed: InputFeed;
	readonly jiffyNs: number;
	/** sample_period = get_softlockup_thresh() * (NSEC_PER_SEC / 5) */
	readonly samplePeriod: number;
	readonly nmiPeriod: number;
	readonly extensions: KernelExtension[] = [];
	/** smp_call_function's mask per CPU (derived from the CPU count, see othersOf). */
	readonly others: (readonly number[])[] = [];
	/** The functions device interrupt lines run by (see irq.ts), defined at attach when the scenario has lines. */
	readonly devIrqFns = {raise: 0, resume: 0};
	/** The debug options' functions (spinlock_debug.ts), defined at attach when the scenario switches them on. */
	readonly debugFns = {spinLockup: 0};
	/** The functions scenario-defined function bodies, the NMI source and stop_machine run by (see smp_function.ts). */
	readonly bodyFns = {resume: 0, nmi: 0, stopper: 0, stopperKick: 0};
	/** The functions blocked softirqs and ksoftirqd go on by (softirq.ts), defined at attach when the scenario has timers or tasklets. */
	readonly softirqFns = {resume: 0, ksoftirqd: 0};
	private readonly inputs = new Map<string, InputDefinition>();
	private readonly fns: KernelFn<unknown>[] = [() => undefined];
	private readonly fnNames: string[] = ['(none)'];
	private readonly describers: (CallbackDescriber<unknown> | undefined)[] = [undefined];
	private attached = false;

	/** A new machine, or (from restore) one around an existing state. */
	constructor(config: KernelConfig, seed: number, state?: KernelState) {
		this.s = state ?? makeState(config, seed);
		this.config = this.s.config;
		this.q = new EventQueue(this.s.queue);
		this.log = new KernelLog(this.s.log);
		this.trace = new TraceRing(this.s.trace);
		this.inputFeed = new InputFeed(this.s.inputFeed);
		this.jiffyNs = NS_PER_SEC / this.config.hz;
		this.samplePeriod = 2 * this.config.thresholds.watchdogThresh * (NS_PER_SEC / 5);
		this.nmiPeriod = this.config.thresholds.watchdogThresh * NS_PER_SEC;
	}

	/** Plugs in a subsystem before boot. */
	use(extension: KernelExtension): this {
		if (this.attached) throw new KernelError(`cannot add ${extension.name} after boot`);
		this.extensions.push(extension);
		for (const [action, def] of Object.entries(extension.inputs)) this.inputs.set(action, def);
		return this;
	}

	/** Input actions this kernel understands, for validation and help. */
	actions(): ReadonlyMap<string, {readonly describe: string; readonly arg: InputArg}> {
		return this.inputs;
	}

	/** Binds the code to the state: the extensions' functions, the mitigation input. Changes no state that matters. */
	private attach(): void {
		if (this.attached) return;
		this.attached = true;
		for (const ext of this.extensions) ext.attach?.(this);
		attachDeviceIrqs(this);
		if (this.config.debug?.debugSpinlock) this.debugFns.spinLockup = attachSpinlockDebug(this);
		if (usesBodies(this)) defineBodies(this);
		attachSoftirq(this);
		const mitigation = mitigationInput(this);
		if (mitigation) this.inputs.set('mitigation', mitigation);
	}

	boot(): this {
		this.attach();
		const s = this.s;
		if (s.booted) return this;
		s.booted = true;
		rememberUnmitigated(this);
		const q = this.q;
		const n = this.config.cpus;
		// Every CPU's tick is aligned to the same jiffy boundary (Linux's default,
		// skew_tick=0): one queue entry per jiffy ticks them all, in CPU order.
		s.tickIndex = 1;
		q.push(tickAt(this, 1), EV_TICK, -1);
		for (const cpu of s.cpus) {
			if (!this.config.watchdogs) break;
			const stagger = Math.floor((cpu.id * this.jiffyNs) / n);
			q.push(this.samplePeriod + stagger, EV_WD_TIMER, cpu.id);
			q.push(this.nmiPeriod + stagger + 500_000, EV_WD_NMI, cpu.id);
		}
		s.tasks.forEach((task, i) => q.push(this.config.tasks[i]!.startAt, EV_TASK_WAKE, task.cpu, 0, task));
		q.push(this.jiffyNs, EV_DETECT, 0);
		if (this.config.perfNmiHz > 0) q.push(Math.floor(NS_PER_SEC / this.config.perfNmiHz), EV_PERF_NMI, -1);
		rcuBoot(s.rcu);
		if (this.config.watchdogs) startHungTask(this);
		(this.config.irqs ?? []).forEach((irq, line) => this.at(irq.startAt, this.devIrqFns.raise, irq.cpus[0]!, line));
		bootNmiSource(this);
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
		return advance(this, toNs, maxEvents);
	}

	/**
	 * Runs exactly one event and says which, in one line (`CPU1: CAL IPI from CPU0
	 * delivered`). Returns undefined when there is nothing left to run. Why: single-stepping
	 * is only useful if the person sees what each step did; the report is built around the
	 * event, so advance() and the hot loop pay nothing for it.
	 */
	step(): StepReport | undefined {
		this.boot();
		return step(this);
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
		const input: Input = {at: this.s.now, action, arg};
		return this.runInput(input, 'user');
	}

	/** Queues an input for its own virtual time: the scenario's timeline, or a --input flag (`cli`). */
	schedule(input: Input, source: Exclude<InputSource, 'user'> = 'timeline'): void {
		this.boot();
		if (!this.inputs.has(input.action)) throw new KernelError(`unknown input "${input.action}"`);
		this.q.push(Math.max(input.at, this.s.now), EV_INPUT, 0, sourceArg(source), input);
	}

	/** Applies an input (the engine calls it for scheduled ones). */
	runInput(input: Input, source: InputSource): AppliedInput {
		const def = this.inputs.get(input.action);
		if (!def) throw new KernelError(`unknown input "${input.action}"`);
		const s = this.s;
		s.applied.push(input);
		hashWord(s.hash, 0x494e);
		hashString(s.hash, input.action + ':' + (input.arg ?? ''));
		return this.inputFeed.push(s.now, input, source, def.handle(this, input));
	}

	// --- continuations -------------------------------------------------------------------

	/**
	 * Registers a function that continuations (callbacks, resume hooks, hrtimer callbacks,
	 * task drivers, cross-call acks) name by the id returned. Extensions call it from
	 * attach(), so a restored kernel gives the same names the same ids. `describe` words a
	 * callback of this kind for step reports.
	 */
	define<D>(name: string, fn: KernelFn<D>, describe?: CallbackDescriber<D>): number {
		if (this.fnNames.includes(name)) throw new KernelError(`kernel function ${name} defined twice`);
		this.fns.push(fn as KernelFn<unknown>);
		this.fnNames.push(name);
		this.describers.push(describe as CallbackDescriber<unknown> | undefined);
		return this.fns.length - 1;
	}

	/** Runs registered function `fn` on `cpu` with `data`. */
	callFn(fn: number, cpu: Cpu, data: unknown): boolean | void {
		return this.fns[fn]!(this, cpu, data);
	}

	invoke(c: Continuation, cpu: Cpu): boolean | void {
		return this.fns[c.fn]!(this, cpu, c.data);
	}

	/** Schedules continuation `fn` on CPU `cpu` at virtual time `time` (not before now). */
	at(time: number, fn: number, cpu: number, data?: unknown): void {
		this.q.push(Math.max(time, this.s.now), EV_CALLBACK, 0, 0, {fn, cpu, data});
	}

	/** What a callback event did, after it ran, or undefined when its kind says nothing. */
	describeCallback(c: {readonly fn: number; readonly cpu: number; readonly data?: unknown}): string | undefined {
		return this.describers[c.fn]?.(this, c.cpu, c.data);
	}

	// --- checkpoints ---------------------------------------------------------------------

	/** The whole machine as plain data: restore() on it (or on a structuredClone of it) carries on exactly from here. */
	checkpoint(): KernelCheckpoint {
		this.boot();
		return structuredClone({state: this.s, extensions: this.extensions.map((e) => e.name), functions: this.fnNames});
	}

	/**
	 * A kernel that carries on from `checkpoint`, exactly as the one that made it would.
	 * `extensions` are new (unattached) instances of the same extensions, in the same order:
	 * the checkpoint holds their state, not their code. The checkpoint itself is not changed.
	 */
	static restore(checkpoint: KernelCheckpoint, extensions: readonly KernelExtension[] = []): Kernel {
		return Kernel.around(structuredClone(checkpoint), extensions);
	}

	/** An independent copy of this kernel at this instant. */
	clone(): Kernel {
		return Kernel.around(this.checkpoint(), this.extensions.map((e) => e.fork()));
	}

	private static around(checkpoint: KernelCheckpoint, extensions: readonly KernelExtension[]): Kernel {
		const names = extensions.map((e) => e.name);
		if (names.join(',') !== checkpoint.extensions.join(',')) throw new KernelError(`the checkpoint needs the extensions [${checkpoint.extensions.join(', ')}], got [${names.join(', ')}]`);
		const state = checkpoint.state;
		const k = new Kernel(state.config, state.seed, state);
		for (const ext of extensions) k.use(ext);
		k.boot();
		if (k.fnNames.join('\n') !== checkpoint.functions.join('\n')) throw new KernelError('the checkpoint was made by another version of the kernel (its functions differ)');
		return k;
	}

	// --- reading -------------------------------------------------------------------------

	get now(): number {
		return this.s.now;
	}

	get events(): number {
		return this.s.events;
	}

	get seed(): number {
		return this.s.seed;
	}

	get cpus(): KernelState['cpus'] {
		return this.s.cpus;
	}

	get tasks(): KernelState['tasks'] {
		return this.s.tasks;
	}

	get locks(): KernelState['locks'] {
		return this.s.locks;
	}

	get rcu(): KernelState['rcu'] {
		return this.s.rcu;
	}

	get warnings(): KernelState['warnings'] {
		return this.s.warnings;
	}

	get taint(): KernelState['taint'] {
		return this.s.taint;
	}

	get modules(): KernelState['modules'] {
		return this.s.modules;
	}

	get applied(): KernelState['applied'] {
		return this.s.applied;
	}

	get lockup(): KernelState['lockup'] {
		return this.s.lockup;
	}

	get panicked(): string | undefined {
		return this.s.panicked;
	}

	/** Whether the scenario's mitigation is in force. */
	get mitigated(): boolean {
		return this.s.mitigated;
	}

	/** Messages printk could not store because logbuf_lock is held by a CPU that will never let go. */
	get lostMessages(): number {
		return this.s.lostMessages;
	}

	get oopsId(): string {
		return this.s.oopsId;
	}

	get eventHash(): string {
		return hashHex(this.s.hash);
	}

	get jiffies(): number {
		return Math.floor((this.s.now * this.config.hz) / NS_PER_SEC);
	}

	/** Virtual time of the next event, or Infinity. */
	get nextEventAt(): number {
		return this.q.peekTime();
	}

	/** One line for the CPU strip: what it runs or spins on. */
	describe(cpu: Cpu): string {
		return describe(this, cpu);
	}

	/** Edges of the current wait-for graph: who cannot progress until whom. */
	waitFor(): {edges: WaitEdge[]; stuck: StuckNode[]} {
		return waitFor(this);
	}

	/** The call chain a stack dump shows for what the CPU is doing, innermost first. */
	framesOf(cpu: Cpu): string[] {
		return isFreeBsd(this) ? freebsdFrames(framesOf(cpu)) : framesOf(cpu);
	}

	/** Starts a cross-call over CALL_FUNCTION_VECTOR (smp_call_function_many); the caller's waiting is up to the caller. */
	crossCall(caller: Cpu, targets: readonly number[], via: string, func: string, opts?: CrossCallOptions): CrossCall {
		return crossCall(this, caller, targets, via, func, opts);
	}

	get extensionList(): readonly KernelExtension[] {
		return this.extensions;
	}

	extension<T extends KernelExtension>(name: string): T | undefined {
		return this.extensions.find((e) => e.name === name) as T | undefined;
	}
}

// The lock validator (kernel/lockdep.c, 3.10), on when a scenario switches PROVE_LOCKING on.
// One lock class per lock name (a DEFINE_SPINLOCK/DEFINE_MUTEX: the class is named after the
// variable). Every acquisition is checked as 3.10's __lock_acquire does it, before the lock is
// tried (so before anything waits): mark_irqflags() records the class's usage (taken in a
// hardirq handler, taken with hardirqs on) and refuses an inconsistent one; on a lock chain
// not seen before, check_deadlock() refuses a class the task already holds and
// check_prev_add() refuses a new dependency prev -> next when next already leads to prev (a
// breadth-first search of the graph), else records it with the stack that made it. The first
// report turns lock debugging off (debug_locks_off()), and with it lockdep, as in 3.10.
//
// State is plain data under k.s.debug (state.ts); the printouts are in lockdep_report.ts.
import type {Cpu} from './cpu.js';
import {currentComm} from './cpu.js';
import type {Kernel} from './kernel.js';
import {LOGBUF_LOCK} from './config.js';
import {baseFrames} from './stacktrace.js';
import {printCircularBug, printDeadlockBug, printUsageBug} from './lockdep_report.js';

// enum lock_usage_bit (kernel/lockdep_internals.h): per state USED_IN, USED_IN_READ, ENABLED, ENABLED_READ.
export const LOCK_USED_IN_HARDIRQ = 0;
export const LOCK_ENABLED_HARDIRQ = 2;
export const LOCK_USED_IN_SOFTIRQ = 4;
export const LOCK_ENABLED_SOFTIRQ = 6;
/** The states get_usage_chars() prints two characters for, in lockdep_states.h order. */
const STATES = ['HARDIRQ', 'SOFTIRQ', 'RECLAIM_FS'] as const;

/** usage_str[bit]: "IN-HARDIRQ-W", "HARDIRQ-ON-W", ... */
export function usageStr(bit: number): string {
	const state = STATES[Math.floor(bit / 4)]!;
	return ['IN-' + state + '-W', 'IN-' + state + '-R', state + '-ON-W', state + '-ON-R'][bit % 4]!;
}

export interface LockClass {
	readonly name: string;
	/** usage_mask: bit n set when usage bit n has been seen. */
	usage: number;
	/** usage_traces: the stack (innermost first) that set each bit, by bit. */
	readonly usageTraces: Record<number, string[]>;
	/** locks_after: classes taken while this one was held, in the order first seen, with the stack that took them. */
	readonly after: {readonly to: string; readonly trace: string[]}[];
}

/** A held_lock: the class, the irq context it was taken in, the caller (acquire_ip). */
export interface HeldLock {
	readonly name: string;
	readonly hardirq: boolean;
	readonly ip: string;
}

/** TRACE_IRQFLAGS' per-task event numbers (kept per CPU here), for print_irqtrace_events(). */
export interface IrqTrace {
	events: number;
	onEvent: number;
	onIp: string;
	offEvent: number;
	offIp: string;
}

export interface LockdepState {
	readonly classes: Record<string, LockClass>;
	/** The lock chains already validated (lookup_chain_cache): a chain is checked once. */
	readonly chains: Record<string, true>;
	/** held_locks per task (`pid`), or per idle task (`swapper/N`). */
	readonly held: Record<string, HeldLock[]>;
	readonly irq: IrqTrace[];
	/** Reports printed (at most one: the first turns lockdep off). */
	reports: number;
}

/** The debug options' state (k.s.debug), present when the scenario has a `debug` key. */
export interface DebugState {
	/** __might_sleep()'s prev_jiffy (its once-a-second rate limit); -1: never printed (3.10's 0, as its jiffies never are 0 then). */
	mightSleepJiffy: number;
	readonly lockdep: LockdepState | null;
}

export function makeDebugState(cpus: number, proveLocking: boolean): DebugState {
	const irq: IrqTrace[] = [];
	for (let i = 0; i < cpus; i++) irq.push({events: 0, onEvent: 0, onIp: 'start_secondary', offEvent: 0, offIp: 'start_secondary'});
	return {mightSleepJiffy: -1, lockdep: proveLocking ? {classes: {}, chains: {}, held: {}, irq, reports: 0} : null};
}

/** How a lock is taken, as the stack shows it (the function lock_acquire is called from). */
export type LockFn = 'mutex_lock_nested' | '_raw_spin_lock' | '_raw_spin_lock_irqsave';

/** `current` as lockdep keys its held locks: the task the CPU runs (a handler runs on the task it interrupted). */
export function currentKey(cpu: Cpu): string {
	return cpu.current ? String(cpu.current.pid) : `swapper/${cpu.id}`;
}

/** Whether lockdep checks anything now: PROVE_LOCKING, and debug_locks still on (no report yet, no taint). */
function active(k: Kernel): LockdepState | undefined {
	const ld = k.s.debug?.lockdep;
	if (!ld || !k.s.debugLocks || k.s.taint.has('P')) return undefined;
	return ld;
}

function classOf(ld: LockdepState, name: string): LockClass {
	return (ld.classes[name] ??= {name, usage: 0, usageTraces: {}, after: []});
}

/** The code that takes the lock, innermost first: a handler's frames, or the task's. */
export function callerFrames(k: Kernel, cpu: Cpu): string[] {
	const r = cpu.ctx === 'hardirq' ? k.s.devIrq.running[cpu.id] : null;
	const conf = r ? k.config.irqs?.[r.line] : undefined;
	if (conf) return [conf.handler, 'handle_irq_event_percpu', 'handle_irq_event', conf.chip.endsWith('fasteoi') ? 'handle_fasteoi_irq' : 'handle_edge_irq', 'handle_irq', 'do_IRQ', 'common_interrupt'];
	const base = baseFrames(cpu);
	return base.length > 0 ? base : ['cpu_startup_entry', 'start_secondary'];
}

/** What an acquisition is, for the reports. */
export interface Acquire {
	readonly cpu: Cpu;
	readonly name: string;
	readonly fn: LockFn;
	readonly hardirq: boolean;
	readonly hardirqsOff: boolean;
	readonly callers: readonly string[];
	readonly held: HeldLock[];
	readonly next: HeldLock;
}

/**
 * lock_acquire() for a lock being taken now on `cpu` (before it is tried: a lock that is
 * held elsewhere is waited for after this). Interrupts are as the lock function leaves them
 * (spin_lock_irqsave has already turned them off).
 */
export function lockdepAcquire(k: Kernel, cpu: Cpu, name: string, fn: LockFn): void {
	const ld = active(k);
	// printk's logbuf_lock is taken under lockdep_off() (kernel/printk.c).
	if (!ld || name === LOGBUF_LOCK) return;
	const hardirq = cpu.ctx === 'hardirq';
	const callers = callerFrames(k, cpu);
	const held = (ld.held[currentKey(cpu)] ??= []);
	const next: HeldLock = {name, hardirq, ip: callers[0]!};
	const a: Acquire = {cpu, name, fn, hardirq, hardirqsOff: hardirq || !cpu.irqsOn, callers, held, next};
	const cls = classOf(ld, name);
	// mark_irqflags(): the usage this acquisition shows, each checked against its opposite.
	const trace = ['__lock_acquire', 'lock_acquire', fn, ...callers];
	if (hardirq && !markLock(k, ld, a, cls, LOCK_USED_IN_HARDIRQ, LOCK_ENABLED_HARDIRQ, trace)) return;
	if (!a.hardirqsOff) {
		if (!markLock(k, ld, a, cls, LOCK_ENABLED_HARDIRQ, LOCK_USED_IN_HARDIRQ, trace)) return;
		if (!markLock(k, ld, a, cls, LOCK_ENABLED_SOFTIRQ, LOCK_USED_IN_SOFTIRQ, trace)) return;
	}
	// validate_chain(): only a chain (held locks of this irq context, then this one) not seen before.
	const chain = `${hardirq ? 'h' : 'p'}:${held.filter((h) => h.hardirq === hardirq).map((h) => h.name).join(',')}>${name}`;
	if (!ld.chains[chain]) {
		ld.chains[chain] = true;
		if (!validateChain(k, ld, a)) return;
	}
	held.push(next);
}

/** mark_lock(): sets usage bit `bit`; valid_state() refuses it if `bad` is set already. */
function markLock(k: Kernel, ld: LockdepState, a: Acquire, cls: LockClass, bit: number, bad: number, trace: string[]): boolean {
	if (cls.usage & (1 << bit)) return true;
	cls.usage |= 1 << bit;
	cls.usageTraces[bit] = trace;
	if (!(cls.usage & (1 << bad))) return true;
	if (!debugLocksOff(k, ld)) return false;
	printUsageBug(k, ld, a, bad, bit);
	return false;
}

function validateChain(k: Kernel, ld: LockdepState, a: Acquire): boolean {
	// check_deadlock(): the class is held already (by this task, in any context).
	const prevSame = a.held.find((h) => h.name === a.name);
	if (prevSame) {
		if (!debugLocksOff(k, ld)) return false;
		printDeadlockBug(k, ld, a, prevSame);
		return false;
	}
	// check_prevs_add(): the new dependency from the last lock held in this irq context.
	const prev = a.held.at(-1);
	if (!prev || prev.hardirq !== a.hardirq) return true;
	const path = bfsForwards(ld, a.name, prev.name);
	if (path) {
		if (!debugLocksOff(k, ld)) return false;
		printCircularBug(k, ld, a, prev, path);
		return false;
	}
	const from = classOf(ld, prev.name);
	classOf(ld, a.name);
	if (!from.after.some((e) => e.to === a.name)) from.after.push({to: a.name, trace: ['lock_acquire', a.fn, ...a.callers]});
	return true;
}

/**
 * A dependency path found by __bfs_forwards(): the lock_list entries from the root (the new
 * lock, parent -1) to the entry whose class is the held lock, each with its parent's index.
 */
export interface BfsEntry {
	readonly cls: string;
	readonly parent: number;
	readonly trace: readonly string[];
}

/** __bfs_forwards(root = class `from`, match class `target`): the entries of the path, root first; undefined if none. */
function bfsForwards(ld: LockdepState, from: string, target: string): BfsEntry[] | undefined {
	const entries: BfsEntry[] = [{cls: from, parent: -1, trace: []}];
	const found = (i: number): BfsEntry[] => {
		const path: BfsEntry[] = [];
		for (let j = i; j >= 0; j = entries[j]!.parent) path.unshift(entries[j]!);
		return path;
	};
	if (from === target) return found(0);
	const accessed = new Set<string>([from]);
	for (let head = 0; head < entries.length; head++) {
		for (const e of ld.classes[entries[head]!.cls]?.after ?? []) {
			if (accessed.has(e.to)) continue;
			accessed.add(e.to);
			entries.push({cls: e.to, parent: head, trace: e.trace});
			if (e.to === target) return found(entries.length - 1);
		}
	}
	return undefined;
}

/** lock_release(): the task lets go of `name` (the innermost hold of it). */
export function lockdepRelease(k: Kernel, cpu: Cpu, name: string): void {
	const ld = k.s.debug?.lockdep;
	if (!ld) return;
	const held = ld.held[currentKey(cpu)];
	if (!held) return;
	for (let i = held.length - 1; i >= 0; i--) {
		if (held[i]!.name === name) {
			held.splice(i, 1);
			return;
		}
	}
}

/** trace_hardirqs_on/off(): numbers the CPU's interrupt-flag changes for print_irqtrace_events(). */
export function lockdepIrqFlags(k: Kernel, cpu: Cpu, on: boolean): void {
	const ld = k.s.debug?.lockdep;
	if (!ld) return;
	const t = ld.irq[cpu.id]!;
	const ip = callerFrames(k, cpu)[0]!;
	t.events++;
	if (on) {
		t.onEvent = t.events;
		t.onIp = ip;
	} else {
		t.offEvent = t.events;
		t.offIp = ip;
	}
}

/** debug_locks_off(): true the first time (the caller prints), false when lock debugging is off already. */
function debugLocksOff(k: Kernel, ld: LockdepState): boolean {
	if (!k.s.debugLocks) return false;
	k.s.debugLocks = false;
	ld.reports++;
	return true;
}

/** `comm/pid` of current on `cpu`. */
export function currentName(cpu: Cpu): string {
	const {comm, pid} = currentComm(cpu);
	return `${comm}/${pid}`;
}

// lockdep's printouts (kernel/lockdep.c, 3.10), character for character: print_circular_bug()
// with its header, the dependency chain and print_circular_lock_scenario(); print_usage_bug()
// with print_usage_bug_scenario(); print_deadlock_bug(); lockdep_print_held_locks();
// print_irqtrace_events(). Each printk becomes one record per line; a printk("\n...") gives
// the empty record the real log has there.
import type {Cpu} from './cpu.js';
import type {Kernel} from './kernel.js';
import type {Line} from './messages.js';
import * as msg from './messages.js';
import {printLines} from './printk.js';
import {stackContext} from './stacktrace.js';
import {currentKey, currentName, usageStr, LOCK_USED_IN_HARDIRQ, LOCK_USED_IN_SOFTIRQ, type Acquire, type BfsEntry, type HeldLock, type LockdepState} from './lockdep.js';

const w = (text: string): Line => ({level: 'warn', text});

/** get_usage_char(): '.', '+' (enabled), '-' (used in), '?' (both), for usage bit `bit` and bit+2. */
function usageChar(usage: number, bit: number): string {
	const used = (usage & (1 << bit)) !== 0;
	const enabled = (usage & (1 << (bit + 2))) !== 0;
	return used ? (enabled ? '?' : '-') : enabled ? '+' : '.';
}

/** print_lock_name(): ` (%s){%s}` with get_usage_chars() (HARDIRQ, SOFTIRQ, RECLAIM_FS; write then read). */
export function lockName(ld: LockdepState, name: string): string {
	const usage = ld.classes[name]?.usage ?? 0;
	let chars = '';
	for (const bit of [LOCK_USED_IN_HARDIRQ, LOCK_USED_IN_SOFTIRQ, 8]) chars += usageChar(usage, bit) + usageChar(usage, bit + 1);
	return ` (${name}){${chars}}`;
}

/** print_lock(): print_lock_name(), `, at: `, print_ip_sym(acquire_ip) = `[<%p>] %pS`. */
function printLock(ld: LockdepState, h: HeldLock): string {
	return `${lockName(ld, h.name)}, at:${msg.frame(h.ip)}`;
}

/** print_stack_trace(trace, spaces): `%*c` of width 1+spaces, then print_ip_sym. */
function stackTrace(frames: readonly string[], spaces: number): Line[] {
	return frames.map((f) => w(' '.repeat(spaces) + msg.frame(f)));
}

/** print_kernel_ident(): `%s %.*s %s`, release, version up to its first space, print_tainted(). */
function kernelIdent(k: Kernel): string {
	return `${k.config.release} #1 ${msg.taintString(k.s.taint, k.config.formats)}`;
}

/** lockdep_print_held_locks(curr). */
export function heldLocks(ld: LockdepState, cpu: Cpu): Line[] {
	return heldLocksOf(ld, currentKey(cpu), currentName(cpu));
}

/** lockdep_print_held_locks(task): `key` as currentKey() makes it, `name` the task's `comm/pid`. */
function heldLocksOf(ld: LockdepState, key: string, name: string): Line[] {
	const held = ld.held[key] ?? [];
	if (held.length === 0) return [w(`no locks held by ${name}.`)];
	return [w(`${held.length} lock${held.length > 1 ? 's' : ''} held by ${name}:`), ...held.map((h, i) => w(` #${i}: ${printLock(ld, h)}`))];
}

/** debug_show_held_locks(task) for a task that is not running (hung_task.c): nothing without lockdep. */
export function debugShowHeldLocks(k: Kernel, task: {readonly comm: string; readonly pid: number}): Line[] {
	const ld = k.s.debug?.lockdep;
	if (!ld) return [];
	if (!k.s.debugLocks || k.s.taint.has('P')) return [w('INFO: lockdep is turned off.')];
	return heldLocksOf(ld, String(task.pid), `${task.comm}/${task.pid}`);
}

/** print_irqtrace_events(curr); in a hardirq handler the last disable is the interrupt's entry. */
export function irqtraceEvents(ld: LockdepState, cpu: Cpu): Line[] {
	const t = ld.irq[cpu.id]!;
	if (cpu.ctx === 'hardirq' && t.offEvent <= t.onEvent) {
		t.events++;
		t.offEvent = t.events;
		t.offIp = 'common_interrupt';
	}
	return [
		w(`irq event stamp: ${t.events}`),
		w(`hardirqs last  enabled at (${t.onEvent}):${msg.frame(t.onIp)}`),
		w(`hardirqs last disabled at (${t.offEvent}):${msg.frame(t.offIp)}`),
		w(`softirqs last  enabled at (0):${msg.frame('__do_softirq')}`),
		w(`softirqs last disabled at (0):${msg.frame('irq_exit')}`),
	];
}

/** `\nstack backtrace:\n` and dump_stack() from inside lockdep: `frames` are lockdep's own, innermost first. */
function backtrace(k: Kernel, a: Acquire, frames: readonly string[]): Line[] {
	const ctx = stackContext(k, a.cpu);
	return [w(''), w('stack backtrace:'), ...msg.dumpStack({...ctx, frames: [...frames, 'lock_acquire', a.fn, ...a.callers]})];
}

/** The opening both print_circular_bug_header() and print_deadlock_bug() print: the lock wanted, the lock held. */
function tryingToAcquire(ld: LockdepState, a: Acquire, prev: HeldLock): Line[] {
	return [w(`${currentName(a.cpu)} is trying to acquire lock:`), w(printLock(ld, a.next)), w(''), w('but task is already holding lock:'), w(printLock(ld, prev)), w('')];
}

/** print_circular_bug(): `path` runs from the new lock (the root, #0) to the held lock `prev` (#depth). */
export function printCircularBug(k: Kernel, ld: LockdepState, a: Acquire, prev: HeldLock, path: readonly BfsEntry[]): void {
	const depth = path.length - 1;
	const lines: Line[] = [
		w(''),
		w('======================================================'),
		w('[ INFO: possible circular locking dependency detected ]'),
		w(kernelIdent(k)),
		w('-------------------------------------------------------'),
		...tryingToAcquire(ld, a, prev),
		w('which lock already depends on the new lock.'),
		w(''),
		w(''),
		w('the existing dependency chain (in reverse order) is:'),
	];
	// print_circular_bug_entry() from the target up through its parents to the root, whose trace is this acquisition's.
	for (let d = depth; d >= 0; d--) {
		const e = path[d]!;
		lines.push(w(''), w(`-> #${d}${lockName(ld, e.cls)}:`));
		lines.push(...stackTrace(d === 0 ? ['__lock_acquire', 'lock_acquire', a.fn, ...a.callers] : e.trace, 6));
	}
	lines.push(w(''), w('other info that might help us debug this:'), w(''));
	// print_circular_lock_scenario(src = the new lock, tgt = the held one, prt = the target entry's parent).
	const source = a.name;
	const target = prev.name;
	const parent = path[Math.max(0, depth - 1)]!.cls;
	if (parent !== source) lines.push(w('Chain exists of:'), w(`  ${source} --> ${parent} --> ${target}`), w(''));
	lines.push(
		w(' Possible unsafe locking scenario:'),
		w(''),
		w('       CPU0                    CPU1'),
		w('       ----                    ----'),
		w(`  lock(${target});`),
		w(`                               lock(${parent});`),
		w(`                               lock(${target});`),
		w(`  lock(${source});`),
		w(''),
		w(' *** DEADLOCK ***'),
		w(''),
		...heldLocks(ld, a.cpu),
		...backtrace(k, a, ['dump_stack', 'print_circular_bug', '__lock_acquire']),
	);
	printLines(k, a.cpu.id, lines);
}

/** print_usage_bug(): `prevBit` is the usage seen before, `newBit` this acquisition's. */
export function printUsageBug(k: Kernel, ld: LockdepState, a: Acquire, prevBit: number, newBit: number): void {
	const hc = a.hardirq ? 1 : 0;
	const he = a.hardirqsOff ? 0 : 1;
	const trace = ld.classes[a.name]?.usageTraces[prevBit] ?? [];
	printLines(k, a.cpu.id, [
		w(''),
		w('================================='),
		w('[ INFO: inconsistent lock state ]'),
		w(kernelIdent(k)),
		w('---------------------------------'),
		w(`inconsistent {${usageStr(prevBit)}} -> {${usageStr(newBit)}} usage.`),
		w(`${currentName(a.cpu)} [HC${hc}[${hc}]:SC0[0]:HE${he}:SE1] takes:`),
		w(printLock(ld, a.next)),
		w(`{${usageStr(prevBit)}} state was registered at:`),
		...stackTrace(trace, 1),
		...irqtraceEvents(ld, a.cpu),
		w(''),
		w('other info that might help us debug this:'),
		w(' Possible unsafe locking scenario:'),
		w(''),
		w('       CPU0'),
		w('       ----'),
		w(`  lock(${a.name});`),
		w('  <Interrupt>'),
		w(`    lock(${a.name});`),
		w(''),
		w(' *** DEADLOCK ***'),
		w(''),
		...heldLocks(ld, a.cpu),
		...backtrace(k, a, ['dump_stack', 'print_usage_bug', 'mark_lock', '__lock_acquire']),
	]);
}

/** print_deadlock_bug(): the task takes a lock class it already holds. */
export function printDeadlockBug(k: Kernel, ld: LockdepState, a: Acquire, prev: HeldLock): void {
	printLines(k, a.cpu.id, [
		w(''),
		w('============================================='),
		w('[ INFO: possible recursive locking detected ]'),
		w(kernelIdent(k)),
		w('---------------------------------------------'),
		...tryingToAcquire(ld, a, prev),
		w('other info that might help us debug this:'),
		w(' Possible unsafe locking scenario:'),
		w(''),
		w('       CPU0'),
		w('       ----'),
		w(`  lock(${prev.name});`),
		w(`  lock(${a.name});`),
		w(''),
		w(' *** DEADLOCK ***'),
		w(''),
		w(' May be due to missing lock nesting notation'),
		w(''),
		...heldLocks(ld, a.cpu),
		...backtrace(k, a, ['dump_stack', '__lock_acquire']),
	]);
}

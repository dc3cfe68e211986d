// Reader-writer spinlocks as x86 3.10 has them (arch/x86/include/asm/spinlock.h,
// arch/x86/lib/rwlock.S): one counter that starts at RW_LOCK_BIAS. read_lock decrements it
// and is in when the result is not negative, i.e. whenever no writer holds the lock;
// write_lock subtracts the whole bias and is in only when the result is zero (no reader, no
// writer). A writer that fails (__write_lock_failed) adds the bias back and spins until the
// counter is whole again: while it spins it holds nothing, so new readers keep getting in
// past it (3.10 has no queued rwlocks; a steady stream of readers starves the writer).
// Readers that fail (__read_lock_failed) spin until no writer holds it.
//
// The emulator hands a released lock over at once, deterministically: write_unlock gives it
// to the waiter that has spun longest if that is a writer, else to every spinning reader;
// the last read_unlock gives it to the writer that has spun longest. Plain data: holders
// and waiters are CPU numbers.
import type {Cpu, Task} from './cpu.js';
import {EV_RESUME} from './engine.js';
import {setIrqs} from './irq.js';
import type {Kernel} from './kernel.js';
import {lockNamed} from './locks.js';
import {setActivity} from './sched.js';
import type {LockSnapshot} from './snapshot.js';
import type {StuckNode, WaitEdge} from './waitfor.js';

export interface Rwlock {
	readonly name: string;
	readonly kind: 'rwlock';
	/** CPU that holds it for writing, or -1. */
	writer: number;
	/** CPUs that hold it for reading, once per read_lock (a CPU may hold it more than once: task and handler). */
	readonly readers: number[];
	heldSince: number;
	/** CPUs spinning in read_lock/write_lock, oldest first. */
	readonly waiters: {readonly cpu: number; readonly write: boolean}[];
	acquisitions: number;
	contentions: number;
	maxHold: number;
}

export function makeRwlock(name: string): Rwlock {
	return {name, kind: 'rwlock', writer: -1, readers: [], heldSince: 0, waiters: [], acquisitions: 0, contentions: 0, maxHold: 0};
}

/** How a lock step treats the IRQ flag: plain, `_irq` (off, and on again at unlock) or `_irqsave` (off, restored at unlock). */
export interface RwStep {
	readonly lock: string;
	readonly irqsave?: boolean | undefined;
	readonly irq?: boolean | undefined;
}

/** Whether `cpu` could take `lock` in this mode now (arch_read_can_lock / arch_write_can_lock). */
export function rwCanLock(lock: Rwlock, write: boolean): boolean {
	return lock.writer === -1 && (!write || lock.readers.length === 0);
}

function take(k: Kernel, lock: Rwlock, cpu: number, write: boolean): void {
	if (lock.writer === -1 && lock.readers.length === 0) lock.heldSince = k.s.now;
	if (write) lock.writer = cpu;
	else lock.readers.push(cpu);
	lock.acquisitions++;
}

/**
 * read_lock/write_lock from a task step (and their _irq/_irqsave forms): true when taken
 * (the task goes on), false when the CPU now spins, with IRQs as the variant left them.
 */
export function rwLock(k: Kernel, cpu: Cpu, task: Task, step: RwStep, write: boolean): boolean {
	const lock = lockNamed(k, step.lock, 'rwlock');
	if (step.irqsave) cpu.savedIrq.set(step.lock, cpu.irqsOn);
	if (step.irqsave || step.irq) setIrqs(k, cpu, false);
	cpu.preempt++;
	if (rwCanLock(lock, write)) {
		take(k, lock, cpu.id, write);
		task.pc++;
		return true;
	}
	lock.contentions++;
	lock.waiters.push({cpu: cpu.id, write});
	setActivity(k, cpu, {kind: 'spin', lock: step.lock, rw: write ? 'write' : 'read'});
	return false;
}

/** read_lock/write_lock from an interrupt handler (IRQs already off): true when taken; false: queued, the handler must spin. */
export function rwLockFromHandler(k: Kernel, cpu: Cpu, name: string, write: boolean): boolean {
	const lock = lockNamed(k, name, 'rwlock');
	if (rwCanLock(lock, write)) {
		take(k, lock, cpu.id, write);
		return true;
	}
	lock.contentions++;
	lock.waiters.push({cpu: cpu.id, write});
	return false;
}

/** read_unlock/write_unlock (with `irq`: _unlock_irq, IRQs on after); a lock taken _irqsave gets its flags back. */
export function rwUnlock(k: Kernel, cpu: Cpu, step: RwStep, write: boolean, fromHandler = false): void {
	const lock = lockNamed(k, step.lock, 'rwlock');
	if (write) {
		if (lock.writer !== cpu.id) return; // the static checks refuse unlocking what the path does not hold
		lock.writer = -1;
	} else {
		const i = lock.readers.lastIndexOf(cpu.id);
		if (i === -1) return;
		lock.readers.splice(i, 1);
	}
	const now = k.s.now;
	if (lock.writer === -1 && lock.readers.length === 0) lock.maxHold = Math.max(lock.maxHold, now - lock.heldSince);
	if (!fromHandler) cpu.preempt--;
	handOver(k, lock);
	if (fromHandler) return;
	const saved = cpu.savedIrq.get(step.lock);
	if (saved !== undefined) {
		cpu.savedIrq.delete(step.lock);
		setIrqs(k, cpu, saved);
	} else if (step.irq) setIrqs(k, cpu, true);
}

/** Gives a free (or reader-held) lock to the CPUs spinning on it, by the rule at the top. */
function handOver(k: Kernel, lock: Rwlock): void {
	if (lock.writer !== -1 || lock.waiters.length === 0) return;
	const first = lock.waiters[0]!;
	const granted: number[] = [];
	if (first.write) {
		if (lock.readers.length > 0) return;
		lock.waiters.shift();
		take(k, lock, first.cpu, true);
		granted.push(first.cpu);
	} else {
		for (let i = 0; i < lock.waiters.length; ) {
			const w = lock.waiters[i]!;
			if (w.write) i++;
			else {
				lock.waiters.splice(i, 1);
				take(k, lock, w.cpu, false);
				granted.push(w.cpu);
			}
		}
	}
	const at = k.s.now + k.config.timing.lockHandoff;
	for (const id of granted) k.q.push(at, EV_RESUME, id, k.s.cpus[id]!.token);
}

/** Whether a CPU that spun on rwlock `name` has been handed it (it is no longer among the waiters). */
export function rwGranted(k: Kernel, name: string, cpu: number): boolean {
	const lock = k.s.locks.get(name);
	return lock?.kind === 'rwlock' && !lock.waiters.some((w) => w.cpu === cpu);
}

/** The mode `cpu` spins for on `lock` (its newest wait), or undefined. */
export function rwWaitMode(lock: Rwlock, cpu: number): 'read' | 'write' | undefined {
	for (let i = lock.waiters.length - 1; i >= 0; i--) if (lock.waiters[i]!.cpu === cpu) return lock.waiters[i]!.write ? 'write' : 'read';
	return undefined;
}

/** Who holds it, in words: `CPU0 (write)`, `CPU1,CPU2 (read)`, or `free`. */
export function rwHolders(lock: Rwlock): string {
	if (lock.writer >= 0) return `CPU${lock.writer} (write)`;
	if (lock.readers.length === 0) return 'free';
	return `${[...new Set(lock.readers)].map((c) => `CPU${c}`).join(',')} (read)`;
}

/** For the CPU strip: `read_lock L (CPU0 write)`. */
export function describeRwSpin(lock: Rwlock, cpu: number): string {
	const mode = rwWaitMode(lock, cpu) ?? 'read';
	return `${mode}_lock ${lock.name} (${rwHolders(lock).replace(' (', ' ').replace(')', '')})`;
}

/** For wait phrases: `spins in read_lock on L, held for writing by CPU0`. */
export function rwWaitPhrase(lock: Rwlock, cpu: number): string {
	const mode = rwWaitMode(lock, cpu) ?? 'read';
	const held = lock.writer >= 0 ? `held for writing by CPU${lock.writer}` : lock.readers.length > 0 ? `held for reading by ${[...new Set(lock.readers)].map((c) => `CPU${c}`).join(', ')}` : 'free';
	return `spins in ${mode}_lock on ${lock.name}, ${held}`;
}

/**
 * The wait-for edges of a CPU spinning on an rwlock. A reader waits only for the writer (a
 * spinning writer does not stop it); a writer waits for every holder, readers and writer.
 * A CPU that waits on a hold of its own: in a handler, on what the code it interrupted
 * holds (it can never run again to unlock it); in the same context, AA (read then write).
 */
export function rwlockWaits(k: Kernel, cpu: Cpu, lock: Rwlock, edges: WaitEdge[], stuck: StuckNode[]): void {
	const mode = rwWaitMode(lock, cpu.id);
	if (mode === undefined) return; // handed over, not yet resumed
	const holders = mode === 'write' ? [...new Set([...(lock.writer >= 0 ? [lock.writer] : []), ...lock.readers])] : lock.writer >= 0 ? [lock.writer] : [];
	const how = (holder: number): string => (lock.writer === holder ? 'for writing' : 'for reading');
	const spins = `spins with IRQs ${cpu.irqsOn ? 'on' : 'off'} in ${mode}_lock on rwlock ${lock.name}`;
	for (const h of holders) {
		if (h === cpu.id && cpu.ctx === 'hardirq' && cpu.irqStack.length > 0) {
			const r = k.s.devIrq.running[cpu.id];
			const line = r ? k.config.irqs?.[r.line] : undefined;
			const handler = line ? `CPU${cpu.id}'s irq ${line.irq} (${line.name}) handler ${line.handler}` : `CPU${cpu.id}'s interrupt handler`;
			const task = cpu.current ? `${cpu.current.comm} (pid ${cpu.current.pid})` : 'the code';
			const unlock = lock.writer === h ? 'write_unlock' : 'read_unlock';
			stuck.push({
				node: `cpu${cpu.id}`,
				since: cpu.since,
				text: `${handler} ${spins}, which ${task} holds ${how(h)} on CPU${cpu.id}, interrupted by that very handler: it cannot run again to ${unlock} it`,
			});
		} else if (h === cpu.id) {
			const t = cpu.current;
			edges.push({
				from: `cpu${cpu.id}`,
				to: `cpu${cpu.id}`,
				since: cpu.since,
				task: t ? {comm: t.comm, pid: t.pid} : undefined,
				text: `CPU${cpu.id}${t ? ` (${t.comm}, pid ${t.pid})` : ''} ${spins}, which it already holds ${how(h)} itself: it can never get it (AA self-deadlock)`,
			});
		} else {
			edges.push({from: `cpu${cpu.id}`, to: `cpu${h}`, since: cpu.since, text: `CPU${cpu.id} ${spins} held ${how(h)} by CPU${h}`});
		}
	}
}

/** The locks pane's row: holders as `CPU0 (write)` / `CPU1,CPU2 (read)`, waiters as `CPU3 (write)`. */
export function rwlockSnapshot(l: Rwlock, now: number): LockSnapshot {
	const held = l.writer >= 0 || l.readers.length > 0;
	return {
		name: l.name,
		kind: l.kind,
		holder: held ? rwHolders(l) : undefined,
		holderCpu: l.writer >= 0 ? l.writer : l.readers[0],
		heldForNs: held ? now - l.heldSince : 0,
		waiters: l.waiters.map((w) => `CPU${w.cpu} (${w.write ? 'write' : 'read'})`),
		acquisitions: l.acquisitions,
		contentions: l.contentions,
		maxHoldNs: l.maxHold,
	};
}

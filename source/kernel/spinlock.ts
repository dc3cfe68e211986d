// Spinlocks (kernel/spinlock.c, 3.x ticket locks): FIFO hand-off to the waiters in arrival
// order; spin_lock_irqsave keeps the IRQ flag per lock for the unlock to restore.
import type {Cpu, Task} from './cpu.js';
import {EV_RESUME} from './engine.js';
import {spinBug} from './debug_locks.js';
import {setIrqs} from './irq.js';
import type {Kernel} from './kernel.js';
import {lockNamed, type Spinlock} from './locks.js';
import {setActivity} from './sched.js';
import {lockdepRelease} from './lockdep.js';
import {spinLockDebug, spinLockDebugWait} from './spinlock_debug.js';

/** spin_lock(_irqsave) from a task step: returns true when taken (the task goes on), false when the CPU now spins. */
export function spinLock(k: Kernel, cpu: Cpu, task: Task, name: string, irqsave: boolean): boolean {
	const lock = lockNamed(k, name, 'spinlock');
	if (!irqsave && k.s.mitigated && k.config.mitigation?.option === 'irqsave' && takenInIrq(k, name)) irqsave = true;
	if (irqsave) {
		cpu.savedIrq.set(name, cpu.irqsOn);
		setIrqs(k, cpu, false);
	}
	cpu.preempt++;
	if (k.s.debug) spinLockDebug(k, cpu, lock, irqsave ? '_raw_spin_lock_irqsave' : '_raw_spin_lock');
	if (lock.holder === -1) {
		takeSpinlock(k, lock, cpu);
		task.pc++;
		return true;
	}
	lock.contentions++;
	lock.waiters.push(cpu.id);
	setActivity(k, cpu, {kind: 'spin', lock: name});
	if (k.s.debug) spinLockDebugWait(k, cpu, name);
	return false;
}

/**
 * spin_trylock(_irqsave): takes the lock when it is free, else goes on at once without it,
 * skipping the `skip` steps that would have run under it (the scenario's `if` body).
 */
export function spinTrylock(k: Kernel, cpu: Cpu, task: Task, name: string, irqsave: boolean, skip: number): boolean {
	const lock = lockNamed(k, name, 'spinlock');
	if (lock.holder !== -1) {
		// Not a contention: lock statistics count only waits.
		task.pc += 1 + skip;
		return true;
	}
	if (irqsave) {
		cpu.savedIrq.set(name, cpu.irqsOn);
		setIrqs(k, cpu, false);
	}
	cpu.preempt++;
	takeSpinlock(k, lock, cpu);
	task.pc++;
	return true;
}

function takeSpinlock(k: Kernel, lock: Spinlock, cpu: Cpu): void {
	lock.holder = cpu.id;
	lock.heldSince = k.s.now;
	lock.holderIrqsOff = !cpu.irqsOn;
	lock.acquisitions++;
}

export function spinUnlock(k: Kernel, cpu: Cpu, name: string): void {
	const lock = lockNamed(k, name, 'spinlock');
	if (k.s.debug) lockdepRelease(k, cpu, name);
	if (lock.holder === -1) {
		// debug_spin_unlock(): SPIN_BUG_ON(!raw_spin_is_locked(lock), lock, "already unlocked"); nothing to release.
		spinBug(k, cpu, name, 'already unlocked', -1);
		return;
	}
	if (lock.holder !== cpu.id) {
		// SPIN_BUG_ON(lock->owner != current, lock, "wrong owner") (the "wrong CPU" check after it stays silent: debug_locks is off by then); the unlock goes on.
		spinBug(k, cpu, name, 'wrong owner', lock.holder);
		if (cpu.preempt === 0) cpu.preempt++;
	}
	const now = k.s.now;
	lock.maxHold = Math.max(lock.maxHold, now - lock.heldSince);
	lock.holder = -1;
	cpu.preempt--;
	const next = lock.waiters.shift();
	if (next !== undefined) {
		// Ticket locks hand over in arrival order.
		const waiter = k.s.cpus[next]!;
		takeSpinlock(k, lock, waiter);
		k.q.push(now + k.config.timing.lockHandoff, EV_RESUME, waiter.id, waiter.token);
	}
	const saved = cpu.savedIrq.get(name);
	if (saved !== undefined) {
		cpu.savedIrq.delete(name);
		setIrqs(k, cpu, saved);
	}
}

/**
 * raw_spin_lock from NMI context (a printk in an NMI handler). Returns 'taken', or
 * 'self' when this CPU already holds it (the NMI interrupted the holder: it can never
 * get it), or 'wait' after queueing the CPU as a waiter (the caller blocks the handler).
 */
export function spinFromNmi(k: Kernel, cpu: Cpu, name: string): 'taken' | 'self' | 'wait' {
	const lock = lockNamed(k, name, 'spinlock');
	if (lock.holder === -1) {
		takeSpinlock(k, lock, cpu);
		return 'taken';
	}
	if (lock.holder === cpu.id) return 'self';
	lock.contentions++;
	lock.waiters.push(cpu.id);
	return 'wait';
}

/**
 * spin_lock in code that cannot sleep or be preempted (an interrupt handler, a softirq
 * callback, a called function, a stopper): true when taken, false when this CPU is queued as
 * a waiter. When the code it interrupted on this CPU holds the lock, it waits all the same,
 * for ever: the holder cannot run again until it returns.
 */
export function spinInAtomic(k: Kernel, cpu: Cpu, name: string): boolean {
	const got = spinFromNmi(k, cpu, name);
	if (got === 'taken') return true;
	if (got === 'self') {
		const lock = lockNamed(k, name, 'spinlock');
		lock.contentions++;
		lock.waiters.push(cpu.id);
	}
	return false;
}

/** Releases a spinlock taken outside a task step (NMI and interrupt handlers). */
export function releaseSpin(k: Kernel, cpu: Cpu, name: string): void {
	const lock = lockNamed(k, name, 'spinlock');
	if (lock.holder !== cpu.id) return;
	cpu.preempt++;
	spinUnlock(k, cpu, name);
}

/** Whether a device interrupt handler takes `name` (the irqsave mitigation applies to such locks only). */
function takenInIrq(k: Kernel, name: string): boolean {
	return (k.config.irqs ?? []).some((irq) => irq.steps.some((st) => st.op === 'spin_lock' && st.lock === name));
}

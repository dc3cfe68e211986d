// Lock records: spinlocks (3.x ticket locks: FIFO hand-off) and sleeping mutexes. Plain data;
// spinlock.ts and mutex.ts are the operations on them.
import type {Task} from './cpu.js';
import {KernelError} from './engine.js';
import type {Kernel} from './kernel.js';
import {makeRwlock, type Rwlock} from './rwlock.js';

export interface Spinlock {
	readonly name: string;
	readonly kind: 'spinlock';
	/** CPU that holds it, or -1. */
	holder: number;
	heldSince: number;
	/** Whether the holder took it with spin_lock_irqsave. */
	holderIrqsOff: boolean;
	readonly waiters: number[];
	acquisitions: number;
	contentions: number;
	maxHold: number;
}

export interface Mutex {
	readonly name: string;
	readonly kind: 'mutex';
	owner: Task | undefined;
	heldSince: number;
	readonly waiters: Task[];
	acquisitions: number;
	contentions: number;
	maxHold: number;
}

export type Lock = Spinlock | Mutex | Rwlock;

export function makeLock(name: string, kind: Lock['kind']): Lock {
	if (kind === 'rwlock') return makeRwlock(name);
	return kind === 'spinlock'
		? {name, kind, holder: -1, heldSince: 0, holderIrqsOff: false, waiters: [], acquisitions: 0, contentions: 0, maxHold: 0}
		: {name, kind, owner: undefined, heldSince: 0, waiters: [], acquisitions: 0, contentions: 0, maxHold: 0};
}

/** The lock called `name`, which must be of `kind`. */
export function lockNamed<K extends Lock['kind']>(k: Kernel, name: string, kind: K): Extract<Lock, {kind: K}> {
	const lock = k.s.locks.get(name);
	if (!lock || lock.kind !== kind) throw new KernelError(`no ${kind} named ${name}`);
	return lock as Extract<Lock, {kind: K}>;
}

// Spinlocks (3.x ticket locks: FIFO hand-off) and sleeping mutexes.
import type {Task} from './cpu.js';

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

export type Lock = Spinlock | Mutex;

export function makeLock(name: string, kind: 'spinlock' | 'mutex'): Lock {
	return kind === 'spinlock'
		? {name, kind, holder: -1, heldSince: 0, holderIrqsOff: false, waiters: [], acquisitions: 0, contentions: 0, maxHold: 0}
		: {name, kind, owner: undefined, heldSince: 0, waiters: [], acquisitions: 0, contentions: 0, maxHold: 0};
}

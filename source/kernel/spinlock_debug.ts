// DEBUG_SPINLOCK's lock side (lib/spinlock_debug.c, 3.10), on when a scenario switches
// DEBUG_SPINLOCK (or PROVE_LOCKING, which selects it) on. do_raw_spin_lock() first checks
// debug_spin_lock_before(): a lock whose owner is current is "recursion" (spin_bug(), so once:
// it turns debug_locks off). Then __spin_lock_debug() tries the lock loops_per_jiffy * HZ
// times with __delay(1) between tries: the delay loop is calibrated so that this many is one
// second, so here a CPU that has spun on one lock for 1 s of virtual time prints
// spin_dump(lock, "lockup suspected") (not rate-limited, not gated by debug_locks) and
// trigger_all_cpu_backtrace(), then spins on in arch_spin_lock() without a word more. (On real
// hardware each try also costs the trylock's cache-line transfer, so the report comes later
// than 1 s; the model charges only the calibrated delay.) The unlock side (spin_bug in
// debug_spin_unlock) is debug_locks.ts, reported whether or not the option is on.
import type {Cpu} from './cpu.js';
import {spinBug, spinDump} from './debug_locks.js';
import type {Kernel} from './kernel.js';
import type {Spinlock} from './locks.js';
import {allCpuBacktrace} from './nmi.js';
import {callerFrames, lockdepAcquire, type LockFn} from './lockdep.js';
import {NS_PER_SEC} from './time.js';

/** loops_per_jiffy * HZ iterations of __delay(1): one second. */
export const SPIN_LOCKUP_NS = NS_PER_SEC;

/** What the lockup check looks for when it comes: the same spin (same lock, same start). */
interface SpinCheck {
	readonly lock: string;
	readonly since: number;
}

/** Registers the lockup check's function (Kernel.attach, only when the option is on: other scenarios' function ids stay as they were). */
export function attachSpinlockDebug(k: Kernel): number {
	return k.define<SpinCheck>('spin_lockup_check', (kk, cpu, data) => spinLockupCheck(kk, cpu, data), (kk, cpu, data) => `CPU${cpu}: __spin_lock_debug: ${data.lock} still taken after loops_per_jiffy * HZ tries: ${kk.describe(kk.s.cpus[cpu]!)}`);
}

/** spin_acquire() (lockdep), then debug_spin_lock_before(): a spin_lock on `cpu` (task or handler), before it tries the lock. */
export function spinLockDebug(k: Kernel, cpu: Cpu, lock: Spinlock, fn: LockFn): void {
	lockdepAcquire(k, cpu, lock.name, fn);
	if (!k.config.debug?.debugSpinlock) return;
	// lock->owner == current: the code this CPU runs (or the task a handler interrupted) holds it.
	if (lock.holder === cpu.id) spinBug(k, cpu, lock.name, 'recursion', cpu.id, ['spin_bug', 'do_raw_spin_lock', fn], callerFrames(k, cpu));
}

/** The CPU starts spinning on `name` (the trylock failed): the lockup check comes after SPIN_LOCKUP_NS. */
export function spinLockDebugWait(k: Kernel, cpu: Cpu, name: string): void {
	if (!k.config.debug?.debugSpinlock) return;
	k.at(k.s.now + SPIN_LOCKUP_NS, k.debugFns.spinLockup, cpu.id, {lock: name, since: cpu.since} satisfies SpinCheck);
}

function spinLockupCheck(k: Kernel, cpu: Cpu, data: SpinCheck): void {
	const a = cpu.activity;
	const lock = k.s.locks.get(data.lock) as Spinlock | undefined;
	if (a.kind !== 'spin' || a.lock !== data.lock || cpu.since !== data.since || !lock?.waiters.includes(cpu.id)) return;
	spinDump(k, cpu, data.lock, 'lockup suspected', lock.holder, ['do_raw_spin_lock']);
	allCpuBacktrace(k, cpu);
}

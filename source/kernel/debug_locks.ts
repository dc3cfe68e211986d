// Lock debugging (lib/debug_locks.c, kernel/mutex-debug.c, lib/spinlock_debug.c, 3.10): what a
// scenario can only get wrong at run time is reported as a kernel with DEBUG_MUTEXES and
// DEBUG_SPINLOCK reports it, once: the first report turns debug_locks off (debug_locks_off()),
// and a proprietary module's taint has turned it off already ("Disabling lock debugging due
// to kernel taint"), so then nothing is printed at all.
import type {Cpu} from './cpu.js';
import {currentComm} from './cpu.js';
import type {Kernel} from './kernel.js';
import * as msg from './messages.js';
import {printLines, warn} from './printk.js';
import {stackContext} from './stacktrace.js';

/** DEBUG_LOCKS_WARN_ON(lock->owner != current) in debug_mutex_unlock(). */
export const DEBUG_MUTEX_UNLOCK_WARN: msg.WarnSite = {file: 'kernel/mutex-debug.c', line: 78, fn: 'debug_mutex_unlock'};

/** debug_locks_off(): true (and lock debugging now off) the first time, false once it is off. */
export function debugLocksOff(k: Kernel): boolean {
	if (!k.s.debugLocks || k.s.taint.has('P')) return false;
	k.s.debugLocks = false;
	return true;
}

/** mutex_unlock() by a task that does not own the mutex (or of a mutex nobody holds): the DEBUG_MUTEXES WARN. */
export function mutexUnlockNotOwner(k: Kernel, cpu: Cpu): void {
	if (!debugLocksOff(k)) return;
	warn(k, cpu, DEBUG_MUTEX_UNLOCK_WARN, 'DEBUG_LOCKS_WARN_ON(lock->owner != current)', {callers: ['__mutex_unlock_slowpath', 'mutex_unlock', 'system_call_fastpath']});
}

/**
 * spin_bug() from debug_spin_unlock(): `BUG: spinlock %s on CPU#%d, %s/%d`, the lock line,
 * and dump_stack(). `what` is "already unlocked" or "wrong owner"; `owner` the holder's CPU, or -1.
 */
export function spinBug(k: Kernel, cpu: Cpu, lock: string, what: string, ownerCpu: number, frames: readonly string[] = ['spin_bug', 'do_raw_spin_unlock', '_raw_spin_unlock'], stackFrames?: readonly string[]): void {
	if (!debugLocksOff(k)) return;
	spinDump(k, cpu, lock, what, ownerCpu, frames, stackFrames);
}

/** spin_dump() (lib/spinlock_debug.c): the BUG line, the lock line, dump_stack(); `frames` are those below spin_dump. */
export function spinDump(k: Kernel, cpu: Cpu, lock: string, what: string, ownerCpu: number, frames: readonly string[], stackFrames?: readonly string[]): void {
	const {comm, pid} = currentComm(cpu);
	const owner = ownerCpu >= 0 ? k.s.cpus[ownerCpu]?.current : undefined;
	const ctx = stackContext(k, cpu);
	printLines(k, cpu.id, [
		{level: 'emerg', text: `BUG: spinlock ${what} on CPU#${cpu.id}, ${comm}/${pid}`},
		{level: 'emerg', text: ` lock: ${lock}+0x0/0x40, .magic: dead4ead, .owner: ${owner ? `${owner.comm}/${owner.pid}` : '<none>/-1'}, .owner_cpu: ${ownerCpu}`},
		...msg.dumpStack({...ctx, frames: ['dump_stack', 'spin_dump', ...frames, ...(stackFrames ?? ctx.frames)]}),
	]);
	k.s.warnings.bug++;
}

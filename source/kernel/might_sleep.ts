// DEBUG_ATOMIC_SLEEP (kernel/sched/core.c, 3.10), on when a scenario switches it on. It selects
// PREEMPT_COUNT, so a held spinlock counts in preempt_count() and two checks speak:
// __might_sleep(), at the top of a function that may sleep (mutex_lock), when it is called
// in atomic context or with interrupts off, at most once a second (its prev_jiffy); and
// __schedule_bug(), when the task then really schedules (a contended mutex, an idle step)
// with a spinlock held, every time. Without the option neither prints: spinlocks do not
// count without PREEMPT_COUNT. A handler step that sleeps stays a load-time error.
import type {Cpu} from './cpu.js';
import {currentComm} from './cpu.js';
import type {Kernel} from './kernel.js';
import type {Line} from './messages.js';
import * as msg from './messages.js';
import {printLines} from './printk.js';
import {stackContext} from './stacktrace.js';
import {callerFrames, lockdepAcquire} from './lockdep.js';
import {heldLocks, irqtraceEvents} from './lockdep_report.js';

/**
 * mutex_lock's debugging, before it tries the mutex: might_sleep() (kernel/mutex.c:95, or :413
 * in mutex_lock_nested with DEBUG_LOCK_ALLOC, lockdep's), then mutex_acquire() (lockdep).
 */
export function mutexLockDebug(k: Kernel, cpu: Cpu, name: string): void {
	const lockdep = k.config.debug?.proveLocking === true;
	mightSleep(k, cpu, 'kernel/mutex.c', lockdep ? 413 : 95, lockdep ? 'mutex_lock_nested' : 'mutex_lock');
	lockdepAcquire(k, cpu, name, 'mutex_lock_nested');
}

/** __might_sleep(file, line, 0). */
export function mightSleep(k: Kernel, cpu: Cpu, file: string, line: number, fn: string): void {
	const d = k.s.debug;
	if (!d || !k.config.debug?.debugAtomicSleep) return;
	if (cpu.preempt === 0 && cpu.irqsOn) return;
	// if (time_before(jiffies, prev_jiffy + HZ) && prev_jiffy) return;
	const jiffies = k.jiffies;
	if (d.mightSleepJiffy >= 0 && jiffies < d.mightSleepJiffy + k.config.hz) return;
	d.mightSleepJiffy = jiffies;
	const {comm, pid} = currentComm(cpu);
	const ctx = stackContext(k, cpu);
	printLines(k, cpu.id, [
		{level: 'err', text: `BUG: sleeping function called from invalid context at ${file}:${line}`},
		{level: 'err', text: `in_atomic(): ${cpu.preempt > 0 ? 1 : 0}, irqs_disabled(): ${cpu.irqsOn ? 0 : 1}, pid: ${pid}, name: ${comm}`},
		...heldAndIrqs(k, cpu),
		...msg.dumpStack({...ctx, frames: ['dump_stack', '__might_sleep', fn, ...callerFrames(k, cpu)]}),
	]);
	k.s.warnings.bug++;
}

/**
 * schedule() from a task holding a spinlock (in_atomic_preempt_off()): __schedule_bug(). The
 * count printed includes __schedule()'s own preempt_disable(). `via` are the frames between
 * schedule() and the task's code (msleep's, or the mutex slow path's).
 */
export function scheduleBug(k: Kernel, cpu: Cpu, via: readonly string[]): void {
	if (!k.config.debug?.debugAtomicSleep || cpu.preempt === 0) return;
	const {comm, pid} = currentComm(cpu);
	const ctx = stackContext(k, cpu);
	printLines(k, cpu.id, [
		{level: 'err', text: msg.schedulingWhileAtomic(comm, pid, cpu.preempt + 1)},
		...heldAndIrqs(k, cpu, false),
		{level: 'warn', text: `Modules linked in: ${ctx.modules}`},
		...(!cpu.irqsOn && k.s.debug?.lockdep ? irqtraceEvents(k.s.debug.lockdep, cpu) : []),
		...msg.dumpStack({...ctx, frames: ['dump_stack', '__schedule_bug', '__schedule', 'schedule', ...via, ...callerFrames(k, cpu)]}),
	]);
	k.s.warnings.bug++;
	k.s.taint.add('W');
}

/** debug_show_held_locks() (lockdep only), then print_irqtrace_events() when interrupts are off. */
function heldAndIrqs(k: Kernel, cpu: Cpu, irqs = true): Line[] {
	const ld = k.s.debug?.lockdep;
	if (!ld) return [];
	const held: Line[] = k.s.debugLocks && !k.s.taint.has('P') ? heldLocks(ld, cpu) : [{level: 'warn', text: 'INFO: lockdep is turned off.'}];
	return [...held, ...(irqs && !cpu.irqsOn ? irqtraceEvents(ld, cpu) : [])];
}

// A CPU's state in words, for the CPU strip, step reports, the consumer line and lockup
// explanations: what it does (`spin A (CPU0)`), why it does not take an interrupt, what it
// waits for and who sent what it is about to take. Reading only: nothing here changes state.
import type {Cpu} from './cpu.js';
import type {Kernel} from './kernel.js';
import type {Spinlock} from './locks.js';
import {canService, isPending, type CrossCall} from './smp.js';
import {describeRwSpin, rwWaitPhrase} from './rwlock.js';
import {backlog} from './console.js';
import {callbackConf, SOFTIRQ_FRAME, SOFTIRQ_NAMES} from './softirq.js';

/** One line for the CPU strip: what it runs or spins on. */
export function describe(k: Kernel, cpu: Cpu): string {
	const a = cpu.activity;
	switch (a.kind) {
		case 'run':
			if (k.s.console.owner === cpu.id && a.mode === 'kernel') return `kernel ${a.fn ?? ''} (console_unlock, ${backlog(k)} behind)`;
			return a.mode === 'user' ? 'user' : `kernel ${a.fn ?? ''}`.trimEnd();
		case 'idle':
			return 'idle';
		case 'spin': {
			const rw = k.s.locks.get(a.lock);
			if (rw?.kind === 'rwlock') return describeRwSpin(rw, cpu.id);
			const lock = rw as Spinlock | undefined;
			return `spin ${a.lock}${lock && lock.holder >= 0 ? ` (CPU${lock.holder})` : ''}`;
		}
		case 'xcall-wait': {
			if (a.csd !== undefined) return isPending(a.call, a.csd) ? `csd_lock wait CPU${a.csd} (${a.call.via})` : `csd_lock free (${a.call.via})`;
			// Short: who it waits for first, then which kind of cross-call.
			const waiting = a.call.targets.filter((t) => isPending(a.call, t));
			const via = a.call.via.split(' ')[0];
			if (waiting.length === 0) return `xcall acked (${via})`;
			const whom = waiting.length > 3 ? `${waiting.length} CPUs` : waiting.map((t) => `CPU${t}`).join(',');
			return `xcall wait ${whom} (${via})`;
		}
		case 'stuck':
			return a.doing ?? a.fn;
		case 'busy-wait':
			return a.describe;
	}
}

/** `from CPU0 (sync_remote_state)`: who queued the calls from `head` on, or undefined when none waits. */
export function queuedFrom(queue: readonly (CrossCall | undefined)[], head: number): string | undefined {
	const callers = new Set<number>();
	const funcs = new Set<string>();
	for (let i = head; i < queue.length; i++) {
		const call = queue[i];
		if (!call) continue;
		callers.add(call.caller);
		funcs.add(call.func);
	}
	return callers.size === 0 ? undefined : `from ${cpuList([...callers])} (${[...funcs].join(', ')})`;
}

export function cpuList(ids: readonly number[]): string {
	return ids.map((id) => `CPU${id}`).join(',');
}

/** Why a CPU does not take an interrupt now. */
export function notTaking(cpu: Cpu): string {
	if (cpu.ctx === 'nmi') return 'in an NMI handler';
	if (cpu.ctx === 'hardirq') return 'in a hardirq handler';
	if (!cpu.irqsOn) return 'IRQs off';
	return 'vector still in service';
}

/**
 * What a waiting CPU waits for, as a verb phrase: `spins on A, held by CPU0`, `waits in
 * dtrace_xcall (dtrace_sync_func) for CPU3 (IRQs off: kernel serial8250_console_write)`.
 * Extensions word the waits they own (describeWait).
 */
export function waitPhrase(k: Kernel, cpu: Cpu): string {
	for (const ext of k.extensionList) {
		const w = ext.describeWait?.(k, cpu);
		if (w !== undefined) return w;
	}
	const a = cpu.activity;
	switch (a.kind) {
		case 'spin': {
			const lock = k.locks.get(a.lock);
			if (lock?.kind === 'rwlock') return rwWaitPhrase(lock, cpu.id);
			return `spins on ${a.lock}${lock?.kind === 'spinlock' && lock.holder >= 0 ? `, held by CPU${lock.holder}` : ''}`;
		}
		case 'xcall-wait':
			if (a.csd !== undefined) {
				const t = k.cpus[a.csd]!;
				const why = !isPending(a.call, a.csd) ? 'which has now run' : canService(k, t, a.call.vector) ? 'still queued' : `not run: ${notTaking(t)}: ${doing(k, t)}`;
				return `waits in csd_lock (${a.call.via}) for CPU${a.csd} to run its earlier ${a.call.func} (${why})`;
			}
			return `waits in ${a.call.via} (${a.call.func}) for ${waitingFor(k, a.call)}`;
		case 'stuck':
			// The reason may open with a parenthesised context the caller already names.
			return a.reason.replace(/^\(.*?\) /, '');
		case 'busy-wait':
			return `spins: ${a.describe}`;
		default:
			return doing(k, cpu);
	}
}

/** `CPU0, CPU3 (IRQs off: kernel serial8250_console_write)`: targets yet to run a cross-call, and why the first few cannot. */
export function waitingFor(k: Kernel, call: CrossCall): string {
	const pending = call.targets.filter((t) => isPending(call, t));
	if (pending.length === 0) return 'nobody (every target acked)';
	const shown = pending.slice(0, 3).map((t) => {
		const c = k.cpus[t]!;
		return canService(k, c, call.vector) ? `CPU${t}` : `CPU${t} (${notTaking(c)}: ${doing(k, c)})`;
	});
	return shown.join(', ') + (pending.length > 3 ? ` and ${pending.length - 3} more` : '');
}

/** The blocked handler on top of a CPU, by name: `fasttrap_pid_cleanup_cb`, `perf_event_nmi_handler`. */
export function handlerName(cpu: Cpu): string {
	const frames = cpu.irqStack.at(-1)?.frames ?? [];
	// An NMI's frames start with whatever it called (a printk's lock): name the NMI handler.
	return (cpu.ctx === 'nmi' ? frames.find((f) => f.endsWith('nmi_handler')) : undefined) ?? frames[0] ?? 'interrupt';
}

export const doingText = (doing: string): string => (doing === 'user' ? 'user code' : doing === 'kernel' ? 'kernel code' : doing);

/** What the CPU is doing, in words: `user code`, `kernel vfs_read`, `spin A (CPU0)`. */
export function doing(k: Kernel, cpu: Cpu): string {
	return doingText(describe(k, cpu));
}

/** `TIMER softirq (timer stats_timer_fn)`: the softirq a CPU is in (softirq.ts), for explanations. */
export function softirqWhat(k: Kernel, cpu: Cpu): string | undefined {
	const r = k.s.softirq.running[cpu.id];
	if (!r || r.vec < 0) return undefined;
	const cb = r.cb;
	const what = !cb ? '' : ` (${cb.kind} ${callbackConf(k, cb).name})`;
	return `${SOFTIRQ_NAMES[r.vec]} softirq${what}`;
}

/** What blocked on top of `cpu` if it is a softirq: `TIMER softirq (timer stats_timer_fn)`, for step reports. */
export function blockedSoftirq(k: Kernel, cpu: Cpu): string | undefined {
	return cpu.irqStack.at(-1)?.vector === SOFTIRQ_FRAME ? softirqWhat(k, cpu) : undefined;
}

/**
 * The wait-for graph's reading of a softirq that spins on a lock its own CPU holds because the
 * code it interrupted took it: that code cannot run again until the softirq returns.
 */
export function softirqSelfSpin(k: Kernel, cpu: Cpu, lock: string): string | undefined {
	const r = k.s.softirq.running[cpu.id];
	if (cpu.ctx !== 'softirq' || !r?.blocked || r.held.includes(lock)) return undefined;
	const holder = cpu.current ? `${cpu.current.comm} (pid ${cpu.current.pid})` : 'the code';
	return `CPU${cpu.id}'s ${softirqWhat(k, cpu) ?? 'softirq'} spins on lock ${lock} with IRQs on, which ${holder} holds on CPU${cpu.id}; the softirq interrupted it on irq exit, so it cannot run again to release it`;
}

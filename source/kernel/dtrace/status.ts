// What the DTrace port tells the person watching, in words: where the consumer is and what
// holds it (the consumer line), what an injected timer did, the waits on the driver's
// mutexes. Why apart from the driver's files: these are functions over the port's plain
// state, read after the port acted; none of them changes anything, and the port's machinery
// reads better without them.
import {currentComm, type Cpu, type Task} from '../cpu.js';
import type {Kernel} from '../kernel.js';
import {doing, handlerName, notTaking, waitPhrase, waitingFor} from '../describe.js';
import {formatSeconds} from '../time.js';
import type {DtracePort} from './port.js';
import type {Consumer, PendingTimeout} from './state.js';

/** The part of the port these functions read. */
export type PortState = Pick<DtracePort, 'consumer' | 'teardown' | 'config' | 'mutexes' | 'timeouts'>;

// --- the driver's mutexes ------------------------------------------------------------------

/** `dtrace/4711 on CPU0`, or `nobody`. */
function holderName(port: PortState, mutex: string): string {
	const o = port.mutexes.get(mutex)?.owner;
	if (!o) return 'nobody';
	return `${o.task ? `${o.task.comm}/${o.task.pid}` : o.ctx} on CPU${o.cpu}`;
}

/** The wait on one of the driver's mutexes, as a verb phrase (DtracePort.describeWait). */
export function mutexWait(port: PortState, cpu: Cpu): string | undefined {
	const a = cpu.activity;
	if (a.kind !== 'busy-wait' || !port.mutexes.has(a.on)) return undefined;
	const owner = port.mutexes.get(a.on)!.owner;
	const own = port.consumer?.task;
	if (owner?.task !== undefined && owner.task === own) return `spins on ${a.on}, which dtrace ${own.pid} itself holds${owner.cpu === cpu.id && cpu.irqStack.length > 0 ? ' (the task it interrupted)' : ''}`;
	return `spins on ${a.on}, held by ${holderName(port, a.on)}`;
}

// --- the timer input -----------------------------------------------------------------------

export function noSuchCpu(k: Kernel, arg: string | undefined): string {
	return `there is no CPU${arg ?? ''} (CPU0-CPU${k.cpus.length - 1}); nothing fired`;
}

/** A pending timeout() fired as an hrtimer on `cpu`, whose interrupt depth was `depth` before. */
export function timeoutFired(k: Kernel, t: PendingTimeout, cpu: Cpu, depth: number, probes: number): string {
	const what = `dtrace timeout() ${t.fn}`;
	if (!t.fired) return `${what} queued as an hrtimer on CPU${cpu.id}: it fires when CPU${cpu.id} takes interrupts (${notTaking(cpu)})`;
	if (cpu.irqStack.length > depth) return `${what} fired as an hrtimer on CPU${cpu.id} (hardirq) and ${waitPhrase(k, cpu)}`;
	return `${what} fired as an hrtimer on CPU${cpu.id} (hardirq): ${probes} fasttrap probes cleaned up`;
}

/** A pending timeout() handed to a kworker; `asked` is the CPU the input named, if it named one. */
export function timeoutDispatched(k: Kernel, t: PendingTimeout, worker: Task, asked: number | undefined, probes: number): string {
	const elsewhere = asked !== undefined && worker.cpu !== asked ? ` (the workqueue picks the CPU, not CPU${asked})` : '';
	const head = `dtrace timeout() ${t.fn} dispatched to the workqueue: ${worker.comm} on CPU${worker.cpu}${elsewhere}`;
	if (worker.state === 'exited') return `${head} ran it: ${probes} fasttrap probes cleaned up`;
	const on = k.cpus[worker.cpu]!;
	if (on.current === worker) return `${head} ${waitPhrase(k, on)}`;
	const {comm, pid} = currentComm(on);
	return `${head} is runnable, waiting for CPU${on.id} (${pid === 0 ? comm : `${comm}/${pid}`}: ${doing(k, on)})`;
}

/** Why nothing fired: no timeout() pending and no live enabling whose cyclic could. */
export function nothingPending(port: PortState, cpuId: number): string {
	const running = port.timeouts.find((t) => t.fired);
	const c = port.consumer;
	const why = running
		? `timeout() ${running.fn} already fired on CPU${running.firedOn ?? '?'} and has not finished`
		: c && c.state !== 'gone'
			? `dtrace ${c.pid} is ${c.state}, its cyclic is off`
			: 'no dtrace consumer, no timeout() armed';
	return `no timer pending on CPU${cpuId} (${why}); nothing fired`;
}

/** The dtrace_state_clean cyclic fired (or was left pending) on `cpu`. */
export function cyclicFired(k: Kernel, cpu: Cpu, pending: boolean, depth: number): string {
	const what = `dtrace_state_clean cyclic (dtrace_sync)`;
	if (pending) return `${what} queued as an hrtimer on CPU${cpu.id}: it fires when CPU${cpu.id} takes interrupts (${notTaking(cpu)})`;
	const a = cpu.activity;
	if (cpu.irqStack.length > depth && a.kind === 'xcall-wait') return `${what} fired on CPU${cpu.id} (hardirq): it waits for ${waitingFor(k, a.call)}`;
	return `${what} fired on CPU${cpu.id} (hardirq): every CPU acked at once`;
}

// --- the consumer --------------------------------------------------------------------------

/**
 * Where the consumer's task is when it is held in the kernel, or undefined when it is
 * free to act on a signal (asleep, in user code, about to run).
 */
export function consumerWait(k: Kernel, port: PortState): string | undefined {
	const c = port.consumer;
	const task = c?.task;
	if (!c || !task || task.state !== 'running') return undefined;
	const cpu = k.cpus[c.cpu]!;
	if (cpu.current !== task) return undefined;
	const stuck = k.lockup?.cpus.includes(cpu.id) === true;
	if (cpu.irqStack.length > 0) return `${stuck ? 'stuck' : 'held'} on CPU${cpu.id}: ${handlerKind(cpu)} (${handlerName(cpu)}) interrupted it and ${waitPhrase(k, cpu)}; it cannot run until that handler returns`;
	const a = cpu.activity;
	const where = stuck ? 'stuck in' : 'in';
	if (a.kind === 'xcall-wait') return `${where} ${a.call.via} (${a.call.func}) on CPU${cpu.id}, waiting for ${waitingFor(k, a.call)}`;
	if (a.kind === 'busy-wait' || a.kind === 'spin' || a.kind === 'stuck') return `${where} ${a.kind === 'spin' ? '_raw_spin_lock' : a.fn} on CPU${cpu.id}, ${waitPhrase(k, cpu)}`;
	return undefined;
}

/** `a hardirq handler`, `an NMI handler`. */
function handlerKind(cpu: Cpu): string {
	return cpu.ctx === 'nmi' ? 'an NMI handler' : `a ${cpu.ctx} handler`;
}

/**
 * One line on the consumer: its state, where it is and what it waits for, e.g. `dtrace
 * 4711 stopping: ^C delivered, not acted on until it returns from the kernel; stuck in
 * dtrace_xcall (dtrace_buffer_switch) on CPU3, waiting for CPU1 (IRQs off: spin A (CPU0))`,
 * or `dtrace 4711 running on CPU2`. Why: after ^C or kill -9 in a lockup nothing visible
 * changes (no teardown starts), and the monitor must say the signal arrived and what holds
 * the process in the kernel.
 */
export function consumerStatus(k: Kernel, port: PortState): string {
	const c = port.consumer;
	if (!c) {
		const start = port.config.consumer?.startAt;
		return start !== undefined && start > k.now ? `no dtrace consumer yet (starts at ${formatSeconds(start, 3)})` : 'no dtrace consumer';
	}
	const name = `dtrace ${c.pid}`;
	const t = port.teardown;
	if (c.state === 'gone') return `${name} exited${t?.doneAt !== undefined ? ` after tearing down ${t.total} probes in ${formatSeconds(t.doneAt - t.startedAt, 3)}` : ''}`;
	const signal = c.killRequested ? 'kill -9' : c.stopRequested ? '^C' : undefined;
	const tearing = t !== undefined && c.state === 'tearing down';
	const state = c.killRequested ? 'killed' : c.stopRequested ? 'stopping' : c.state;
	const head = tearing ? `${name} ${c.killRequested ? 'killed, ' : ''}tearing down (${t.total - t.left}/${t.total} probes freed)` : `${name} ${state}`;
	const wait = consumerWait(k, port);
	if (wait) {
		// A signal acts only on the way out of the kernel: the close path starts after it.
		if (signal && !t) return `${head}: ${signal} delivered, not acted on until it returns from the kernel; ${wait}`;
		return `${head}: ${wait}`;
	}
	if (signal && !tearing) return `${head} (${signal})${whereNow(k, c)}`;
	return `${head}${whereNow(k, c)}`;
}

/** `: asleep ...`, ` on CPU2`: where a consumer that is not held in the kernel is. */
function whereNow(k: Kernel, c: Consumer): string {
	const task = c.task;
	const cpu = k.cpus[c.cpu]!;
	if (!task) return '';
	if (task.state === 'sleeping') return `: asleep between buffer snapshots (CPU${c.cpu})`;
	if (cpu.current !== task) {
		if (cpu.irqStack.length > 0) return `: runnable, but CPU${c.cpu} is ${k.lockup?.cpus.includes(cpu.id) ? 'stuck' : 'busy'} in ${handlerKind(cpu)} (${handlerName(cpu)}) that ${waitPhrase(k, cpu)}`;
		const {comm, pid} = currentComm(cpu);
		return `: runnable, waiting for CPU${c.cpu} (${pid === 0 ? comm : `${comm}/${pid}`}: ${doing(k, cpu)})`;
	}
	const a = cpu.activity;
	return a.kind === 'run' && a.mode === 'kernel' ? ` on CPU${c.cpu}, in the kernel (${a.fn ?? 'kernel'})` : ` on CPU${c.cpu}`;
}

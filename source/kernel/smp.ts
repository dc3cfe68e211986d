// Cross-calls (kernel/smp.c): smp_call_function_many queues a call-single-data entry (csd)
// on each target and sends CALL_FUNCTION_VECTOR; each target runs the function from its
// interrupt and clears the caller's csd lock for it; the caller waits for all of them, with
// no timeout. A cross-call in flight is a plain record: its acks are a bitset, and what an
// ack does besides (the DTrace port's bookkeeping) is a registered function named by id.
import {V_CAL, bit} from './apic.js';
import type {Cpu, Task} from './cpu.js';
import {EV_RESUME} from './engine.js';
import {sendIpiMany} from './ipi.js';
import {charge} from './irq.js';
import type {Kernel} from './kernel.js';
import * as msg from './messages.js';
import {warnOnce} from './printk.js';
import {setActivity} from './sched.js';

/** One cross-call in flight: who sent it, to whom, and which targets have not yet run it. */
export interface CrossCall {
	readonly id: number;
	readonly caller: number;
	/** Name shown in explanations: smp_call_function, flush_tlb_others, dtrace_xcall. */
	readonly via: string;
	readonly func: string;
	readonly started: number;
	readonly targets: readonly number[];
	readonly isTlb: boolean;
	/** The IPI vector it travels on (CALL_FUNCTION, or the port's private vector). */
	readonly vector: number;
	remaining: number;
	lastAckCpu: number;
	lastAck: number;
	/** The caller's stack while it waits, innermost first (for dumps). */
	readonly frames: readonly string[] | undefined;
	/** A function registered with Kernel.define, run on the target with the call as data at each ack (0: none). */
	readonly onAck: number;
	/** Targets not yet acked, as a bitset in 32-bit words (cheaper to make than a typed array). */
	readonly bits: number[];
}

export interface CrossCallOptions {
	readonly isTlb?: boolean;
	readonly vector?: number;
	/** Where each target's request is queued (the port has its own mailboxes); the CPU's call queue by default. */
	readonly queue?: (target: number, call: CrossCall) => void;
	readonly extraLatency?: number;
	readonly frames?: readonly string[];
	readonly onAck?: number;
}

export function isPending(call: CrossCall, cpu: number): boolean {
	return ((call.bits[cpu >> 5] ?? 0) & (1 << (cpu & 31))) !== 0;
}

/** Marks `cpu` as done; returns false when it was not pending. */
function clearPending(call: CrossCall, cpu: number): boolean {
	const w = cpu >> 5;
	const b = 1 << (cpu & 31);
	const word = call.bits[w] ?? 0;
	if ((word & b) === 0) return false;
	call.bits[w] = word & ~b;
	call.remaining--;
	return true;
}

/** Every CPU but `cpu`, the mask smp_call_function uses (cached: it never changes). */
export function othersOf(k: Kernel, cpu: Cpu): readonly number[] {
	let list = k.others[cpu.id];
	if (!list) {
		list = k.s.cpus.filter((c) => c !== cpu).map((c) => c.id);
		k.others[cpu.id] = list;
	}
	return list;
}

/**
 * Starts a cross-call from `caller` to `targets` over CALL_FUNCTION_VECTOR, the
 * generic smp_call_function_many path. The caller's own waiting is up to the caller.
 */
export function crossCall(k: Kernel, caller: Cpu, targets: readonly number[], via: string, func: string, opts: CrossCallOptions = {}): CrossCall {
	const s = k.s;
	const vector = opts.vector ?? V_CAL;
	const words = targets.length === 0 ? 0 : (Math.max(...targets) >> 5) + 1;
	const bits = new Array<number>(words).fill(0);
	for (const t of targets) bits[t >> 5]! |= 1 << (t & 31);
	const call: CrossCall = {
		id: s.nextCallId++,
		caller: caller.id,
		via,
		func,
		started: s.now,
		targets,
		isTlb: opts.isTlb ?? false,
		vector,
		remaining: targets.length,
		lastAckCpu: -1,
		lastAck: s.now,
		frames: opts.frames,
		onAck: opts.onAck ?? 0,
		bits,
	};
	const queue = opts.queue;
	if (queue) for (const t of targets) queue(t, call);
	else for (const t of targets) s.cpus[t]!.callQueue.push(call);
	sendIpiMany(k, targets, vector, k.config.timing.ipiLatency + (opts.extraLatency ?? 0));
	if (targets.length === 0) finishCall(k, call);
	return call;
}

/** smp_call_function_interrupt: runs every call queued for this CPU and acks it. */
export function callFunctionInterrupt(k: Kernel, cpu: Cpu): void {
	// 3.10: smp_call_function_interrupt counts irq_call_count once per interrupt;
	// flush_tlb_func() (arch/x86/mm/tlb.c) counts irq_tlb_count once per call it runs.
	cpu.call++;
	const queue = cpu.callQueue;
	const cost = k.config.timing.callHandler;
	// An ack never queues work synchronously (completion is an event), so everything
	// from the head to the end is this interrupt's. Truncating an array is a runtime
	// call in V8: reset only now and then.
	const n = queue.length;
	for (let i = cpu.callHead; i < n; i++) {
		const call = queue[i]!;
		queue[i] = undefined!;
		if (call.isTlb) cpu.tlb++;
		charge(cpu, cost);
		ack(k, call, cpu.id);
	}
	cpu.callHead = n;
	if (n >= 256) {
		queue.length = 0;
		cpu.callHead = 0;
	}
}

/** A target has run the function: the caller's csd lock for it clears. Returns false when it had already. */
export function ack(k: Kernel, call: CrossCall, target: number): boolean {
	if (!clearPending(call, target)) return false;
	call.lastAckCpu = target;
	call.lastAck = k.s.now;
	if (call.onAck !== 0) k.callFn(call.onAck, k.s.cpus[target]!, call);
	if (call.remaining === 0) finishCall(k, call);
	return true;
}

function finishCall(k: Kernel, call: CrossCall): void {
	const caller = k.s.cpus[call.caller]!;
	const done = k.s.now + k.config.timing.callHandler;
	if (caller.activity.kind === 'xcall-wait' && caller.activity.call === call) k.q.push(done, EV_RESUME, caller.id, caller.token);
}

/** Whether `target` could run a cross-call it has been sent right now. */
export function canService(k: Kernel, target: Cpu, vector = V_CAL): boolean {
	if (target.irqsOn && (target.isr & bit(vector)) === 0 && target.activity.kind !== 'stuck' && target.ctx !== 'nmi' && target.ctx !== 'hardirq') return true;
	for (const ext of k.extensions) if (ext.services?.(k, target, vector)) return true;
	return false;
}

/** The smp_call_function step: must not run with IRQs off (a one-time WARN says so). */
export function smpCallFunction(k: Kernel, cpu: Cpu, task: Task, func: string, wait: boolean): boolean {
	if (!cpu.irqsOn) warnOnce(k, cpu, msg.SMP_CALL_FUNCTION_MANY_WARN, undefined, ['smp_call_function', func, 'system_call_fastpath']);
	cpu.preempt++;
	const call = crossCall(k, cpu, othersOf(k, cpu), 'smp_call_function', func);
	if (!wait || call.remaining === 0) {
		cpu.preempt--;
		task.pc++;
		return true;
	}
	setActivity(k, cpu, {kind: 'xcall-wait', call});
	return false;
}

/** The tlb_flush step: native_flush_tlb_others, a cross-call to every other CPU that waits. */
export function flushTlbOthers(k: Kernel, cpu: Cpu, task: Task): boolean {
	if (!cpu.irqsOn) warnOnce(k, cpu, msg.SMP_CALL_FUNCTION_MANY_WARN, undefined, ['native_flush_tlb_others', 'flush_tlb_mm_range', 'SyS_munmap', 'system_call_fastpath']);
	cpu.preempt++;
	const call = crossCall(k, cpu, othersOf(k, cpu), 'flush_tlb_others', 'flush_tlb_func', {isTlb: true});
	if (call.remaining === 0) {
		cpu.preempt--;
		task.pc++;
		return true;
	}
	setActivity(k, cpu, {kind: 'xcall-wait', call});
	return false;
}

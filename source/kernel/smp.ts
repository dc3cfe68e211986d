// Cross-calls (kernel/smp.c): smp_call_function_many queues a call-single-data entry (csd)
// on each target and sends CALL_FUNCTION_VECTOR; each target runs the function from its
// interrupt and clears the caller's csd lock for it; the caller waits for all of them, with
// no timeout. A cross-call in flight is a plain record: its acks are a bitset, and what an
// ack does besides (the DTrace port's bookkeeping) is a registered function named by id.
import {V_CAL, V_CALS, bit} from './apic.js';
import type {Cpu, Task} from './cpu.js';
import {EV_RESUME} from './engine.js';
import {sendIpiMany} from './ipi.js';
import {charge} from './irq.js';
import type {Kernel} from './kernel.js';
import * as msg from './messages.js';
import {warnOnce} from './printk.js';
import {setActivity} from './sched.js';
import {hasBody, startBody} from './smp_function.js';

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
	// Built with plain loops: spreading into Math.max and Array(n).fill showed in profiles
	// of the teardown (a cross-call per dtrace_sync, 120,000 of them).
	let highest = -1;
	for (const t of targets) if (t > highest) highest = t;
	const bits: number[] = [];
	for (let w = highest >> 5; w >= 0; w--) bits.push(0);
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

/** smp_call_function_interrupt: runs every call queued for this CPU and acks it; false when a called function waits (the interrupt stays in service). */
export function callFunctionInterrupt(k: Kernel, cpu: Cpu): boolean {
	// 3.10: smp_call_function_interrupt counts irq_call_count once per interrupt;
	// flush_tlb_func() (arch/x86/mm/tlb.c) counts irq_tlb_count once per call it runs.
	cpu.call++;
	return continueCallQueue(k, cpu, cpu.callQueue.length, false);
}

/**
 * Runs the calls queued for this CPU up to `n`, each acked after its function returns. A
 * function with steps (smp_function.ts) may wait: then false, and it carries on from here
 * when it returns (`blocked`: the interrupt has already waited once).
 */
export function continueCallQueue(k: Kernel, cpu: Cpu, n: number, blocked: boolean): boolean {
	const queue = cpu.callQueue;
	const cost = k.config.timing.callHandler;
	const bodies = k.config.functions !== undefined;
	// An ack never queues work synchronously (completion is an event), so everything
	// from the head to n is this interrupt's. Truncating an array is a runtime
	// call in V8: reset only now and then.
	for (let i = cpu.callHead; i < n; i++) {
		const call = queue[i]!;
		queue[i] = undefined!;
		if (call.isTlb) cpu.tlb++;
		charge(cpu, cost);
		if (bodies && hasBody(k, call.func)) {
			cpu.callHead = i + 1;
			if (!startBody(k, cpu, 'ipi', call.func, {call, end: n, blocked})) return false;
		}
		ack(k, call, cpu.id);
	}
	cpu.callHead = n;
	// Calls queued while a function waited lie past n: the queue is only reset when empty.
	if (n >= 256 && queue.length === n) {
		queue.length = 0;
		cpu.callHead = 0;
	}
	return true;
}

/** A target has run the function: the caller's csd lock for it clears. Returns false when it had already. */
export function ack(k: Kernel, call: CrossCall, target: number): boolean {
	if (!clearPending(call, target)) return false;
	call.lastAckCpu = target;
	call.lastAck = k.s.now;
	if (call.onAck !== 0) k.callFn(call.onAck, k.s.cpus[target]!, call);
	if (call.remaining === 0) finishCall(k, call);
	else csdUnlocked(k, call, target);
	return true;
}

/** csd_unlock: a caller spinning in csd_lock() on this call's csd for `target` goes on. */
function csdUnlocked(k: Kernel, call: CrossCall, target: number): void {
	const caller = k.s.cpus[call.caller]!;
	const a = caller.activity;
	if (a.kind === 'xcall-wait' && a.call === call && a.csd === target) k.q.push(k.s.now + k.config.timing.callHandler, EV_RESUME, caller.id, caller.token);
}

/** Whether an xcall-wait is over: every target ran the call, or (in csd_lock) the one whose csd it waits for. */
export function waitOver(a: {readonly call: CrossCall; readonly csd?: number}): boolean {
	return a.csd === undefined ? a.call.remaining === 0 : !isPending(a.call, a.csd);
}

function finishCall(k: Kernel, call: CrossCall): void {
	const caller = k.s.cpus[call.caller]!;
	const done = k.s.now + k.config.timing.callHandler;
	if (caller.activity.kind === 'xcall-wait' && caller.activity.call === call && waitOver(caller.activity)) k.q.push(done, EV_RESUME, caller.id, caller.token);
}

/** Whether `target` could run a cross-call it has been sent right now. */
export function canService(k: Kernel, target: Cpu, vector = V_CAL): boolean {
	if (target.irqsOn && (target.isr & bit(vector)) === 0 && target.activity.kind !== 'stuck' && target.ctx !== 'nmi' && target.ctx !== 'hardirq') return true;
	for (const ext of k.extensions) if (ext.services?.(k, target, vector)) return true;
	return false;
}

/**
 * csd_lock() on the csds a call from `cpu` to `targets` takes: with two targets or more
 * (smp_call_function_many) the caller's cfd_data csd for each target, whatever `wait`; with
 * one (smp_call_function_single) the caller's csd_data when it does not wait, else a fresh
 * one on its stack that is never busy. A csd is busy while the last call that took it has
 * not yet run on its target: the caller then spins in csd_lock (returns true). 3.10 queues
 * the targets before the busy one first, without an IPI yet; here nothing is queued until
 * every csd is free.
 */
function csdLock(k: Kernel, cpu: Cpu, targets: readonly number[], wait: boolean): boolean {
	if (targets.length === 1) {
		const prev = cpu.csdData;
		if (wait || !prev) return false;
		// csd_data may last have gone to another CPU than this call's target.
		const t = prev.targets[0]!;
		if (!isPending(prev, t)) return false;
		setActivity(k, cpu, {kind: 'xcall-wait', call: prev, csd: t});
		return true;
	}
	const cfd = cpu.cfd;
	if (cfd.length === 0) return false;
	for (const t of targets) {
		const prev = cfd[t];
		if (prev && isPending(prev, t)) {
			setActivity(k, cpu, {kind: 'xcall-wait', call: prev, csd: t});
			return true;
		}
	}
	return false;
}

/** The call now holds the csds csdLock found free. */
function csdTake(cpu: Cpu, call: CrossCall, wait: boolean): void {
	if (call.targets.length === 1) {
		if (!wait) cpu.csdData = call;
		return;
	}
	// A call that waits has run everywhere before its caller goes on, and each target runs
	// its calls in order, so every csd it took is free by then: only async calls are kept.
	if (!wait) for (const t of call.targets) cpu.cfd[t] = call;
}

/** The smp_call_function step: must not run with IRQs off (a one-time WARN says so). */
export function smpCallFunction(k: Kernel, cpu: Cpu, task: Task, func: string, wait: boolean): boolean {
	if (!cpu.irqsOn) warnOnce(k, cpu, msg.SMP_CALL_FUNCTION_MANY_WARN, undefined, ['smp_call_function', func, 'system_call_fastpath']);
	cpu.preempt++;
	const targets = othersOf(k, cpu);
	if (csdLock(k, cpu, targets, wait)) return false;
	const call = crossCall(k, cpu, targets, 'smp_call_function', func);
	csdTake(cpu, call, wait);
	if (!wait || call.remaining === 0) {
		cpu.preempt--;
		task.pc++;
		return true;
	}
	setActivity(k, cpu, {kind: 'xcall-wait', call});
	return false;
}

/**
 * The targeted steps, as 3.10 runs them: smp_call_function_single (one CPU, itself run
 * locally with IRQs off), smp_call_function_many (a mask; this CPU left out; one remote
 * target takes the single path), on_each_cpu (smp_call_function, then the function here
 * with IRQs off). Each WARNs once when called with IRQs off, at its own line. On each target
 * the function runs its steps when the scenario defines it (smp_function.ts), else the
 * handler's fixed cost; the caller's own share is done at once, at no cost (readme: What is
 * modelled and what is not).
 */
export function smpCallTargeted(k: Kernel, cpu: Cpu, task: Task, op: 'smp_call_function_single' | 'smp_call_function_many' | 'on_each_cpu', mask: readonly number[], func: string, wait: boolean): boolean {
	const irqsOff = !cpu.irqsOn;
	const below = [op, 'system_call_fastpath'];
	const targets = mask.filter((t, i) => t !== cpu.id && mask.indexOf(t) === i);
	const single = op === 'smp_call_function_single' || targets.length === 1;
	if (irqsOff && op !== 'smp_call_function_single') warnOnce(k, cpu, msg.SMP_CALL_FUNCTION_MANY_WARN, undefined, op === 'on_each_cpu' ? ['smp_call_function', ...below] : below);
	if (irqsOff && single && targets.length <= 1) warnOnce(k, cpu, msg.SMP_CALL_FUNCTION_SINGLE_WARN, undefined, op === 'smp_call_function_single' ? below : ['smp_call_function_many', ...below]);
	cpu.preempt++;
	if (csdLock(k, cpu, targets, wait)) return false;
	let call: CrossCall | undefined;
	if (targets.length > 0) {
		const frames = single ? ['generic_exec_single', 'smp_call_function_single', ...(op === 'smp_call_function_single' ? [] : ['smp_call_function_many'])] : ['smp_call_function_many'];
		if (op === 'on_each_cpu') frames.push('smp_call_function', 'on_each_cpu');
		call = crossCall(k, cpu, targets, op, func, {vector: single ? V_CALS : V_CAL, frames});
		csdTake(cpu, call, wait);
	}
	// The caller's own share (smp_call_function_single to itself, on_each_cpu): local_irq_save;
	// func(info); local_irq_restore, done at once here.
	if (!call || !wait || call.remaining === 0) {
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

// dtrace_xcall (driver/x_call.c): the port's own cross-call on a private IPI vector,
// invisible in /proc/interrupts and counted in /proc/dtrace/stats. Each target's request
// goes in its mailbox; the vector's handler (dtrace_int_ipi -> xcall_slave -> xcall_slave2)
// runs and acks them. While the caller waits for acks, and while a CPU spins on the
// driver's mutex, it polls its own mailbox: that breaks A<->B mutual waits, but not a
// target spinning with interrupts off on a lock the caller holds.
import {V_DTRACE} from '../apic.js';
import type {Cpu} from '../cpu.js';
import {charge} from '../irq.js';
import * as msg from '../messages.js';
import {warnOnce} from '../printk.js';
import {setActivity} from '../sched.js';
import {ack, crossCall, othersOf, type CrossCall} from '../smp.js';
import {PORT_TIMING} from './config.js';
import type {DtracePort} from './port.js';
import {STAT} from './stats.js';

const IPI1 = STAT.ipi1;
const XCALL1 = STAT.xcall1;
const XCALL2 = STAT.xcall2;
const XCALL5 = STAT['xcall5(spinlock)'];
const XCALL6 = STAT['xcall6(ack_waits)'];
const XCALL7 = STAT['xcall7(fast)'];

export const SYNC_FUNC = 'dtrace_sync_func';
/** dtrace_xcall2's wait loop calls ack_wait(c, 100). */
const ACK_WAIT_ATTEMPTS = 100;

export const XCALL_FRAMES = ['dtrace_xcall2', 'dtrace_xcall1', 'dtrace_xcall'];
const CLOSE_FRAMES = ['dtrace_state_destroy', 'dtrace_close', 'dtracedrv_release', '__fput', 'do_exit'];
/** What a waiting dtrace_sync shows in a stack dump, per caller. */
const SYNC_FRAMES = {
	dtrace_state_stop: [...XCALL_FRAMES, 'dtrace_sync', 'dtrace_state_stop', 'dtrace_ioctl', 'SyS_ioctl'],
	dtrace_state_destroy: [...XCALL_FRAMES, 'dtrace_sync', ...CLOSE_FRAMES],
	dtrace_ecb_destroy: [...XCALL_FRAMES, 'dtrace_sync', 'dtrace_ecb_destroy', ...CLOSE_FRAMES],
};

/** dtrace_sync(): dtrace_xcall(DTRACE_CPUALL, dtrace_sync_func). */
export function sync(p: DtracePort, cpu: Cpu, from: 'dtrace_state_stop' | 'dtrace_state_destroy' | 'dtrace_ecb_destroy', local?: (ns: number) => void, pendingLocal = 0): boolean {
	const t = p.st.teardown;
	if (t) t.syncs++;
	return xcall(p, cpu, othersOf(p.k, cpu), SYNC_FUNC, SYNC_FRAMES[from], local, pendingLocal);
}

/**
 * dtrace_xcall from task context. Returns true when the caller now waits for acks
 * (the consumer's driver is resumed when they are in).
 */
export function xcall(p: DtracePort, cpu: Cpu, targets: readonly number[], func: string, frames: readonly string[], local?: (ns: number) => void, pendingLocal = 0): boolean {
	const call = startXcall(p, cpu, targets, func, frames, pendingLocal);
	if (call === undefined) {
		local?.(PORT_TIMING.localSync);
		return false;
	}
	cpu.preempt++;
	setActivity(p.k, cpu, {kind: 'xcall-wait', call});
	pollMailbox(p, cpu);
	return true;
}

/**
 * Sends a dtrace_xcall. Returns the call when the caller has to wait, or undefined when
 * it completed at once (self only, shutdown, or every target skipped on the fast path).
 */
export function startXcall(p: DtracePort, cpu: Cpu, targets: readonly number[], func: string, frames: readonly string[], extraLatency = 0, via?: string): CrossCall | undefined {
	const st = p.st;
	const k = p.k;
	const v = st.stats.v;
	const all = targets === othersOf(k, cpu);
	const orig = st.options.xcall === 'smp_call_function';
	// dtrace_xcall2 returns on dtrace_shutdown before counting; orig_dtrace_xcall has no such check.
	if (!orig && st.shutdown) return undefined;
	v[XCALL1]!++;
	let remote = all ? targets : targets.filter((t) => t !== cpu.id);
	// A call for this CPU alone runs the function in place.
	if (!all && remote.length === 0) return undefined;
	// xcall2 counts every call that goes to other CPUs, before the fast path may skip them all
	// (orig_dtrace_xcall counts only DTRACE_CPUALL calls).
	if (all || !orig) v[XCALL2]!++;
	if (remote.length === 0) return undefined;
	if (!orig && func === SYNC_FUNC && st.options.fastSync) {
		const skipped = remote.filter((t) => st.probeLevel[t] === 0);
		v[XCALL7]! += skipped.length;
		remote = remote.filter((t) => st.probeLevel[t] !== 0);
		if (remote.length === 0) return undefined;
	}
	const name = via ?? 'dtrace_xcall';
	if (st.options.xcall === 'smp_call_function') {
		// orig_dtrace_xcall: preempt_disable(); smp_call_function(func, arg, TRUE); func(arg);
		// The callers' frames start with the new path's dtrace_xcall2/1: swap them for orig_dtrace_xcall.
		const below = ['orig_dtrace_xcall', ...frames.slice(frames[0] === XCALL_FRAMES[0] ? 2 : 0)];
		if (!cpu.irqsOn || cpu.ctx !== 'task') warnOnce(k, cpu, msg.SMP_CALL_FUNCTION_MANY_WARN, undefined, ['smp_call_function', ...below]);
		return crossCall(k, cpu, remote, `${name} via smp_call_function`, func, {extraLatency, frames: ['smp_call_function_many', 'smp_call_function', ...below], onAck: p.fn.acked});
	}
	// No ack hook: on the private vector the port acks its calls itself (serviceMailbox).
	return crossCall(k, cpu, remote, name, func, {
		vector: V_DTRACE,
		extraLatency: extraLatency + (st.teardown?.stage === 'probes' ? PORT_TIMING.perSync : 0),
		queue: p.enqueue,
		frames,
	});
}

/** Bookkeeping when a target has run one of our cross-calls. */
export function acked(p: DtracePort, call: CrossCall, target: number): void {
	const st = p.st;
	if (call.vector === V_DTRACE) ackWaits(p, call);
	const t = st.teardown;
	if (t && t.doneAt === undefined && call.caller === st.consumer?.cpu) {
		t.xcalls++;
		if (call.remaining === 0) {
			t.lastAckCpu = target;
			t.lastAckCounts[target]!++;
		}
	}
}

/**
 * ack_wait(c, 100) (driver/x_call.c), called again and again until the target acks: each
 * poll adds to `xcall6(ack_waits)`, and `if (cnt > cnt_xcall5) cnt_xcall5 = cnt;` keeps the
 * highest poll index one call reached, 0..99, since a call gives up after 100 attempts.
 */
function ackWaits(p: DtracePort, call: CrossCall): void {
	const polls = Math.max(1, Math.ceil((p.k.s.now - call.started) / PORT_TIMING.ackPoll));
	const v = p.st.stats.v;
	v[XCALL6]! += polls;
	const most = Math.min(polls, ACK_WAIT_ATTEMPTS) - 1;
	if (most > v[XCALL5]!) v[XCALL5] = most;
}

/** The private vector's handler: dtrace_int_ipi -> xcall_slave -> xcall_slave2 -> EOI. */
export function dtraceIntIpi(p: DtracePort, cpu: Cpu): void {
	const st = p.st;
	st.stats.v[IPI1]!++;
	st.ipisByCpu[cpu.id]!++;
	// An IPI costs what the machine's cross-call handler costs, plus xcall_slave2's work.
	charge(cpu, p.k.config.timing.callHandler + PORT_TIMING.ipiHandler);
	serviceMailbox(p, cpu);
}

/** xcall_slave2(): run every request waiting in this CPU's mailbox and ack it. */
function serviceMailbox(p: DtracePort, cpu: Cpu): void {
	const st = p.st;
	const box = st.mailbox[cpu.id]!;
	const n = box.length;
	let i = st.mailboxHead[cpu.id]!;
	if (i === n) return;
	// Acks never queue work synchronously, so the mailbox does not grow under us.
	for (; i < n; i++) {
		const call = box[i]!;
		box[i] = undefined!;
		if (call.func === 'dtrace_buffer_switch') st.buffers[cpu.id] = 0;
		if (ack(p.k, call, cpu.id)) acked(p, call, cpu.id);
	}
	st.mailboxHead[cpu.id] = n;
	if (n >= 256) {
		box.length = 0;
		st.mailboxHead[cpu.id] = 0;
	}
}

/** Whether the CPU is in one of the port's loops that call xcall_slave2() while they wait. */
export function polling(p: DtracePort, cpu: Cpu): boolean {
	const a = cpu.activity;
	return (a.kind === 'xcall-wait' && a.call.vector === V_DTRACE) || (a.kind === 'busy-wait' && p.st.mutexes.has(a.on));
}

export function pollMailbox(p: DtracePort, cpu: Cpu): void {
	if (polling(p, cpu)) serviceMailbox(p, cpu);
}

// timeout() and the cyclic (driver/taskq.c, driver/cyclic_linux.c): a timeout() callback
// runs either as an hrtimer, in hardirq context on whatever CPU, interrupting whatever holds
// a lock there, or dispatched to a workqueue kworker thread, a task that can block and lets
// the lock holder finish. The state's cyclic (dtrace_state_clean) syncs from a tasklet.
import type {Cpu, Task} from '../cpu.js';
import {armHrtimer, fireHrtimer} from '../hrtimer.js';
import {blockInHandler, returnFromInterrupt} from '../irq.js';
import {exitCurrent, spawn} from '../sched.js';
import {othersOf} from '../smp.js';
import {cleanupFasttrap} from './fasttrap.js';
import {mutexEnter, mutexExit, scheduleSpinTick, spinInHandler} from './mutex.js';
import type {DtracePort} from './port.js';
import type {PendingTimeout} from './state.js';
import {cyclicFired, noSuchCpu, nothingPending, timeoutDispatched, timeoutFired} from './status.js';
import {pollMailbox, startXcall, SYNC_FUNC, XCALL_FRAMES} from './x_call.js';

/** timeout(fn, arg, 1): an hrtimer on this CPU, or a delayed work item. */
export function timeout(p: DtracePort, cpu: Cpu, fn: string): void {
	const k = p.k;
	const st = p.st;
	const t: PendingTimeout = {id: st.nextTimeoutId++, fn, armedOn: cpu.id, at: k.s.now + k.jiffyNs, fired: false};
	st.timeouts.push(t);
	p.stats.inc('timer_add');
	if (st.options.timeouts === 'hrtimer') armHrtimer(k, cpu.id, t.at, timeoutTimer(p, t));
	else k.at(t.at, p.fn.work, cpu.id, t);
}

function timeoutTimer(p: DtracePort, t: PendingTimeout): {name: string; describe: string; fn: number; data: PendingTimeout} {
	return {name: t.fn, describe: `${t.fn} (dtrace timeout())`, fn: p.fn.timeout, data: t};
}

/** The hrtimer flavour: runs in hardirq on the CPU it fires on. Returns true if it blocked. */
export function runTimeout(p: DtracePort, t: PendingTimeout, cpu: Cpu): boolean {
	if (t.fired) return false;
	t.fired = true;
	t.firedOn = cpu.id;
	p.stats.inc('timer1');
	const frames = ['fasttrap_pid_cleanup_cb', '__run_hrtimer', 'hrtimer_interrupt', 'local_apic_timer_interrupt', 'smp_apic_timer_interrupt', 'apic_timer_interrupt'];
	const m = p.st.mutexes.get('dtrace_lock')!;
	if (m.owner === undefined) {
		cleanupFasttrap(p);
		return false;
	}
	spinInHandler(p, cpu, 'dtrace_lock');
	blockInHandler(p.k, cpu, {kind: 'busy-wait', on: 'dtrace_lock', fn: 'dmutex_enter', describe: 'hardirq: spin mutex dtrace_lock'}, frames);
	cpu.resumeHook = {fn: p.fn.timeoutDone};
	pollMailbox(p, cpu);
	scheduleSpinTick(p, cpu, 0);
	return true;
}

/** dtrace_lock came to the blocked hrtimer: clean up, release, return from the interrupt. */
export function timeoutDone(p: DtracePort, cpu: Cpu): void {
	cleanupFasttrap(p);
	mutexExit(p, 'dtrace_lock');
	returnFromInterrupt(p.k, cpu);
}

/** The workqueue flavour: a kworker thread that may sleep and lets the holder finish. */
export function dispatchWork(p: DtracePort, t: PendingTimeout): Task | undefined {
	if (t.fired) return undefined;
	t.fired = true;
	const k = p.k;
	const cpus = k.s.cpus;
	const n = cpus.length;
	let target = (t.armedOn + 1) % n;
	for (let i = 0; i < n; i++) {
		const c = cpus[(t.armedOn + 1 + i) % n]!;
		if (c.current === undefined) {
			target = c.id;
			break;
		}
	}
	t.firedOn = target;
	return spawn(k, target, 'kworker/u8:1', 37, {fn: p.fn.kworker, data: {stage: 'lock'}});
}

/** The kworker's work: take dtrace_lock (it may spin), clean up, release, exit. */
export function kworker(p: DtracePort, cpu: Cpu, d: {stage: 'lock' | 'work'}): void {
	if (d.stage === 'lock') {
		d.stage = 'work';
		p.stats.inc('timer1');
		if (mutexEnter(p, cpu, 'dtrace_lock', cpu.current)) return;
	}
	cleanupFasttrap(p);
	mutexExit(p, 'dtrace_lock');
	exitCurrent(p.k, cpu);
}

/**
 * Input `timer[:CPU]`: fire a pending timeout now, or the consumer's cyclic. Returns what
 * fired where, or that nothing was pending (then nothing happens).
 */
export function injectTimer(p: DtracePort, arg: string | undefined): string {
	const k = p.k;
	const st = p.st;
	const pending = st.timeouts.find((t) => !t.fired);
	const cpuId = arg === undefined ? (pending?.armedOn ?? st.consumer?.cpu ?? 0) : Number(arg);
	if (!Number.isInteger(cpuId) || cpuId < 0 || cpuId >= k.s.cpus.length) return noSuchCpu(k, arg);
	const cpu = k.s.cpus[cpuId]!;
	const depth = cpu.irqStack.length;
	if (pending) {
		const probes = st.fasttrapProbes;
		if (st.options.timeouts === 'hrtimer') {
			fireHrtimer(k, cpuId, timeoutTimer(p, pending));
			return timeoutFired(k, pending, cpu, depth, probes);
		}
		return timeoutDispatched(k, pending, dispatchWork(p, pending)!, arg === undefined ? undefined : cpuId, probes);
	}
	if (!p.active) return nothingPending(p, cpuId);
	// The state's cyclic (dtrace_state_clean): hrtimer -> tasklet -> dtrace_sync().
	const timer = {name: 'dtrace_state_clean', describe: 'dtrace_state_clean (the dtrace cyclic)', fn: p.fn.cyclic};
	fireHrtimer(k, cpuId, timer);
	return cyclicFired(k, cpu, cpu.pendingTimers.includes(timer), depth);
}

/** dtrace_state_clean from the cyclic's tasklet: a dtrace_sync in interrupt context. Returns true if it blocked. */
export function cyclicClean(p: DtracePort, cpu: Cpu): boolean {
	p.stats.inc('timer1');
	const frames = ['dtrace_sync', 'dtrace_state_clean', 'cyclic_tasklet_func', 'tasklet_action', '__do_softirq', 'irq_exit', 'smp_apic_timer_interrupt'];
	const call = startXcall(p, cpu, othersOf(p.k, cpu), SYNC_FUNC, [...XCALL_FRAMES, ...frames], 0, 'dtrace_xcall from the dtrace_state_clean cyclic');
	if (!call) return false;
	blockInHandler(p.k, cpu, {kind: 'xcall-wait', call}, frames.slice(1));
	cpu.resumeHook = {fn: p.fn.cyclicDone};
	pollMailbox(p, cpu);
	return true;
}

/** The cyclic's cross-call was acked: the interrupt returns. */
export function cyclicDone(p: DtracePort, cpu: Cpu): void {
	returnFromInterrupt(p.k, cpu);
}

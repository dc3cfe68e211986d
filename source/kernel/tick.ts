// The scheduling-clock tick (kernel/time/tick-*.c, update_process_times) on the local APIC
// timer vector: every CPU's tick is aligned to the same jiffy boundary (Linux's default,
// skew_tick=0), so one heap entry per jiffy ticks them all, in CPU order. The handler runs
// expired hrtimers, the watchdog's hrtimer, the RCU stall check and quiescent state.
import {V_LOC} from './apic.js';
import type {Context, Cpu} from './cpu.js';
import {EV_TICK} from './engine.js';
import {hashWord} from './hash.js';
import {charge, deliver} from './irq.js';
import type {Kernel} from './kernel.js';
import {checkCpuStall} from './rcu/stall.js';
import {quiescentState, rcuSoftirq} from './rcu/tree.js';
import {irqReturnPreempt} from './preempt.js';
import {NS_PER_SEC} from './time.js';
import {watchdogTimerFn} from './watchdog.js';
import {tickSoftirqs} from './softirq.js';

/** Virtual time of the `n`th jiffy. */
export function tickAt(k: Kernel, n: number): number {
	return Math.floor((n * NS_PER_SEC) / k.config.hz);
}

export function onTick(k: Kernel): void {
	const s = k.s;
	k.q.push(tickAt(k, ++s.tickIndex), EV_TICK, -1);
	const h = s.hash;
	const cpus = s.cpus;
	const locBit = 1 << V_LOC;
	s.events += cpus.length - 1;
	for (let i = 0; i < cpus.length; i++) {
		const cpu = cpus[i]!;
		hashWord(h, (EV_TICK << 16) | i);
		cpu.irr |= locBit;
		if (cpu.irqsOn) {
			deliver(k, cpu);
			irqReturnPreempt(k, cpu);
		}
		if (s.panicked !== undefined) return;
	}
}

/** local_apic_timer_interrupt; returns false when an hrtimer callback blocked (the handler has not returned). */
export function localTimerInterrupt(k: Kernel, cpu: Cpu, interrupted: Context): boolean {
	const s = k.s;
	cpu.loc++;
	tickSoftirqs(k, cpu);
	charge(cpu, k.config.timing.tickHandler);
	while (cpu.pendingTimers.length > 0) {
		const timer = cpu.pendingTimers.shift()!;
		if (k.invoke(timer, cpu)) return false;
	}
	if (cpu.wdTimerPending) {
		cpu.wdTimerPending = false;
		watchdogTimerFn(k, cpu);
		if (s.panicked !== undefined) return true;
	}
	// update_process_times -> rcu_check_callbacks: stall check first, then the QS.
	const j = k.jiffies;
	const rcu = s.rcu;
	if (rcu.inProgress && k.config.watchdogs) {
		if (rcu.need[cpu.id]) cpu.rcuTicksThisGp++;
		checkCpuStall(k, cpu, j);
	}
	const userOrIdle = interrupted === 'idle' || cpu.rcuIdle || (interrupted === 'task' && cpu.activity.kind === 'run' && cpu.activity.mode === 'user');
	// rcu_preempt_check_callbacks(): preemptible RCU's quiescent state is "not in a read-side critical section".
	if (userOrIdle || (k.config.preemption === 'full' && !cpu.current?.rcuNesting)) quiescentState(k, cpu);
	rcuSoftirq(k, cpu);
	cpu.softirqs++;
	return true;
}

// hrtimers (kernel/hrtimer.c): an expired timer's callback runs in hardirq context from the
// local APIC timer interrupt, on whatever the CPU was doing, once the CPU takes interrupts.
// The callback is a continuation: a registered function and its plain data.
import {V_LOC} from './apic.js';
import type {HrtimerCallback} from './cpu.js';
import {EV_HRTIMER} from './engine.js';
import {deliver} from './irq.js';
import type {Kernel} from './kernel.js';

/** Arms an hrtimer on `cpuId`: at `at` its callback runs in hardirq context there. */
export function armHrtimer(k: Kernel, cpuId: number, at: number, timer: HrtimerCallback): void {
	k.q.push(Math.max(at, k.s.now), EV_HRTIMER, cpuId, 0, timer);
}

/** The timer expired: its callback waits for the CPU's local timer interrupt. */
export function onHrtimer(k: Kernel, cpuId: number, timer: HrtimerCallback): void {
	const cpu = k.s.cpus[cpuId]!;
	cpu.pendingTimers.push(timer);
	cpu.irr |= 1 << V_LOC;
	if (cpu.irqsOn) deliver(k, cpu);
}

/** Fires an hrtimer callback now (an injected timer): it waits for the CPU's interrupts. */
export const fireHrtimer = onHrtimer;

// Interrupt entry and exit (arch/x86/kernel/irq.c, kernel/irq/): taking pending vectors
// while interrupts are on, the handler each vector runs, the IRQ flag (local_irq_enable/
// disable), the time handlers steal from the activity they interrupt, and handlers that
// block: such a handler saves the interrupted context on the CPU's irqStack and gives it
// back when it returns.
import {V_CAL, V_CALS, V_DTRACE, V_LOC, V_RES, highestReady} from './apic.js';
import type {Activity, Context, Cpu} from './cpu.js';
import {EV_RESUME, EV_STEP_DONE} from './engine.js';
import type {Kernel} from './kernel.js';
import type {Spinlock} from './locks.js';
import {kick, setActivity} from './sched.js';
import {callFunctionInterrupt, waitOver} from './smp.js';
import {localTimerInterrupt} from './tick.js';

/** Accepts pending vectors while the CPU has interrupts on and is not in a handler. */
export function deliver(k: Kernel, cpu: Cpu): void {
	while (cpu.irqsOn && cpu.ctx !== 'hardirq' && cpu.ctx !== 'nmi') {
		const ready = cpu.irr & ~cpu.isr;
		if (ready === 0) return;
		const vector = highestReady(ready);
		const b = 1 << vector;
		cpu.irr &= ~b;
		cpu.isr |= b;
		const prev = cpu.ctx;
		cpu.ctx = 'hardirq';
		k.s.handlerFrom = prev;
		if (!handleVector(k, cpu, vector, prev)) return; // blocked: the vector stays in service
		cpu.ctx = prev;
		cpu.isr &= ~b;
	}
}

/** Runs the handler of `vector`; returns whether it finished and wrote EOI. */
export function handleVector(k: Kernel, cpu: Cpu, vector: number, interrupted: Context): boolean {
	switch (vector) {
		case V_LOC:
			return localTimerInterrupt(k, cpu, interrupted);
		case V_RES:
			cpu.res++;
			charge(cpu, k.config.timing.reschedHandler);
			if (cpu.current === undefined && cpu.runq.length > 0) kick(k, cpu);
			return true;
		case V_CALS: {
			const depth = cpu.irqStack.length;
			for (const ext of k.extensions) if (ext.vector?.(k, cpu, vector)) return cpu.irqStack.length === depth;
			callFunctionInterrupt(k, cpu);
			return true;
		}
		case V_CAL:
			callFunctionInterrupt(k, cpu);
			return true;
		case V_DTRACE:
		default: {
			const depth = cpu.irqStack.length;
			for (const ext of k.extensions) if (ext.vector?.(k, cpu, vector)) return cpu.irqStack.length === depth;
			cpu.spu++;
			return true;
		}
	}
}

/** Interrupt time is charged to the interrupted timed activity, pushing its end out. */
export function charge(cpu: Cpu, ns: number): void {
	cpu.irqNs += ns;
	if (cpu.activity.kind === 'run') cpu.stolen += ns;
}

/** local_irq_disable/enable: turning interrupts on takes whatever is pending. */
export function setIrqs(k: Kernel, cpu: Cpu, on: boolean): void {
	if (cpu.irqsOn === on) return;
	cpu.irqsOn = on;
	if (!on) cpu.irqOffSince = k.s.now;
	else deliver(k, cpu);
}

/**
 * Called from inside an interrupt handler that has to wait (spin on a lock, wait for a
 * cross-call): saves the interrupted context and makes `activity` the CPU's. The handler
 * ends with returnFromInterrupt().
 */
export function blockInHandler(k: Kernel, cpu: Cpu, activity: Activity, frames: readonly string[], nmi = false): void {
	const now = k.s.now;
	const a = cpu.activity;
	const interrupted = nmi ? cpu.ctx : k.s.handlerFrom;
	let vector = -1;
	if (!nmi) for (let v = 0; v < 8; v++) if (cpu.isr & (1 << v)) vector = v;
	cpu.irqStack.push({
		vector,
		ctx: interrupted,
		activity: a,
		since: cpu.since,
		irqsOn: cpu.irqsOn,
		irqOffSince: cpu.irqOffSince,
		remaining: a.kind === 'run' ? Math.max(0, a.until - now) + cpu.stolen : 0,
		resumeHook: cpu.resumeHook,
		frames,
		enteredAt: now,
	});
	cpu.resumeHook = undefined;
	cpu.ctx = nmi ? 'nmi' : 'hardirq';
	if (cpu.irqsOn) cpu.irqOffSince = now;
	cpu.irqsOn = false;
	setActivity(k, cpu, activity);
}

/** The blocked handler is done: EOI, and the interrupted context carries on. */
export function returnFromInterrupt(k: Kernel, cpu: Cpu): void {
	const f = cpu.irqStack.pop();
	if (!f) return;
	const now = k.s.now;
	// The whole stretch under the outermost blocked handler was handler time.
	if (cpu.irqStack.length === 0) cpu.irqNs += now - f.enteredAt;
	if (f.vector >= 0) cpu.isr &= ~(1 << f.vector);
	cpu.ctx = f.ctx;
	cpu.irqsOn = f.irqsOn;
	cpu.irqOffSince = f.irqOffSince;
	cpu.resumeHook = f.resumeHook;
	const a = f.activity;
	setActivity(k, cpu, a.kind === 'run' ? {...a, until: now + f.remaining} : a);
	cpu.since = f.since;
	const token = cpu.token;
	// Whatever the interrupted context was waiting for may have happened meanwhile.
	if (a.kind === 'run') k.q.push(now + f.remaining, EV_STEP_DONE, cpu.id, token);
	else if (a.kind === 'spin' && (k.s.locks.get(a.lock) as Spinlock | undefined)?.holder === cpu.id) k.q.push(now, EV_RESUME, cpu.id, token);
	else if (a.kind === 'xcall-wait' && waitOver(a)) k.q.push(now, EV_RESUME, cpu.id, token);
	else if (a.kind === 'idle' && cpu.current === undefined && cpu.runq.length > 0) kick(k, cpu);
	for (const ext of k.extensions) ext.ipiMasked?.(k, cpu, -1);
	deliver(k, cpu);
}

// Interrupt entry and exit (arch/x86/kernel/irq.c, kernel/irq/): taking pending vectors
// while interrupts are on, the handler each vector runs, the IRQ flag (local_irq_enable/
// disable), the time handlers steal from the activity they interrupt, and handlers that
// block: such a handler saves the interrupted context on the CPU's irqStack and gives it
// back when it returns.
import {V_CAL, V_CALS, V_DEVICE, V_DTRACE, V_LOC, V_RES, highestReady} from './apic.js';
import type {Activity, Context, Cpu} from './cpu.js';
import {EV_RESUME, EV_STEP_DONE} from './engine.js';
import type {Kernel} from './kernel.js';
import type {Spinlock} from './locks.js';
import {printk} from './printk.js';
import {draw, kick, setActivity} from './sched.js';
import {callFunctionInterrupt, waitOver} from './smp.js';
import {releaseSpin, spinInAtomic} from './spinlock.js';
import {rwGranted, rwLockFromHandler, rwUnlock} from './rwlock.js';
import {irqExit, taskletSchedule} from './softirq.js';
import {localTimerInterrupt} from './tick.js';
import {lockdepIrqFlags} from './lockdep.js';
import {spinLockDebug, spinLockDebugWait} from './spinlock_debug.js';

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
		if (k.s.softirq.pending[cpu.id] !== 0) irqExit(k, cpu, vector);
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
			return callFunctionInterrupt(k, cpu);
		}
		case V_CAL:
			return callFunctionInterrupt(k, cpu);
		case V_DEVICE:
			return deviceInterrupt(k, cpu);
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
	if (k.s.debug) lockdepIrqFlags(k, cpu, on);
	if (!on) cpu.irqOffSince = k.s.now;
	else deliver(k, cpu);
}

/**
 * Saves the context a handler (or a softirq run on irq exit) interrupted on the CPU's
 * interrupt stack, to be restored when it returns; the CPU's activity is then the handler's.
 */
export function saveInterrupted(k: Kernel, cpu: Cpu, vector: number, interrupted: Context, frames: readonly string[]): void {
	const now = k.s.now;
	const a = cpu.activity;
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
}

/**
 * Called from inside an interrupt handler that has to wait (spin on a lock, wait for a
 * cross-call): saves the interrupted context and makes `activity` the CPU's. The handler
 * ends with returnFromInterrupt().
 */
export function blockInHandler(k: Kernel, cpu: Cpu, activity: Activity, frames: readonly string[], nmi = false): void {
	const now = k.s.now;
	const interrupted = nmi ? cpu.ctx : k.s.handlerFrom;
	let vector = -1;
	if (!nmi) for (let v = 0; v < 8; v++) if (cpu.isr & (1 << v)) vector = v;
	saveInterrupted(k, cpu, vector, interrupted, frames);
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
	else if (a.kind === 'spin' && a.rw && rwGranted(k, a.lock, cpu.id)) k.q.push(now, EV_RESUME, cpu.id, token);
	else if (a.kind === 'xcall-wait' && waitOver(a)) k.q.push(now, EV_RESUME, cpu.id, token);
	else if (a.kind === 'idle' && cpu.current === undefined && cpu.runq.length > 0) kick(k, cpu);
	for (const ext of k.extensions) ext.ipiMasked?.(k, cpu, -1);
	if (f.vector >= 0) irqExit(k, cpu, f.vector);
	deliver(k, cpu);
}

// --- Device interrupts (kernel/irq/handle.c, chip.c) ----------------------------------------
// A scenario's `irqs`: each line is raised every `every` ns on its CPU (round-robin over an
// affinity list); the APIC holds one pending per line; handle_irq runs the action's steps in
// hardirq context on that CPU, IRQs off for the whole handler. A handler that must wait (a
// spinlock someone holds, a `run` step) blocks as other handlers do: the interrupted context
// is saved on the CPU's irqStack and comes back when the handler returns.

/** Raises line `line` now; the next one comes `every` later. */
export function raiseDeviceIrq(k: Kernel, line: number): void {
	const conf = k.config.irqs![line]!;
	const d = k.s.devIrq;
	const target = conf.cpus[d.raised[line]! % conf.cpus.length]!;
	d.raised[line]!++;
	k.at(k.s.now + conf.every, k.devIrqFns.raise, target, line);
	const cpu = k.s.cpus[target]!;
	const pending = d.pending[target]!;
	if (pending.includes(line)) return; // already pending in the IRR: the edge merges into it
	pending.push(line);
	cpu.irr |= 1 << V_DEVICE;
	if (cpu.irqsOn) deliver(k, cpu);
}

/** A raise, for step reports (after `CPU0: `): `irq 19 (eth0) raised; pending (in a handler): spin nic_lock (CPU0)`. */
export function describeRaise(k: Kernel, cpuId: number, line: number): string {
	const conf = k.config.irqs![line]!;
	const cpu = k.s.cpus[cpuId]!;
	const pending = k.s.devIrq.pending[cpuId]!.includes(line);
	const where = !pending ? 'taken' : cpu.ctx === 'hardirq' || cpu.ctx === 'nmi' ? 'pending (in a handler)' : !cpu.irqsOn ? 'pending (IRQs off)' : 'pending';
	return `irq ${conf.irq} (${conf.name}) raised; ${where}: ${k.describe(cpu)}`;
}

/** The device vector: handle_irq for the oldest pending line; false when its handler blocked. */
function deviceInterrupt(k: Kernel, cpu: Cpu): boolean {
	const d = k.s.devIrq;
	const pending = d.pending[cpu.id]!;
	const line = pending.shift();
	if (line === undefined) {
		cpu.spu++;
		return true;
	}
	if (pending.length > 0) cpu.irr |= 1 << V_DEVICE;
	d.counts[line]![cpu.id]!++;
	charge(cpu, k.config.timing.callHandler);
	d.running[cpu.id] = {line, pc: 0, blocked: false, id: d.nextId++, mitigated: k.s.mitigated};
	return runDeviceHandler(k, cpu);
}

/** The handler's stack for dumps, innermost first. */
function handlerFrames(k: Kernel, line: number): string[] {
	const conf = k.config.irqs![line]!;
	const flow = conf.chip.endsWith('fasteoi') ? 'handle_fasteoi_irq' : 'handle_edge_irq';
	return [conf.handler, 'handle_irq_event_percpu', 'handle_irq_event', flow, 'handle_irq', 'do_IRQ', 'common_interrupt'];
}

/** Waits inside the handler: the first wait saves the interrupted context. */
function handlerWaits(k: Kernel, cpu: Cpu, activity: Activity): void {
	const r = k.s.devIrq.running[cpu.id]!;
	if (r.blocked) setActivity(k, cpu, activity);
	else {
		r.blocked = true;
		blockInHandler(k, cpu, activity, handlerFrames(k, r.line));
	}
}

/**
 * Runs the handler on `cpu` from its next step until it waits or returns. Returns true when
 * it returned without ever blocking (the caller writes EOI), false otherwise.
 */
export function runDeviceHandler(k: Kernel, cpu: Cpu): boolean {
	const d = k.s.devIrq;
	const r = d.running[cpu.id];
	if (!r) return true;
	const conf = k.config.irqs![r.line]!;
	while (r.pc < conf.steps.length) {
		const step = conf.steps[r.pc++]!;
		if (step.when !== undefined && (step.when === 'mitigated') !== r.mitigated) continue;
		switch (step.op) {
			case 'spin_lock': {
				if (k.s.debug) spinLockDebug(k, cpu, k.s.locks.get(step.lock) as Spinlock, '_raw_spin_lock');
				if (spinInAtomic(k, cpu, step.lock)) break;
				handlerWaits(k, cpu, {kind: 'spin', lock: step.lock});
				if (k.s.debug) spinLockDebugWait(k, cpu, step.lock);
				// The hand-over (spin_unlock on the holder) resumes the handler after the lock.
				cpu.resumeHook = {fn: k.devIrqFns.resume};
				return false;
			}
			case 'spin_unlock':
				releaseSpin(k, cpu, step.lock);
				break;
			case 'read_lock':
			case 'write_lock': {
				const write = step.op === 'write_lock';
				if (rwLockFromHandler(k, cpu, step.lock, write)) break;
				handlerWaits(k, cpu, {kind: 'spin', lock: step.lock, rw: write ? 'write' : 'read'});
				cpu.resumeHook = {fn: k.devIrqFns.resume};
				return false;
			}
			case 'read_unlock':
			case 'write_unlock':
				rwUnlock(k, cpu, step, step.op === 'write_unlock', true);
				break;
			case 'run': {
				const ns = draw(cpu, step.for);
				handlerWaits(k, cpu, {kind: 'run', mode: 'kernel', fn: conf.handler, until: k.s.now + ns});
				k.at(k.s.now + ns, k.devIrqFns.resume, cpu.id, r.id);
				return false;
			}
			case 'printk':
				printk(k, cpu.id, 'info', step.text);
				break;
			case 'tasklet_schedule':
				taskletSchedule(k, cpu, step.tasklet);
				break;
		}
	}
	d.running[cpu.id] = null;
	if (!r.blocked) return true;
	returnFromInterrupt(k, cpu);
	return false;
}

/** The continuation a blocked handler resumes by (data: the run id of a timed step, or none for a lock hand-over). */
export function resumeDeviceHandler(k: Kernel, cpu: Cpu, id: number | undefined): void {
	const r = k.s.devIrq.running[cpu.id];
	if (!r || (id !== undefined && id !== r.id)) return;
	runDeviceHandler(k, cpu);
}

/** /proc/interrupts' numbered rows for the scenario's lines: per-CPU counts, chip, action. */
export function deviceIrqRows(k: Kernel): {irq: number; chip: string; handler: string; action: string; perCpu: number[]}[] {
	return (k.config.irqs ?? []).map((conf, i) => {
		const [chip, flow] = splitChip(conf.chip);
		return {irq: conf.irq, chip, handler: flow, action: conf.name, perCpu: [...k.s.devIrq.counts[i]!]};
	});
}

/** `IO-APIC-fasteoi` → chip `IO-APIC`, flow `fasteoi`. */
export function splitChip(name: string): [string, string] {
	const dash = name.lastIndexOf('-');
	return [name.slice(0, dash), name.slice(dash + 1)];
}

/** The functions device interrupt lines run by; defined only when the scenario has lines, so other scenarios' function ids stay as they were. */
export function attachDeviceIrqs(k: Kernel): void {
	if (!k.config.irqs?.length) return;
	k.devIrqFns.raise = k.define<number>('irq_raise', (kk, _cpu, line) => raiseDeviceIrq(kk, line), (kk, cpu, line) => describeRaise(kk, cpu, line));
	k.devIrqFns.resume = k.define<number | undefined>('irq_handler_resume', (kk, cpu, id) => resumeDeviceHandler(kk, cpu, id), (kk, cpu) => `interrupt handler goes on: ${kk.describe(kk.s.cpus[cpu]!)}`);
}

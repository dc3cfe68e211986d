// Functions a scenario defines (`functions`) and its NMI handler (`nmi`), run step by step in
// atomic context: a cross-call's function in the target's call-function interrupt (kernel/
// smp.c: csd->func(csd->info), then csd_unlock), stop_machine's function in the active
// CPU's stopper thread with IRQs off (stop_machine.ts), an NMI handler from do_nmi (nmi.ts).
// Steps: spin_lock/unlock, run, printk; what sleeps is refused at load. A body that must wait
// (a lock held elsewhere, a `run`) blocks: in an interrupt or NMI the interrupted context is
// saved on the CPU's irqStack (as device handlers do); in the stopper thread the task waits.
// A body's progress is plain data, one record per context and CPU.
import type {IrqStep} from './config.js';
import type {Activity, Context, Cpu} from './cpu.js';
import {V_CALS} from './apic.js';
import {blockInHandler, returnFromInterrupt} from './irq.js';
import type {Kernel} from './kernel.js';
import {printk} from './printk.js';
import {draw, setActivity} from './sched.js';
import {ack, continueCallQueue, type CrossCall} from './smp.js';
import {releaseSpin, spinInAtomic} from './spinlock.js';
import {stopFnDone, stopperKick, stopperThread} from './stop_machine.js';
import {nmiHandlerDone, onScenarioNmi} from './nmi.js';

export type Where = 'ipi' | 'nmi' | 'stop';

/** One body in progress on a CPU. */
export interface BodyRun {
	/** The function's name (the NMI handler's, for `nmi`). */
	readonly fn: string;
	pc: number;
	/** Whether it has waited at least once (an interrupt's context is then on the irqStack). */
	blocked: boolean;
	readonly id: number;
	/** The mitigation state latched when the body started: steps of the other variant (`when`) are skipped. */
	readonly mitigated: boolean;
	/** ipi: the cross-call whose function this is, and the end of the call queue this interrupt runs. */
	readonly call?: CrossCall;
	readonly end?: number;
	/** nmi: the context the NMI came in over. */
	readonly from?: Context;
}

export interface BodyState {
	readonly ipi: (BodyRun | null)[];
	readonly nmi: (BodyRun | null)[];
	readonly stop: (BodyRun | null)[];
	nextId: number;
}

export function makeBodyState(cpus: number): BodyState {
	const none = (): null[] => Array.from({length: cpus}, () => null);
	return {ipi: none(), nmi: none(), stop: none(), nextId: 1};
}

/** Whether the scenario defines `name` with steps. */
export function hasBody(k: Kernel, name: string): boolean {
	const fns = k.config.functions;
	return fns !== undefined && Object.hasOwn(fns, name);
}

/** Whether the kernel needs the bodies' continuations (only then are they defined: other scenarios' function ids stay as they were). */
export function usesBodies(k: Kernel): boolean {
	const c = k.config;
	return c.functions !== undefined || c.nmi !== undefined || c.tasks.some((t) => t.steps.some((st) => st.op === 'stop_machine'));
}

function stepsOf(k: Kernel, where: Where, r: BodyRun): readonly IrqStep[] {
	return where === 'nmi' ? k.config.nmi!.steps : (k.config.functions?.[r.fn]?.steps ?? []);
}

/** The frames of a blocked body, innermost first, for dumps. */
function framesFor(where: Where, r: BodyRun): string[] {
	if (where === 'nmi') return [r.fn, 'nmi_handle', 'do_nmi', 'end_repeat_nmi'];
	if (where === 'stop') return [r.fn];
	return r.call?.vector === V_CALS
		? [r.fn, 'generic_smp_call_function_single_interrupt', 'smp_call_function_single_interrupt', 'call_function_single_interrupt']
		: [r.fn, 'generic_smp_call_function_interrupt', 'smp_call_function_interrupt', 'call_function_interrupt'];
}

/** Starts `fn` on `cpu` in context `where` and runs it until it waits; returns true when it already returned. */
export function startBody(k: Kernel, cpu: Cpu, where: Where, fn: string, extra: {call?: CrossCall; end?: number; blocked?: boolean; from?: Context} = {}): boolean {
	const b = k.s.bodies;
	const r: BodyRun = {fn, pc: 0, blocked: extra.blocked ?? false, id: b.nextId++, mitigated: k.s.mitigated, ...(extra.call ? {call: extra.call, end: extra.end!} : {}), ...(extra.from ? {from: extra.from} : {})};
	b[where][cpu.id] = r;
	return runBody(k, cpu, where);
}

/** Waits inside the body: in an interrupt or NMI the first wait saves the interrupted context. */
function bodyWaits(k: Kernel, cpu: Cpu, where: Where, r: BodyRun, activity: Activity): void {
	if (where === 'stop' || r.blocked) setActivity(k, cpu, activity);
	else if (where === 'nmi') {
		// The NMI's own context goes on the irqStack as the one it came in over.
		cpu.ctx = r.from ?? 'task';
		blockInHandler(k, cpu, activity, framesFor(where, r), true);
	} else blockInHandler(k, cpu, activity, framesFor(where, r));
	r.blocked = true;
}

/** Runs the body from its next step until it waits (false) or returns (true). */
function runBody(k: Kernel, cpu: Cpu, where: Where): boolean {
	const r = k.s.bodies[where][cpu.id]!;
	const steps = stepsOf(k, where, r);
	while (r.pc < steps.length) {
		const step = steps[r.pc++]!;
		if (step.when !== undefined && (step.when === 'mitigated') !== r.mitigated) continue;
		switch (step.op) {
			case 'spin_lock': {
				if (spinInAtomic(k, cpu, step.lock)) break;
				bodyWaits(k, cpu, where, r, {kind: 'spin', lock: step.lock});
				// The hand-over (spin_unlock on the holder) resumes the body after the lock.
				cpu.resumeHook = {fn: k.bodyFns.resume, data: {where, id: r.id}};
				return false;
			}
			case 'spin_unlock':
				releaseSpin(k, cpu, step.lock);
				break;
			case 'run': {
				const ns = draw(cpu, step.for);
				bodyWaits(k, cpu, where, r, {kind: 'run', mode: 'kernel', fn: r.fn, until: k.s.now + ns});
				k.at(k.s.now + ns, k.bodyFns.resume, cpu.id, {where, id: r.id});
				return false;
			}
			case 'printk':
				printk(k, cpu.id, 'info', step.text);
				break;
		}
	}
	k.s.bodies[where][cpu.id] = null;
	return true;
}

/** The continuation a waiting body resumes by: after a lock hand-over or at the end of a `run`. */
export function resumeBody(k: Kernel, cpu: Cpu, d: {where: Where; id: number}): void {
	const r = k.s.bodies[d.where][cpu.id];
	if (!r || r.id !== d.id) return;
	if (!runBody(k, cpu, d.where)) return;
	bodyReturned(k, cpu, d.where, r);
}

/** A body that had waited has returned: what called it goes on. */
function bodyReturned(k: Kernel, cpu: Cpu, where: Where, r: BodyRun): void {
	if (where === 'stop') stopFnDone(k, cpu);
	else if (where === 'nmi') nmiHandlerDone(k, cpu, true);
	else {
		// csd_unlock after func(info); then the rest of this interrupt's queue, then EOI.
		ack(k, r.call!, cpu.id);
		if (continueCallQueue(k, cpu, r.end!, true)) returnFromInterrupt(k, cpu);
	}
}

/**
 * For the wait-for graph: when `cpu` spins on `lock` inside a function called by a cross-call,
 * the edge's words, naming the function and its caller, and the classic deadlock when the
 * caller holds the lock and waits for the function.
 */
export function calledSpinText(k: Kernel, cpu: Cpu, lock: string, holder: number): string | undefined {
	const r = k.s.bodies.ipi[cpu.id];
	if (!r?.call || cpu.activity.kind !== 'spin') {
		const st = k.s.bodies.stop[cpu.id];
		return st && cpu.activity.kind === 'spin' ? `CPU${cpu.id} runs ${st.fn} under stop_machine and spins with IRQs off on lock ${lock} held by CPU${holder}` : undefined;
	}
	const call = r.call;
	const head = `CPU${cpu.id} runs ${r.fn} for CPU${call.caller}'s ${call.via} and spins with IRQs off on lock ${lock} held by CPU${holder}`;
	const caller = k.s.cpus[call.caller]!;
	const a = caller.activity;
	const waits = a.kind === 'xcall-wait' && a.call === call;
	return holder === call.caller && waits ? `${head}, which waits for ${r.fn} to return with the lock held (cross-call deadlock)` : head;
}

/** For the wait-for graph: `to finish drain_pages` when `target` is running the call's function now, else undefined. */
export function runningCall(k: Kernel, target: number, call: CrossCall): string | undefined {
	const r = k.s.bodies.ipi[target];
	return r?.call === call ? r.fn : undefined;
}

/** NMI handler spinning on a lock the code it interrupted holds on the same CPU: the stuck node's words, or undefined. */
export function nmiSelfSpinText(k: Kernel, cpu: Cpu, lock: string): string | undefined {
	const r = k.s.bodies.nmi[cpu.id];
	if (!r || cpu.ctx !== 'nmi') return undefined;
	const task = cpu.current ? `${cpu.current.comm} (pid ${cpu.current.pid})` : 'the code';
	return `CPU${cpu.id}'s NMI handler ${r.fn} spins on lock ${lock}, which ${task} holds on CPU${cpu.id}, interrupted by that NMI: NMIs cannot be masked and the holder cannot run again to release it`;
}

/** Defines the continuations bodies, the NMI source and the stopper threads run by (at attach, only when the scenario uses them). */
export function defineBodies(k: Kernel): void {
	k.bodyFns.resume = k.define<{where: Where; id: number}>('body_resume', (kk, cpu, d) => resumeBody(kk, cpu, d), (kk, cpu, d) => `${d.where === 'nmi' ? 'NMI handler' : d.where === 'stop' ? 'stop_machine function' : 'called function'} goes on: ${kk.describe(kk.s.cpus[cpu]!)}`);
	k.bodyFns.nmi = k.define('nmi_source', (kk, cpu) => onScenarioNmi(kk, cpu), (kk, cpu) => `NMI (${kk.config.nmi!.handler}): ${kk.describe(kk.s.cpus[cpu]!)}`);
	k.bodyFns.stopper = k.define('cpu_stopper_thread', (kk, cpu) => stopperThread(kk, cpu));
	k.bodyFns.stopperKick = k.define('stop_machine_cpu_stop', (kk, cpu) => stopperKick(kk, cpu), (kk, cpu) => `stopper sees the new state: ${kk.describe(kk.s.cpus[cpu]!)}`);
}

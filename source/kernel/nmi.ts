// NMIs (arch/x86/kernel/nmi.c): the perf sampling NMI on every CPU (perf_event_nmi_handler,
// a probe site for the DTrace port) and trigger_all_cpu_backtrace, the NMI that makes each
// CPU print where it is. The NMI watchdog is in watchdog.ts.
import type {Cpu} from './cpu.js';
import {EV_PERF_NMI} from './engine.js';
import {hashWord} from './hash.js';
import type {Kernel} from './kernel.js';
import * as msg from './messages.js';
import {logbufWedged} from './printk.js';
import {stackContext} from './stacktrace.js';
import {NS_PER_SEC} from './time.js';
import {returnFromInterrupt} from './irq.js';
import {startBody} from './smp_function.js';

export function onPerfNmi(k: Kernel): void {
	const s = k.s;
	k.q.push(s.now + Math.floor(NS_PER_SEC / k.config.perfNmiHz), EV_PERF_NMI, -1);
	for (const cpu of s.cpus) {
		// NMIs do not nest: a CPU still inside one takes no other.
		if (cpu.ctx === 'nmi') continue;
		hashWord(s.hash, (EV_PERF_NMI << 16) | cpu.id);
		cpu.nmi++;
		cpu.pmi++;
		const prev = cpu.ctx;
		cpu.ctx = 'nmi';
		const depth = cpu.irqStack.length;
		for (const ext of k.extensions) ext.onNmi?.(k, cpu);
		if (cpu.irqStack.length === depth) cpu.ctx = prev;
	}
	s.events += s.cpus.length - 1;
}

/** trigger_all_cpu_backtrace(): an NMI to every CPU, each printing where it is. */
export function allCpuBacktrace(k: Kernel, from: Cpu): void {
	const s = k.s;
	const now = s.now;
	// Part of the message that triggered it, not a message of its own.
	if (!logbufWedged(k)) k.log.print(now, from.id, 'info', msg.nmiBacktraceHeader(), false);
	for (const c of s.cpus) {
		c.nmi++;
		const ctx = stackContext(k, c);
		// The NMI backtrace prints the CPU line and the call trace, not the hardware name.
		const [head, , ...rest] = msg.dumpStack(ctx, 'warn');
		k.log.print(now, c.id, 'warn', msg.nmiBacktraceFor(c.id), false);
		k.log.print(now, c.id, 'warn', head!.text, false);
		for (const line of rest) k.log.print(now, c.id, 'warn', line.text, false);
	}
}

// --- A scenario's NMI handler (`nmi`): register_nmi_handler(NMI_LOCAL, handler, 0, name) on
// a periodic NMI source on each of its CPUs. NMIs are not maskable: the handler runs whatever
// the CPU does, IRQs off or not, and no other NMI (the NMI watchdog's included) comes in
// while it runs. A handler that spins on a lock the code it interrupted holds never returns.

/** Queues the first NMI on each of the handler's CPUs (at boot). */
export function bootNmiSource(k: Kernel): void {
	const n = k.config.nmi;
	if (n) for (const c of n.cpus) k.at(n.startAt, k.bodyFns.nmi, c);
}

/** The periodic source fires on `cpu`: nmi_handle() runs the handler, unless an NMI is in progress there. */
export function onScenarioNmi(k: Kernel, cpu: Cpu): void {
	const n = k.config.nmi!;
	k.at(k.s.now + n.every, k.bodyFns.nmi, cpu.id);
	if (cpu.ctx === 'nmi') return; // NMIs do not nest
	cpu.nmi++;
	const prev = cpu.ctx;
	cpu.ctx = 'nmi';
	if (startBody(k, cpu, 'nmi', n.handler, {from: prev})) cpu.ctx = prev;
}

/** The handler returned after it had waited: back to what the NMI interrupted. */
export function nmiHandlerDone(k: Kernel, cpu: Cpu, blocked: boolean): void {
	if (blocked) returnFromInterrupt(k, cpu);
}

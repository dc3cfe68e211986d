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

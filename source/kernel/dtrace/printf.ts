// dtrace_printf (driver/printf.c): the port's own messages go to a bounded circular buffer
// that never blocks (/proc/dtrace/trace), or, when the scenario says so, to the kernel's
// printk, which from NMI context spins on logbuf_lock and can hang the CPU.
import type {Cpu} from '../cpu.js';
import {blockInHandler, returnFromInterrupt} from '../irq.js';
import {LOGBUF_LOCK, printk} from '../printk.js';
import {releaseSpin, spinFromNmi} from '../spinlock.js';
import type {DtracePort} from './port.js';

/**
 * dtrace_printf (the ring, never blocks) or, when the scenario says so, the kernel's printk.
 * `irqsOff` says the caller runs with interrupts off where the CPU's state does not show it
 * (the int3 handler); `pid` is the current task's unless given.
 */
export function printf(p: DtracePort, cpu: Cpu, text: string, irqsOff = false, pid = cpu.current?.pid ?? 0): void {
	const k = p.k;
	if (p.st.options.printf === 'dtrace_printf') {
		k.trace.printf(k.s.now, cpu.id, pid, irqsOff || !cpu.irqsOn || cpu.ctx === 'hardirq' || cpu.ctx === 'nmi', text);
	} else if (cpu.ctx === 'nmi') {
		printkFromNmi(p, cpu, text);
	} else {
		printk(k, cpu.id, 'warn', text);
	}
}

/**
 * printk in NMI context (3.x): vprintk_emit spins on logbuf_lock. If the NMI interrupted
 * this very CPU while it held the lock (console_unlock copying a record), it can never
 * get it: the CPU hangs in the NMI.
 */
function printkFromNmi(p: DtracePort, cpu: Cpu, text: string): void {
	const k = p.k;
	const frames = ['_raw_spin_lock', 'vprintk_emit', 'printk', 'dtrace_probe', 'fbt_invop', 'dtrace_int3_handler', 'do_int3', 'int3', 'perf_event_nmi_handler', 'nmi_handle', 'do_nmi', 'end_repeat_nmi'];
	const got = spinFromNmi(k, cpu, LOGBUF_LOCK);
	if (got === 'taken') {
		printk(k, cpu.id, 'warn', text);
		releaseSpin(k, cpu, LOGBUF_LOCK);
		return;
	}
	if (got === 'self') {
		const holder = cpu.current ? `${cpu.current.comm} (pid ${cpu.current.pid})` : 'the idle task';
		blockInHandler(
			k,
			cpu,
			{kind: 'stuck', fn: '_raw_spin_lock', doing: `spin logbuf_lock (CPU${cpu.id}, itself)`, reason: `(NMI: probe ${p.probeName('perf_event_nmi_handler')} calls printk) spins on logbuf_lock, which CPU${cpu.id} itself holds in printk from ${holder}`},
			frames,
			true,
		);
		return;
	}
	blockInHandler(k, cpu, {kind: 'spin', lock: LOGBUF_LOCK}, frames, true);
	cpu.resumeHook = {fn: p.fn.nmiPrintk, data: text};
}

/** logbuf_lock came to the NMI that waited for it: print, release, return from the NMI. */
export function nmiPrintkDone(p: DtracePort, cpu: Cpu, text: string): void {
	const k = p.k;
	printk(k, cpu.id, 'warn', text);
	releaseSpin(k, cpu, LOGBUF_LOCK);
	returnFromInterrupt(k, cpu);
}

// FreeBSD's interrupt counters as `vmstat -i` prints them (usr.bin/vmstat/vmstat.c dointr(),
// FreeBSD 8-10): the kernel keeps one counter per name in intrcnt[]/intrnames[], each name
// space-padded to MAXCOMLEN (19) by intrcnt_setname(); vmstat prints the non-zero ones as
//   printf("%-*s %20s %10s\n", istrnamlen, "interrupt", "total", "rate");
//   printf("%-*s %20lu %10lu\n", istrnamlen, intrname, *intrcnt, *intrcnt / uptime);
//   printf("%-*s %20llu %10llu\n", istrnamlen, "Total", inttotal, inttotal / uptime);
// with the rate an integer division by the uptime in whole seconds. The LAPIC timers are
// "cpu%d: timer" (local_apic.c lapic_setup) and, with `options COUNT_IPIS` (which this
// machine is taken to be built with, or the rendezvous IPIs would not show), the IPIs
// "cpu%d: rendezvous" and friends (mp_machdep.c mp_ipi_intrcnt).
import type {Cpu} from '../cpu.js';
import type {Kernel} from '../kernel.js';
import {NS_PER_SEC} from '../time.js';
import type {InterruptRow} from '../procfs.js';

const MAXCOMLEN = 19;

/** A FreeBSD kernel is one running the smp_rendezvous extension (the only FreeBSD model). */
export function isFreeBsd(k: Kernel): boolean {
	return k.extension('rendezvous') !== undefined;
}

/** The legacy ISA lines of a small amd64 guest under FreeBSD 8 and their boot-time counts on CPU0. */
const DEVICE_IRQS: readonly {readonly irq: number; readonly name: string; readonly bootCount: number}[] = [
	{irq: 0, name: 'clk', bootCount: 45},
	{irq: 1, name: 'atkbd0', bootCount: 9},
	{irq: 8, name: 'rtc', bootCount: 1},
	{irq: 9, name: 'acpi0', bootCount: 0},
	{irq: 12, name: 'psm0', bootCount: 132},
];

/** The per-CPU counters, as the monitor's pane shows them: one row per kind, one column per CPU. */
export function freebsdRows(cpus: readonly Cpu[]): InterruptRow[] {
	const row = (tag: string, pick: (c: Cpu) => number): InterruptRow => ({tag, label: `cpuN: ${tag}`, perCpu: cpus.map(pick)});
	// IPI_RENDEZVOUS arrives on the vector the emulator counts as function-call interrupts.
	return [row('timer', (c) => c.loc), row('rendezvous', (c) => c.call)];
}

/**
 * intrnames[] in registration order [I], from the SYSINIT order: the BSP's LAPIC timer
 * (SI_SUB_CPU), the I/O APIC pins (SI_SUB_INTR, SI_ORDER_SECOND), the COUNT_IPIS counters
 * of every CPU (SI_SUB_INTR, SI_ORDER_MIDDLE), then the APs' timers as they start (SI_SUB_SMP).
 */
export function intrCounters(k: Kernel): {name: string; count: number}[] {
	const cpus = k.cpus;
	const out: {name: string; count: number}[] = [];
	const timer = (c: Cpu): void => void out.push({name: `cpu${c.id}: timer`, count: c.loc});
	if (cpus[0]) timer(cpus[0]);
	for (const d of DEVICE_IRQS) out.push({name: `irq${d.irq}: ${d.name}`, count: d.bootCount});
	for (const c of cpus) {
		out.push({name: `cpu${c.id}: invltlb`, count: c.tlb});
		out.push({name: `cpu${c.id}: preempt`, count: c.res});
		out.push({name: `cpu${c.id}: rendezvous`, count: c.call});
	}
	for (const c of cpus.slice(1)) timer(c);
	return out.map((r) => ({name: r.name.slice(0, MAXCOMLEN).padEnd(MAXCOMLEN, ' '), count: r.count}));
}

/** `vmstat -i` at the kernel's current time. */
export function renderVmstatI(k: Kernel): string {
	const uptime = Math.floor(k.now / NS_PER_SEC);
	// getuptime(): "if (uptime <= 0 || uptime > 60*60*24*365*10) errx(1, ...)".
	if (uptime <= 0) return 'vmstat: time makes no sense; namelist must be wrong\n';
	const counters = intrCounters(k);
	const width = Math.max('interrupt'.length, ...counters.map((c) => c.name.length));
	const line = (name: string, total: number): string => `${name.padEnd(width, ' ')} ${String(total).padStart(20, ' ')} ${String(Math.floor(total / uptime)).padStart(10, ' ')}\n`;
	let out = `${'interrupt'.padEnd(width, ' ')} ${'total'.padStart(20, ' ')} ${'rate'.padStart(10, ' ')}\n`;
	let total = 0;
	for (const c of counters) {
		total += c.count;
		if (c.count !== 0) out += line(c.name, c.count);
	}
	return out + line('Total', total);
}

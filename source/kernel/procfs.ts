// /proc/interrupts in the 3.x x86 layout: kernel/irq/proc.c show_interrupts() for the
// numbered rows, arch/x86/kernel/irq.c arch_show_interrupts() for the rest.
import type {Cpu} from './cpu.js';
import {SOFTIRQ_NAMES} from './softirq.js';

interface DeviceIrq {
	readonly irq: number;
	readonly chip: string;
	readonly handler: string;
	readonly action: string;
	/** Counts taken during boot, on CPU0. */
	readonly bootCount: number;
}

/** The legacy IO-APIC lines a small x86 guest shows; they do not move once the LAPIC timer runs. */
const DEVICE_IRQS: readonly DeviceIrq[] = [
	{irq: 0, chip: 'IO-APIC', handler: 'edge', action: 'timer', bootCount: 45},
	{irq: 1, chip: 'IO-APIC', handler: 'edge', action: 'i8042', bootCount: 9},
	{irq: 8, chip: 'IO-APIC', handler: 'edge', action: 'rtc0', bootCount: 1},
	{irq: 9, chip: 'IO-APIC', handler: 'fasteoi', action: 'acpi', bootCount: 0},
	{irq: 12, chip: 'IO-APIC', handler: 'edge', action: 'i8042', bootCount: 132},
];

/** prec: 3 while nr_irqs < 1000, 4 while < 10000, ... (x86 nr_irqs grows with CPUs). */
export function irqColumnWidth(cpuCount: number): number {
	const nrIrqs = 256 + 8 * cpuCount;
	let prec = 3;
	for (let j = 1000; prec < 10 && j <= nrIrqs; prec++) j *= 10;
	return prec;
}

export interface InterruptRow {
	readonly tag: string;
	readonly label: string;
	readonly perCpu: readonly number[];
}

/** The arch rows in 3.10 order, with the values /proc/interrupts would print. */
export function archRows(cpus: readonly Cpu[]): InterruptRow[] {
	const row = (tag: string, label: string, pick: (c: Cpu) => number): InterruptRow => ({tag, label, perCpu: cpus.map(pick)});
	return [
		row('NMI', 'Non-maskable interrupts', (c) => c.nmi),
		row('LOC', 'Local timer interrupts', (c) => c.loc),
		row('SPU', 'Spurious interrupts', (c) => c.spu),
		row('PMI', 'Performance monitoring interrupts', (c) => c.pmi),
		row('IWI', 'IRQ work interrupts', (c) => c.iwi),
		row('RTR', 'APIC ICR read retries', (c) => c.rtr),
		row('RES', 'Rescheduling interrupts', (c) => c.res),
		// 3.x: "irq_tlb_count is double-counted in irq_call_count, so it must be subtracted"; both are
	// unsigned ints, so more flush_tlb_func() runs than call interrupts (merged IPIs) wraps.
		row('CAL', 'Function call interrupts', (c) => (c.call - c.tlb) >>> 0),
		row('TLB', 'TLB shootdowns', (c) => c.tlb),
		row('TRM', 'Thermal event interrupts', () => 0),
		row('THR', 'Threshold APIC interrupts', () => 0),
		row('MCE', 'Machine check exceptions', () => 0),
		row('MCP', 'Machine check polls', () => 0),
	];
}

const u10 = (n: number): string => `${String(n >>> 0).padStart(10, ' ')} `;

/** A scenario's device line as show_interrupts prints it. */
export interface DeviceRow {
	readonly irq: number;
	readonly chip: string;
	readonly handler: string;
	readonly action: string;
	readonly perCpu: readonly number[];
}

export function renderProcInterrupts(cpus: readonly Cpu[], errCount = 0, misCount = 0, devices: readonly DeviceRow[] = []): string {
	const prec = irqColumnWidth(cpus.length);
	const lines: string[] = [];
	lines.push(' '.repeat(prec + 8) + cpus.map((c) => `CPU${String(c.id).padEnd(8, ' ')}`).join(''));
	// The scenario's lines take the place of a legacy line of the same number; rows go by number.
	const rows: DeviceRow[] = DEVICE_IRQS.filter((d) => !devices.some((r) => r.irq === d.irq)).map((d) => ({...d, perCpu: cpus.map((c) => (c.id === 0 ? d.bootCount : 0))}));
	rows.push(...devices);
	rows.sort((a, b) => a.irq - b.irq);
	for (const dev of rows) {
		const counts = dev.perCpu;
		if (dev.action === '' && counts.every((n) => n === 0)) continue;
		lines.push(
			`${String(dev.irq).padStart(prec, ' ')}: ` +
				counts.map(u10).join('') +
				` ${dev.chip.padStart(8, ' ')}` +
				`-${dev.handler.padEnd(8, ' ')}` +
				`  ${dev.action}`,
		);
	}
	for (const r of archRows(cpus)) {
		lines.push(`${r.tag.padStart(prec, ' ')}: ` + r.perCpu.map(u10).join('') + `  ${r.label}`);
	}
	lines.push(`${'ERR'.padStart(prec, ' ')}: ${String(errCount).padStart(10, ' ')}`);
	lines.push(`${'MIS'.padStart(prec, ' ')}: ${String(misCount).padStart(10, ' ')}`);
	return lines.join('\n') + '\n';
}

/** /proc/softirqs (fs/proc/softirqs.c show_softirqs): 20 spaces and `CPU%-8d` per CPU, then per vector `%12s:` and ` %10u` per CPU. */
export function renderProcSoftirqs(counts: readonly (readonly number[])[]): string {
	let out = ' '.repeat(20) + counts.map((_, i) => `CPU${String(i).padEnd(8, ' ')}`).join('') + '\n';
	SOFTIRQ_NAMES.forEach((name, v) => {
		out += name.padStart(12, ' ') + ':' + counts.map((c) => ' ' + String(c[v]! >>> 0).padStart(10, ' ')).join('') + '\n';
	});
	return out;
}

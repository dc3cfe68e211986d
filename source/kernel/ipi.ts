// Sending IPIs (arch/x86/kernel/apic/ipi.c): one ICR write to one CPU or a mask, seen by
// the targets after the IPI latency. An arriving vector is pending (IRR) until the target
// has interrupts on; at most one more of a vector can wait while one is in service, later
// ones merge.
import {bit} from './apic.js';
import {EV_IPI, EV_IPI_MANY} from './engine.js';
import {deliver} from './irq.js';
import type {Kernel} from './kernel.js';

export function sendIpi(k: Kernel, to: number, vector: number, latency = k.config.timing.ipiLatency): void {
	k.q.push(k.s.now + latency, EV_IPI, to, vector);
}

/** One ICR write to a set of CPUs (send_IPI_mask): they all see it at the same time. */
export function sendIpiMany(k: Kernel, targets: readonly number[], vector: number, latency = k.config.timing.ipiLatency): void {
	if (targets.length === 1) sendIpi(k, targets[0]!, vector, latency);
	else if (targets.length > 1) k.q.push(k.s.now + latency, EV_IPI_MANY, -1, vector, targets);
}

/** An IPI reaches `cpuId`'s IRR. */
export function onIpi(k: Kernel, cpuId: number, vector: number): void {
	const cpu = k.s.cpus[cpuId]!;
	const b = bit(vector);
	// One pending (IRR) per vector: a second one while the first waits merges into it.
	if (cpu.irr & b) cpu.mergedIpis++;
	else cpu.irr |= b;
	if (cpu.irqsOn) deliver(k, cpu);
	else for (const ext of k.extensions) ext.ipiMasked?.(k, cpu, vector);
}

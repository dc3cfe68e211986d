// The RCU CPU stall detector (kernel/rcutree.c in 3.10): a CPU that has not passed a
// quiescent state when jiffies reach jiffies_stall self-reports from its tick, and any other
// ticking CPU reports the laggards RCU_STALL_RAT_DELAY (2) jiffies later. Each report pushes
// jiffies_stall out by 3 * rcu_jiffies_till_stall_check() + 3.
import type {Cpu} from '../cpu.js';
import type {Kernel} from '../kernel.js';
import * as msg from '../messages.js';
import {allCpuBacktrace} from '../nmi.js';
import {printk, printLines} from '../printk.js';
import {stalledCpus, type RcuState} from './tree.js';
import {stallTaskPids} from './tree_plugin.js';

export const RCU_STALL_RAT_DELAY = 2;

function pushOutStall(rcu: RcuState, jiffies: number): void {
	rcu.jiffiesStall = jiffies + 3 * rcu.tillStallCheck + 3;
}

function stallNumbers(k: Kernel, j: number): msg.RcuStallNumbers {
	const rcu = k.s.rcu;
	const modern = k.config.formats === 'modern';
	return {
		flavour: k.config.rcuFlavour,
		t: j - rcu.gpStart,
		gpnum: modern ? rcu.gpnum * 4 + 1 : rcu.gpnum,
		completed: rcu.completed,
		q: rcu.queued,
	};
}

function rcuCpuInfo(k: Kernel, cpu: Cpu): msg.RcuCpuInfo {
	return {cpu: cpu.id, ticksThisGp: cpu.rcuTicksThisGp, softirq: cpu.softirqs, fqs: Math.floor((k.jiffies - k.s.rcu.gpStart) / 4)};
}

/** check_cpu_stall(), run from each CPU's scheduling-clock tick. */
export function checkCpuStall(k: Kernel, cpu: Cpu, j: number): void {
	const rcu = k.s.rcu;
	if (rcu.need[cpu.id] && j >= rcu.jiffiesStall) {
		const n = stallNumbers(k, j);
		if (k.config.formats === '3.x') printk(k, cpu.id, 'err', msg.rcuSelfStall3x(cpu.id, n));
		else printLines(k, cpu.id, msg.rcuSelfStallModern(rcuCpuInfo(k, cpu), n).map((text) => ({level: 'err', text})));
		k.s.warnings.rcuStall++;
		allCpuBacktrace(k, cpu);
		if (j >= rcu.jiffiesStall) pushOutStall(rcu, j);
		// set_need_resched(): the stalled CPU schedules at its next cond_resched() or preemption point.
		cpu.reschedFlag = true;
	} else if (j >= rcu.jiffiesStall + RCU_STALL_RAT_DELAY) {
		pushOutStall(rcu, j);
		const stalled = stalledCpus(rcu);
		const tasks = stallTaskPids(rcu);
		const n = stallNumbers(k, j);
		if (k.config.formats === '3.x') printk(k, cpu.id, 'err', msg.rcuOtherStall3x(stalled, cpu.id, n, tasks));
		else
			printLines(
				k,
				cpu.id,
				msg.rcuOtherStallModern(
					stalled.map((c) => rcuCpuInfo(k, k.s.cpus[c]!)),
					cpu.id,
					n,
				).map((text) => ({level: 'err', text})),
			);
		k.s.warnings.rcuStall++;
		if (stalled.length + tasks.length === 0) printk(k, cpu.id, 'err', msg.RCU_STALL_ENDED);
		else allCpuBacktrace(k, cpu);
	}
}

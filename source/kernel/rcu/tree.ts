// RCU grace periods (kernel/rcutree.c in 3.10): a grace period ends once every CPU has
// passed a quiescent state. The state is plain data; stall.ts reports the CPUs that owe one.
import type {Cpu} from '../cpu.js';
import type {Kernel} from '../kernel.js';

export interface RcuState {
	gpnum: number;
	completed: number;
	gpStart: number;
	jiffiesStall: number;
	inProgress: boolean;
	/** 1 where the CPU still owes a quiescent state to the current grace period. */
	readonly need: Uint8Array;
	remaining: number;
	/** Callbacks queued and not yet invoked (the `q=` figure), and those covered by this GP. */
	queued: number;
	coveredByGp: number;
	/** rcu_jiffies_till_stall_check(): timeout * HZ, clamped to 3..300 s. */
	readonly tillStallCheck: number;
}

export function makeRcu(cpuCount: number, tillStallCheck: number): RcuState {
	return {gpnum: 0, completed: 0, gpStart: 0, jiffiesStall: 0, inProgress: false, need: new Uint8Array(cpuCount), remaining: 0, queued: 0, coveredByGp: 0, tillStallCheck};
}

export function startGp(rcu: RcuState, jiffies: number): void {
	rcu.gpnum++;
	rcu.gpStart = jiffies;
	rcu.jiffiesStall = jiffies + rcu.tillStallCheck;
	rcu.need.fill(1);
	rcu.remaining = rcu.need.length;
	rcu.inProgress = true;
	rcu.coveredByGp = rcu.queued;
}

/** Returns true when this quiescent state completed the grace period. */
export function noteQs(rcu: RcuState, cpu: number): boolean {
	if (!rcu.inProgress || rcu.need[cpu] === 0) return false;
	rcu.need[cpu] = 0;
	if (--rcu.remaining > 0) return false;
	rcu.completed = rcu.gpnum;
	rcu.inProgress = false;
	rcu.queued -= rcu.coveredByGp;
	return true;
}

export function stalledCpus(rcu: RcuState): number[] {
	const out: number[] = [];
	for (let i = 0; i < rcu.need.length; i++) if (rcu.need[i]) out.push(i);
	return out;
}

/** A CPU passed a quiescent state (context switch, idle, user mode); the last one starts the next grace period. */
export function quiescentState(k: Kernel, cpu: Cpu): void {
	const s = k.s;
	if (noteQs(s.rcu, cpu.id)) {
		for (const c of s.cpus) c.rcuTicksThisGp = 0;
		startGp(s.rcu, k.jiffies);
	}
}

// RCU grace periods and the CPU stall detector (kernel/rcutree.c in 3.10): a grace period
// ends once every CPU has passed a quiescent state; a CPU that has not, when jiffies reach
// jiffies_stall, self-reports from its tick, and any other ticking CPU reports the laggards
// RCU_STALL_RAT_DELAY (2) jiffies later. Each report pushes jiffies_stall out by
// 3 * rcu_jiffies_till_stall_check() + 3.

export const RCU_STALL_RAT_DELAY = 2;

export class RcuState {
	gpnum = 0;
	completed = 0;
	gpStart = 0;
	jiffiesStall = 0;
	inProgress = false;
	/** 1 where the CPU still owes a quiescent state to the current grace period. */
	readonly need: Uint8Array;
	remaining = 0;
	/** Callbacks queued and not yet invoked (the `q=` figure), and those covered by this GP. */
	queued = 0;
	private coveredByGp = 0;
	stallWarnings = 0;

	constructor(
		private readonly cpuCount: number,
		/** rcu_jiffies_till_stall_check(): timeout * HZ, clamped to 3..300 s. */
		readonly tillStallCheck: number,
	) {
		this.need = new Uint8Array(cpuCount);
	}

	startGp(jiffies: number): void {
		this.gpnum++;
		this.gpStart = jiffies;
		this.jiffiesStall = jiffies + this.tillStallCheck;
		this.need.fill(1);
		this.remaining = this.cpuCount;
		this.inProgress = true;
		this.coveredByGp = this.queued;
	}

	/** Returns true when this quiescent state completed the grace period. */
	noteQs(cpu: number): boolean {
		if (!this.inProgress || this.need[cpu] === 0) return false;
		this.need[cpu] = 0;
		if (--this.remaining > 0) return false;
		this.completed = this.gpnum;
		this.inProgress = false;
		this.queued -= this.coveredByGp;
		return true;
	}

	stalledCpus(): number[] {
		const out: number[] = [];
		for (let i = 0; i < this.cpuCount; i++) if (this.need[i]) out.push(i);
		return out;
	}

	pushOutStall(jiffies: number): void {
		this.jiffiesStall = jiffies + 3 * this.tillStallCheck + 3;
	}
}

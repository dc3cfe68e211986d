// RCU grace periods and callbacks (kernel/rcutree.c in 3.10). A grace period starts only
// when a queued callback needs one (rcu_start_gp from the RCU softirq after a tick), and
// ends once every CPU has passed a quiescent state (and, for preemptible RCU, no task
// preempted inside a read-side critical section still blocks it: tree_plugin.ts). A
// callback queued while grace period g is the newest waits for g + 1; its CPU invokes it
// from its own RCU softirq once that one has completed. `queued` is the callback queue
// length, the stall line's `q=` (totqlen). The state is plain data; stall.ts reports the
// CPUs and tasks that owe a quiescent state.
import type {Cpu, Task} from '../cpu.js';
import type {Kernel} from '../kernel.js';
import {wakeTask} from '../sched.js';

/** Callbacks a CPU queued that wait for the same grace period; tasks in `wake` sleep in synchronize_rcu (wakeme_after_rcu). */
export interface RcuBatch {
	readonly need: number;
	count: number;
	readonly wake: Task[];
}

export interface RcuState {
	gpnum: number;
	completed: number;
	gpStart: number;
	jiffiesStall: number;
	inProgress: boolean;
	/** 1 where the CPU still owes a quiescent state to the current grace period (rnp->qsmask). */
	readonly need: Uint8Array;
	remaining: number;
	/**
	 * The grace period each CPU has noticed (rdp->gpnum, note_new_gpnum() from its RCU
	 * softirq): a quiescent state counts only once the CPU has seen the grace period start,
	 * so one takes at least two of a CPU's ticks.
	 */
	readonly seen: Int32Array;
	/** Callbacks queued and not yet invoked: totqlen, the `q=` figure. */
	queued: number;
	/** Callbacks invoked so far (rcu_do_batch). */
	invoked: number;
	/** Tasks asleep in synchronize_rcu. */
	sleepers: number;
	/** The newest grace period a queued callback waits for. */
	needGp: number;
	/** Per CPU: its queued callbacks, oldest grace period first. */
	readonly batches: RcuBatch[][];
	/** Ticks between a CPU's background callbacks (0: none). */
	readonly bgTicks: number;
	/** Preemptible RCU: tasks preempted inside a read-side critical section (rnp->blkd_tasks, head first). */
	readonly blkd: Task[];
	/** rnp->gp_tasks: the first entry of blkd that blocks the current grace period, or null. */
	gpTasks: Task | null;
	/** rcu_jiffies_till_stall_check(): timeout * HZ, clamped to 3..300 s. */
	readonly tillStallCheck: number;
}

export function makeRcu(cpuCount: number, tillStallCheck: number, bgTicks = 0): RcuState {
	return {
		gpnum: 0,
		completed: 0,
		gpStart: 0,
		jiffiesStall: 0,
		inProgress: false,
		need: new Uint8Array(cpuCount),
		remaining: 0,
		seen: new Int32Array(cpuCount),
		queued: 0,
		invoked: 0,
		sleepers: 0,
		needGp: 0,
		batches: Array.from({length: cpuCount}, () => []),
		bgTicks,
		blkd: [],
		gpTasks: null,
		tillStallCheck,
	};
}

/** rcu_gp_init(): every CPU owes a quiescent state; tasks still blocked in read-side sections block this one too. */
export function startGp(rcu: RcuState, jiffies: number): void {
	rcu.gpnum++;
	rcu.gpStart = jiffies;
	rcu.jiffiesStall = jiffies + rcu.tillStallCheck;
	rcu.need.fill(1);
	rcu.remaining = rcu.need.length;
	rcu.inProgress = true;
	rcu.gpTasks = rcu.blkd[0] ?? null;
}

/**
 * The machine comes up as a booted one does: with RCU callbacks from boot queued (one per
 * CPU here) and the grace period they need under way.
 */
export function rcuBoot(rcu: RcuState): void {
	for (let cpu = 0; cpu < rcu.batches.length; cpu++) queueCallbacks(rcu, cpu, 1);
	startGp(rcu, 0);
}

/** Returns true when this quiescent state completed the grace period. */
export function noteQs(rcu: RcuState, cpu: number): boolean {
	if (!rcu.inProgress || rcu.need[cpu] === 0 || rcu.seen[cpu] !== rcu.gpnum) return false;
	rcu.need[cpu] = 0;
	if (--rcu.remaining > 0) return false;
	return rcu.gpTasks === null && endGp(rcu);
}

/** rcu_report_qs_rsp(): the grace period is over. */
export function endGp(rcu: RcuState): boolean {
	if (!rcu.inProgress || rcu.remaining > 0 || rcu.gpTasks !== null) return false;
	rcu.completed = rcu.gpnum;
	rcu.inProgress = false;
	return true;
}

export function stalledCpus(rcu: RcuState): number[] {
	const out: number[] = [];
	for (let i = 0; i < rcu.need.length; i++) if (rcu.need[i]) out.push(i);
	return out;
}

/** The grace period just ended: the GP kthread starts the next at once if callbacks wait for it. */
export function gpEnded(k: Kernel): void {
	const s = k.s;
	for (const c of s.cpus) c.rcuTicksThisGp = 0;
	if (s.rcu.needGp > s.rcu.gpnum) startGp(s.rcu, k.jiffies);
}

/** A CPU passed a quiescent state (context switch, idle, user mode). */
export function quiescentState(k: Kernel, cpu: Cpu): void {
	if (noteQs(k.s.rcu, cpu.id)) gpEnded(k);
}

/** __call_rcu(): `count` callbacks on `cpu`'s list, waiting for the grace period after the newest one started; `wake` sleeps until they run. */
export function queueCallbacks(rcu: RcuState, cpu: number, count: number, wake?: Task): void {
	const need = rcu.gpnum + 1;
	const list = rcu.batches[cpu]!;
	let last = list.at(-1);
	if (last === undefined || last.need !== need) {
		last = {need, count: 0, wake: []};
		list.push(last);
	}
	last.count += count;
	if (wake) last.wake.push(wake);
	rcu.queued += count;
	if (need > rcu.needGp) rcu.needGp = need;
}

/**
 * The RCU part of a CPU's tick with interrupts on (rcu_check_callbacks, then the RCU
 * softirq): its housekeeping's background callback, the callbacks whose grace period has
 * completed (rcu_do_batch), a grace period started if callbacks need one, and the CPU
 * notices the grace period in progress.
 */
export function rcuSoftirq(k: Kernel, cpu: Cpu): void {
	const rcu = k.s.rcu;
	if (rcu.bgTicks > 0 && --cpu.rcuBgCountdown <= 0) {
		cpu.rcuBgCountdown = rcu.bgTicks;
		queueCallbacks(rcu, cpu.id, 1);
	}
	const list = rcu.batches[cpu.id]!;
	while (list.length > 0 && list[0]!.need <= rcu.completed) {
		const batch = list.shift()!;
		rcu.queued -= batch.count;
		rcu.invoked += batch.count;
		// wakeme_after_rcu(): complete() on the sleeper's on-stack completion.
		for (const t of batch.wake) {
			rcu.sleepers--;
			t.sleepsOn = undefined;
			t.sleepFrames = undefined;
			t.pc++;
			wakeTask(k, t, cpu);
		}
	}
	if (!rcu.inProgress && rcu.needGp > rcu.gpnum) startGp(rcu, k.jiffies);
	rcu.seen[cpu.id] = rcu.gpnum;
}

// /proc/dtrace/stats: "dcnt%d=%lu" for the non-zero debug counters, then name=value in
// the order of driver/dtrace_linux.c. The counters are plain data (StatsState) in the port's
// state; DtraceStats is a handle over them.

export const STAT_NAMES = [
	'dtrace_safe',
	'probes',
	'probe_recursion',
	'probe_noint',
	'probe_safe',
	'int1',
	'int3_1',
	'int3_2(ours)',
	'int3_3(reentr)',
	'int_0x7f',
	'gpf1',
	'gpf2',
	'ipi1',
	'mtx1',
	'mtx2',
	'mtx3',
	'nmi1',
	'nmi2',
	'pf1',
	'pf2',
	'snp1',
	'snp2',
	'syscall1',
	'syscall2',
	'syscall3',
	'timer1',
	'timer2(rec)',
	'timer3(defer-cancel)',
	'timer_add',
	'timer_remove',
	'xcall0',
	'xcall1',
	'xcall2',
	'xcall3(reentrant)',
	'xcall4(delay)',
	'xcall5(spinlock)',
	'xcall6(ack_waits)',
	'xcall7(fast)',
	'xcall8',
	'xcall_slave',
	'shutdown',
] as const;

export type StatName = (typeof STAT_NAMES)[number];

/** Index of each counter, for the hot paths (a name lookup per IPI showed in profiles). */
export const STAT: Readonly<Record<StatName, number>> = Object.fromEntries(STAT_NAMES.map((n, i) => [n, i])) as Record<StatName, number>;

export interface StatsState {
	/** Counters by index (STAT). */
	readonly v: Float64Array;
	readonly dcnt: number[];
}

export function makeStatsState(): StatsState {
	return {v: new Float64Array(STAT_NAMES.length), dcnt: new Array<number>(32).fill(0)};
}

export class DtraceStats {
	readonly s: StatsState;

	constructor(state: StatsState = makeStatsState()) {
		this.s = state;
	}

	/** Counters by index (STAT), for the hot paths. */
	get v(): Float64Array {
		return this.s.v;
	}

	inc(name: StatName, by = 1): void {
		this.s.v[STAT[name]]! += by;
	}

	set(name: StatName, value: number): void {
		this.s.v[STAT[name]] = value;
	}

	get(name: StatName): number {
		return this.s.v[STAT[name]]!;
	}

	render(): string {
		let out = '';
		this.s.dcnt.forEach((v, i) => {
			if (v !== 0) out += `dcnt${i}=${v}\n`;
		});
		STAT_NAMES.forEach((name, i) => (out += `${name}=${this.s.v[i]}\n`));
		return out;
	}
}

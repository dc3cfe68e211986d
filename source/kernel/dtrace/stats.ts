// /proc/dtrace/stats: "dcnt%d=%lu" for the non-zero debug counters, then name=value in
// the order of driver/dtrace_linux.c.

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

export class DtraceStats {
	/** Counters by index (STAT). */
	readonly v = new Float64Array(STAT_NAMES.length);
	readonly dcnt = new Array<number>(32).fill(0);

	inc(name: StatName, by = 1): void {
		this.v[STAT[name]]! += by;
	}

	set(name: StatName, value: number): void {
		this.v[STAT[name]] = value;
	}

	get(name: StatName): number {
		return this.v[STAT[name]]!;
	}

	render(): string {
		let out = '';
		this.dcnt.forEach((v, i) => {
			if (v !== 0) out += `dcnt${i}=${v}\n`;
		});
		STAT_NAMES.forEach((name, i) => (out += `${name}=${this.v[i]}\n`));
		return out;
	}
}

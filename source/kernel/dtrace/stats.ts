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

export class DtraceStats {
	/** A plain object of fixed shape: counters are bumped on the hottest paths. */
	readonly values = Object.fromEntries(STAT_NAMES.map((n) => [n, 0])) as Record<StatName, number>;
	readonly dcnt = new Array<number>(32).fill(0);

	inc(name: StatName, by = 1): void {
		this.values[name] += by;
	}

	set(name: StatName, value: number): void {
		this.values[name] = value;
	}

	get(name: StatName): number {
		return this.values[name];
	}

	render(): string {
		let out = '';
		this.dcnt.forEach((v, i) => {
			if (v !== 0) out += `dcnt${i}=${v}\n`;
		});
		for (const name of STAT_NAMES) out += `${name}=${this.values[name]}\n`;
		return out;
	}
}

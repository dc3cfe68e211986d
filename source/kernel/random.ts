// All randomness in the kernel comes from one seed, split into independent streams per
// subsystem with xoroshiro128+ jumps, so adding draws in one subsystem never shifts another.
import {xoroshiro128plus} from 'pure-rand/generator/xoroshiro128plus';
import {uniformInt} from 'pure-rand/distribution/uniformInt';
import type {JumpableRandomGenerator} from 'pure-rand/types/JumpableRandomGenerator';

export const STREAMS = ['workload', 'dtrace', 'boot', 'timers', 'scenario'] as const;
export type StreamName = (typeof STREAMS)[number];

export class Random {
	constructor(private readonly gen: JumpableRandomGenerator) {}

	/** Uniform integer in [from, to]. */
	int(from: number, to: number): number {
		if (to <= from) return from;
		return uniformInt(this.gen, from, to);
	}

	/** Uniform integer in [from, to] for ranges beyond 2^32 (durations in ns). */
	bigRange(from: number, to: number): number {
		const span = to - from;
		if (span <= 0) return from;
		if (span < 0x7fffffff) return from + uniformInt(this.gen, 0, span);
		const hi = uniformInt(this.gen, 0, 0x1fffff);
		const lo = uniformInt(this.gen, 0, 0xffffffff);
		return from + ((hi * 0x100000000 + lo) % (span + 1));
	}

	/** 32 random bits as an unsigned number. */
	u32(): number {
		return uniformInt(this.gen, 0, 0xffffffff);
	}
}

export function makeStreams(seed: number, cpuCount: number): {subsystem: Record<StreamName, Random>; perCpu: Random[]} {
	const root = xoroshiro128plus(seed | 0);
	const take = (): Random => {
		root.jump();
		return new Random(root.clone());
	};
	const subsystem = {} as Record<StreamName, Random>;
	for (const name of STREAMS) subsystem[name] = take();
	const perCpu: Random[] = [];
	for (let i = 0; i < cpuCount; i++) perCpu.push(take());
	return {subsystem, perCpu};
}

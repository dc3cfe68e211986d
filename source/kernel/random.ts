// All randomness in the kernel comes from one seed, split into independent streams per
// subsystem with xoroshiro128+ jumps, so adding draws in one subsystem never shifts another.
// A stream is plain data (the generator's four state words, in pure-rand's order) so that a
// checkpoint copies it with the rest of the machine; pure-rand's distributions draw from it
// through a cursor that steps the words in place.
import {xoroshiro128plus} from 'pure-rand/generator/xoroshiro128plus';
import {uniformInt} from 'pure-rand/distribution/uniformInt';
import type {RandomGenerator} from 'pure-rand/types/RandomGenerator';

export const STREAMS = ['workload', 'dtrace', 'boot', 'timers', 'scenario'] as const;
export type StreamName = (typeof STREAMS)[number];

/** xoroshiro128+ state: pure-rand's XoroShiro128Plus fields, which getState() lists in this order. */
export interface RandomState {
	s01: number;
	s00: number;
	s11: number;
	s10: number;
}

/** xoroshiro128+'s next(), as pure-rand computes it, on plain state. */
function step(st: RandomState): number {
	const out = (st.s00 + st.s10) | 0;
	const a0 = st.s10 ^ st.s00;
	const a1 = st.s11 ^ st.s01;
	const s00 = st.s00;
	const s01 = st.s01;
	st.s00 = (s00 << 24) ^ (s01 >>> 8) ^ a0 ^ (a0 << 16);
	st.s01 = (s01 << 24) ^ (s00 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
	st.s10 = (a1 << 5) ^ (a0 >>> 27);
	st.s11 = (a0 << 5) ^ (a1 >>> 27);
	return out;
}

/** The generator pure-rand's distributions see: it steps whichever plain state it is lent. */
class Cursor implements RandomGenerator {
	st: RandomState = {s01: 0, s00: 0, s11: 0, s10: 0};

	next(): number {
		return step(this.st);
	}

	clone(): Cursor {
		const copy = new Cursor();
		copy.st = {...this.st};
		return copy;
	}

	getState(): readonly number[] {
		return [this.st.s01, this.st.s00, this.st.s11, this.st.s10];
	}
}

const cursor = new Cursor();

function draw(st: RandomState, from: number, to: number): number {
	cursor.st = st;
	return uniformInt(cursor, from, to);
}

/** Uniform integer in [from, to]. */
export function randomInt(st: RandomState, from: number, to: number): number {
	if (to <= from) return from;
	return draw(st, from, to);
}

/** Uniform integer in [from, to] for ranges beyond 2^32 (durations in ns). */
export function randomRange(st: RandomState, from: number, to: number): number {
	const span = to - from;
	if (span <= 0) return from;
	if (span < 0x7fffffff) return from + draw(st, 0, span);
	const hi = draw(st, 0, 0x1fffff);
	const lo = draw(st, 0, 0xffffffff);
	return from + ((hi * 0x100000000 + lo) % (span + 1));
}

/** 32 random bits as an unsigned number. */
export function randomU32(st: RandomState): number {
	return draw(st, 0, 0xffffffff);
}

export function makeStreams(seed: number, cpuCount: number): {subsystem: Record<StreamName, RandomState>; perCpu: RandomState[]} {
	const root = xoroshiro128plus(seed | 0);
	const take = (): RandomState => {
		root.jump();
		const [s01, s00, s11, s10] = root.getState() as [number, number, number, number];
		return {s01, s00, s11, s10};
	};
	const subsystem = {} as Record<StreamName, RandomState>;
	for (const name of STREAMS) subsystem[name] = take();
	const perCpu: RandomState[] = [];
	for (let i = 0; i < cpuCount; i++) perCpu.push(take());
	return {subsystem, perCpu};
}

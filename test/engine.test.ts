// The event engine: (time, sequence) order, single steps, seeded streams.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {EventQueue} from '../source/kernel/queue.js';
import {xoroshiro128plus} from 'pure-rand/generator/xoroshiro128plus';
import {uniformInt} from 'pure-rand/distribution/uniformInt';
import {makeStreams, randomInt, randomRange, STREAMS, type RandomState} from '../source/kernel/random.js';
import {kernelFor, MS} from './helpers.js';

test('events come out by time, and in insertion order at equal times', () => {
	const q = new EventQueue(4);
	const input = [
		[50, 1],
		[10, 2],
		[50, 3],
		[10, 4],
		[0, 5],
		[50, 6],
		[20, 7],
	] as const;
	for (const [t, id] of input) q.push(t, 1, id);
	const out: number[] = [];
	while (q.pop()) out.push(q.cpu);
	assert.deepEqual(out, [5, 2, 4, 7, 1, 3, 6]);
});

test('seeded streams repeat for the same seed and differ per subsystem and seed', () => {
	const a = makeStreams(42, 2);
	const b = makeStreams(42, 2);
	const draw = (r: RandomState) => Array.from({length: 8}, () => randomInt(r, 0, 1_000_000));
	assert.deepEqual(draw(a.perCpu[0]!), draw(b.perCpu[0]!));
	assert.notDeepEqual(draw(a.perCpu[1]!), draw(a.subsystem.workload));
	assert.notDeepEqual(draw(makeStreams(43, 1).perCpu[0]!), draw(makeStreams(42, 1).perCpu[0]!));
});

test("a stream is plain data that draws exactly what pure-rand's xoroshiro128+ draws", () => {
	const seed = 1234;
	const {subsystem, perCpu} = makeStreams(seed, 3);
	// makeStreams jumps once per subsystem stream, then once per CPU: CPU2's is the eighth.
	const gen = jumped(seed, STREAMS.length + 3);
	const st = perCpu[2]!;
	assert.deepEqual(structuredClone(st), st, 'a stream survives structuredClone');
	const copy = structuredClone(st);
	const ranges = [
		[0, 1],
		[3, 17],
		[0, 0xffffffff],
		[-5, 2 ** 31],
		[1_000, 999_999_999],
	] as const;
	for (let i = 0; i < 5000; i++) {
		const [from, to] = ranges[i % ranges.length]!;
		assert.equal(randomInt(st, from, to), uniformInt(gen, from, to), `draw ${i} in [${from}, ${to}]`);
	}
	// Durations beyond 2^31 ns take two draws, as before the state became plain.
	const span = 5_000_000_000_000;
	const hi = uniformInt(gen, 0, 0x1fffff);
	const lo = uniformInt(gen, 0, 0xffffffff);
	assert.equal(randomRange(st, 7, 7 + span), 7 + ((hi * 0x100000000 + lo) % (span + 1)));
	// The copy taken before the draws replays them.
	assert.equal(randomInt(copy, 0, 1), uniformInt(jumped(seed, STREAMS.length + 3), 0, 1));
	assert.notDeepEqual(subsystem.workload, subsystem.dtrace);
});

/** pure-rand's generator for `seed`, jumped `jumps` times. */
function jumped(seed: number, jumps: number) {
	const gen = xoroshiro128plus(seed);
	for (let i = 0; i < jumps; i++) gen.jump();
	return gen;
}

const idle = {description: 'idle', cpus: 2, hz: 1000};

test('step() runs exactly one queue entry: one jiffy\'s aligned tick reaches every CPU at once', () => {
	const k = kernelFor(idle);
	assert.ok(k.step());
	assert.equal(k.now, 1 * MS);
	assert.deepEqual(k.cpus.map((c) => c.loc), [1, 1]);
	while (k.now === 1 * MS) assert.ok(k.step());
	assert.equal(k.now, 2 * MS, 'the next instant with anything to do is the next tick');
	assert.deepEqual(k.cpus.map((c) => c.loc), [2, 2]);
	k.advance(10 * MS);
	assert.equal(k.now, 10 * MS);
	assert.ok(k.nextEventAt > 10 * MS);
});

// The event engine: (time, sequence) order, single steps, seeded streams.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {EventQueue} from '../source/kernel/queue.js';
import {makeStreams, randomInt, type RandomState} from '../source/kernel/random.js';
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

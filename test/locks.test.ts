// Lock deadlocks as the wait-for graph names them: AA on a spinlock (a cycle of one), ABBA on
// two mutexes between two sleeping tasks (no CPU in it), and the time each cycle closed.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {formatSummary, summarize} from '../source/kernel/summary.js';
import {kernelFor, MS, S} from './helpers.js';

const aa = {
	description: 'AA on a spinlock',
	cpus: 2,
	until: '30s',
	locks: [{name: 'A', kind: 'spinlock'}],
	tasks: [
		{
			cpu: 0,
			comm: 'worker',
			pid: 100,
			startAt: '1s',
			repeat: 1,
			steps: [
				{op: 'spin_lock', lock: 'A'},
				{op: 'run', for: '2ms', mode: 'kernel'},
				{op: 'spin_lock', lock: 'A'},
			],
		},
	],
};

test('AA: a CPU taking a spinlock it holds is a self-deadlock of one CPU, one lock, one task, from when it began to spin', () => {
	const k = kernelFor(aa);
	k.advance(5 * S);
	assert.ok(k.lockup, 'a lockup');
	assert.equal(k.lockup.kind, 'self-deadlock');
	assert.deepEqual(k.lockup.cpus, [0]);
	assert.deepEqual(k.lockup.chain, ['cpu0']);
	assert.equal(k.lockup.explanation, 'CPU0 (worker, pid 100) spins with IRQs on on lock A, which it already holds itself: it can never get it (AA self-deadlock)');
	// It took A at 1 s, ran 2 ms, then began to spin on A.
	assert.ok(k.lockup.at >= 1002 * MS && k.lockup.at < 1003 * MS, `at ${k.lockup.at}`);
	const text = formatSummary(summarize(k));
	assert.match(text, /^outcome {8}LOCKUP \(self-deadlock\) on CPU0 at 1\.00\d{4}s$/m);
});

function abba(secondRun: string) {
	const task = (comm: string, pid: number, cpu: number, first: string, second: string, hold: string) => ({
		cpu,
		comm,
		pid,
		startAt: '1s',
		repeat: 1,
		steps: [
			{op: 'mutex_lock', lock: first},
			{op: 'run', for: hold, mode: 'kernel'},
			{op: 'mutex_lock', lock: second},
			{op: 'mutex_unlock', lock: second},
			{op: 'mutex_unlock', lock: first},
		],
	});
	return {
		description: 'ABBA on two mutexes',
		cpus: 2,
		until: '30s',
		locks: [
			{name: 'A', kind: 'mutex'},
			{name: 'B', kind: 'mutex'},
		],
		tasks: [task('writer', 200, 0, 'A', 'B', '2ms'), task('reader', 201, 1, 'B', 'A', secondRun)],
	};
}

test('ABBA on mutexes: the deadlock names both sleeping tasks and closes when the second one sleeps', () => {
	const k = kernelFor(abba('5ms'));
	k.advance(5 * S);
	assert.ok(k.lockup, 'a lockup');
	assert.equal(k.lockup.kind, 'deadlock');
	assert.deepEqual(k.lockup.cpus, []);
	assert.deepEqual(k.lockup.tasks, [
		{comm: 'writer', pid: 200},
		{comm: 'reader', pid: 201},
	]);
	// reader takes B at 1 s, runs 5 ms, then sleeps on A: the cycle closes then, not when A or B was taken.
	assert.ok(k.lockup.at >= 1005 * MS && k.lockup.at < 1006 * MS, `at ${k.lockup.at}`);
	assert.equal(k.lockup.explanation, 'writer (pid 200) sleeps on mutex B held by reader (pid 201); reader (pid 201) sleeps on mutex A held by writer (pid 200)');
	const text = formatSummary(summarize(k));
	assert.match(text, /^outcome {8}LOCKUP \(deadlock\) on writer:200, reader:201 at 1\.005\d{3}s$/m);
});

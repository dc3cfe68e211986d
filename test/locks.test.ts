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

test('hung task (kernel/hung_task.c): "INFO: task %s:%d blocked for more than %ld seconds." and its follow-up, at the second khungtaskd check after the task blocked, then sched_show_task', () => {
	const k = kernelFor({...abba('5ms'), until: '300s'});
	k.advance(300 * S);
	const recs = k.log.since(0).records;
	const heads = recs.filter((r) => r.text.startsWith('INFO: task '));
	assert.deepEqual(
		heads.map((r) => r.text),
		['INFO: task writer:200 blocked for more than 120 seconds.', 'INFO: task reader:201 blocked for more than 120 seconds.'],
	);
	// Blocked at ~1 s: the check at 120 s only remembers the switch count, the one at 240 s reports.
	for (const r of heads) assert.equal(r.ns, 240 * S);
	const i = recs.indexOf(heads[0]!);
	assert.equal(recs[i + 1]!.text, '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.');
	// sched_show_task: "%-15.15s %c" " %016lx " "%5lu %5d %6d 0x%08lx\n"
	assert.match(recs[i + 2]!.text, /^writer {10}D ffff8800[0-9a-f]{8} {5}0 {3}200 {6}1 0x00000000$/);
	// show_stack: 3 lines of 4 raw words (" %016lx"), then the call trace through mutex_lock.
	for (let j = 3; j < 6; j++) assert.match(recs[i + j]!.text, /^( [0-9a-f]{16}){4}$/);
	assert.equal(recs[i + 6]!.text, 'Call Trace:');
	assert.deepEqual(
		recs.slice(i + 7, i + 12).map((r) => r.text.replace(/^ \[<[0-9a-f]{16}>\] /, '').replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+$/, '')),
		['schedule', 'schedule_preempt_disabled', '__mutex_lock_slowpath', 'mutex_lock', 'system_call_fastpath'],
	);
	assert.equal(k.warnings.hungTask, 2);
	assert.match(formatSummary(summarize(k)), /^warnings .*, hung task 2$/m);
});

test('hung task: hungTaskTimeout sets the period and the text; 0 turns khungtaskd off; at most hung_task_warnings (10) reports', () => {
	const k30 = kernelFor({...abba('5ms'), until: '70s', thresholds: {hungTaskTimeout: 30}});
	k30.advance(70 * S);
	const t30 = k30.log.since(0).records.filter((r) => r.text.startsWith('INFO: task '));
	assert.deepEqual(t30.map((r) => [r.ns, r.text]), [
		[60 * S, 'INFO: task writer:200 blocked for more than 30 seconds.'],
		[60 * S, 'INFO: task reader:201 blocked for more than 30 seconds.'],
	]);
	const off = kernelFor({...abba('5ms'), until: '300s', thresholds: {hungTaskTimeout: 0}});
	off.advance(300 * S);
	assert.equal(off.warnings.hungTask, 0);
	// Two hung tasks, reported at every check from the second on: the 11th report never comes.
	const many = kernelFor({...abba('5ms'), until: '200s', thresholds: {hungTaskTimeout: 10}});
	many.advance(200 * S);
	assert.equal(many.warnings.hungTask, 10);
	assert.equal(many.log.since(0).records.filter((r) => r.text.startsWith('INFO: task ')).length, 10);
});

test('no hung task when the tasks take the mutexes in the same order', () => {
	const same = abba('5ms');
	same.tasks[1]!.steps = same.tasks[0]!.steps;
	const k = kernelFor({...same, until: '300s'});
	k.advance(300 * S);
	assert.equal(k.lockup, undefined);
	assert.equal(k.warnings.hungTask, 0);
});

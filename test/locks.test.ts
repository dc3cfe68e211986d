// Lock deadlocks as the wait-for graph names them: AA on a spinlock (a cycle of one), ABBA on
// two mutexes between two sleeping tasks (no CPU in it), and the time each cycle closed.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {formatSummary, summarize} from '../source/kernel/summary.js';
import {buildKernel} from '../source/scenario/machine.js';
import {inline, kernelFor, MS, S} from './helpers.js';

/**
 * A kernel for a scenario the static checks would refuse: `valid` passes them, then `edit`
 * changes the parsed scenario, the way a situation only the run shows would come about.
 */
function unchecked(valid: object, edit: (tasks: {steps: object[]}[]) => void) {
	const loaded = inline(valid);
	edit(loaded.scenario.tasks as unknown as {steps: object[]}[]);
	return buildKernel(loaded);
}

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

test('DEBUG_MUTEXES: mutex_unlock by a task that does not own it is the DEBUG_LOCKS_WARN_ON(lock->owner != current) WARN (kernel/mutex-debug.c), once, never an internal error', () => {
	const k = unchecked({
		description: 'non-owner unlock',
		cpus: 2,
		until: '5s',
		locks: [{name: 'M', kind: 'mutex'}],
		tasks: [
			{cpu: 0, comm: 'owner', pid: 300, startAt: '1s', repeat: 1, steps: [{op: 'mutex_lock', lock: 'M'}, {op: 'run', for: '1s', mode: 'kernel'}, {op: 'mutex_unlock', lock: 'M'}]},
			{cpu: 1, comm: 'thief', pid: 301, startAt: '1500ms', repeat: 1, steps: [{op: 'run', for: '1ms', mode: 'kernel'}]},
		],
	}, (tasks) => {
		// thief unlocks M while owner holds it, then again when nobody does.
		tasks[1]!.steps = [{op: 'mutex_unlock', lock: 'M'}, tasks[1]!.steps[0]!, {op: 'mutex_unlock', lock: 'M'}];
	});
	k.advance(5 * S);
	const texts = k.log.since(0).records.map((r) => r.text);
	const at = texts.findIndex((t) => t.startsWith('WARNING: at kernel/mutex-debug.c:78 debug_mutex_unlock+0x'));
	assert.ok(at > 0, texts.join('\n'));
	assert.equal(texts[at - 1], '------------[ cut here ]------------');
	assert.equal(texts[at + 1], 'DEBUG_LOCKS_WARN_ON(lock->owner != current)');
	assert.ok(texts.some((t) => / \[<[0-9a-f]{16}>\] mutex_unlock\+0x/.test(t)));
	// debug_locks_off(): the second bad unlock says nothing.
	assert.equal(texts.filter((t) => t.includes('DEBUG_LOCKS_WARN_ON')).length, 1);
	assert.equal(k.warnings.warn, 1);
});

test('DEBUG_SPINLOCK: spin_unlock of a lock nobody holds is "BUG: spinlock already unlocked on CPU#%d, %s/%d" (lib/spinlock_debug.c spin_dump), never an internal error', () => {
	const k = unchecked({
		description: 'double unlock',
		cpus: 1,
		until: '3s',
		locks: [{name: 'S', kind: 'spinlock'}],
		tasks: [{cpu: 0, comm: 'twice', pid: 400, startAt: '1s', repeat: 1, steps: [{op: 'spin_lock', lock: 'S'}, {op: 'spin_unlock', lock: 'S'}]}],
	}, (tasks) => {
		const [lock, unlock] = tasks[0]!.steps;
		tasks[0]!.steps = [lock!, unlock!, unlock!, unlock!];
	});
	k.advance(3 * S);
	const texts = k.log.since(0).records.map((r) => r.text);
	const at = texts.indexOf('BUG: spinlock already unlocked on CPU#0, twice/400');
	assert.ok(at >= 0, texts.join('\n'));
	// " lock: %pS, .magic: %08x, .owner: %s/%d, .owner_cpu: %d"
	assert.equal(texts[at + 1], ' lock: S+0x0/0x40, .magic: dead4ead, .owner: <none>/-1, .owner_cpu: -1');
	assert.match(texts[at + 2]!, /^CPU: 0 PID: 400 Comm: twice /);
	assert.equal(texts.filter((t) => t.startsWith('BUG: spinlock')).length, 1);
	assert.equal(k.warnings.bug, 1);
});

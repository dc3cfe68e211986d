// Completions (3.10 kernel/sched/core.c: complete, complete_all, wait_for_common): one task
// waits, another wakes it. A waiter sleeps TASK_UNINTERRUPTIBLE, so one that is never
// woken is what khungtaskd reports.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {validateScenario} from '../source/scenario/load.js';
import {kernelFor, logTexts, MS, S} from './helpers.js';

function machine(tasks: object[], extra: Record<string, unknown> = {}) {
	return kernelFor({description: 'completions', cpus: 2, completions: [{name: 'fw_loaded'}], tasks, ...extra});
}

const waiter = (steps: object[] = [{op: 'wait_for_completion', completion: 'fw_loaded'}, {op: 'call', fn: 'probe_rest', for: '10us'}]) => ({cpu: 0, comm: 'probe', pid: 60, repeat: 1, steps});
const completer = (op = 'complete', after = '5ms') => ({cpu: 1, comm: 'fw_loader', pid: 61, repeat: 1, steps: [{op: 'run', for: after, mode: 'kernel'}, {op, completion: 'fw_loaded'}, {op: 'idle', for: '1s'}]});

test('wait_for_completion sleeps until complete() from another CPU; the waiter is woken by a reschedule IPI to its idle CPU', () => {
	const k = machine([waiter(), completer()]);
	k.advance(4 * MS);
	const w = k.tasks[0]!;
	assert.equal(w.state, 'sleeping');
	assert.equal(w.sleepsOn, 'completion fw_loaded');
	k.advance(6 * MS);
	assert.equal(w.state, 'exited');
	assert.equal(k.cpus[0]!.res, 1);
	assert.equal(k.s.completions.get('fw_loaded')!.done, 0, 'the waiter took the one done');
});

test('complete() before the wait: done counts it and wait_for_completion does not sleep', () => {
	const k = machine([{...waiter(), startAt: '10ms'}, completer('complete', '1ms')]);
	k.advance(20 * MS);
	const w = k.tasks[0]!;
	assert.equal(w.state, 'exited');
	assert.equal(w.switchCount, 0, 'never slept');
});

test('complete() wakes one waiter, complete_all() every one, and later waits go straight through', () => {
	const waiters = (n: number) => Array.from({length: n}, (_, i) => ({...waiter(), pid: 70 + i, comm: `w${i}`}));
	const one = machine([...waiters(3), completer('complete')]);
	one.advance(50 * MS);
	assert.deepEqual(one.tasks.slice(0, 3).map((t) => t.state), ['exited', 'sleeping', 'sleeping']);
	const all = machine([...waiters(3), completer('complete_all'), {...waiter(), pid: 80, comm: 'late', startAt: '20ms'}]);
	all.advance(50 * MS);
	assert.deepEqual(all.tasks.map((t) => t.state), ['exited', 'exited', 'exited', 'sleeping', 'exited']);
	assert.equal(all.tasks[4]!.switchCount, 0);
});

test('a completion never completed: the waiter is a hung task, reported with its wait_for_completion stack (3.10 hung_task.c)', () => {
	const k = machine([waiter()], {thresholds: {hungTaskTimeout: 10}});
	k.advance(21 * S);
	const texts = logTexts(k);
	// Blocked just after boot: the first check (10 s) only remembers its switch count, the second reports.
	const at = texts.indexOf('INFO: task probe:60 blocked for more than 10 seconds.');
	assert.ok(at >= 0, texts.join('\n'));
	assert.equal(texts[at + 1], '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.');
	assert.match(texts[at + 2]!, /^probe {10} D ffff8800[0-9a-f]{8} {5}0 {4}60 {6}1 0x00000000$/);
	const call = texts.indexOf('Call Trace:', at);
	assert.deepEqual(
		texts.slice(call + 1, call + 5).map((l) => l.replace(/^ \[<[0-9a-f]{16}>\] /, '').replace(/\+0x.*$/, '')),
		['schedule', 'schedule_timeout', 'wait_for_completion', 'system_call_fastpath'],
	);
	assert.equal(k.warnings.hungTask, 1);
	assert.equal(k.lockup, undefined, 'nothing the wait-for graph can explain: a lost wake-up, not a deadlock');
});

test('wait_for_completion_timeout: the timeout ends the sleep (the step returns 0), and a kernel thread shows kthread frames', () => {
	const k = machine([{...waiter([{op: 'wait_for_completion', completion: 'fw_loaded', timeout: '30s'}]), kthread: true, repeat: 0}], {thresholds: {hungTaskTimeout: 10}});
	k.advance(21 * S);
	const texts = logTexts(k);
	const call = texts.indexOf('Call Trace:', texts.indexOf('INFO: task probe:60 blocked for more than 10 seconds.'));
	assert.deepEqual(
		texts.slice(call + 1, call + 6).map((l) => l.replace(/^ \[<[0-9a-f]{16}>\] /, '').replace(/\+0x.*$/, '')),
		['schedule', 'schedule_timeout', 'wait_for_completion_timeout', 'kthread', 'ret_from_fork'],
	);
	k.advance(30 * S + MS);
	const w = k.tasks[0]!;
	assert.equal(w.iteration, 1, 'timed out once and went round');
	assert.equal(k.s.completions.get('fw_loaded')!.waiters.length, 1, 'waiting again');
	// A complete() after a timed-out wait is kept in done for the next wait.
	const late = machine([waiter([{op: 'wait_for_completion', completion: 'fw_loaded', timeout: '2ms'}, {op: 'idle', for: '10ms'}, {op: 'wait_for_completion', completion: 'fw_loaded'}]), completer('complete', '5ms')]);
	late.advance(20 * MS);
	assert.equal(late.tasks[0]!.state, 'exited', 'the second wait found done at 1');
	assert.equal(late.s.completions.get('fw_loaded')!.done, 0);
	assert.equal(late.s.completions.get('fw_loaded')!.waiters.length, 0);
});

test('completions are declared in $.completions: an undeclared name is refused with its path', () => {
	const s = {description: 'x', cpus: 2, tasks: [{cpu: 0, comm: 'a', pid: 10, repeat: 1, steps: [{op: 'complete', completion: 'nope'}]}]};
	assert.deepEqual(validateScenario(JSON.stringify(s), 'c.json').problems, ['c.json: $.tasks[0].steps[0].completion: completion "nope" is not declared in $.completions']);
	assert.deepEqual(validateScenario(JSON.stringify({...s, completions: [{name: 'nope'}, {name: 'nope'}]}), 'c.json').problems, ['c.json: $.completions[1].name: completion "nope" is declared twice']);
});

test('single-stepping: the timeout of wait_for_completion_timeout is reported as a wake, not a stale timer', () => {
	const k = machine([waiter([{op: 'wait_for_completion', completion: 'fw_loaded', timeout: '2ms'}, {op: 'call', fn: 'probe_rest', for: '10us'}])]);
	k.advance(MS);
	let report;
	while ((report = k.step()) !== undefined && k.now < 2 * MS);
	assert.match(report!.text, /^CPU0: probe\/60 wakes \(sleep over\), runs: /);
});

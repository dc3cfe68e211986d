// RCU as 3.10's kernel/rcutree.c, rcutree_plugin.h and rcupdate.c run it: grace periods start
// only when callbacks need one, `q=` is the callback queue length, synchronize_rcu() sleeps
// until a grace period has elapsed (and hangs behind a CPU that never passes a quiescent
// state), call_rcu() callbacks run after one; with CONFIG_PREEMPT the flavour is rcu_preempt
// and a reader preempted inside its critical section blocks the grace period.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import * as msg from '../source/kernel/messages.js';
import {loadScenario, validateScenario} from '../source/scenario/load.js';
import {buildKernel} from '../source/scenario/machine.js';
import {kernelFor, logTexts, MS, S} from './helpers.js';

const scan = {op: 'call', fn: 'scan_table', for: '500us'};
const stuckLoop = {cpu: 1, comm: 'looper', pid: 300, kthread: true, startAt: '2500us', steps: [scan]};

function machine(tasks: object[], extra: Record<string, unknown> = {}) {
	return kernelFor({description: 'rcu', cpus: 2, tasks, ...extra});
}

const stallLines = (texts: readonly string[]): string[] => texts.filter((t) => /^INFO: rcu_\w+ (self-detected stall|detected stalls)/.test(t));

test('a grace period starts only when a callback needs one: a quiet machine stays at the boot grace period, each call_rcu() needs one more', () => {
	const quiet = machine([{cpu: 0, comm: 'sh', pid: 10, steps: [{op: 'run', for: '1ms'}, {op: 'idle', for: '10ms'}]}], {rcuBackground: '0s'});
	quiet.advance(5 * S);
	assert.deepEqual([quiet.rcu.gpnum, quiet.rcu.completed, quiet.rcu.queued], [1, 1, 0]);
	const calls = machine([{cpu: 0, comm: 'sh', pid: 10, repeat: 3, steps: [{op: 'run', for: '1ms'}, {op: 'call_rcu', func: 'free_entry'}, {op: 'idle', for: '100ms'}]}], {rcuBackground: '0s'});
	calls.advance(5 * S);
	assert.deepEqual([calls.rcu.gpnum, calls.rcu.completed, calls.rcu.queued], [4, 4, 0]);
	// The boot callbacks (one per CPU) and the three call_rcu() callbacks have all run.
	assert.equal(calls.rcu.invoked, 2 + 3);
});

test('with the default background callbacks the grace periods follow the callbacks, not the jiffies: far fewer than one a jiffy, and q= stays the short queue', () => {
	const k = machine([{cpu: 0, comm: 'sh', pid: 10, steps: [{op: 'run', for: '3ms'}, {op: 'idle', for: '1ms'}]}]);
	k.advance(5 * S);
	// Each CPU's housekeeping queues a callback every 10 ms (rcuBackground): CPU0's starts a
	// grace period from its softirq, CPU1's, queued just after, needs the next one.
	assert.ok(k.rcu.gpnum >= 900 && k.rcu.gpnum <= 1100, `g=${k.rcu.gpnum} at 5 s`);
	assert.ok(k.rcu.queued <= 4, `q=${k.rcu.queued}`);
	assert.ok(k.rcu.invoked >= 2 * 490, `${k.rcu.invoked} callbacks invoked`);
});

test('q= in the stall line is the callback queue: exactly the callbacks queued behind the stalled grace period (3.10 print_cpu_stall: " (t=%lu jiffies g=%lu c=%lu q=%lu)")', () => {
	const k = machine([stuckLoop, {cpu: 0, comm: 'sh', pid: 10, repeat: 1, startAt: '10ms', steps: [{op: 'call_rcu'}, {op: 'call_rcu'}, {op: 'call_rcu'}, {op: 'idle', for: '1s'}]}], {rcuBackground: '0s'});
	k.advance(30 * S);
	const [first] = stallLines(logTexts(k));
	assert.equal(first, 'INFO: rcu_sched self-detected stall on CPU { 1}  (t=21000 jiffies g=2 c=1 q=3)');
	// With each CPU's housekeeping queueing callbacks, q= grows from one report to the next.
	const busy = machine([stuckLoop]);
	busy.advance(90 * S);
	const qs = stallLines(logTexts(busy)).map((t) => Number(/q=(\d+)\)$/.exec(t)![1]));
	assert.equal(qs.length, 2);
	assert.ok(qs[0]! > 1000 && qs[1]! > qs[0]!, `q=${qs.join(', ')}`);
});

test('synchronize_rcu() sleeps for one grace period on a healthy machine and returns', () => {
	const k = machine([
		{cpu: 0, comm: 'updater', pid: 20, repeat: 1, steps: [{op: 'run', for: '2ms'}, {op: 'synchronize_rcu'}, {op: 'call', fn: 'kfree', for: '1us'}]},
		{cpu: 1, comm: 'sh', pid: 21, steps: [{op: 'run', for: '3ms'}, {op: 'idle', for: '1ms'}]},
	]);
	k.advance(2 * MS + 500 * 1000);
	const t = k.tasks[0]!;
	assert.equal(t.state, 'sleeping');
	assert.equal(t.sleepsOn, 'an RCU grace period');
	k.advance(20 * MS);
	assert.equal(t.state, 'exited');
});

test('synchronize_rcu() behind a CPU that never passes a quiescent state: the RCU stall, then the hung-task report with the synchronize_sched stack (3.10 hung_task.c)', () => {
	const k = machine([stuckLoop, {cpu: 0, comm: 'updater', pid: 20, repeat: 1, steps: [{op: 'run', for: '3ms'}, {op: 'synchronize_rcu'}]}], {thresholds: {hungTaskTimeout: 30}});
	k.advance(61 * S);
	const texts = logTexts(k);
	assert.match(stallLines(texts)[0]!, /^INFO: rcu_sched self-detected stall on CPU \{ 1\} {2}\(t=21000 jiffies g=\d+ c=\d+ q=\d+\)$/);
	const at = texts.indexOf('INFO: task updater:20 blocked for more than 30 seconds.');
	assert.ok(at > 0, 'reported');
	assert.equal(texts[at + 1], '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.');
	const trace = texts.slice(texts.indexOf('Call Trace:', at) + 1, texts.indexOf('Call Trace:', at) + 7).map((l) => l.replace(/^ \[<[0-9a-f]{16}>\] /, '').replace(/\+0x.*$/, ''));
	assert.deepEqual(trace, ['schedule', 'schedule_timeout', 'wait_for_completion', 'wait_rcu_gp', 'synchronize_sched', 'system_call_fastpath']);
	assert.equal(k.warnings.hungTask, 1);
	assert.equal(k.lockup?.kind, 'stuck');
	assert.deepEqual(k.lockup?.cpus, [1]);
	assert.match(k.lockup!.explanation, /^updater \(pid 20\) sleeps in synchronize_rcu\(\) until a grace period ends, and grace period \d+ waits for a quiescent state from CPU1; CPU1 \(looper, pid 300\) runs a kernel thread whose loop has no scheduling point \(no cond_resched\(\), preemption none\): it never passes a quiescent state$/);
});

test('rcu_preempt (preemption "full"): the same loop passes a quiescent state at every tick outside a read-side section, so no stall and synchronize_rcu returns', () => {
	const k = machine([stuckLoop, {cpu: 0, comm: 'updater', pid: 20, repeat: 1, steps: [{op: 'run', for: '3ms'}, {op: 'synchronize_rcu'}]}], {preemption: 'full'});
	k.advance(30 * S);
	assert.equal(k.tasks[1]!.state, 'exited');
	assert.equal(k.warnings.rcuStall, 0);
	assert.equal(k.lockup, undefined);
	assert.equal(k.config.rcuFlavour, 'rcu_preempt');
});

test('rcu_preempt: a reader preempted in its critical section blocks the grace period though its CPU has passed a quiescent state; its rcu_read_unlock() ends it', () => {
	const reader = {cpu: 1, comm: 'reader', pid: 40, repeat: 1, steps: [{op: 'rcu_read_lock'}, {op: 'call', fn: 'walk_list', for: '30ms'}, {op: 'rcu_read_unlock'}]};
	const other = {cpu: 1, comm: 'other', pid: 41, startAt: '1ms', steps: [{op: 'run', for: '1ms'}, {op: 'idle', for: '1ms'}]};
	const k = machine([reader, other], {preemption: 'full', rcuBackground: '0s'});
	k.advance(4 * MS);
	assert.equal(k.tasks[0]!.rcuBlocked, true, 'preempted inside rcu_read_lock');
	assert.equal(k.rcu.inProgress, true);
	assert.equal(k.rcu.need[1], 0, 'CPU1 has passed its quiescent state');
	assert.equal(k.rcu.completed, 0, 'the boot grace period waits for the reader');
	k.advance(100 * MS);
	assert.equal(k.tasks[0]!.state, 'exited');
	assert.equal(k.rcu.completed, 1);
	assert.equal(k.rcu.blkd.length, 0);
	// Under none the reader is never preempted: preempt_disable() is what rcu_read_lock() does.
	const none = machine([reader, other], {rcuBackground: '0s'});
	none.advance(4 * MS);
	assert.equal(none.tasks[0]!.rcuBlocked, undefined);
	assert.equal(none.tasks[1]!.iteration, 0);
});

test('rcu_preempt stall with readers preempted for good: 3.10 prints " P%d" for each blocked task after gp_tasks, so the newest blocker is left out (rcu_print_task_stall, list_for_each_entry_continue)', () => {
	const reader = (pid: number): object => ({cpu: 1, comm: `reader${pid}`, pid, repeat: 1, steps: [{op: 'rcu_read_lock'}, {op: 'call', fn: 'walk_list', for: '50ms'}, {op: 'rcu_read_unlock'}]});
	const hog = {cpu: 1, comm: 'hog', pid: 50, kthread: true, startAt: '20ms', steps: [{op: 'preempt_disable'}, {op: 'call', fn: 'spin_forever', for: '600s'}, {op: 'preempt_enable'}]};
	const one = machine([reader(40), hog], {preemption: 'full', rcuBackground: '0s'});
	one.advance(25 * S);
	let texts = logTexts(one);
	let stall = stallLines(texts);
	assert.equal(stall.length, 1);
	assert.match(stall[0]!, /^INFO: rcu_preempt detected stalls on CPUs\/tasks: \{\} \(detected by 0, t=21002 jiffies, g=1, c=0, q=2\)$/);
	assert.equal(texts[texts.indexOf(stall[0]!) + 1], 'INFO: Stall ended before state dump start');
	// Two readers on two CPUs, each preempted (by its CPU's hog) before that CPU passed its
	// quiescent state: both block grace period 1. reader40 was queued first; reader41 was put
	// before it and became gp_tasks, so only reader40 is printed.
	const readerOn = (cpu: number, pid: number): object => ({...(reader(pid) as object), cpu});
	const hogOn = (cpu: number, pid: number): object => ({...hog, cpu, pid, comm: `hog${cpu}`, startAt: '500us'});
	const two = kernelFor({description: 'two preempted readers', cpus: 3, preemption: 'full', rcuBackground: '0s', tasks: [readerOn(1, 40), hogOn(1, 50), readerOn(2, 41), hogOn(2, 51)]});
	two.advance(25 * S);
	texts = logTexts(two);
	stall = stallLines(texts);
	assert.deepEqual(two.rcu.blkd.map((t) => t.pid), [41, 40]);
	assert.equal(two.rcu.gpTasks?.pid, 41);
	assert.match(stall[0]!, /^INFO: rcu_preempt detected stalls on CPUs\/tasks: \{ P40\} \(detected by 0, t=21002 jiffies, g=1, c=0, q=3\)$/);
	assert.equal(texts[texts.indexOf(stall[0]!) + 1], 'sending NMI to all CPUs:');
});

test('3.10 print_other_cpu_stall(): blocked tasks come before the CPUs inside the braces', () => {
	const n = {flavour: 'rcu_preempt', t: 21002, gpnum: 7, completed: 6, q: 12};
	assert.equal(msg.rcuOtherStall3x([1], 0, n, [4711, 4712]), 'INFO: rcu_preempt detected stalls on CPUs/tasks: { P4711 P4712 1} (detected by 0, t=21002 jiffies, g=7, c=6, q=12)');
	assert.equal(msg.rcuOtherStall3x([], 0, n), 'INFO: rcu_preempt detected stalls on CPUs/tasks: {} (detected by 0, t=21002 jiffies, g=7, c=6, q=12)');
});

test('synchronize-rcu-hang: the stall, the soft lockup and the hung task without the mitigation; cond_resched() in the loop and none of them', () => {
	const loaded = loadScenario('synchronize-rcu-hang');
	const k = buildKernel(loaded);
	k.advance(loaded.scenario.until);
	const texts = logTexts(k);
	assert.equal(stallLines(texts)[0], 'INFO: rcu_sched self-detected stall on CPU { 1}  (t=21000 jiffies g=2 c=1 q=4203)');
	assert.ok(texts.includes('INFO: task rcu_sync:1401 blocked for more than 120 seconds.'));
	assert.match(texts.find((t) => t.startsWith('BUG: soft lockup'))!, /^BUG: soft lockup - CPU#1 stuck for \d+s! \[tbl_scan:1402\]$/);
	assert.equal(k.lockup?.kind, 'stuck');
	assert.deepEqual(k.lockup?.tasks, [{comm: 'rcu_sync', pid: 1401}]);
	const fixed = buildKernel(loaded, {mitigated: true});
	fixed.advance(loaded.scenario.until);
	assert.equal(fixed.lockup, undefined);
	assert.deepEqual([fixed.warnings.rcuStall, fixed.warnings.softLockup, fixed.warnings.hungTask], [0, 0, 0]);
	// rcu_sync goes round (synchronize_rcu, kfree, 1 s asleep): CPU1 passes a quiescent state
	// at each wake-up of the watchdog thread (every 4 s), and synchronize_rcu() needs the grace
	// period after the one in progress: at most 8 s each.
	assert.ok(fixed.tasks[0]!.iteration >= 250 / 9, `${fixed.tasks[0]!.iteration} passes`);
});

test('synchronize-rcu-hang is deterministic and survives a checkpoint mid-stall', () => {
	const loaded = loadScenario('synchronize-rcu-hang');
	const a = buildKernel(loaded);
	a.advance(22 * S);
	const b = buildKernel(loaded);
	b.advance(22 * S);
	assert.equal(a.eventHash, b.eventHash);
	const c = a.clone();
	a.advance(60 * S);
	c.advance(60 * S);
	assert.equal(a.eventHash, c.eventHash);
	assert.deepEqual(logTexts(a), logTexts(c));
});

test('static checks: rcu_read_unlock without rcu_read_lock, synchronize_rcu inside a read-side section, a task exiting inside one', () => {
	const task = (steps: object[], repeat = 0): object => ({description: 'x', cpus: 2, tasks: [{cpu: 0, comm: 'a', pid: 10, repeat, steps}]});
	const problems = (s: object): readonly string[] => validateScenario(JSON.stringify(s), 'r.json').problems;
	assert.deepEqual(problems(task([{op: 'run', for: '1ms'}, {op: 'rcu_read_unlock'}])), ['r.json: $.tasks[0].steps[1]: rcu_read_unlock without a matching rcu_read_lock in this task before it']);
	assert.deepEqual(problems(task([{op: 'rcu_read_lock'}, {op: 'synchronize_rcu'}, {op: 'rcu_read_unlock'}, {op: 'run', for: '1ms'}])), [
		'r.json: $.tasks[0].steps[1]: synchronize_rcu inside an RCU read-side critical section (rcu_read_lock at $.tasks[0].steps[0]): it would wait for its own reader; call it after rcu_read_unlock',
	]);
	assert.deepEqual(problems(task([{op: 'run', for: '1ms'}, {op: 'rcu_read_lock'}, {op: 'call', fn: 'walk', for: '1us'}], 1)), ['r.json: $.tasks[0].steps[1]: the task exits (repeat: 1) inside the rcu_read_lock taken here, never closed']);
	assert.deepEqual(problems(task([{op: 'rcu_read_lock'}, {op: 'run', for: '1ms'}, {op: 'rcu_read_unlock'}])), [
		'r.json: $.tasks[0].steps[1]: run in user mode inside an RCU read-side critical section (rcu_read_lock at $.tasks[0].steps[0]); return to user mode after rcu_read_unlock, or write "mode": "kernel"',
	]);
});

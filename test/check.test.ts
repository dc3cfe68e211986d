// Static checks (source/scenario/check.ts): mistakes visible in a scenario file are refused
// when it is loaded, with the file, the step's JSON path and what is wrong, never at run time;
// what cannot be known without running is let be. `xcalltop check FILE...` reports them all,
// without running the kernel.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {InputError, parseScenario, validateScenario} from '../source/scenario/load.js';
import {buildKernel} from '../source/scenario/machine.js';
import {inline, runCli, S} from './helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'xcalltop-check-'));
test.after(() => rmSync(dir, {recursive: true, force: true}));

type Step = Record<string, unknown>;
interface TaskSpec {
	readonly steps: readonly Step[];
	readonly repeat?: number;
	readonly cpu?: number;
}

/** Two CPUs, spinlocks A and B, mutex M; one task per spec, on CPU0 unless it says. */
function scenario(tasks: readonly TaskSpec[], extra: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		description: 'static checks',
		cpus: 2,
		locks: [
			{name: 'A', kind: 'spinlock'},
			{name: 'B', kind: 'spinlock'},
			{name: 'M', kind: 'mutex'},
		],
		tasks: tasks.map((t, i) => ({cpu: t.cpu ?? 0, comm: `t${i}`, pid: 100 + i, ...(t.repeat === undefined ? {} : {repeat: t.repeat}), steps: t.steps})),
		...extra,
	};
}

/** Every problem of the scenario, as `check` prints them (without the `xcalltop: ` prefix). */
function problems(data: Record<string, unknown>): readonly string[] {
	return validateScenario(JSON.stringify(data), 'mine.json').problems;
}

/** The loader's one-line error: the first problem. */
function loadError(data: Record<string, unknown>): string {
	try {
		parseScenario(JSON.stringify(data), 'mine.json');
	} catch (error) {
		assert.ok(error instanceof InputError, String(error));
		return error.message;
	}
	assert.fail('expected the scenario to be refused');
}

const run = (dur = '1ms', mode?: 'user' | 'kernel'): Step => ({op: 'run', for: dur, ...(mode ? {mode} : {})});
const kernel = (dur = '1ms'): Step => run(dur, 'kernel');
const lock = (name = 'A', irqsave = false): Step => ({op: 'spin_lock', lock: name, ...(irqsave ? {irqsave} : {})});
const unlock = (name = 'A'): Step => ({op: 'spin_unlock', lock: name});

test('spin_unlock and mutex_unlock of a lock the task does not hold at that step', () => {
	assert.deepEqual(problems(scenario([{steps: [run(), unlock()]}])), ['mine.json: $.tasks[0].steps[1]: spin_unlock of "A", which this task does not hold here']);
	// Released already: the second unlock is the mistake.
	assert.deepEqual(problems(scenario([{steps: [run(), {op: 'mutex_lock', lock: 'M'}, kernel(), {op: 'mutex_unlock', lock: 'M'}, {op: 'mutex_unlock', lock: 'M'}]}])), [
		'mine.json: $.tasks[0].steps[4]: mutex_unlock of "M", which this task does not hold here',
	]);
	// Another task holding it is no help: a task's locks are its own.
	assert.deepEqual(problems(scenario([{steps: [lock('B'), kernel(), unlock('B'), run()]}, {cpu: 1, steps: [run(), unlock('B')]}])), ['mine.json: $.tasks[1].steps[1]: spin_unlock of "B", which this task does not hold here']);
	// The loader refuses the file with the first problem, exit 2 from the CLI.
	assert.equal(loadError(scenario([{steps: [run(), unlock()]}])), 'mine.json: $.tasks[0].steps[1]: spin_unlock of "A", which this task does not hold here');
});

test('a task that exits holding a spinlock', () => {
	assert.deepEqual(problems(scenario([{repeat: 1, steps: [run(), lock('B'), kernel()]}])), ['mine.json: $.tasks[0].steps[1]: the task exits (repeat: 1) still holding spinlock "B", taken here']);
	// Taken at the end of each pass and released at the start of the next: the first pass
	// unlocks what it does not hold, and the last pass leaves it held. Counted passes are
	// walked until they repeat themselves, however many.
	for (const repeat of [2, 1_000_000_000]) {
		assert.deepEqual(problems(scenario([{repeat, steps: [kernel(), unlock('B'), kernel(), lock('B')]}])), [
			'mine.json: $.tasks[0].steps[1]: spin_unlock of "B", which this task does not hold here',
			`mine.json: $.tasks[0].steps[3]: the task exits (repeat: ${repeat}) still holding spinlock "B", taken here`,
		]);
	}
	// Mutexes may be kept (another task then waits for ever: a lockup to watch, not a file mistake).
	assert.deepEqual(problems(scenario([{repeat: 1, steps: [run(), {op: 'mutex_lock', lock: 'M'}, kernel()]}])), []);
	// A task that repeats for ever never exits.
	assert.deepEqual(problems(scenario([{steps: [lock(), kernel(), unlock(), kernel()]}])), []);
});

test('returning to user mode with IRQs off or holding a spinlock ("mode": "user" is the default)', () => {
	assert.deepEqual(problems(scenario([{steps: [{op: 'irq_disable'}, run(), {op: 'irq_enable'}]}])), [
		'mine.json: $.tasks[0].steps[1]: run in user mode with IRQs off (turned off at $.tasks[0].steps[0]); return to user mode after irq_enable, or write "mode": "kernel"',
	]);
	assert.deepEqual(problems(scenario([{steps: [lock(), run(), unlock()]}])), [
		'mine.json: $.tasks[0].steps[1]: run in user mode holding spinlock "A" (taken at $.tasks[0].steps[0]); return to user mode after spin_unlock, or write "mode": "kernel"',
	]);
	// spin_unlock of an irqsave lock restores what was before: here, IRQs off.
	assert.deepEqual(problems(scenario([{steps: [{op: 'irq_disable'}, lock('A', true), kernel(), unlock(), run('1ms', 'user'), {op: 'irq_enable'}]}])), [
		'mine.json: $.tasks[0].steps[4]: run in user mode with IRQs off (turned off at $.tasks[0].steps[0]); return to user mode after irq_enable, or write "mode": "kernel"',
	]);
	// Off at the end of the list, the next pass begins with them off (no other task on CPU0).
	assert.deepEqual(problems(scenario([{steps: [run(), {op: 'irq_disable'}, kernel()]}])), [
		'mine.json: $.tasks[0].steps[0]: run in user mode with IRQs off (turned off at $.tasks[0].steps[1], on an earlier pass); return to user mode after irq_enable, or write "mode": "kernel"',
	]);
	assert.deepEqual(problems(scenario([{steps: [run(), lock('B'), kernel()]}])), [
		'mine.json: $.tasks[0].steps[0]: run in user mode holding spinlock "B" (taken at $.tasks[0].steps[1], on an earlier pass); return to user mode after spin_unlock, or write "mode": "kernel"',
	]);
});

test('a task that repeats for ever without a step that can take virtual time', () => {
	const never = 'none of these steps can take virtual time, and the task repeats for ever (repeat: 0): its CPU would loop at one instant; add a run, idle or call that takes time, or give repeat a count';
	assert.deepEqual(problems(scenario([{steps: [{op: 'irq_disable'}, {op: 'irq_enable'}]}])), [`mine.json: $.tasks[0].steps: ${never}`]);
	assert.deepEqual(problems(scenario([{steps: [{op: 'call', fn: 'nothing', for: '0ns'}]}])), [`mine.json: $.tasks[0].steps: ${never}`]);
	// Lock and cross-call steps cost timing.stepCost (test/step-cost.test.ts); without it:
	const free = {timing: {stepCost: '0s'}};
	assert.deepEqual(problems(scenario([{steps: [{op: 'smp_call_function', wait: false}]}], {cpus: 1, ...free})), [`mine.json: $.tasks[0].steps: ${never}`], 'one CPU: no csd to wait on');
	assert.deepEqual(problems(scenario([{steps: [lock(), unlock()]}], free)), [`mine.json: $.tasks[0].steps: ${never}`], 'nobody else takes A: it never waits');
	assert.deepEqual(problems(scenario([{steps: [{op: 'tlb_flush'}]}], {cpus: 1})), [`mine.json: $.tasks[0].steps: ${never}`], 'one CPU: no one to wait for');
	// run and idle of 0s in an endless task, each named; with nothing else taking time, the task too.
	assert.deepEqual(problems(scenario([{steps: [run('0s'), kernel('2ms')]}])), ['mine.json: $.tasks[0].steps[0].for: a run of 0s takes no time; in a task that repeats for ever, expected a duration above 0s']);
	assert.deepEqual(problems(scenario([{steps: [{op: 'idle', for: {min: '0s', max: '0ns'}}]}])), [
		'mine.json: $.tasks[0].steps[0].for: an idle of 0s takes no time; in a task that repeats for ever, expected a duration above 0s',
		`mine.json: $.tasks[0].steps: ${never}`,
	]);
	// What may take time is let be: a wait for another CPU, a lock another task holds, a
	// range that may draw more than 0, a probe site (dtrace), a count of passes.
	assert.deepEqual(problems(scenario([{steps: [{op: 'smp_call_function'}]}])), []);
	assert.deepEqual(problems(scenario([{steps: [lock(), unlock()]}, {cpu: 1, steps: [lock(), kernel(), unlock(), run()]}])), []);
	assert.deepEqual(problems(scenario([{steps: [{op: 'run', for: {min: '0s', max: '1us'}}]}])), []);
	assert.deepEqual(problems(scenario([{repeat: 3, steps: [run('0s'), {op: 'irq_disable'}, {op: 'irq_enable'}]}])), []);
});

test('a task that deadlocks on its own lock runs nothing after it: nothing there is refused', () => {
	// The second spin_lock spins for ever (a lockup the watchdogs report); the user-mode run
	// and the unlock of B after it never happen.
	assert.deepEqual(problems(scenario([{steps: [lock(), lock(), run(), unlock('B')]}])), []);
	assert.deepEqual(problems(scenario([{steps: [{op: 'irq_disable'}, {op: 'mutex_lock', lock: 'M'}]}])), [], 'on the second pass, mutex_lock of M sleeps for ever');
});

test('tricky but valid: accepted, and the kernel runs them', () => {
	const valid = scenario([
		// Taken and released within the pass, then user mode: the next pass holds nothing.
		{steps: [run(), lock(), kernel('20us'), unlock(), lock('B', true), kernel('5us'), unlock('B'), run('1ms', 'user')]},
		// irqsave inside irq_disable restores IRQs off; irq_enable then turns them on.
		{cpu: 1, steps: [{op: 'irq_disable'}, lock('A', true), kernel('10us'), unlock(), {op: 'irq_enable'}, run()]},
		// A mutex may be held across a sleep and in user mode (only spinlocks may not).
		{cpu: 1, steps: [{op: 'mutex_lock', lock: 'M'}, {op: 'idle', for: '1ms'}, run('500us'), {op: 'mutex_unlock', lock: 'M'}, {op: 'idle', for: '1ms'}]},
		// IRQs off at the end of the list on a CPU another task shares: whether they are still
		// off when this task comes back to its first step depends on what that task did.
		{cpu: 1, steps: [run(), {op: 'irq_disable'}, kernel('10us')]},
		// A counted task that ends holding nothing, locks crossing no pass.
		{repeat: 2, steps: [kernel(), lock('B'), kernel('3us'), unlock('B')]},
	]);
	assert.deepEqual(problems(valid), []);
	buildKernel(inline(valid)).advance(2 * S);
});

function file(name: string, data: unknown): string {
	const p = path.join(dir, name);
	writeFileSync(p, typeof data === 'string' ? data : JSON.stringify(data, null, 2));
	return p;
}

test('every command refuses such a file at load: exit 2, one line, nothing run', () => {
	// A zero-time loop for ever: before, run spun until the clock-stopped guard (exit 1) and
	// the monitor showed a frozen clock; a loop of instant steps died as an internal error.
	for (const steps of [[{op: 'call', fn: 'nothing', for: '0ns'}], [{op: 'irq_disable'}, {op: 'irq_enable'}]]) {
		const endless = file('endless.json', scenario([{steps}]));
		const r = runCli(['run', endless, '--quiet'], {}, {timeout: 10_000});
		assert.equal(r.timedOut, false);
		assert.equal(r.status, 2);
		assert.equal(r.stdout, '');
		assert.equal(
			r.stderr,
			`xcalltop: ${endless}: $.tasks[0].steps: none of these steps can take virtual time, and the task repeats for ever (repeat: 0): its CPU would loop at one instant; add a run, idle or call that takes time, or give repeat a count\n`,
		);
	}
	const unlocking = file('unlocking.json', scenario([{steps: [run(), unlock()]}]));
	const monitor = runCli([unlocking]);
	assert.equal(monitor.status, 2);
	assert.equal(monitor.stderr, `xcalltop: ${unlocking}: $.tasks[0].steps[1]: spin_unlock of "A", which this task does not hold here\n`);
});

test('lock names from the file are shown escaped', () => {
	const evil = 'A\u001b[31m\u202e';
	const data = scenario([{steps: [run(), unlock(evil)]}]);
	(data['locks'] as object[]).push({name: evil, kind: 'spinlock'});
	assert.deepEqual(problems(data), ['mine.json: $.tasks[0].steps[1]: spin_unlock of "A\\x1b[31m\\u202e", which this task does not hold here']);
});

test('xcalltop check: FILE: ok for each good file, exit 0; --quiet prints nothing', () => {
	const r = runCli(['check', 'demo', 'safe-xcall']);
	assert.equal(r.stderr, '');
	assert.equal(r.stdout, 'scenarios/demo.json: ok\nscenarios/safe-xcall.json: ok\n');
	assert.equal(r.status, 0);
	const quiet = runCli(['check', '--quiet', 'demo']);
	assert.deepEqual([quiet.status, quiet.stdout, quiet.stderr], [0, '', '']);
	// The JSON Schema beside the scenarios is passed by, so `check scenarios/*.json` works.
	const all = runCli(['check', 'scenarios/demo.json', 'scenarios/scenario.schema.json']);
	assert.equal(all.status, 0, all.stderr);
	assert.equal(all.stdout, 'scenarios/demo.json: ok\nscenarios/scenario.schema.json: skipped: a JSON Schema, not a scenario\n');
});

test('xcalltop check: one line per problem, every file checked, exit 2', () => {
	const good = file('good.json', scenario([{steps: [run()]}]));
	const bad = file('bad.json', scenario([{steps: [run(), unlock()]}, {cpu: 1, repeat: 1, steps: [lock('B'), run()]}]));
	const schema = file('schema.json', {...scenario([]), cpus: 'two', hz: 7});
	const timeline = file('timeline.json', scenario([{steps: [run()]}], {timeline: [{at: '1s', action: 'ctrl-c'}]}));
	// Run from their directory, the files are named as typed.
	const where = (p: string): string => path.basename(p);
	const r = runCli(['check', where(good), where(bad), 'no/such.json', where(schema), where(timeline)], {}, {cwd: dir});
	assert.equal(r.status, 2);
	assert.equal(r.stdout, 'good.json: ok\n');
	assert.deepEqual(r.stderr.split('\n'), [
		`xcalltop: ${where(bad)}: $.tasks[0].steps[1]: spin_unlock of "A", which this task does not hold here`,
		`xcalltop: ${where(bad)}: $.tasks[1].steps[1]: run in user mode holding spinlock "B" (taken at $.tasks[1].steps[0]); return to user mode after spin_unlock, or write "mode": "kernel"`,
		`xcalltop: ${where(bad)}: $.tasks[1].steps[0]: the task exits (repeat: 1) still holding spinlock "B", taken here`,
		'xcalltop: no/such.json: no such file',
		`xcalltop: ${where(schema)}: $.cpus: expected a number, got "two"`,
		`xcalltop: ${where(schema)}: $.hz: expected one of 100, 250, 300, 1000, got 7`,
		`xcalltop: ${where(timeline)}: $.timeline[0].action: unknown action "ctrl-c"; this scenario takes no inputs`,
		'',
	]);
	// run refuses the same file with the first of those lines, before running anything.
	const refused = runCli(['run', bad]);
	assert.equal(refused.status, 2);
	assert.equal(refused.stderr, `xcalltop: ${bad}: $.tasks[0].steps[1]: spin_unlock of "A", which this task does not hold here\n`);
	assert.equal(refused.stdout, '');
});

test('xcalltop check does not run the kernel: a scenario that would stop the clock checks ok at once', () => {
	// Two million passes of a zero-time step: run ends it after a million events at 0 s.
	const stopping = file('stopping.json', scenario([{repeat: 2_000_000, steps: [{op: 'call', fn: 'nothing', for: '0ns'}]}]));
	const r = runCli(['check', stopping], {}, {timeout: 10_000});
	assert.equal(r.timedOut, false);
	assert.deepEqual([r.status, r.stdout, r.stderr], [0, `${stopping}: ok\n`, '']);
});

test('xcalltop check: hostile file names and contents are shown escaped, one line each', () => {
	const name = path.join(dir, 'x\u001b]0;owned\u0007.json');
	writeFileSync(name, String.raw`{"description": "\u001b[2J", "cpus": "\u009b31m"}`);
	const r = runCli(['check', name]);
	assert.equal(r.status, 2);
	assert.equal(r.stderr.split('\n').length, 2, r.stderr);
	// eslint-disable-next-line no-control-regex
	assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(r.stderr), JSON.stringify(r.stderr));
	assert.match(r.stderr, /x\\x1b\]0;owned\\x07\.json: \$\.cpus: expected a number, got "\\u009b31m"\n$/);
	assert.ok(!r.stderr.includes('    at '), 'no stack trace');
});

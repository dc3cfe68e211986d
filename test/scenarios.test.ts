// Scenario files: every shipped one validates; bad ones give one-line errors naming the
// file, the JSON path and what was expected.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {listScenarioNames, loadScenario, parseScenario, InputError} from '../source/scenario/load.js';
import {buildKernel} from '../source/scenario/machine.js';
import {parseDuration} from '../source/scenario/duration.js';
import {runCli} from './helpers.js';

test('every scenario in scenarios/ validates and boots', () => {
	const names = listScenarioNames();
	assert.ok(names.includes('demo') && names.includes('ipi-irqs-off'));
	for (const name of names) {
		const loaded = loadScenario(name);
		assert.ok(loaded.scenario.description.length > 0, name);
		buildKernel(loaded).advance(10_000_000);
	}
});

const good = {description: 'x', cpus: 2, locks: [{name: 'A', kind: 'spinlock'}], tasks: [{cpu: 0, comm: 't', pid: 1, steps: [{op: 'run', for: '1ms'}]}]};

function errorFor(data: unknown): string {
	try {
		parseScenario(typeof data === 'string' ? data : JSON.stringify(data), 'scenarios/bad.json');
	} catch (error) {
		assert.ok(error instanceof InputError);
		assert.ok(!error.message.includes('\n'), 'one line');
		return error.message;
	}
	throw new Error('expected an error');
}

test('unknown keys are errors, at their path', () => {
	assert.equal(errorFor({...good, colour: 'red'}), 'scenarios/bad.json: $: unknown key "colour"');
	assert.equal(errorFor({...good, tasks: [{...good.tasks[0], nice: 5}]}), 'scenarios/bad.json: $.tasks[0]: unknown key "nice"');
});

test('wrong types and missing fields name what was expected', () => {
	assert.equal(errorFor({...good, cpus: 'two'}), 'scenarios/bad.json: $.cpus: expected a number, got "two"');
	assert.equal(errorFor({...good, cpus: 2.5}), 'scenarios/bad.json: $.cpus: expected an integer, got 2.5');
	const {description: _d, ...noDesc} = good;
	assert.equal(errorFor(noDesc), 'scenarios/bad.json: $.description: missing; expected a string');
	assert.equal(errorFor({...good, hz: 512}), 'scenarios/bad.json: $.hz: expected one of 100, 250, 300, 1000, got 512');
});

test('a step with an unknown op lists the ops there are', () => {
	const msg = errorFor({...good, tasks: [{...good.tasks[0], steps: [{op: 'rn'}]}]});
	assert.match(msg, /^scenarios\/bad\.json: \$\.tasks\[0\]\.steps\[0\]\.op: expected one of "run", "idle", "irq_disable", .*, got "rn"$/);
});

test('durations must be written with a unit', () => {
	assert.equal(
		errorFor({...good, tasks: [{...good.tasks[0], steps: [{op: 'run', for: 'soon'}]}]}),
		'scenarios/bad.json: $.tasks[0].steps[0].for: expected a duration like "250us", "2ms", "1.5s" or "2m", got "soon"',
	);
	assert.equal(
		errorFor({...good, tasks: [{...good.tasks[0], steps: [{op: 'run', for: {min: '1ms', max: 'later'}}]}]}),
		'scenarios/bad.json: $.tasks[0].steps[0].for.max: expected a duration like "250us", "2ms", "1.5s" or "2m", got "later"',
	);
	assert.equal(parseDuration('1.5s'), 1_500_000_000);
	assert.equal(parseDuration('250us'), 250_000);
	assert.equal(parseDuration('2m'), 120_000_000_000);
	assert.equal(parseDuration('fast'), undefined);
});

test('a bare number is no duration (seconds or milliseconds would be a guess): refused in files and flags', () => {
	const says = 'expected a unit after the number, like "10s", "500ms", "2us" or "100ns"';
	assert.equal(parseDuration('7'), undefined);
	assert.equal(errorFor({...good, until: '10'}), `scenarios/bad.json: $.until: ${says}, got "10"`);
	assert.equal(errorFor({...good, tasks: [{...good.tasks[0], steps: [{op: 'run', for: '2.5'}]}]}), `scenarios/bad.json: $.tasks[0].steps[0].for: ${says}, got "2.5"`);
	assert.equal(errorFor({...good, tasks: [{...good.tasks[0], steps: [{op: 'idle', for: {min: '1ms', max: '3'}}]}]}), `scenarios/bad.json: $.tasks[0].steps[0].for.max: ${says}, got "3"`);
	assert.equal(errorFor({...good, timing: {ipiLatency: '1000'}}), `scenarios/bad.json: $.timing.ipiLatency: ${says}, got "1000"`);
	const until = runCli(['run', 'demo', '--until', '10']);
	assert.equal(until.status, 2);
	assert.equal(until.stderr, `xcalltop: --until "10": ${says}\n`);
	const input = runCli(['run', 'demo', '--input', '10:ctrl-c']);
	assert.equal(input.status, 2);
	assert.equal(input.stderr, `xcalltop: --input "10:ctrl-c": AT ${says}\n`);
	// With a unit, the same numbers are durations.
	assert.equal(parseScenario(JSON.stringify({...good, until: '10s', tasks: [{...good.tasks[0], steps: [{op: 'run', for: '2.5s'}]}]}), 'ok.json').until, 10 * 1e9);
});

test('references are checked: CPUs in range, locks declared and of the right kind', () => {
	assert.equal(errorFor({...good, tasks: [{...good.tasks[0], cpu: 2}]}), 'scenarios/bad.json: $.tasks[0].cpu: expected a CPU below 2 (the scenario has 2 CPUs), got 2');
	assert.equal(
		errorFor({...good, tasks: [{...good.tasks[0], steps: [{op: 'spin_lock', lock: 'B'}]}]}),
		'scenarios/bad.json: $.tasks[0].steps[0].lock: lock "B" is not declared in $.locks',
	);
	assert.equal(
		errorFor({...good, tasks: [{...good.tasks[0], steps: [{op: 'mutex_lock', lock: 'A'}]}]}),
		'scenarios/bad.json: $.tasks[0].steps[0].lock: "A" is a spinlock, but mutex_lock needs a mutex',
	);
});

test('invalid JSON names the line and column', () => {
	// A trailing comma is pointed at where it stands, not at the bracket after it.
	assert.equal(errorFor('{\n  "description": "x",\n  "cpus": 2,\n}'), "scenarios/bad.json: line 3, column 12: invalid JSON: trailing comma before '}' (JSON allows none)");
});

// Scenario tours ("the story"): every shipped scenario has one, its keys are ones the
// monitor knows and the scenario can act on, and a bad tour gets a one-line error.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {listScenarioNames, loadScenario, parseScenario, InputError} from '../source/scenario/load.js';
import {buildKernel} from '../source/scenario/machine.js';
import {TOUR_KEYS, TOUR_LIMITS} from '../source/scenario/schema.js';
import {loadSession} from '../source/session/load.js';
import {ROOT} from './helpers.js';

/** The kernel input each kernel key applies (source/ui/keymap.ts). */
const ACTION_OF: Readonly<Record<string, string>> = {s: 'safe-mode', 'Ctrl-C': 'ctrl-c', K: 'kill-9', t: 'timer', m: 'mitigation', d: 'start-consumer'};

const good = {description: 'x', cpus: 2, tasks: [{cpu: 0, comm: 't', pid: 1, steps: [{op: 'run', for: '1ms'}]}]};
const withPort = {...good, dtrace: {consumer: {}}, mitigation: {describe: 'safe mode on', option: 'safeMode', value: true}};
const tour = (press: {key: unknown; why: string}[], watch: unknown[] = ['1 s: something happens']) => ({tour: {press, watch}});

function errorFor(data: object): string {
	try {
		parseScenario(JSON.stringify(data), 'scenarios/bad.json');
	} catch (error) {
		assert.ok(error instanceof InputError);
		assert.ok(!error.message.includes('\n'), 'one line');
		return error.message;
	}
	throw new Error('expected an error');
}

test('every shipped scenario has a tour whose keys its kernel can act on', () => {
	const names = listScenarioNames();
	assert.ok(names.length >= 8, `${names.length} scenarios`);
	for (const name of names) {
		const loaded = loadScenario(name);
		const t = loaded.scenario.tour;
		assert.ok(t, `${name} has a tour`);
		assert.ok(t.watch.length > 0 && t.press.length > 0, `${name}: something to press and to watch`);
		const kernel = buildKernel(loaded);
		for (const {key} of t.press) {
			const action = ACTION_OF[key];
			if (action) assert.ok(kernel.actions().has(action), `${name}: "${key}" needs input ${action}`);
			if (/^[0-9]$/.test(key)) assert.ok(Number(key) < loaded.scenario.cpus, `${name}: CPU${key}`);
		}
	}
});

test("demo's tour says to turn safe mode off, and it names its source", () => {
	const demo = loadScenario('demo').scenario;
	assert.equal(demo.source, 'safe-xcall-2012.txt');
	const s = demo.tour!.press.find((p) => p.key === 's');
	assert.ok(s, 'demo tells the reader to press s');
	assert.match(s.why, /safe mode off/i);
});

test('a tour is optional; press defaults to none', () => {
	assert.equal(parseScenario(JSON.stringify(good), 'mine.json').tour, undefined);
	assert.deepEqual(parseScenario(JSON.stringify({...good, tour: {watch: ['at 1 s: nothing']}}), 'mine.json').tour, {press: [], watch: ['at 1 s: nothing']});
	// Sessions recorded before tours existed embed scenario texts without one.
	const session = loadSession(path.join(ROOT, 'scenarios/sessions/demo.jsonl'));
	assert.ok(!session.header.scenario.content.includes('"tour"'));
	assert.equal(session.scenario.scenario.tour, undefined);
});

test('every key the monitor names is accepted where the scenario can act on it', () => {
	const press = TOUR_KEYS.filter((k) => !/^[2-9]$/.test(k)).map((key) => ({key, why: 'try it'}));
	for (let i = 0; i < press.length; i += TOUR_LIMITS.press) {
		const chunk = press.slice(i, i + TOUR_LIMITS.press);
		assert.deepEqual(parseScenario(JSON.stringify({...withPort, ...tour(chunk)}), 'mine.json').tour?.press, chunk);
	}
});

test('a tour with an unknown key is rejected in one line that lists the keys', () => {
	assert.equal(
		errorFor({...withPort, ...tour([{key: 'q', why: 'quit'}])}),
		'scenarios/bad.json: $.tour.press[0].key: expected one of "s", "Ctrl-C", "K", "t", "m", "d", "space", ".", ",", "+", "-", "0"..."9", "Left", "Right", "Tab", "r", "f", got "q"',
	);
	assert.equal(errorFor({...withPort, ...tour([{key: 3, why: 'CPU3'}])}), 'scenarios/bad.json: $.tour.press[0].key: expected a string, got 3');
});

test('a tour key whose action the scenario lacks is rejected in one line', () => {
	assert.equal(
		errorFor({...good, ...tour([{key: 'Tab', why: 'focus'}, {key: 'm', why: 'mitigate'}])}),
		'scenarios/bad.json: $.tour.press[1].key: "m" flips the mitigation, but the scenario has no $.mitigation',
	);
	for (const key of ['s', 'Ctrl-C', 'K', 't', 'd']) {
		assert.equal(errorFor({...good, ...tour([{key, why: 'x'}])}), `scenarios/bad.json: $.tour.press[0].key: "${key}" needs the DTrace port, but the scenario has no $.dtrace`);
	}
	assert.equal(errorFor({...good, ...tour([{key: '2', why: 'select CPU2'}])}), 'scenarios/bad.json: $.tour.press[0].key: "2" selects CPU2, but the scenario has 2 CPUs');
});

test('a tour is bounded: short one-line texts, a few of each, no unknown keys', () => {
	const long = 'x'.repeat(TOUR_LIMITS.text + 1);
	assert.match(errorFor({...good, ...tour([], [long])}), /^scenarios\/bad\.json: \$\.tour\.watch\[0\]: expected string to have <=120 characters, got "x+\.\.\.$/);
	assert.match(errorFor({...good, ...tour([{key: 'r', why: long}])}), /^scenarios\/bad\.json: \$\.tour\.press\[0\]\.why: expected string to have <=120 characters/);
	assert.equal(
		errorFor({...good, ...tour([], ['first line\nsecond line'])}),
		'scenarios/bad.json: $.tour.watch[0]: expected one line of text (no newlines, tabs or control characters), got "first line\\nsecond line"',
	);
	assert.match(errorFor({...good, ...tour([], Array(TOUR_LIMITS.watch + 1).fill('w'))}), /^scenarios\/bad\.json: \$\.tour\.watch: expected array to have <=6 items, got /);
	assert.match(errorFor({...good, ...tour(Array(TOUR_LIMITS.press + 1).fill({key: 'r', why: 'w'}))}), /^scenarios\/bad\.json: \$\.tour\.press: expected array to have <=6 items, got /);
	assert.equal(errorFor({...good, ...tour([], [])}), 'scenarios/bad.json: $.tour.watch: expected array to have >=1 items, got []');
	assert.equal(errorFor({...good, tour: {watch: ['w'], notes: 'x'}}), 'scenarios/bad.json: $.tour: unknown key "notes"');
	assert.equal(errorFor({...good, tour: {press: [{key: 'r'}], watch: ['w']}}), 'scenarios/bad.json: $.tour.press[0].why: missing; expected a string');
});

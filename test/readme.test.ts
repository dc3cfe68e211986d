// The readme's screens are exports of shipped sessions: re-export each and compare, so the
// readme never shows a screen the program no longer draws; and its scenario examples are
// files xcalltop accepts.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {exportSession} from '../source/session/export.js';
import {loadSession} from '../source/session/load.js';
import {ROOT} from './helpers.js';
import {scenarioJsonSchema} from '../source/build/scenario-schema.js';
import {UNIT_HINT} from '../source/scenario/duration.js';
import {validateScenario} from '../source/scenario/load.js';
import {timelineProblems} from '../source/scenario/machine.js';

const README = readFileSync(path.join(ROOT, 'readme.md'), 'utf8');
const SCREENS = [...README.matchAll(/<!-- screen: (\S+) (\d+)x(\d+) -->\n```\n([\s\S]*?)```\n/g)];

test('the readme shows at least one exported screen', () => {
	assert.ok(SCREENS.length >= 1);
});

for (const [, file, cols, rows, shown] of SCREENS) {
	test(`readme: ${file} at ${cols}x${rows} is what export --txt writes`, async () => {
		const txt = path.join(mkdtempSync(path.join(tmpdir(), 'xcalltop-readme-')), 'screen.txt');
		process.env['FORCE_COLOR'] = '1';
		await exportSession(loadSession(path.join(ROOT, file!)), {txt, cols: Number(cols), rows: Number(rows)});
		assert.equal(shown, readFileSync(txt, 'utf8'), `regenerate with: xcalltop export ${file} --txt OUT --cols ${cols} --rows ${rows}`);
	});
}

// "Scenario files": the example scenario, every top-level key and every step op is shown
// with an example, and the examples are files xcalltop accepts, static checks included.
const FILES = README.slice(README.indexOf('## Scenario files'), README.indexOf('\n## ', README.indexOf('## Scenario files')));
/** The rows of the table under a `### title`: first cell (a `name`) and second cell (an `example`). */
function rows(title: string): [string, string][] {
	const part = FILES.slice(FILES.indexOf(`### ${title}`), FILES.indexOf('\n### ', FILES.indexOf(`### ${title}`) + 1));
	return [...part.matchAll(/^\| `([^`]+)` \| `([^`]+)` \|/gm)].map((m) => [m[1]!, m[2]!]);
}
const SCHEMA = JSON.parse(scenarioJsonSchema()) as {properties: Record<string, {items?: {properties: {steps: {items: {oneOf: {properties: {op: {const: string}}}[]}}}}}>};
const OPS = SCHEMA.properties['tasks']!.items!.properties.steps.items.oneOf.map((o) => o.properties.op.const);

test('readme: the example scenario file loads and passes the static checks', () => {
	const example = /```json\n([\s\S]*?)```/.exec(FILES)![1]!;
	assert.deepEqual(validateScenario(example, 'example.json').problems, []);
});

test('readme: every top-level key and every step op has an example, and together they make a valid file', () => {
	const keys = rows('Top-level keys');
	assert.deepEqual(keys.map(([k]) => k).sort(), Object.keys(SCHEMA.properties).sort());
	const steps = rows('Tasks and steps');
	assert.deepEqual(steps.map(([op]) => op).sort(), [...OPS].sort());
	const file = Object.assign({}, ...keys.map(([, example]) => JSON.parse(`{${example}}`) as object)) as {tasks: object[]};
	file.tasks.push({cpu: 1, comm: 'every_step', pid: 2, steps: steps.map(([op, example]) => {
		const step = JSON.parse(example) as {op: string};
		assert.equal(step.op, op);
		return step;
	})});
	const text = JSON.stringify(file);
	const checked = validateScenario(text, 'every-key.json');
	assert.deepEqual(checked.problems, []);
	assert.deepEqual(timelineProblems({file: 'every-key.json', text, scenario: checked.scenario!}), []);
	assert.ok(README.includes(`expected ${UNIT_HINT}`), 'the readme quotes the bare-number message as it is');
});

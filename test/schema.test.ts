// scenarios/scenario.schema.json: generated from the zod schema, never by hand. It must be
// what `npm run schema` writes today, every shipped scenario names it, and it accepts the
// shipped scenarios and refuses what the loader refuses for the same reason (checked with a
// small validator for exactly the keywords the file uses: a keyword it does not know fails).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {SCHEMA_COMMAND, SCHEMA_FILE, committedSchema, durationText, scenarioJsonSchema} from '../source/build/scenario-schema.js';
import {parseDuration} from '../source/scenario/duration.js';
import {listScenarioNames} from '../source/scenario/load.js';
import {ROOT} from './helpers.js';

test('scenarios/scenario.schema.json is what `npm run schema` generates from source/scenario/schema.ts', () => {
	const committed = committedSchema();
	assert.ok(committed !== undefined, `${SCHEMA_FILE} is missing: run \`${SCHEMA_COMMAND}\``);
	assert.ok(committed === scenarioJsonSchema(), `scenarios/scenario.schema.json is stale (source/scenario/schema.ts changed): run \`${SCHEMA_COMMAND}\` and commit the file`);
	const schema = JSON.parse(committed) as Record<string, unknown>;
	assert.match(String(schema['$comment']), /^Generated from source\/scenario\/schema\.ts by `npm run schema` .*do not edit by hand\.$/);
});

test('every shipped scenario names the schema in "$schema", first', () => {
	const names = listScenarioNames();
	assert.ok(names.length >= 8, `${names.length} scenarios`);
	assert.ok(!names.includes('scenario.schema'), 'the schema is not listed as a scenario');
	for (const name of names) {
		const text = readFileSync(path.join(ROOT, 'scenarios', `${name}.json`), 'utf8');
		assert.ok(text.startsWith('{\n  "$schema": "./scenario.schema.json",\n'), name);
	}
});

type Json = Record<string, unknown>;

/** Keywords that constrain, and those that only annotate. Anything else fails the test. */
const ANNOTATIONS = new Set(['$schema', '$comment', 'title', 'description', 'default', 'examples', '$defs']);

/** A JSON Schema validator for the keywords scenario.schema.json uses: the problems, as "path: keyword". */
function validate(root: Json, schema: Json, value: unknown, at = '$'): string[] {
	const out: string[] = [];
	const type = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);
	for (const [key, want] of Object.entries(schema)) {
		if (ANNOTATIONS.has(key)) continue;
		switch (key) {
			case '$ref': {
				const target = (want as string).replace(/^#\//, '').split('/').reduce<Json>((node, part) => node[part] as Json, root);
				out.push(...validate(root, target, value, at));
				break;
			}
			case 'type': {
				const types = Array.isArray(want) ? (want as string[]) : [want as string];
				const got = type(value);
				if (!types.includes(got) && !(got === 'integer' && types.includes('number'))) out.push(`${at}: type`);
				break;
			}
			case 'enum':
				if (!(want as unknown[]).includes(value)) out.push(`${at}: enum`);
				break;
			case 'const':
				if (value !== want) out.push(`${at}: const`);
				break;
			case 'pattern':
				if (typeof value === 'string' && !new RegExp(want as string, 'u').test(value)) out.push(`${at}: pattern`);
				break;
			case 'minLength':
			case 'maxLength':
				if (typeof value === 'string' && (key === 'minLength' ? [...value].length < (want as number) : [...value].length > (want as number))) out.push(`${at}: ${key}`);
				break;
			case 'minimum':
			case 'maximum':
				if (typeof value === 'number' && (key === 'minimum' ? value < (want as number) : value > (want as number))) out.push(`${at}: ${key}`);
				break;
			case 'minItems':
			case 'maxItems':
				if (Array.isArray(value) && (key === 'minItems' ? value.length < (want as number) : value.length > (want as number))) out.push(`${at}: ${key}`);
				break;
			case 'items':
				if (Array.isArray(value)) value.forEach((v, i) => out.push(...validate(root, want as Json, v, `${at}[${i}]`)));
				break;
			case 'properties':
				if (type(value) === 'object') {
					for (const [k, v] of Object.entries(value as Json)) {
						const sub = (want as Json)[k];
						if (sub !== undefined) out.push(...validate(root, sub as Json, v, `${at}.${k}`));
					}
				}
				break;
			case 'additionalProperties':
				// false (strict objects), or a schema every other key's value must meet (`functions`, by name).
				assert.ok(want === false || type(want) === 'object', 'additionalProperties is false or a schema');
				if (type(value) === 'object')
					for (const [k, v] of Object.entries(value as Json)) {
						if (k in ((schema['properties'] as Json | undefined) ?? {})) continue;
						if (want === false) out.push(`${at}.${k}: additionalProperties`);
						else out.push(...validate(root, want as Json, v, `${at}.${k}`));
					}
				break;
			case 'required':
				if (type(value) === 'object') for (const k of want as string[]) if (!(k in (value as Json))) out.push(`${at}.${k}: required`);
				break;
			case 'anyOf':
			case 'oneOf': {
				const passing = (want as Json[]).filter((option) => validate(root, option, value, at).length === 0).length;
				if (key === 'anyOf' ? passing === 0 : passing !== 1) out.push(`${at}: ${key}`);
				break;
			}
			default:
				assert.fail(`scenario.schema.json uses "${key}", which this test's validator does not know: teach it, so the test still checks what the file says`);
		}
	}
	return out;
}

const SCHEMA = JSON.parse(scenarioJsonSchema()) as Json;
const check = (value: unknown): string[] => validate(SCHEMA, SCHEMA, value);

test('the JSON Schema accepts every shipped scenario', () => {
	for (const name of listScenarioNames()) {
		const data = JSON.parse(readFileSync(path.join(ROOT, 'scenarios', `${name}.json`), 'utf8')) as unknown;
		assert.deepEqual(check(data), [], name);
	}
});

test('the JSON Schema refuses what the loader refuses for the same reason: durations, keys, ops, values', () => {
	const good = {$schema: './scenario.schema.json', description: 'x', cpus: 2, locks: [{name: 'A', kind: 'spinlock'}], tasks: [{cpu: 0, comm: 't', pid: 1, steps: [{op: 'run', for: '1ms'}]}]};
	assert.deepEqual(check(good), []);
	const step = (s: object) => ({...good, tasks: [{...good.tasks[0], steps: [s]}]});
	assert.deepEqual(check({...good, until: '10'}), ['$.until: pattern'], 'a bare number is no duration');
	assert.deepEqual(check({...good, until: 10}), ['$.until: type']);
	assert.deepEqual(check({...good, until: ' 1.5 s '}), [], 'blanks around, as the loader trims them');
	assert.deepEqual(check({...good, until: '2µs'}), []);
	assert.deepEqual(check(step({op: 'idle', for: {min: '1ms', max: '2'}})), ['$.tasks[0].steps[0]: oneOf']);
	assert.deepEqual(check(step({op: 'run', for: '1ms', mode: 'supervisor'})), ['$.tasks[0].steps[0]: oneOf']);
	assert.deepEqual(check(step({op: 'rn', for: '1ms'})), ['$.tasks[0].steps[0]: oneOf']);
	assert.deepEqual(check({...good, colour: 'red'}), ['$.colour: additionalProperties']);
	assert.deepEqual(check({...good, hz: 512}), ['$.hz: enum']);
	assert.deepEqual(check({...good, tour: {watch: ['x'], press: [{key: 'F5', why: 'y'}]}}), ['$.tour.press[0].key: enum']);
	const {cpus: _c, ...noCpus} = good;
	assert.deepEqual(check(noCpus), ['$.cpus: required']);
});

test('defaults are written as a file writes them: durations with their unit', () => {
	assert.equal(durationText(30_000_000_000), '30s');
	assert.equal(durationText(1_200), '1.2us');
	assert.equal(durationText(600), '600ns');
	assert.equal(durationText(0), '0s');
	const props = SCHEMA['properties'] as Record<string, Json>;
	assert.equal(props['until']!['default'], '30s');
	assert.equal(props['hz']!['default'], 1000);
	let durations = 0;
	const walk = (node: unknown): void => {
		if (node === null || typeof node !== 'object') return;
		const o = node as Json;
		if (typeof o['$ref'] === 'string' && 'default' in o) {
			const d = o['default'];
			for (const text of typeof d === 'string' ? [d] : Object.values(d as Json)) {
				assert.equal(typeof parseDuration(text as string), 'number', `default ${JSON.stringify(d)} is a duration`);
				durations++;
			}
		}
		Object.values(o).forEach(walk);
	};
	walk(SCHEMA);
	assert.ok(durations >= 10, `${durations} duration defaults`);
});

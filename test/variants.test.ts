// Mitigations written as code: steps marked `"when": "mitigated"` or `"unmitigated"` belong to
// one variant of the code only. A task reads the mitigation as each pass of its steps begins
// (a handler as each invocation begins), so one pass never mixes the two; the static checks
// walk each variant and say which one a problem is in.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {validateScenario} from '../source/scenario/load.js';
import {kernelFor, logTexts, MS, S} from './helpers.js';

/** ABBA on two spinlocks; the mitigated variant of the second task takes them in the same order as the first. */
const abba = {
	description: 'ABBA, fixed by lock ordering',
	cpus: 2,
	locks: [
		{name: 'A', kind: 'spinlock'},
		{name: 'B', kind: 'spinlock'},
	],
	tasks: [
		{cpu: 0, comm: 'first', pid: 100, steps: [{op: 'spin_lock', lock: 'A'}, {op: 'run', for: '1ms', mode: 'kernel'}, {op: 'spin_lock', lock: 'B'}, {op: 'spin_unlock', lock: 'B'}, {op: 'spin_unlock', lock: 'A'}, {op: 'idle', for: '1ms'}]},
		{
			cpu: 1,
			comm: 'second',
			pid: 101,
			steps: [
				{op: 'spin_lock', lock: 'A', when: 'mitigated'},
				{op: 'spin_lock', lock: 'B'},
				{op: 'run', for: '1ms', mode: 'kernel'},
				{op: 'spin_lock', lock: 'A', when: 'unmitigated'},
				{op: 'spin_unlock', lock: 'A'},
				{op: 'spin_unlock', lock: 'B'},
				{op: 'idle', for: '1ms'},
			],
		},
	],
	mitigation: {describe: 'the second task takes A before B, as the first does'},
};

test('when: without the mitigation the original code runs (ABBA deadlock); with it the mitigated code runs (no lockup)', () => {
	const original = kernelFor(abba);
	original.advance(2 * S);
	assert.ok(original.lockup, 'expected the ABBA lockup');
	assert.deepEqual([...original.lockup.cpus].sort(), [0, 1]);
	const fixed = kernelFor(abba, {mitigated: true});
	fixed.advance(2 * S);
	assert.equal(fixed.lockup, undefined);
	assert.ok(fixed.tasks[1]!.iteration > 100, `second task passes: ${fixed.tasks[1]!.iteration}`);
});

test('when: a mitigation flipped in the middle of a pass applies from that task\'s next pass', () => {
	const scenario = {
		description: 'variant latch',
		cpus: 1,
		tasks: [
			{
				cpu: 0,
				comm: 'worker',
				pid: 100,
				repeat: 2,
				steps: [
					{op: 'run', for: '1ms', mode: 'kernel'},
					{op: 'printk', text: 'original code', for: '1us', when: 'unmitigated'},
					{op: 'printk', text: 'mitigated code', for: '1us', when: 'mitigated'},
					{op: 'idle', for: '1ms'},
				],
			},
		],
		mitigation: {describe: 'print the other line'},
		// The key lands 0.5 ms into the first pass, before its printk.
		timeline: [{at: '500us', action: 'mitigation'}],
	};
	const k = kernelFor(scenario);
	k.advance(10 * MS);
	assert.deepEqual(logTexts(k).filter((t) => t.endsWith(' code')), ['original code', 'mitigated code']);
});

test('when: the static checks walk each variant and say which one a problem is in', () => {
	const bad = structuredClone(abba) as typeof abba;
	// The mitigated variant now takes A twice over and unlocks nothing extra; the original unlocks A it never took.
	bad.tasks[1]!.steps = [
		{op: 'spin_lock', lock: 'B'},
		{op: 'spin_lock', lock: 'A', when: 'mitigated'},
		{op: 'spin_unlock', lock: 'A'},
		{op: 'spin_unlock', lock: 'B'},
		{op: 'idle', for: '1ms'},
	];
	assert.deepEqual(validateScenario(JSON.stringify(bad), 'mine.json').problems, ['mine.json: $.tasks[1].steps[2]: spin_unlock of "A", which this task does not hold here (without the mitigation)']);
});

test('when: refused without a $.mitigation, and a mitigation that changes nothing is refused', () => {
	const noMitigation = {...abba, mitigation: undefined};
	assert.deepEqual(validateScenario(JSON.stringify(noMitigation), 'mine.json').problems, ['mine.json: $.tasks[1].steps[0].when: "when" picks the mitigated or original code, but the scenario has no $.mitigation']);
	const nothing = {...abba, tasks: abba.tasks.map((t) => ({...t, steps: t.steps.map(({when: _, ...st}: {when?: string}) => st)}))};
	const problems = validateScenario(JSON.stringify(nothing), 'mine.json').problems;
	assert.deepEqual(problems, ['mine.json: $.mitigation: the mitigation changes nothing: expected an "option" and "value", or steps marked "when": "mitigated" / "unmitigated"']);
	const halfOption = {...abba, mitigation: {describe: 'x', option: 'irqsave'}};
	assert.match(validateScenario(JSON.stringify(halfOption), 'mine.json').problems[0]!, /\$\.mitigation: expected "value" with "option"/);
});

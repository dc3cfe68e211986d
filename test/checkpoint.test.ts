// Checkpoints: the kernel's state is plain data, so a checkpoint is one structuredClone of
// it and a kernel built around a copy runs on exactly as the original does. For every
// shipped scenario: clone partway (before its lockup and after), run both to the end, and
// compare with a run that was never checkpointed; restore a checkpoint that went through
// structuredClone; keys applied after a restore; step reports of a clone.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {Kernel, KernelError, type KernelCheckpoint} from '../source/kernel/kernel.js';
import {snapshot} from '../source/kernel/snapshot.js';
import {summarize} from '../source/kernel/summary.js';
import {listScenarioNames, loadScenario, type LoadedScenario} from '../source/scenario/load.js';
import {buildKernel, extensionsFor, restoreKernel} from '../source/scenario/machine.js';
import {kernelFor, MS} from './helpers.js';

/** Everything a run shows: the summary (outcome, hash, counters), the whole log and trace, and a snapshot. */
function outcome(k: Kernel) {
	return {
		summary: summarize(k),
		log: k.log.since(0).records,
		trace: k.trace.read(),
		snapshot: snapshot(k, {logLines: 0, traceLines: 0}),
		feed: k.inputFeed.since(0).records,
	};
}

/** Fails on anything structuredClone would not copy as it is: functions, class instances, symbols. */
function assertPlain(value: unknown, path = 'checkpoint', seen = new Set<object>()): void {
	if (value === null || value === undefined) return;
	const type = typeof value;
	if (type === 'number' || type === 'string' || type === 'boolean') return;
	assert.ok(type === 'object', `${path} is a ${type}`);
	const object = value as object;
	if (seen.has(object)) return;
	seen.add(object);
	if (ArrayBuffer.isView(object)) return;
	const proto = Object.getPrototypeOf(object) as unknown;
	if (object instanceof Map) {
		assert.equal(proto, Map.prototype, `${path} is a subclass of Map`);
		for (const [key, v] of object) {
			assertPlain(key, `${path} key`, seen);
			assertPlain(v, `${path}.get(${String(key)})`, seen);
		}
		return;
	}
	if (object instanceof Set) {
		assert.equal(proto, Set.prototype, `${path} is a subclass of Set`);
		for (const v of object) assertPlain(v, `${path} member`, seen);
		return;
	}
	assert.ok(proto === Object.prototype || proto === Array.prototype || proto === null, `${path} is an instance of ${(proto as {constructor?: {name?: string}} | undefined)?.constructor?.name ?? '?'}`);
	for (const [key, v] of Object.entries(object)) assertPlain(v, `${path}.${key}`, seen);
}

interface Reference {
	readonly loaded: LoadedScenario;
	readonly until: number;
	readonly end: ReturnType<typeof outcome>;
	/** Two instants partway: before the lockup and after it when there is one. */
	readonly points: readonly {readonly at: number; readonly why: string}[];
}

function reference(name: string): Reference {
	const loaded = loadScenario(name);
	const until = loaded.scenario.until;
	const k = buildKernel(loaded);
	k.advance(until);
	const lockup = k.lockup?.at;
	// Odd instants, between events rather than on them.
	const points =
		lockup === undefined
			? [
					{at: Math.floor(until / 3) + 7, why: 'a third of the way'},
					{at: Math.floor((2 * until) / 3) + 7, why: 'two thirds of the way'},
				]
			: [
					{at: Math.floor(lockup / 2) + 7, why: 'before the lockup'},
					{at: Math.floor((lockup + until) / 2) + 7, why: 'after the lockup'},
				];
	return {loaded, until, end: outcome(k), points};
}

for (const name of listScenarioNames()) {
	test(`${name}: a clone and a restored checkpoint run on exactly as a run never checkpointed`, () => {
		const ref = reference(name);
		assert.ok(ref.end.summary.events > 0);
		for (const {at, why} of ref.points) {
			const original = buildKernel(ref.loaded);
			original.advance(at);
			// The live state itself, not only its copy: structuredClone would quietly turn a
			// class instance into a plain object that has lost its methods.
			assertPlain(original.s, 'state');
			const checkpoint = original.checkpoint();
			assertPlain(checkpoint);
			// A checkpoint is plain data: structuredClone copies all of it, prototypes included.
			const copied = structuredClone(checkpoint);
			assert.deepStrictEqual(copied, checkpoint, `${why}: structuredClone changes nothing`);
			const clone = original.clone();
			const restored = restoreKernel(ref.loaded, copied);
			assert.equal(clone.eventHash, original.eventHash);
			assert.equal(restored.now, at);
			for (const k of [original, clone, restored]) k.advance(ref.until);
			const what = `${name}, checkpoint at ${at} ns (${why})`;
			assert.equal(clone.eventHash, original.eventHash, `${what}: the clone's event-log hash`);
			assert.deepStrictEqual(outcome(clone), outcome(original), `${what}: the clone's outcome`);
			assert.equal(restored.eventHash, ref.end.summary.eventLogHash, `${what}: restored, the hash of a run never checkpointed`);
			assert.deepStrictEqual(outcome(restored), ref.end, `${what}: restored, the outcome of a run never checkpointed`);
			assert.deepStrictEqual(outcome(original), ref.end, `${what}: checkpointing and cloning leave the original as it was`);
			// The checkpoint was not used up: it restores again, to the same end.
			const again = restoreKernel(ref.loaded, copied);
			again.advance(ref.until);
			assert.equal(again.eventHash, ref.end.summary.eventLogHash, `${what}: restored a second time`);
		}
	});

	test(`${name}: keys applied after a restore, and single steps, do on the copy what they do on the original`, () => {
		const loaded = loadScenario(name);
		const until = loaded.scenario.until;
		const original = buildKernel(loaded);
		original.advance(Math.floor(until / 4) + 3);
		const restored = restoreKernel(loaded, structuredClone(original.checkpoint()));
		const actions = [...original.actions().keys()];
		for (let i = 0; i < 40; i++) {
			const a = original.step();
			const b = restored.step();
			assert.deepStrictEqual(b, a, `step ${i}`);
		}
		const results: [string, string][] = [];
		for (let i = 0; i < 2 * actions.length; i++) {
			const at = Math.floor(until / 4) + Math.floor(((i + 1) * until) / (4 * actions.length));
			const action = actions[i % actions.length]!;
			const arg = action === 'timer' && i >= actions.length ? '1' : undefined;
			original.advance(at);
			restored.advance(at);
			results.push([original.apply(action, arg).line, restored.apply(action, arg).line]);
		}
		for (const [a, b] of results) assert.equal(b, a);
		original.advance(until);
		restored.advance(until);
		assert.equal(restored.eventHash, original.eventHash);
		assert.deepStrictEqual(outcome(restored), outcome(original));
	});
}

test('a clone is independent: running one does not move the other', () => {
	const loaded = loadScenario('demo');
	const k = buildKernel(loaded);
	k.advance(500 * MS);
	const before = k.eventHash;
	const clone = k.clone();
	clone.advance(2000 * MS);
	assert.equal(k.eventHash, before);
	assert.equal(k.now, 500 * MS);
	assert.notEqual(clone.eventHash, before, 'the clone ran on');
	k.advance(2000 * MS);
	assert.equal(k.eventHash, clone.eventHash);
});

test('restoring needs the same extensions, in the same order', () => {
	const loaded = loadScenario('demo');
	const k = buildKernel(loaded);
	k.advance(10 * MS);
	const checkpoint: KernelCheckpoint = k.checkpoint();
	assert.throws(() => Kernel.restore(checkpoint), KernelError);
	assert.throws(() => Kernel.restore(checkpoint, extensionsFor(loadScenario('rendezvous-race'))), /needs the extensions \[dtrace\]/);
	assert.equal(Kernel.restore(checkpoint, extensionsFor(loaded)).eventHash, k.eventHash);
});

test('a kernel without extensions checkpoints too, before its first event and after', () => {
	const scenario = {description: 'plain', cpus: 2, hz: 1000, locks: [{name: 'A', kind: 'spinlock'}], tasks: [{cpu: 0, comm: 'a', pid: 10, steps: [{op: 'spin_lock', lock: 'A'}, {op: 'run', for: {min: '1us', max: '2ms'}, mode: 'kernel'}, {op: 'spin_unlock', lock: 'A'}]}, {cpu: 1, comm: 'b', pid: 11, steps: [{op: 'spin_lock', lock: 'A', irqsave: true}, {op: 'run', for: {min: '1us', max: '1ms'}, mode: 'kernel'}, {op: 'spin_unlock', lock: 'A'}, {op: 'smp_call_function', func: 'f'}]}]};
	const straight = kernelFor(scenario);
	straight.advance(300 * MS);
	const early = Kernel.restore(structuredClone(kernelFor(scenario).checkpoint()));
	early.advance(300 * MS);
	assert.equal(early.eventHash, straight.eventHash);
	const half = kernelFor(scenario);
	half.advance(150 * MS);
	const late = Kernel.restore(half.checkpoint());
	late.advance(300 * MS);
	assert.equal(late.eventHash, straight.eventHash);
	assert.deepStrictEqual(outcome(late), outcome(straight));
});

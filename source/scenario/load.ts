// Finding, reading and validating scenario files, with one-line errors that name the file,
// the place in it and what was expected.
import {existsSync} from 'node:fs';
import path from 'node:path';
import type * as z from 'zod';
import {DEFAULT_RELEASE, LOGBUF_LOCK, type IrqConfig, type IrqStep, type KernelConfig, type Step} from '../kernel/config.js';
import {InputError, lineColumn, parseJson, readInputFile} from '../input-file.js';
import {quote, safeJson} from '../terminal/safe-text.js';
import {scenarioSchema, type Scenario} from './schema.js';
import {checkScenario} from './check.js';
import {displayPath, listScenarioNames, SCENARIO_DIR, shownPath} from './catalog.js';

export {InputError};

export {PACKAGE_ROOT, SCENARIO_DIR, listScenarioNames, displayPath, shownPath} from './catalog.js';

export interface LoadedScenario {
	readonly file: string;
	readonly text: string;
	readonly scenario: Scenario;
}

/** Resolves a name in scenarios/ or a path to a file. */
export function resolveScenario(nameOrPath: string): string {
	const looksLikePath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
	if (looksLikePath) {
		if (!existsSync(nameOrPath)) throw new InputError(`${quote(nameOrPath, 200)}: no such file`);
		return nameOrPath;
	}
	const file = path.join(SCENARIO_DIR, `${nameOrPath}.json`);
	if (!existsSync(file)) {
		const known = listScenarioNames();
		throw new InputError(`unknown scenario "${quote(nameOrPath)}"; expected one of: ${known.join(', ')} (or a path to a .json file)`);
	}
	return file;
}

export function loadScenario(nameOrPath: string): LoadedScenario {
	const file = resolveScenario(nameOrPath);
	const text = readInputFile(file, shownPath(file));
	return {file, text, scenario: parseScenario(text, displayPath(file))};
}

/** Parses scenario JSON text; `source` names it (its name is the file name's) and errors show it escaped. */
export function parseScenario(text: string, source: string): Scenario {
	const checked = validateScenario(text, source);
	if (!checked.scenario) throw new InputError(checked.problems[0]);
	return checked.scenario;
}

/**
 * Validates scenario JSON text: the scenario, or every problem found, each one line that
 * names `source` (escaped), the place and what is wrong. Invalid JSON is one problem; then
 * every place the schema refuses; once the schema is met, the static checks (check.ts).
 */
export function validateScenario(text: string, source: string): {readonly scenario: Scenario; readonly problems: readonly []} | {readonly scenario: undefined; readonly problems: readonly [string, ...string[]]} {
	const where = quote(source, 200);
	const parsed = parseJson(text);
	if (!parsed.ok) {
		const {line, column} = lineColumn(text, parsed.offset);
		return {scenario: undefined, problems: [`${where}: line ${line}, column ${column}: invalid JSON: ${parsed.reason}`]};
	}
	const data = parsed.value;
	const result = scenarioSchema.safeParse(data);
	const problems = result.success
		? checkScenario(result.data).map((p) => `${where}: ${jsonPath(p.path)}: ${p.text}`)
		: result.error.issues.map((issue) => {
				const {path: at, text: why} = explainIssue(issue, data);
				return `${where}: ${jsonPath(at)}: ${why}`;
			});
	const [first, ...more] = [...new Set(problems)];
	if (first !== undefined) return {scenario: undefined, problems: [first, ...more]};
	const name = path.basename(source).replace(/\.json$/, '');
	return {scenario: {...result.data!, name}, problems: []};
}

/** The record copy console_unlock() makes under logbuf_lock (msg_print_text). */
const LOGBUF_HOLD = {min: 3_000, max: 5_000};

/**
 * printk as 3.10's vprintk_emit + console_unlock do it: IRQs off, store and copy the record
 * under logbuf_lock, drop the lock, write the console with IRQs still off, restore.
 */
function expandPrintk(steps: Scenario['tasks'][number]['steps'], console: boolean): Step[] {
	const expanded = steps.map((st): Step[] =>
		st.op === 'printk'
			? (
					(console
						? // With a console (source/kernel/console.ts): the CPU that gets console_sem writes the whole log.
							[
								{op: 'irq_disable'},
								{op: 'spin_lock', lock: LOGBUF_LOCK, irqsave: false},
								{op: 'log', text: st.text},
								{op: 'console_trylock'},
								{op: 'spin_unlock', lock: LOGBUF_LOCK},
								{op: 'console_drain'},
								{op: 'irq_enable'},
							]
						: [
								{op: 'irq_disable'},
								{op: 'spin_lock', lock: LOGBUF_LOCK, irqsave: false},
								{op: 'log', text: st.text},
								{op: 'call', fn: 'msg_print_text', for: LOGBUF_HOLD},
								{op: 'spin_unlock', lock: LOGBUF_LOCK},
								{op: 'call', fn: 'serial8250_console_write', for: st.for},
								{op: 'irq_enable'},
							]) as readonly Step[]
				).map((x): Step => (st.when === undefined ? x : {...x, when: st.when}))
			: [st],
	);
	// spin_trylock's `skip` counts steps as the file has them: count the expanded ones.
	return expanded.flatMap((list, i) => {
		const st = steps[i]!;
		if (st.op !== 'spin_trylock') return list;
		return [{...st, skip: expanded.slice(i + 1, i + 1 + st.skip).reduce((n, l) => n + l.length, 0)}];
	});
}

export function toKernelConfig(s: Scenario): KernelConfig {
	const usesPrintk = s.tasks.some((t) => t.steps.some((st) => st.op === 'printk'));
	return {
		name: s.name,
		cpus: s.cpus,
		hz: s.hz,
		formats: s.formats,
		rcuFlavour: s.rcuFlavour ?? (s.preemption === 'full' ? 'rcu_preempt' : 'rcu_sched'),
		release: s.release ?? DEFAULT_RELEASE,
		thresholds: s.thresholds,
		timing: s.timing,
		locks: usesPrintk || s.dtrace?.printf === 'printk' || s.mitigation?.option === 'printf' ? [...s.locks, {name: LOGBUF_LOCK, kind: 'spinlock'}] : s.locks,
		tasks: s.tasks.map((t) => ({...t, steps: expandPrintk(t.steps, s.console !== undefined)})),
		perfNmiHz: s.perfNmiHz,
		watchdogs: s.watchdogs,
		mitigation: s.mitigation,
		irqs: s.irqs.length === 0 ? undefined : s.irqs.map(toIrqConfig),
		debug: s.debug && {proveLocking: s.debug.PROVE_LOCKING, debugSpinlock: s.debug.PROVE_LOCKING || (s.debug.DEBUG_SPINLOCK ?? false), debugAtomicSleep: s.debug.DEBUG_ATOMIC_SLEEP},
		console: s.console,
		...bodiesConfig(s),
		timers: s.timers.length === 0 ? undefined : s.timers.map((t) => ({...t, steps: softirqSteps(t.steps)})),
		tasklets: s.tasklets.length === 0 ? undefined : s.tasklets.map((t) => ({...t, steps: softirqSteps(t.steps)})),
		preemption: s.preemption,
		rcuBackground: s.rcuBackground,
		completions: s.completions.map((c) => c.name),
	};
}

/** Called functions and the NMI handler as the kernel takes them (sleeping steps are refused by the static checks). */
function bodiesConfig(s: Scenario): Pick<KernelConfig, 'functions' | 'nmi'> {
	const atomic = (steps: Scenario['irqs'][number]['steps']): IrqStep[] => steps.filter((st): st is IrqStep & typeof st => st.op !== 'mutex_lock' && st.op !== 'mutex_unlock' && st.op !== 'idle');
	const names = Object.keys(s.functions);
	const functions = names.length === 0 ? undefined : Object.fromEntries(names.map((n) => [n, {steps: atomic(s.functions[n]!.steps)}]));
	const n = s.nmi;
	const nmi = n && {handler: n.handler, cpus: n.cpus ?? Array.from({length: s.cpus}, (_, i) => i), every: n.every, startAt: n.startAt ?? n.every, steps: atomic(n.steps)};
	return {...(functions ? {functions} : {}), ...(nmi ? {nmi} : {})};
}

/** A device line as the kernel takes it (the static checks have refused handler steps that sleep). */
function toIrqConfig(line: Scenario['irqs'][number]): IrqConfig {
	return {
		irq: line.irq,
		name: line.name,
		chip: line.chip,
		handler: line.handler ?? `${line.name.replace(/[^A-Za-z0-9_]/g, '_')}_interrupt`,
		cpus: line.affinity ?? [line.cpu ?? 0],
		every: line.every,
		startAt: line.startAt ?? line.every,
		steps: softirqSteps(line.steps),
	};
}

/** Handler and softirq callback steps as the kernel takes them (the static checks have refused the ones that sleep). */
function softirqSteps(steps: Scenario['irqs'][number]['steps']): IrqStep[] {
	return steps.filter((st): st is IrqStep & typeof st => st.op !== 'mutex_lock' && st.op !== 'mutex_unlock' && st.op !== 'idle');
}

export function jsonPath(parts: readonly PropertyKey[]): string {
	let out = '$';
	for (const p of parts) out += typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(String(p)) ? `.${quote(String(p))}` : `[${quote(safeJson(String(p)))}]`;
	return out;
}

function valueAt(data: unknown, parts: readonly PropertyKey[]): unknown {
	let v: unknown = data;
	for (const p of parts) {
		if (v === null || typeof v !== 'object') return undefined;
		v = (v as Record<PropertyKey, unknown>)[p];
	}
	return v;
}

/** A value from the file as a message quotes it: JSON, escaped, cut to 40 characters. */
export function shown(value: unknown): string {
	if (value === undefined) return 'nothing';
	// Nesting is bounded (MAX_JSON_DEPTH), so stringifying cannot run out of stack.
	return quote(safeJson(value), 40);
}

/** The path and words of a zod issue, for a one-line error. */
export function explainIssue(issue: z.core.$ZodIssue, data: unknown): {path: readonly PropertyKey[]; text: string} {
	if (issue.code === 'invalid_union' && !(issue as {options?: unknown}).options) {
		// Explain the alternative that got furthest: the one whose first complaint is not
		// about the value's type as a whole.
		const alternatives = issue.errors.filter((list) => list.length > 0);
		const best =
			alternatives.find((list) => list[0]!.code === 'custom') ??
			alternatives.find((list) => !(list[0]!.code === 'invalid_type' && list[0]!.path.length === 0)) ??
			alternatives[0];
		if (best) return explainIssue({...best[0]!, path: [...issue.path, ...best[0]!.path]} as z.core.$ZodIssue, data);
	}
	return {path: issue.path, text: describeIssue(issue, data)};
}

function describeIssue(issue: z.core.$ZodIssue, data: unknown): string {
	const got = valueAt(data, issue.path);
	switch (issue.code) {
		case 'invalid_type':
			if (got === undefined) return `missing; expected ${article(issue.expected)}`;
			return `expected ${article(issue.expected)}, got ${shown(got)}`;
		case 'unrecognized_keys':
			return `unknown key${issue.keys.length > 1 ? 's' : ''} ${quote(issue.keys.map((k) => `"${quote(k)}"`).join(', '), 100)}`;
		case 'invalid_value':
			return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${shown(got)}`;
		case 'invalid_union': {
			const u = issue as z.core.$ZodIssueInvalidUnion & {options?: unknown[]};
			if (u.options) return `expected one of ${u.options.map((v) => JSON.stringify(v)).join(', ')}, got ${shown(got)}`;
			return `unexpected value ${shown(got)}`;
		}
		case 'too_small':
		case 'too_big':
			return `${issue.message.replace(/^Too (small|big): /, '')}, got ${shown(got)}`;
		default:
			return issue.message.startsWith('expected') && got !== undefined && !issue.message.includes(', got ') ? `${issue.message}, got ${shown(got)}` : issue.message;
	}
}

function article(expected: string): string {
	if (expected === 'int') return 'an integer';
	return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

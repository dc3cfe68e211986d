// Finding, reading and validating scenario files, with one-line errors that name the file,
// the place in it and what was expected.
import {readFileSync, readdirSync, existsSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {z} from 'zod';
import {DEFAULT_RELEASE, type KernelConfig, type Step} from '../kernel/config.js';
import {LOGBUF_LOCK} from '../kernel/kernel.js';
import {scenarioSchema, type Scenario} from './schema.js';

/** A usage-level error about an input file: the CLI prints its message and exits 2. */
export class InputError extends Error {}

export const SCENARIO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../scenarios');

export interface LoadedScenario {
	readonly file: string;
	readonly text: string;
	readonly scenario: Scenario;
}

/** Resolves a name in scenarios/ or a path to a file. */
export function resolveScenario(nameOrPath: string): string {
	const looksLikePath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
	if (looksLikePath) {
		if (!existsSync(nameOrPath)) throw new InputError(`${nameOrPath}: no such file`);
		return nameOrPath;
	}
	const file = path.join(SCENARIO_DIR, `${nameOrPath}.json`);
	if (!existsSync(file)) {
		const known = listScenarioNames();
		throw new InputError(`unknown scenario "${nameOrPath}"; expected one of: ${known.join(', ')} (or a path to a .json file)`);
	}
	return file;
}

export function listScenarioNames(): string[] {
	return readdirSync(SCENARIO_DIR)
		.filter((f) => f.endsWith('.json'))
		.map((f) => f.slice(0, -'.json'.length))
		.sort();
}

export function loadScenario(nameOrPath: string): LoadedScenario {
	const file = resolveScenario(nameOrPath);
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch (error) {
		throw new InputError(`${displayPath(file)}: cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
	}
	return {file, text, scenario: parseScenario(text, displayPath(file))};
}

/** Parses scenario JSON text; `where` names the source in errors. */
export function parseScenario(text: string, where: string): Scenario {
	let data: unknown;
	try {
		data = JSON.parse(text);
	} catch (error) {
		throw new InputError(`${where}: ${describeJsonError(text, (error as Error).message)}`);
	}
	const result = scenarioSchema.safeParse(data);
	if (!result.success) {
		const {path: at, text} = explainIssue(result.error.issues[0]!, data);
		throw new InputError(`${where}: ${jsonPath(at)}: ${text}`);
	}
	const name = path.basename(where).replace(/\.json$/, '');
	return {...result.data, name};
}

/** The record copy console_unlock() makes under logbuf_lock (msg_print_text). */
const LOGBUF_HOLD = {min: 3_000, max: 5_000};

/**
 * printk as 3.10's vprintk_emit + console_unlock do it: IRQs off, store and copy the record
 * under logbuf_lock, drop the lock, write the console with IRQs still off, restore.
 */
function expandPrintk(steps: Scenario['tasks'][number]['steps']): Step[] {
	return steps.flatMap((st): Step[] =>
		st.op === 'printk'
			? [
					{op: 'irq_disable'},
					{op: 'spin_lock', lock: LOGBUF_LOCK, irqsave: false},
					{op: 'log', text: st.text},
					{op: 'call', fn: 'msg_print_text', for: LOGBUF_HOLD},
					{op: 'spin_unlock', lock: LOGBUF_LOCK},
					{op: 'call', fn: 'serial8250_console_write', for: st.for},
					{op: 'irq_enable'},
				]
			: [st],
	);
}

export function toKernelConfig(s: Scenario): KernelConfig {
	const usesPrintk = s.tasks.some((t) => t.steps.some((st) => st.op === 'printk'));
	return {
		name: s.name,
		cpus: s.cpus,
		hz: s.hz,
		formats: s.formats,
		rcuFlavour: s.rcuFlavour,
		release: s.release ?? DEFAULT_RELEASE,
		thresholds: s.thresholds,
		timing: s.timing,
		locks: usesPrintk || s.dtrace?.printf === 'printk' || s.mitigation?.option === 'printf' ? [...s.locks, {name: LOGBUF_LOCK, kind: 'spinlock'}] : s.locks,
		tasks: s.tasks.map((t) => ({...t, steps: expandPrintk(t.steps)})),
		perfNmiHz: s.perfNmiHz,
		watchdogs: s.watchdogs,
		mitigation: s.mitigation,
	};
}

export function displayPath(file: string): string {
	const rel = path.relative(process.cwd(), file);
	return rel.startsWith('..') ? file : rel;
}

function describeJsonError(text: string, message: string): string {
	const pos = /at position (\d+)/.exec(message);
	const clean = message.replace(/ in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
	if (!pos) return `invalid JSON: ${clean}`;
	const offset = Number(pos[1]);
	const before = text.slice(0, offset);
	const line = before.split('\n').length;
	const column = offset - before.lastIndexOf('\n');
	return `line ${line}, column ${column}: invalid JSON: ${clean}`;
}

export function jsonPath(parts: readonly PropertyKey[]): string {
	let out = '$';
	for (const p of parts) out += typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(String(p)) ? `.${String(p)}` : `[${JSON.stringify(String(p))}]`;
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

function shown(value: unknown): string {
	if (value === undefined) return 'nothing';
	const text = JSON.stringify(value);
	return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function explainIssue(issue: z.core.$ZodIssue, data: unknown): {path: readonly PropertyKey[]; text: string} {
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
			return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
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

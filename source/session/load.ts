// Reading a session back: every line checked, errors name the file and the line. A last
// line cut short (the recorder was killed mid-write) is dropped with a warning.
import * as z from 'zod';
import type {Command} from '../ui/keymap.js';
import {PANES} from '../ui/ui-state.js';
import {MAX_VIRTUAL_NS} from '../kernel/time.js';
import {InputError, parseScenario, displayPath, explainIssue, jsonPath, shown, shownPath, type LoadedScenario} from '../scenario/load.js';
import {argProblem, type ArgKind} from '../scenario/inputs.js';
import {buildKernel} from '../scenario/machine.js';
import {lineColumn, parseJson, readInputFile} from '../input-file.js';
import {quote} from '../terminal/safe-text.js';
import {SESSION_FORMAT, type SessionHeader, type SessionLine} from './format.js';

export interface LoadedSession {
	readonly file: string;
	readonly header: SessionHeader;
	readonly scenario: LoadedScenario;
	readonly lines: readonly SessionLine[];
	/** Set when the last line was cut short and dropped. */
	readonly warning: string | undefined;
}

/**
 * What each command takes as its `arg`, as the controller applies it: a kernel key what its
 * kernel input takes (the recorder writes the timer's CPU), a pane for a mouse click or
 * wheel, the query of a search.
 */
const COMMAND_ARG: Readonly<Record<Command, ArgKind | 'pane' | 'optional-pane' | 'query'>> = {
	'safe-mode': 'none',
	'ctrl-c': 'none',
	'kill-9': 'none',
	timer: 'optional-cpu',
	mitigation: 'none',
	'start-consumer': 'none',
	pause: 'none',
	'step-event': 'none',
	'step-ms': 'none',
	'speed-up': 'none',
	'speed-down': 'none',
	'cpu-prev': 'none',
	'cpu-next': 'none',
	'cpu-select': 'cpu',
	'focus-next': 'none',
	'focus-prev': 'none',
	focus: 'pane',
	'scroll-up': 'optional-pane',
	'scroll-down': 'optional-pane',
	'page-up': 'optional-pane',
	'page-down': 'optional-pane',
	'scroll-home': 'optional-pane',
	'scroll-end': 'optional-pane',
	zoom: 'none',
	rates: 'none',
	'log-detail': 'none',
	'log-filter': 'none',
	'log-search': 'query',
	'search-next': 'none',
	'search-prev': 'none',
	tour: 'none',
	mouse: 'none',
	redraw: 'none',
	help: 'none',
	quit: 'none',
};

/** A search query longer than a person types is refused rather than searched for. */
const MAX_QUERY = 1000;

/** Terminal sizes a session may record: whole numbers from 1 to this. */
export const MAX_TERMINAL_SIZE = 500;

const terminalSize = z.number().refine((v) => Number.isInteger(v) && v >= 1 && v <= MAX_TERMINAL_SIZE, {message: `expected a whole number from 1 to ${MAX_TERMINAL_SIZE}`});

const headerSchema = z.strictObject({
	'xcalltop-session': z.number().int(),
	version: z.string().max(100),
	scenario: z.strictObject({name: z.string().min(1), content: z.string().min(1)}),
	seed: z.number().int().min(0).max(0x7fffffff),
	options: z.strictObject({mitigated: z.boolean(), speedIndex: z.number().int().min(0).max(10), paused: z.boolean(), fps: z.number().int().min(1).max(20)}),
	terminal: z.strictObject({cols: terminalSize, rows: terminalSize}),
});

/** Virtual ns, at most MAX_VIRTUAL_NS; wall ms, at most as many days. */
const at = z
	.number()
	.int()
	.min(0)
	.refine((v) => v <= MAX_VIRTUAL_NS, {message: `expected at most ${MAX_VIRTUAL_NS} (30 days of virtual time, in ns)`});
const wall = z
	.number()
	.min(0)
	.refine((v) => v <= MAX_VIRTUAL_NS / 1e6, {message: `expected at most ${MAX_VIRTUAL_NS / 1e6} (30 days, in ms)`});

const COMMANDS = Object.keys(COMMAND_ARG);
const commandSchema = z.strictObject({
	at,
	wall,
	command: z.string().refine((c) => COMMANDS.includes(c), {message: 'expected a command of the monitor, such as "ctrl-c" or "cpu-select"'}),
	arg: z.string().optional(),
});
const endSchema = z.strictObject({at, wall, end: z.literal(true), hash: z.string().regex(/^[0-9a-f]{16}$/, {message: 'expected 16 hex digits'}), events: z.number().int().min(0)});

export function loadSession(file: string): LoadedSession {
	return parseSession(readInputFile(file, shownPath(file)), displayPath(file));
}

/** Why a command line's arg is not what its command takes, or undefined. */
function commandArgProblem(command: Command, arg: string | undefined, cpus: number): string | undefined {
	const kind = COMMAND_ARG[command];
	const got = arg === undefined ? 'nothing' : `"${quote(arg, 30)}"`;
	switch (kind) {
		case 'pane':
		case 'optional-pane':
			if (arg === undefined ? kind === 'optional-pane' : (PANES as readonly string[]).includes(arg)) return undefined;
			return `${command} takes a pane (${PANES.map((p) => `"${p}"`).join(', ')}), got ${got}`;
		case 'query':
			return arg === undefined || arg.length <= MAX_QUERY ? undefined : `${command} takes a query of at most ${MAX_QUERY} characters, got ${arg.length}`;
		default:
			return argProblem(command, kind, arg, cpus);
	}
}

/** Parses session text; `source` names the file (shown escaped in errors). */
export function parseSession(text: string, source: string): LoadedSession {
	const where = quote(source, 200);
	const raw = text.split('\n');
	const complete = text.endsWith('\n');
	// The last element after the final newline is empty; without a final newline it is a cut line.
	const cut = complete ? undefined : raw.pop();
	if (complete) raw.pop();
	let warning = cut !== undefined && cut.length > 0 ? `${where}: line ${raw.length + 1} is incomplete (the recorder stopped mid-line); replaying up to line ${raw.length}` : undefined;
	if (raw.length === 0) throw new InputError(`${where}: line 1: empty file; expected a session header`);
	const json = (line: string, n: number): unknown => {
		const parsed = parseJson(line, 'the end of the line');
		if (parsed.ok) return parsed.value;
		throw new InputError(`${where}: line ${n}, column ${lineColumn(line, parsed.offset).column}: invalid JSON: ${parsed.reason}`);
	};
	const head = json(raw[0]!, 1);
	const version = (head as {'xcalltop-session'?: unknown} | null)?.['xcalltop-session'];
	if (version !== SESSION_FORMAT) throw new InputError(`${where}: line 1: expected session format ${SESSION_FORMAT}, got ${shown(version)}`);
	const parsed = headerSchema.safeParse(head);
	if (!parsed.success) {
		const {path, text: why} = explainIssue(parsed.error.issues[0]!, head);
		throw new InputError(`${where}: line 1: not a session header: ${jsonPath(path)}: ${why}`);
	}
	const header = parsed.data as SessionHeader;
	// The name is the scenario file's: messages show it escaped and cut, the scenario keeps it whole.
	const name = header.scenario.name;
	let scenario: LoadedScenario;
	try {
		const file = `${quote(name, 60)}.json`;
		scenario = {file, text: header.scenario.content, scenario: {...parseScenario(header.scenario.content, file), name}};
	} catch (error) {
		throw new InputError(`${where}: line 1: the recorded scenario no longer validates: ${(error as Error).message}`);
	}
	if (header.options.mitigated && !scenario.scenario.mitigation) throw new InputError(`${where}: line 1: $.options.mitigated: true, but the recorded scenario declares no mitigation`);
	try {
		// The timeline's actions and their arguments are checked against the kernel they build.
		buildKernel(scenario, {seed: header.seed, mitigated: header.options.mitigated});
	} catch (error) {
		if (error instanceof InputError) throw new InputError(`${where}: line 1: the recorded scenario no longer validates: ${error.message}`);
		throw error;
	}
	const cpus = scenario.scenario.cpus;
	const lines: SessionLine[] = [];
	let last = 0;
	raw.slice(1).forEach((line, i) => {
		const n = i + 2;
		const data = json(line, n);
		if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new InputError(`${where}: line ${n}: expected a command line {at, wall, command[, arg]} or the end line, got ${quote(line, 60)}`);
		const result = ('end' in data ? endSchema : commandSchema).safeParse(data);
		if (!result.success) {
			const {path, text: why} = explainIssue(result.error.issues[0]!, data);
			throw new InputError(`${where}: line ${n}: ${jsonPath(path)}: ${why}`);
		}
		const value = result.data as SessionLine;
		if (!('end' in value)) {
			const problem = commandArgProblem(value.command, value.arg, cpus);
			if (problem) throw new InputError(`${where}: line ${n}: $.arg: ${problem}`);
		}
		if (value.at < last) throw new InputError(`${where}: line ${n}: virtual time goes backwards (${value.at} after ${last})`);
		last = value.at;
		lines.push(value);
	});
	if (lines.some((l, i) => 'end' in l && i !== lines.length - 1)) throw new InputError(`${where}: the end line is not the last line`);
	if (!warning && !lines.some((l) => 'end' in l)) warning = `${where}: the session has no end line (the recorder was stopped); replaying up to its last command`;
	return {file: source, header, scenario, lines, warning};
}

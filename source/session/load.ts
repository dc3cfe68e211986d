// Reading a session back: every line checked, errors name the file and the line. A last
// line cut short (the recorder was killed mid-write) is dropped with a warning.
import {readFileSync} from 'node:fs';
import {z} from 'zod';
import {BINDINGS} from '../ui/keymap.js';
import {InputError, parseScenario, displayPath, type LoadedScenario} from '../scenario/load.js';
import {SESSION_FORMAT, type SessionHeader, type SessionLine} from './format.js';

export interface LoadedSession {
	readonly file: string;
	readonly header: SessionHeader;
	readonly scenario: LoadedScenario;
	readonly lines: readonly SessionLine[];
	/** Set when the last line was cut short and dropped. */
	readonly warning: string | undefined;
}

const COMMANDS = BINDINGS.map((b) => b.command) as [string, ...string[]];

const headerSchema = z.strictObject({
	'xcalltop-session': z.number().int(),
	version: z.string(),
	scenario: z.strictObject({name: z.string().min(1), content: z.string().min(1)}),
	seed: z.number().int().min(0),
	options: z.strictObject({mitigated: z.boolean(), speedIndex: z.number().int().min(0).max(10), paused: z.boolean(), fps: z.number().int().min(1).max(20)}),
	terminal: z.strictObject({cols: z.number().int().min(1), rows: z.number().int().min(1)}),
});

const lineSchema = z.union([
	z.strictObject({at: z.number().int().min(0), wall: z.number().min(0), command: z.enum(COMMANDS), arg: z.string().optional()}),
	z.strictObject({at: z.number().int().min(0), wall: z.number().min(0), end: z.literal(true), hash: z.string().regex(/^[0-9a-f]{16}$/), events: z.number().int().min(0)}),
]);

export function loadSession(file: string): LoadedSession {
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch (error) {
		throw new InputError(`${displayPath(file)}: cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
	}
	return parseSession(text, displayPath(file));
}

export function parseSession(text: string, where: string): LoadedSession {
	const raw = text.split('\n');
	const complete = text.endsWith('\n');
	// The last element after the final newline is empty; without a final newline it is a cut line.
	const cut = complete ? undefined : raw.pop();
	if (complete) raw.pop();
	let warning = cut !== undefined && cut.length > 0 ? `${where}: line ${raw.length + 1} is incomplete (the recorder stopped mid-line); replaying up to line ${raw.length}` : undefined;
	if (raw.length === 0) throw new InputError(`${where}: line 1: empty file; expected a session header`);
	const json = (line: string, n: number): unknown => {
		try {
			return JSON.parse(line);
		} catch (error) {
			throw new InputError(`${where}: line ${n}: invalid JSON: ${(error as Error).message.replace(/ in JSON at position.*$/, '')}`);
		}
	};
	const head = json(raw[0]!, 1);
	const version = (head as {'xcalltop-session'?: unknown})?.['xcalltop-session'];
	if (version !== SESSION_FORMAT) throw new InputError(`${where}: line 1: expected session format ${SESSION_FORMAT}, got ${JSON.stringify(version)}`);
	const parsed = headerSchema.safeParse(head);
	if (!parsed.success) throw new InputError(`${where}: line 1: not a session header: ${parsed.error.issues[0]!.path.join('.') || 'header'}: ${parsed.error.issues[0]!.message}`);
	const header = parsed.data as SessionHeader;
	let scenario: LoadedScenario;
	try {
		scenario = {file: `${header.scenario.name}.json`, text: header.scenario.content, scenario: parseScenario(header.scenario.content, `${header.scenario.name}.json`)};
	} catch (error) {
		throw new InputError(`${where}: line 1: the recorded scenario no longer validates: ${(error as Error).message}`);
	}
	const lines: SessionLine[] = [];
	let last = 0;
	raw.slice(1).forEach((line, i) => {
		const n = i + 2;
		const result = lineSchema.safeParse(json(line, n));
		if (!result.success) throw new InputError(`${where}: line ${n}: expected a command line {at, wall, command[, arg]} or the end line, got ${line.slice(0, 60)}`);
		if (result.data.at < last) throw new InputError(`${where}: line ${n}: virtual time goes backwards (${result.data.at} after ${last})`);
		last = result.data.at;
		lines.push(result.data as SessionLine);
	});
	if (lines.some((l, i) => 'end' in l && i !== lines.length - 1)) throw new InputError(`${where}: the end line is not the last line`);
	if (!warning && !lines.some((l) => 'end' in l)) warning = `${where}: the session has no end line (the recorder was stopped); replaying up to its last command`;
	return {file: where, header, scenario, lines, warning};
}

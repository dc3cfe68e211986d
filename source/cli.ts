#!/usr/bin/env node
// Command-line entry: sub-commands, flags and exit codes (0 ok, 1 runtime error or an
// --expect mismatch, 2 usage error). Errors are one line on stderr, never a stack trace.
import meow from 'meow';
import type {Story} from './ui/view-model.js';
import type {ShowItem} from './headless/run.js';
import {InputError} from './input-file.js';
import type {LoadedScenario} from './scenario/load.js';
import {parseVirtualDuration} from './scenario/duration.js';
import {colorWanted} from './ui/theme.js';
import {SPEEDS} from './ui/speeds.js';
import {MIN_COLS, MIN_ROWS} from './ui/layout.js';
import type {Input} from './kernel/kernel.js';
import {NS_PER_SEC} from './kernel/time.js';
import {quote, safeLine, safeText} from './terminal/safe-text.js';
import {reportError, warn} from './terminal/report.js';

// Which flags each form of a command accepts: anything else is refused, never ignored.
// `session` is `run --session FILE`; `help` is `xcalltop help [COMMAND]`.
type Form = 'monitor' | 'run' | 'session' | 'list' | 'replay' | 'export' | 'help';
const FLAGS = ['until', 'seed', 'input', 'json', 'quiet', 'expect', 'mitigated', 'show', 'speed', 'paused', 'fps', 'record', 'force', 'session', 'cast', 'txt', 'cols', 'rows', 'color', 'mouse', 'pace', 'idleLimit'] as const;
type Flag = (typeof FLAGS)[number];
const ACCEPTS: Record<Form, readonly Flag[]> = {
	monitor: ['speed', 'paused', 'fps', 'seed', 'mitigated', 'color', 'mouse', 'record', 'force'],
	run: ['until', 'seed', 'input', 'mitigated', 'quiet', 'show', 'json', 'expect'],
	session: ['session', 'until', 'quiet', 'show', 'json', 'expect'],
	list: [],
	replay: ['until', 'fps', 'color', 'mouse'],
	// The .cast is always in colour and the .txt never, so --no-color would change nothing.
	export: ['cast', 'txt', 'cols', 'rows', 'fps', 'pace', 'idleLimit'],
	help: [],
};
/** Why a flag does not apply, where the reason is not obvious from the command's help. */
const WHY: Partial<Record<Form, Partial<Record<Flag, string>>>> = {
	monitor: {until: 'the monitor runs until you quit', input: 'the monitor takes its inputs from the keys', session: 'replay a session with xcalltop replay or xcalltop run --session'},
	run: {record: 'only the monitor records', force: 'only the monitor records', speed: 'run goes as fast as the machine allows', color: 'run prints no colour'},
	session: {seed: 'the session fixes its seed', mitigated: 'the session fixes it', input: 'the session fixes its inputs'},
	replay: {seed: 'the session fixes its seed', mitigated: 'the session fixes it', record: 'a replay is not recorded', force: 'a replay is not recorded'},
	export: {color: 'a .cast is always in colour, a .txt never'},
};
const TOPICS = ['monitor', 'run', 'list', 'replay', 'export'] as const;
type Topic = (typeof TOPICS)[number];
const LABEL: Record<Form, string> = {monitor: 'the monitor', run: 'run', session: 'run --session', list: 'list', replay: 'replay', export: 'export', help: 'help'};
const SEE: Record<Form, string> = {monitor: 'xcalltop help monitor', run: 'xcalltop run --help', session: 'xcalltop run --help', list: 'xcalltop list --help', replay: 'xcalltop replay --help', export: 'xcalltop export --help', help: 'xcalltop --help'};

// Help: each form's usage line and options, written once; `xcalltop --help` shows them all,
// `xcalltop COMMAND --help` only its own.
type Options = readonly (readonly [string, string])[];
const USAGE: Record<Exclude<Form, 'help'>, readonly [string, string]> = {
	monitor: ['xcalltop [SCENARIO] [options]', 'open the monitor (default scenario: demo)'],
	run: ['xcalltop run SCENARIO [options]', 'run headless, as fast as the machine allows'],
	session: ['xcalltop run --session FILE [options]', 'replay a session headless, check its hash'],
	list: ['xcalltop list', 'list the scenarios'],
	replay: ['xcalltop replay FILE [options]', 'play a recorded session in the monitor'],
	export: ['xcalltop export FILE [options]', 'render a session to --cast and/or --txt'],
};
const SEED: readonly [string, string] = ['--seed N', "seed for the kernel's random numbers (default: the scenario's)"];
const MITIGATED: readonly [string, string] = ['--mitigated', "start with the scenario's mitigation in force"];
const NO_COLOR: readonly [string, string] = ['--no-color', 'no colour (NO_COLOR=1 does the same)'];
const NO_MOUSE: readonly [string, string] = ['--no-mouse', 'leave the mouse to the terminal (M toggles it inside)'];
const OPTIONS: Record<Exclude<Form, 'help'>, Options> = {
	monitor: [
		['--speed X', 'start at this speed: 0.1 ... 100, or max (default 1)'],
		['--paused', 'start paused (space resumes, . steps)'],
		['--fps N', 'screen updates per second, 1-20 (default 5; keys redraw at once)'],
		SEED,
		MITIGATED,
		NO_COLOR,
		NO_MOUSE,
		['--record FILE', 'record the session (every key, with its virtual time) to FILE'],
		['--force', 'with --record: replace FILE if it exists (otherwise refused)'],
	],
	run: [
		['--until DURATION', "stop at this virtual time (default: the scenario's own)"],
		SEED,
		['--input AT:ACTION', 'apply an input at a virtual time, e.g. --input 5s:ctrl-c;\nrepeatable; AT must not be later than the run ends'],
		MITIGATED,
		['--quiet', 'do not print the kernel log'],
		['--show LIST', 'what to print after the log: interrupts,stats,trace\n(/proc/interrupts, /proc/dtrace/stats, /proc/dtrace/trace)'],
		['--json', 'print only the summary, as one JSON object'],
		['--expect OUTCOME', 'lockup | no-lockup: when the outcome differs, say so on\nstderr and exit 1'],
	],
	session: [
		['--until DURATION', 'stop the replay at this virtual time'],
		['--quiet', 'do not print the kernel log'],
		['--show LIST', 'as for run'],
		['--json', 'print only the summary, as one JSON object'],
		['--expect OUTCOME', 'lockup | no-lockup, as for run'],
	],
	list: [],
	replay: [['--until DURATION', 'stop the playback at this virtual time'], ['--fps N', 'screen updates per second, 1-20 (default 5)'], NO_COLOR, NO_MOUSE],
	export: [
		['--cast OUT.cast', 'write an asciicast v2 file (in colour)'],
		['--txt OUT.txt', 'write the last screen as plain text'],
		['--cols N', `terminal width, ${MIN_COLS}-500 (default: the recorded one)`],
		['--rows N', `terminal height, ${MIN_ROWS}-500 (default: the recorded one)`],
		['--fps N', 'frames per second of cast time, 1-20 (default 10)'],
		['--pace wall|virtual', 'wall: as the session was recorded (default); virtual: one\ncast second per second of virtual time'],
		['--idle-limit SECONDS', 'longest still stretch in the cast (default 2; 0: keep pauses whole)'],
	],
};
const COMMON: Options = [
	['-h, --help', 'this help; xcalltop COMMAND --help for one command'],
	['-v, --version', 'the version'],
];
const SCENARIO_NOTE = 'SCENARIO is a name from scenarios/ (see xcalltop list) or a path to a .json file.';

const column = (rows: readonly (readonly [string, string])[], width: number): string =>
	rows.map(([left, right]) => `  ${left.padEnd(width)}${right.replaceAll('\n', `\n  ${' '.repeat(width)}`)}`.trimEnd()).join('\n');
const usageOf = (forms: readonly Exclude<Form, 'help'>[]): string => `Usage\n${column(forms.map((f) => [`$ ${USAGE[f][0]}`, USAGE[f][1]] as const), 41)}`;
const options = (title: string, rows: Options): string => `${title}\n${column(rows, 20)}`;

const TOP_HELP = [
	usageOf(['monitor', 'run', 'session', 'list', 'replay', 'export']) + `\n${column([['$ xcalltop help [COMMAND]', `help for ${TOPICS.join(', ')}`]], 41)}`,
	`${SCENARIO_NOTE}\nA flag that does not apply to the command is refused.\nExit status: 0 ok, 1 runtime error or --expect not met, 2 usage error.`,
	options('Options for the monitor (press ? inside for the keys)', OPTIONS.monitor),
	options('Options for run', OPTIONS.run),
	options('Options for run --session FILE (the session fixes seed, inputs, mitigation)', OPTIONS.session),
	options('Options for replay', OPTIONS.replay),
	options('Options for export (needs --cast and/or --txt)', OPTIONS.export),
	options('Options for every command', COMMON),
	`Examples\n${[
		'$ xcalltop run ipi-irqs-off --until 60s',
		'$ xcalltop run demo --seed 7 --json',
		'$ xcalltop run teardown-storm --mitigated --show stats,trace',
		'$ xcalltop safe-xcall --record lockup.jsonl',
		'$ xcalltop export lockup.jsonl --cast lockup.cast',
	]
		.map((l) => `  ${l}`)
		.join('\n')}`,
].join('\n\n');

const TOPIC_HELP: Record<Topic, string> = {
	monitor: [usageOf(['monitor']), `${SCENARIO_NOTE}\nPress ? in the monitor for the keys.`, options('Options', OPTIONS.monitor)].join('\n\n'),
	run: [usageOf(['run', 'session']), `${SCENARIO_NOTE}\nA session fixes its scenario, seed, inputs and mitigation.`, options('Options for run', OPTIONS.run), options('Options for run --session FILE', OPTIONS.session)].join('\n\n'),
	list: [usageOf(['list']), 'list takes no options.'].join('\n\n'),
	replay: [usageOf(['replay']), options('Options', OPTIONS.replay)].join('\n\n'),
	export: [usageOf(['export']), 'At least one of --cast and --txt is needed.', options('Options', OPTIONS.export)].join('\n\n'),
};

/** Every flag and its type, as meow takes them. */
const FLAG_TYPES = {
	until: {type: 'string'},
	seed: {type: 'string'},
	input: {type: 'string', isMultiple: true},
	json: {type: 'boolean'},
	quiet: {type: 'boolean'},
	expect: {type: 'string'},
	mitigated: {type: 'boolean'},
	show: {type: 'string'},
	speed: {type: 'string'},
	paused: {type: 'boolean'},
	fps: {type: 'string'},
	record: {type: 'string'},
	force: {type: 'boolean'},
	session: {type: 'string'},
	cast: {type: 'string'},
	txt: {type: 'string'},
	cols: {type: 'string'},
	rows: {type: 'string'},
	color: {type: 'boolean'},
	mouse: {type: 'boolean'},
	pace: {type: 'string'},
	idleLimit: {type: 'string'},
	help: {type: 'boolean', shortFlag: 'h'},
	version: {type: 'boolean', shortFlag: 'v'},
} as const;

/** Flags that take a value, as typed (`--idle-limit`). */
const VALUE_FLAGS = new Set(
	Object.entries(FLAG_TYPES)
		.filter(([, f]) => f.type === 'string')
		.map(([name]) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`),
);

/**
 * argv with a value that starts with one dash joined to its flag (`--until=-1s`,
 * `--txt=-a.txt`), so it is checked as the value it is, not misread as short flags.
 */
function joinNegativeValues(argv: readonly string[]): string[] {
	const out: string[] = [];
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i]!;
		const next = argv[i + 1];
		if (VALUE_FLAGS.has(arg) && next !== undefined && /^-[^-]/.test(next) && next !== '-h' && next !== '-v') {
			out.push(`${arg}=${next}`);
			i++;
		} else out.push(arg);
	}
	return out;
}

/** meow throws on a flag given twice (and other misuse), before main could catch it: one line, exit 2. */
function parseCommandLine() {
	try {
		return parseFlags();
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		const twice = /^The flag (--\S+) can only be set once\.$/.exec(message);
		reportError(twice ? `${twice[1]} given more than once; see xcalltop --help` : `${message}; see xcalltop --help`);
		process.exit(2);
	}
}

const parseFlags = () => meow(TOP_HELP, {
	argv: joinNegativeValues(process.argv.slice(2)),
	autoHelp: false,
	autoVersion: false,
	importMeta: import.meta,
	// Checked below, so that an unknown flag gets the same one-line error as the rest.
	allowUnknownFlags: true,
	// A flag left out stays undefined, so that a flag given to the wrong command can be told apart.
	booleanDefault: undefined,
	flags: FLAG_TYPES,
});
const cli = parseCommandLine();

// React's development build renders several times slower; the monitor (loaded lazily,
// after this line runs) gets the production one unless someone asked otherwise. The bundle
// (dist/bundle, what ships) fixes process.env.NODE_ENV at build time instead, so this is
// written through another name, which the build's define leaves alone.
const env = process.env;
env['NODE_ENV'] ??= 'production';

/** What the monitor's story overlay (i) shows of a scenario. */
function storyOf(loaded: LoadedScenario): Story {
	const s = loaded.scenario;
	return {name: s.name, description: s.description, source: s.source, tour: s.tour};
}

function usage(message: string): never {
	throw new InputError(message);
}

function parseSeed(text: string | undefined): number | undefined {
	if (text === undefined) return undefined;
	if (!/^\d+$/.test(text) || Number(text) > 0x7fffffff) usage(`--seed "${quote(text)}": expected a whole number from 0 to 2147483647`);
	return Number(text);
}

function parseUntil(text: string | undefined): number | undefined {
	if (text === undefined) return undefined;
	const parsed = parseVirtualDuration(text);
	if ('expected' in parsed || parsed.ns <= 0) usage(`--until "${quote(text, 60)}": ${'expected' in parsed ? parsed.expected : 'expected a duration above 0'}`);
	return parsed.ns;
}

function parseExpect(text: string | undefined): 'lockup' | 'no-lockup' | undefined {
	if (text === undefined) return undefined;
	if (text !== 'lockup' && text !== 'no-lockup') usage(`--expect "${quote(text)}": expected lockup or no-lockup`);
	return text;
}

function checkUnknownFlags(): void {
	const known = new Set<string>([...FLAGS, 'help', 'version', 'h', 'v']);
	for (const name of Object.keys(cli.unnormalizedFlags)) {
		if (known.has(name)) continue;
		usage(`unknown option ${name.length === 1 ? `-${name}` : `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`}; see xcalltop --help`);
	}
}

function given(flag: Flag): boolean {
	return flag === 'input' ? (cli.flags.input?.length ?? 0) > 0 : cli.flags[flag] !== undefined;
}

/** The flag as it was typed: --no-color is the color flag set to false. */
const kebab = (flag: Flag): string => flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const dashed = (flag: Flag): string => (cli.flags[flag] === false ? `--no-${kebab(flag)}` : `--${kebab(flag)}`);

function checkApplies(form: Form): void {
	for (const flag of FLAGS) {
		if (!given(flag) || ACCEPTS[form].includes(flag)) continue;
		const why = WHY[form]?.[flag];
		usage(`${dashed(flag)} does not apply to ${LABEL[form]}${why ? ` (${why})` : ''}; see ${SEE[form]}`);
	}
	if ((form === 'run' || form === 'session') && cli.flags.json && given('show')) usage(`--show does not apply to ${LABEL[form]} --json (--json prints only the summary); see ${SEE[form]}`);
	if (form === 'monitor' && cli.flags.force && !given('record')) usage(`--force does not apply without --record; see ${SEE[form]}`);
}

/** An input after the end of the run would be silently dropped: refuse it instead. */
function checkInputsInTime(specs: readonly string[], inputs: readonly Input[], until: number | undefined, loaded: LoadedScenario): void {
	const end = until ?? loaded.scenario.until;
	const i = inputs.findIndex((input) => input.at > end);
	if (i < 0) return;
	if (until !== undefined) usage(`--input ${quote(specs[i]!, 60)} is later than --until ${quote(cli.flags.until!, 60)}; it would never apply`);
	usage(`--input ${quote(specs[i]!, 60)} is later than ${quote(loaded.scenario.name)}'s own end at ${end / NS_PER_SEC}s; it would never apply (pass a later --until)`);
}

function printTopHelp(): number {
	// meow puts the package's description first where it can read package.json at start-up;
	// where it cannot (the bundle reads it lazily), it is added here.
	const description = cli.pkg.description ?? '';
	process.stdout.write(cli.help.includes(description) ? `${cli.help}\n` : `\n  ${description}\n${cli.help}\n`);
	return 0;
}

function printHelp(topic: Topic): number {
	// The same frame as meow's top-level help: a blank line before and after.
	const indented = TOPIC_HELP[topic].replace(/^(?=.)/gm, '  ');
	process.stdout.write(`\n${indented}\n\n`);
	return 0;
}

function parseShow(text: string | undefined, known: readonly ShowItem[]): ShowItem[] | undefined {
	if (text === undefined) return undefined;
	const items = text.split(',').map((s) => s.trim());
	for (const item of items) if (!(known as readonly string[]).includes(item)) usage(`--show "${quote(text)}": expected a comma-separated list of ${known.join(', ')}`);
	return items as ShowItem[];
}

function parseSpeed(text: string | undefined): number | undefined {
	if (text === undefined) return undefined;
	const index = SPEEDS.findIndex((s) => (text === 'max' ? s === Number.POSITIVE_INFINITY : s === Number(text.replace(/^x/, ''))));
	if (index < 0) usage(`--speed "${quote(text)}": expected one of ${SPEEDS.map((s) => (s === Number.POSITIVE_INFINITY ? 'max' : String(s))).join(', ')}`);
	return index;
}

function parseSize(name: 'cols' | 'rows', text: string | undefined): number | undefined {
	if (text === undefined) return undefined;
	// Below the monitor's minimum the export would hold nothing but the "too small" message.
	const min = name === 'cols' ? MIN_COLS : MIN_ROWS;
	if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > 500) usage(`--${name} "${quote(text)}": expected a whole number from ${min} to 500`);
	return Number(text);
}

function parseFps(text: string | undefined): number | undefined {
	if (text === undefined) return undefined;
	if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 20) usage(`--fps "${quote(text)}": expected a whole number from 1 to 20`);
	return Number(text);
}

/**
 * The monitor's memory. V8 doubles its young generation whenever much of it survives a
 * scavenge, up to 32 MB here, and keeps it: at x1 the monitor then settles at 108-110 MB of
 * RSS for a live heap of 12-20 MB. Held at the 2 MB it has when the monitor starts, it
 * settles at 75-85 MB (more short-lived objects reach the old generation, which a full
 * collection empties about once a minute: up to ~100 MB before the first one), and at max
 * speed near 115 MB instead of 140-150. No CPU cost measurable at the default 5 fps (5-10%
 * more at 20 fps). Measured with Node 20's V8 only, so applied there only. `run` and
 * `export` keep V8's default: there throughput counts, not memory.
 */
async function holdYoungGeneration(): Promise<void> {
	if (process.versions.node.split('.')[0] !== '20') return;
	const v8 = await import('node:v8');
	v8.setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * package.json's version, written into the bundle when it is built (source/build/bundle.ts):
 * meow's `cli.pkg` normalizes the whole package.json first (normalize-package-data and the
 * SPDX tables), a seventh of --version's time. Not defined in the tsc build, which asks meow.
 */
declare const XCALLTOP_VERSION: string | undefined;

// Each command imports what it needs when it runs: only the monitor and replay load Ink and
// React, and --version and --help not even the scenario schema (zod) or the kernel.
const headless = () => import('./headless/run.js');
const scenarios = () => import('./scenario/load.js');

async function main(): Promise<number> {
	const [command, ...rest] = cli.input;
	// Help and version go through stdout like everything else (meow's own exit at once, so a
	// write error would go unreported).
	if (cli.flags.version) {
		process.stdout.write(`${typeof XCALLTOP_VERSION === 'string' ? XCALLTOP_VERSION : cli.pkg.version}\n`);
		return 0;
	}
	const form: Form = command === 'run' ? (cli.flags.session === undefined ? 'run' : 'session') : command === 'list' || command === 'replay' || command === 'export' || command === 'help' ? command : 'monitor';
	if (cli.flags.help) return form === 'help' || command === undefined ? printTopHelp() : printHelp(form === 'session' ? 'run' : form);
	checkUnknownFlags();
	checkApplies(form);
	// Everything printed on stdout goes out here: names and log text from a file show their
// control characters escaped (JSON output is already escaped; see safeJson).
	const write = (text: string): void => void process.stdout.write(safeText(text));
	if (form === 'help') {
		if (rest.length === 0) return printTopHelp();
		if (rest.length > 1) usage(`help takes one COMMAND, got ${rest.length}`);
		const topic = rest[0]!;
		if (!(TOPICS as readonly string[]).includes(topic)) usage(`help: unknown command "${quote(topic)}"; expected one of: ${TOPICS.join(', ')}`);
		return printHelp(topic as Topic);
	}
	if (form === 'list') {
		if (rest.length > 0) usage(`list takes no arguments, got "${quote(rest[0]!)}"`);
		// A broken scenario does not hide the good ones: each is reported on its own line.
		let broken = 0;
		const {listScenarioNames, loadScenario} = await scenarios();
		for (const name of listScenarioNames()) {
			let scenario;
			try {
				scenario = loadScenario(name).scenario;
			} catch (error) {
				if (!(error instanceof InputError)) throw error;
				reportError(error.message);
				broken++;
				continue;
			}
			write(`${safeLine(name).padEnd(18)} ${scenario.cpus} CPUs  ${scenario.description.split('\n')[0]}\n`);
		}
		return broken > 0 ? 1 : 0;
	}
	if (form === 'session') {
		if (rest.length > 0) usage(`run --session takes no SCENARIO (the session names its own), got "${quote(rest[0]!)}"`);
		const {runSession} = await import('./session/commands.js');
		const {SHOW_ITEMS} = await headless();
		return runSession(cli.flags.session!, {json: cli.flags.json ?? false, quiet: cli.flags.quiet ?? false, show: parseShow(cli.flags.show, SHOW_ITEMS), until: parseUntil(cli.flags.until), expect: parseExpect(cli.flags.expect)}, write);
	}
	if (form === 'replay') {
		if (rest.length !== 1) usage('replay needs one session FILE');
		await holdYoungGeneration();
		const {loadSession} = await import('./session/load.js');
		const session = loadSession(rest[0]!);
		if (session.warning) warn(session.warning);
		const monitor = import('./ui/monitor.js');
		const {Player, sessionKernel} = await import('./session/replay.js');
		const kernel = sessionKernel(session);
		const {runMonitor} = await monitor;
		const until = parseUntil(cli.flags.until);
		return runMonitor(kernel, {
			theme: {color: colorWanted(process.env, cli.flags.color ?? true)},
			fps: parseFps(cli.flags.fps),
			noMouse: cli.flags.mouse === false,
			story: storyOf(session.scenario),
			replay: (controller) => new Player(session.lines, controller, until),
			headless: `xcalltop run --session ${quote(rest[0]!, 60)}`,
		});
	}
	if (form === 'export') {
		if (rest.length !== 1) usage('export needs one session FILE');
		if (cli.flags.cast === undefined && cli.flags.txt === undefined) usage('export needs --cast OUT.cast and/or --txt OUT.txt');
		const size = {cols: parseSize('cols', cli.flags.cols), rows: parseSize('rows', cli.flags.rows)};
		// Colour codes depend on what chalk detects; fix them so an export is the same everywhere.
		process.env['FORCE_COLOR'] = '1';
		const {exportCommand} = await import('./session/commands.js');
		const pace = cli.flags.pace;
		if (pace !== undefined && pace !== 'wall' && pace !== 'virtual') usage(`--pace "${quote(pace)}": expected wall or virtual`);
		const idle = cli.flags.idleLimit;
		if (idle !== undefined && (!/^\d+(\.\d+)?$/.test(idle) || !Number.isFinite(Number(idle)))) usage(`--idle-limit "${quote(idle)}": expected a number of seconds, 0 or more`);
		return exportCommand(rest[0]!, {cast: cli.flags.cast, txt: cli.flags.txt, ...size, fps: parseFps(cli.flags.fps), pacing: pace, idleLimit: idle === undefined ? undefined : Number(idle)}, write);
	}
	if (form === 'run') {
		if (rest.length !== 1) usage(rest.length === 0 ? 'run needs a SCENARIO (see xcalltop list)' : `run takes one SCENARIO, got ${rest.length}`);
		const [{loadScenario}, {parseInputSpec}, {runHeadless, SHOW_ITEMS}] = await Promise.all([scenarios(), import('./scenario/inputs.js'), headless()]);
		const loaded = loadScenario(rest[0]!);
		const specs = cli.flags.input ?? [];
		const inputs = specs.map(parseInputSpec);
		const until = parseUntil(cli.flags.until);
		checkInputsInTime(specs, inputs, until, loaded);
		const {exitCode, mismatch} = runHeadless(
			loaded,
			{
				seed: parseSeed(cli.flags.seed),
				until,
				inputs,
				json: cli.flags.json ?? false,
				quiet: cli.flags.quiet ?? false,
				expect: parseExpect(cli.flags.expect),
				mitigated: cli.flags.mitigated ?? false,
				show: parseShow(cli.flags.show, SHOW_ITEMS),
			},
			write,
		);
		if (mismatch !== undefined) reportError(mismatch);
		return exitCode;
	}
	if (rest.length > 0) usage(`unexpected argument "${quote(rest[0]!)}"; see xcalltop help monitor`);
	await holdYoungGeneration();
	// Loading Ink is most of the start-up time: begin now, build the kernel meanwhile.
	const monitor = import('./ui/monitor.js');
	const [{loadScenario}, {buildKernel}] = await Promise.all([scenarios(), import('./scenario/machine.js')]);
	const loaded = loadScenario(command ?? 'demo');
	const speedIndex = parseSpeed(cli.flags.speed);
	const mitigated = cli.flags.mitigated ?? false;
	const paused = cli.flags.paused ?? false;
	const force = cli.flags.force ?? false;
	const kernel = buildKernel(loaded, {seed: parseSeed(cli.flags.seed), mitigated});
	const fps = parseFps(cli.flags.fps);
	let recorder;
	try {
		if (cli.flags.record !== undefined) {
			const {checkRecordTarget, startRecording} = await import('./session/commands.js');
			const file = cli.flags.record;
			checkRecordTarget(file, force, loaded.file);
			recorder = () => startRecording(file, loaded, {seed: kernel.seed, mitigated, speedIndex, paused, fps, force});
		}
		const {runMonitor} = await monitor;
		return await runMonitor(kernel, {theme: {color: colorWanted(process.env, cli.flags.color ?? true)}, paused, speedIndex, fps, recorder, noMouse: cli.flags.mouse === false, story: storyOf(loaded), headless: `xcalltop run ${quote(command ?? 'demo', 60)}`});
	} catch (error) {
		// --record's directory cannot take the file, or the file or its header could not be
		// written (before the screen changed): a runtime error, one line.
		const {OutputError} = await import('./session/output-file.js');
		if (!(error instanceof OutputError)) throw error;
		reportError(error.message);
		return 1;
	}
}

// A reader that went away (`| head`) is a normal end; any other write error (a full disk)
// is one line and exit 1.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
	if (error.code === 'EPIPE') process.exit(0);
	reportError(`cannot write the output: ${error.code ?? error.message}`);
	process.exit(1);
});

try {
	process.exitCode = await main();
} catch (error) {
	if (error instanceof InputError) {
		reportError(error.message);
		process.exitCode = 2;
	} else if (error instanceof (await import('./kernel/kernel.js')).ClockStoppedError) {
		reportError(error.message);
		process.exitCode = 1;
	} else {
		reportError(`internal error: ${error instanceof Error ? error.message : String(error)}`);
		if (process.env['XCALLTOP_DEBUG'] && error instanceof Error) process.stderr.write(`${error.stack}\n`);
		process.exitCode = 1;
	}
}

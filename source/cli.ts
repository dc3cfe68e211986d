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
import {quote, safeText} from './terminal/safe-text.js';
import {reportError, warn} from './terminal/report.js';
import {ACCEPTS, FLAGS, LABEL, SEE, TOP_HELP, TOPIC_HELP, TOPICS, WHY, type Flag, type Form, type Topic} from './cli-forms.js';


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
	const form: Form = command === 'run' ? (cli.flags.session === undefined ? 'run' : 'session') : command === 'list' || command === 'check' || command === 'replay' || command === 'export' || command === 'help' ? command : 'monitor';
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
		const {listCommand} = await import('./scenario/list-command.js');
		return listCommand(write, reportError);
	}
	if (form === 'check') {
		if (rest.length === 0) usage('check needs at least one FILE (a scenario file, or a name from scenarios/)');
		// Only the loader, the checks and (for the timeline's actions) the kernel's constructor: no Ink, no run.
		const {checkCommand} = await import('./scenario/check-command.js');
		return checkCommand(rest, {quiet: cli.flags.quiet ?? false}, write, reportError);
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

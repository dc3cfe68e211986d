#!/usr/bin/env node
// Command-line entry: sub-commands, flags and exit codes (0 ok, 1 runtime error or an
// --expect mismatch, 2 usage error). Errors are one line on stderr, never a stack trace.
import meow from 'meow';
import {runHeadless, SHOW_ITEMS, type ShowItem} from './headless/run.js';
import {InputError, listScenarioNames, loadScenario, type LoadedScenario} from './scenario/load.js';
import {parseInputSpec} from './scenario/inputs.js';
import {DURATION_HINT, parseDuration} from './scenario/duration.js';
import {buildKernel} from './scenario/machine.js';
import {colorWanted} from './ui/theme.js';
import {SPEEDS} from './ui/speeds.js';
import {MIN_COLS, MIN_ROWS} from './ui/layout.js';
import type {Input} from './kernel/kernel.js';
import {NS_PER_SEC} from './kernel/time.js';

const cli = meow(
	`
  Usage
    $ xcalltop [SCENARIO] [options]     open the monitor (default scenario: demo)
    $ xcalltop run SCENARIO [options]   run headless, as fast as the machine allows
    $ xcalltop list                     list the scenarios
    $ xcalltop replay FILE [--until T]  play a recorded session in the monitor
    $ xcalltop run --session FILE       replay a session headless: same summary and hash
    $ xcalltop export FILE --cast OUT.cast [--cols 120 --rows 40 --fps 10] [--txt OUT.txt]

  SCENARIO is a name from scenarios/ (see 'xcalltop list') or a path to a .json file.

  Options for the monitor
    --speed X             start at this speed: 0.1 ... 100, or max (default 1)
    --paused              start paused (space resumes, . steps)
    --fps N               screen updates per second, 1-20 (default 5; keys redraw at once)
    --no-color            no colour (NO_COLOR=1 does the same)
    --record FILE         record the session (every key, with its virtual time) to FILE
    --force               with --record: replace FILE if it exists (otherwise refused)
    --seed N, --mitigated as for run; press ? inside for the keys

  Options for run
    --until DURATION      stop at this virtual time (default: the scenario's own)
    --seed N              seed for the kernel's random numbers (default: the scenario's)
    --input AT:ACTION     apply an input at a virtual time, e.g. --input 5s:ctrl-c (repeatable;
                          AT must not be later than the run ends)
    --json                print the summary as one JSON object instead of the log
    --quiet               do not print the kernel log
    --expect OUTCOME      lockup | no-lockup: exit 1 when the outcome differs
    --mitigated           start with the scenario's mitigation in force
    --show LIST           what to print after the log: interrupts,stats,trace
                          (/proc/interrupts, /proc/dtrace/stats, /proc/dtrace/trace)

  Examples
    $ xcalltop run ipi-irqs-off --until 60s
    $ xcalltop run demo --seed 7 --json
    $ xcalltop run teardown-storm --mitigated --show stats,trace
`,
	{
		importMeta: import.meta,
		// Checked below, so that an unknown flag gets the same one-line error as the rest.
		allowUnknownFlags: true,
		flags: {
			until: {type: 'string'},
			seed: {type: 'string'},
			input: {type: 'string', isMultiple: true},
			json: {type: 'boolean', default: false},
			quiet: {type: 'boolean', default: false},
			expect: {type: 'string'},
			mitigated: {type: 'boolean', default: false},
			show: {type: 'string'},
			speed: {type: 'string'},
			paused: {type: 'boolean', default: false},
			fps: {type: 'string'},
			record: {type: 'string'},
			force: {type: 'boolean', default: false},
			session: {type: 'string'},
			cast: {type: 'string'},
			txt: {type: 'string'},
			cols: {type: 'string'},
			rows: {type: 'string'},
			color: {type: 'boolean', default: true},
		},
	},
);

// React's development build renders several times slower; the monitor (loaded lazily,
// after this line runs) gets the production one unless someone asked otherwise.
process.env['NODE_ENV'] ??= 'production';

function usage(message: string): never {
	throw new InputError(message);
}

function parseSeed(text: string | undefined): number | undefined {
	if (text === undefined) return undefined;
	if (!/^\d+$/.test(text) || Number(text) > 0x7fffffff) usage(`--seed "${text}": expected a whole number from 0 to 2147483647`);
	return Number(text);
}

function parseUntil(text: string | undefined): number | undefined {
	if (text === undefined) return undefined;
	const ns = parseDuration(text);
	if (ns === undefined || ns <= 0) usage(`--until "${text}": expected ${DURATION_HINT}`);
	return ns;
}

function parseExpect(text: string | undefined): 'lockup' | 'no-lockup' | undefined {
	if (text === undefined) return undefined;
	if (text !== 'lockup' && text !== 'no-lockup') usage(`--expect "${text}": expected lockup or no-lockup`);
	return text;
}

function checkFlags(): void {
	const known = new Set(['until', 'seed', 'input', 'json', 'quiet', 'expect', 'mitigated', 'show', 'speed', 'paused', 'fps', 'record', 'force', 'session', 'cast', 'txt', 'cols', 'rows', 'color', 'help', 'version']);
	for (const name of Object.keys(cli.unnormalizedFlags)) {
		const dashed = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
		if (name === 'noColor') continue;
		if (!known.has(name) && !known.has(dashed)) usage(`unknown option --${dashed}; see xcalltop --help`);
	}
}

/** An input after the end of the run would be silently dropped: refuse it instead. */
function checkInputsInTime(specs: readonly string[], inputs: readonly Input[], until: number | undefined, loaded: LoadedScenario): void {
	const end = until ?? loaded.scenario.until;
	const i = inputs.findIndex((input) => input.at > end);
	if (i < 0) return;
	if (until !== undefined) usage(`--input ${specs[i]} is later than --until ${cli.flags.until}; it would never apply`);
	usage(`--input ${specs[i]} is later than ${loaded.scenario.name}'s own end at ${end / NS_PER_SEC}s; it would never apply (pass a later --until)`);
}

function parseShow(text: string | undefined): ShowItem[] | undefined {
	if (text === undefined) return undefined;
	const items = text.split(',').map((s) => s.trim());
	for (const item of items) if (!(SHOW_ITEMS as readonly string[]).includes(item)) usage(`--show "${text}": expected a comma-separated list of ${SHOW_ITEMS.join(', ')}`);
	return items as ShowItem[];
}

function parseSpeed(text: string | undefined): number | undefined {
	if (text === undefined) return undefined;
	const index = SPEEDS.findIndex((s) => (text === 'max' ? s === Number.POSITIVE_INFINITY : s === Number(text.replace(/^x/, ''))));
	if (index < 0) usage(`--speed "${text}": expected one of ${SPEEDS.map((s) => (s === Number.POSITIVE_INFINITY ? 'max' : String(s))).join(', ')}`);
	return index;
}

function parseSize(name: 'cols' | 'rows', text: string | undefined): number | undefined {
	if (text === undefined) return undefined;
	// Below the monitor's minimum the export would hold nothing but the "too small" message.
	const min = name === 'cols' ? MIN_COLS : MIN_ROWS;
	if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > 500) usage(`--${name} "${text}": expected a whole number from ${min} to 500`);
	return Number(text);
}

function parseFps(text: string | undefined): number | undefined {
	if (text === undefined) return undefined;
	if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 20) usage(`--fps "${text}": expected a whole number from 1 to 20`);
	return Number(text);
}

async function main(): Promise<number> {
	checkFlags();
	const [command, ...rest] = cli.input;
	const write = (text: string): void => void process.stdout.write(text);
	if (command === 'list') {
		if (rest.length > 0) usage(`list takes no arguments, got "${rest[0]}"`);
		for (const name of listScenarioNames()) {
			const {scenario} = loadScenario(name);
			write(`${name.padEnd(18)} ${scenario.cpus} CPUs  ${scenario.description.split('\n')[0]}\n`);
		}
		return 0;
	}
	if (command === 'run' && cli.flags.session !== undefined) {
		if (rest.length > 0) usage(`run --session takes no SCENARIO (the session names its own), got "${rest[0]}"`);
		const {runSession} = await import('./session/commands.js');
		return runSession(cli.flags.session, {json: cli.flags.json, quiet: cli.flags.quiet, show: parseShow(cli.flags.show), until: parseUntil(cli.flags.until)}, write);
	}
	if (command === 'replay') {
		if (rest.length !== 1) usage('replay needs one session FILE');
		const {loadSession} = await import('./session/load.js');
		const session = loadSession(rest[0]!);
		if (session.warning) process.stderr.write(`xcalltop: warning: ${session.warning}\n`);
		const monitor = import('./ui/monitor.js');
		const {Player, sessionKernel} = await import('./session/replay.js');
		const kernel = sessionKernel(session);
		const {runMonitor} = await monitor;
		const until = parseUntil(cli.flags.until);
		return runMonitor(kernel, {
			theme: {color: colorWanted(process.env, cli.flags.color)},
			fps: parseFps(cli.flags.fps),
			replay: (controller) => new Player(session.lines, controller, until),
		});
	}
	if (command === 'export') {
		if (rest.length !== 1) usage('export needs one session FILE');
		if (cli.flags.cast === undefined && cli.flags.txt === undefined) usage('export needs --cast OUT.cast and/or --txt OUT.txt');
		// Colour codes depend on what chalk detects; fix them so an export is the same everywhere.
		process.env['FORCE_COLOR'] = '1';
		const {exportCommand} = await import('./session/commands.js');
		return exportCommand(rest[0]!, {cast: cli.flags.cast, txt: cli.flags.txt, cols: parseSize('cols', cli.flags.cols), rows: parseSize('rows', cli.flags.rows), fps: parseFps(cli.flags.fps)}, write);
	}
	if (command === 'run') {
		if (rest.length !== 1) usage(rest.length === 0 ? 'run needs a SCENARIO (see xcalltop list)' : `run takes one SCENARIO, got ${rest.length}`);
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
				json: cli.flags.json,
				quiet: cli.flags.quiet,
				expect: parseExpect(cli.flags.expect),
				mitigated: cli.flags.mitigated,
				show: parseShow(cli.flags.show),
			},
			write,
		);
		if (mismatch !== undefined) process.stderr.write(`xcalltop: ${mismatch}\n`);
		return exitCode;
	}
	if (rest.length > 0) usage(`unexpected argument "${rest[0]}"; see xcalltop --help`);
	// Loading Ink is most of the start-up time: begin now, build the kernel meanwhile.
	const monitor = import('./ui/monitor.js');
	const loaded = loadScenario(command ?? 'demo');
	const speedIndex = parseSpeed(cli.flags.speed);
	const kernel = buildKernel(loaded, {seed: parseSeed(cli.flags.seed), mitigated: cli.flags.mitigated});
	const {runMonitor} = await monitor;
	const fps = parseFps(cli.flags.fps);
	let recorder;
	if (cli.flags.record !== undefined) {
		const {checkRecordTarget, startRecording} = await import('./session/commands.js');
		const file = cli.flags.record;
		checkRecordTarget(file, cli.flags.force);
		recorder = () => startRecording(file, loaded, {seed: kernel.seed, mitigated: cli.flags.mitigated, speedIndex, paused: cli.flags.paused, fps, force: cli.flags.force});
	}
	return runMonitor(kernel, {theme: {color: colorWanted(process.env, cli.flags.color)}, paused: cli.flags.paused, speedIndex, fps, recorder});
}

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
	if (error.code === 'EPIPE') process.exit(0);
	throw error;
});

try {
	process.exitCode = await main();
} catch (error) {
	if (error instanceof InputError) {
		process.stderr.write(`xcalltop: ${error.message}\n`);
		process.exitCode = 2;
	} else {
		process.stderr.write(`xcalltop: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
		if (process.env['XCALLTOP_DEBUG'] && error instanceof Error) process.stderr.write(`${error.stack}\n`);
		process.exitCode = 1;
	}
}

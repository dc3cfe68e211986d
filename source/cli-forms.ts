// The command line's shape: its forms (commands), which flags each accepts and why not, and
// the help texts written from the same tables, so help and the checks cannot disagree.
import {MIN_COLS, MIN_ROWS} from './ui/layout.js';

// Which flags each form of a command accepts: anything else is refused, never ignored.
// `session` is `run --session FILE`; `help` is `xcalltop help [COMMAND]`.
export type Form = 'monitor' | 'run' | 'session' | 'list' | 'check' | 'replay' | 'export' | 'help';
export const FLAGS = ['until', 'seed', 'input', 'json', 'quiet', 'expect', 'mitigated', 'show', 'speed', 'paused', 'fps', 'record', 'force', 'session', 'cast', 'txt', 'cols', 'rows', 'color', 'mouse', 'pace', 'idleLimit'] as const;
export type Flag = (typeof FLAGS)[number];
export const ACCEPTS: Record<Form, readonly Flag[]> = {
	monitor: ['speed', 'paused', 'fps', 'seed', 'mitigated', 'color', 'mouse', 'record', 'force'],
	run: ['until', 'seed', 'input', 'mitigated', 'quiet', 'show', 'json', 'expect'],
	session: ['session', 'until', 'quiet', 'show', 'json', 'expect'],
	list: [],
	check: ['quiet'],
	replay: ['until', 'fps', 'color', 'mouse'],
	// The .cast is always in colour and the .txt never, so --no-color would change nothing.
	export: ['cast', 'txt', 'cols', 'rows', 'fps', 'pace', 'idleLimit'],
	help: [],
};
/** Why a flag does not apply, where the reason is not obvious from the command's help. */
export const WHY: Partial<Record<Form, Partial<Record<Flag, string>>>> = {
	monitor: {until: 'the monitor runs until you quit', input: 'the monitor takes its inputs from the keys', session: 'replay a session with xcalltop replay or xcalltop run --session'},
	run: {record: 'only the monitor records', force: 'only the monitor records', speed: 'run goes as fast as the machine allows', color: 'run prints no colour'},
	session: {seed: 'the session fixes its seed', mitigated: 'the session fixes it', input: 'the session fixes its inputs'},
	replay: {seed: 'the session fixes its seed', mitigated: 'the session fixes it', record: 'a replay is not recorded', force: 'a replay is not recorded'},
	export: {color: 'a .cast is always in colour, a .txt never'},
	check: {until: 'check does not run the kernel', seed: 'check does not run the kernel', input: 'check does not run the kernel', mitigated: 'check does not run the kernel'},
};
export const TOPICS = ['monitor', 'run', 'list', 'check', 'replay', 'export'] as const;
export type Topic = (typeof TOPICS)[number];
export const LABEL: Record<Form, string> = {monitor: 'the monitor', run: 'run', session: 'run --session', list: 'list', check: 'check', replay: 'replay', export: 'export', help: 'help'};
export const SEE: Record<Form, string> = {monitor: 'xcalltop help monitor', run: 'xcalltop run --help', session: 'xcalltop run --help', list: 'xcalltop list --help', check: 'xcalltop check --help', replay: 'xcalltop replay --help', export: 'xcalltop export --help', help: 'xcalltop --help'};

// Help: each form's usage line and options, written once; `xcalltop --help` shows them all,
// `xcalltop COMMAND --help` only its own.
type Options = readonly (readonly [string, string])[];
const USAGE: Record<Exclude<Form, 'help'>, readonly [string, string]> = {
	monitor: ['xcalltop [SCENARIO] [options]', 'open the monitor (default scenario: demo)'],
	run: ['xcalltop run SCENARIO [options]', 'run headless, as fast as the machine allows'],
	session: ['xcalltop run --session FILE [options]', 'replay a session headless, check its hash'],
	list: ['xcalltop list', 'list the scenarios'],
	check: ['xcalltop check FILE... [options]', 'check scenario files without running them'],
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
		['--show LIST', 'what to print after the log: interrupts,stats,trace,softirqs\n(/proc/interrupts, /proc/dtrace/stats, /proc/dtrace/trace, /proc/softirqs)'],
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
	check: [['--quiet', 'print only the problems, not FILE: ok for each good file']],
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
const CHECK_NOTE = [
	'FILE is a scenario file, or a name from scenarios/. Each is loaded as run loads it',
	'(schema, locks, CPUs, timeline actions), then its tasks are walked step by step',
	'without running the kernel: an unlock of a lock not held, an exit or a user-mode',
	'run holding a spinlock, user mode with IRQs off, a task that repeats for ever',
	'without a step that takes time. One line per problem on stderr; FILE: ok on',
	'stdout for each good file. Exit 2 if any file has a problem, else 0.',
].join('\n');
const SCENARIO_NOTE = 'SCENARIO is a name from scenarios/ (see xcalltop list) or a path to a .json file.';

// A left cell as wide as the column puts its text on the next line, so the two never run together.
const column = (rows: readonly (readonly [string, string])[], width: number): string =>
	rows.map(([left, right]) => `  ${left.length < width ? left.padEnd(width) : `${left}\n  ${' '.repeat(width)}`}${right.replaceAll('\n', `\n  ${' '.repeat(width)}`)}`.trimEnd()).join('\n');
const usageOf = (forms: readonly Exclude<Form, 'help'>[]): string => `Usage\n${column(forms.map((f) => [`$ ${USAGE[f][0]}`, USAGE[f][1]] as const), 41)}`;
const options = (title: string, rows: Options): string => `${title}\n${column(rows, 20)}`;

export const TOP_HELP = [
	usageOf(['monitor', 'run', 'session', 'list', 'check', 'replay', 'export']) + `\n${column([['$ xcalltop help [COMMAND]', `help for ${TOPICS.join(', ')}`]], 41)}`,
	`${SCENARIO_NOTE}\nA flag that does not apply to the command is refused.\nExit status: 0 ok, 1 runtime error or --expect not met, 2 usage error.`,
	options('Options for the monitor (press ? inside for the keys)', OPTIONS.monitor),
	options('Options for run', OPTIONS.run),
	options('Options for run --session FILE (the session fixes seed, inputs, mitigation)', OPTIONS.session),
	options('Options for check', OPTIONS.check),
	options('Options for replay', OPTIONS.replay),
	options('Options for export (needs --cast and/or --txt)', OPTIONS.export),
	options('Options for every command', COMMON),
	`Examples\n${[
		'$ xcalltop run ipi-irqs-off --until 60s',
		'$ xcalltop run demo --seed 7 --json',
		'$ xcalltop run teardown-storm --mitigated --show stats,trace',
		'$ xcalltop check scenarios/mine.json',
		'$ xcalltop safe-xcall --record lockup.jsonl',
		'$ xcalltop export lockup.jsonl --cast lockup.cast',
	]
		.map((l) => `  ${l}`)
		.join('\n')}`,
].join('\n\n');

export const TOPIC_HELP: Record<Topic, string> = {
	monitor: [usageOf(['monitor']), `${SCENARIO_NOTE}\nPress ? in the monitor for the keys.`, options('Options', OPTIONS.monitor)].join('\n\n'),
	run: [usageOf(['run', 'session']), `${SCENARIO_NOTE}\nA session fixes its scenario, seed, inputs and mitigation.`, options('Options for run', OPTIONS.run), options('Options for run --session FILE', OPTIONS.session)].join('\n\n'),
	list: [usageOf(['list']), 'list takes no options.'].join('\n\n'),
	check: [usageOf(['check']), CHECK_NOTE, options('Options', OPTIONS.check)].join('\n\n'),
	replay: [usageOf(['replay']), options('Options', OPTIONS.replay)].join('\n\n'),
	export: [usageOf(['export']), 'At least one of --cast and --txt is needed.', options('Options', OPTIONS.export)].join('\n\n'),
};

// Help as a user asks for it: xcalltop help [COMMAND], COMMAND --help, -h; each command's
// help lists exactly the flags that command accepts, and the top-level help lists them all.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {runCli} from './helpers.js';

/** The flags each form accepts, as the readme promises them. */
const ACCEPTS = {
	monitor: ['--speed', '--paused', '--fps', '--seed', '--mitigated', '--no-color', '--no-mouse', '--record', '--force'],
	run: ['--until', '--seed', '--input', '--mitigated', '--quiet', '--show', '--json', '--expect'],
	session: ['--until', '--quiet', '--show', '--json', '--expect'],
	list: [],
	check: ['--quiet'],
	replay: ['--until', '--fps', '--no-color', '--no-mouse'],
	export: ['--cast', '--txt', '--cols', '--rows', '--fps', '--pace', '--idle-limit'],
} as const;

/** The flags listed in each "Options..." section of a help text, by section title. */
function sections(help: string): Map<string, string[]> {
	const out = new Map<string, string[]>();
	let current: string[] | undefined;
	for (const line of help.split('\n')) {
		const title = /^ {2}(Options.*)$/.exec(line);
		if (title) out.set(title[1]!, (current = []));
		else if (/^ {2}\S/.test(line)) current = undefined;
		const option = /^ {4}(?:-\w, )?(--[a-z-]+)/.exec(line);
		if (option && current) current.push(option[1]!);
	}
	return out;
}

test('help COMMAND and COMMAND --help print the same text, listing exactly that command\'s flags', () => {
	const cases: [string[], string, Record<string, readonly string[]>][] = [
		[['help', 'monitor'], 'demo', {Options: ACCEPTS.monitor}],
		[['help', 'run'], 'run', {'Options for run': ACCEPTS.run, 'Options for run --session FILE': ACCEPTS.session}],
		[['help', 'list'], 'list', {}],
		[['help', 'check'], 'check', {Options: ACCEPTS.check}],
		[['help', 'replay'], 'replay', {Options: ACCEPTS.replay}],
		[['help', 'export'], 'export', {Options: ACCEPTS.export}],
	];
	for (const [args, command, expected] of cases) {
		const r = runCli(args);
		assert.equal(r.status, 0, r.stderr);
		assert.equal(r.stderr, '');
		assert.deepEqual(Object.fromEntries(sections(r.stdout)), expected, args.join(' '));
		for (const flag of ['--help', '-h']) {
			const same = runCli([command, flag]);
			assert.equal(same.status, 0);
			assert.equal(same.stdout, r.stdout, `${command} ${flag}`);
		}
	}
	// run --session is a form of run, and its help is run's.
	assert.equal(runCli(['run', '--session', 'x.jsonl', '--help']).stdout, runCli(['help', 'run']).stdout);
});

test('xcalltop help, --help and -h print the top-level help, with every command and flag', () => {
	const r = runCli(['help']);
	assert.equal(r.status, 0);
	assert.equal(runCli(['--help']).stdout, r.stdout);
	assert.equal(runCli(['-h']).stdout, r.stdout);
	for (const usage of ['xcalltop [SCENARIO]', 'xcalltop run SCENARIO', 'xcalltop run --session FILE', 'xcalltop list', 'xcalltop check FILE...', 'xcalltop replay FILE', 'xcalltop export FILE', 'xcalltop help [COMMAND]']) {
		assert.ok(r.stdout.includes(`$ ${usage}`), usage);
	}
	const s = sections(r.stdout);
	assert.deepEqual(
		[...s.keys()].map((title) => title.replace(/ \(.*\)$/, '')),
		['Options for the monitor', 'Options for run', 'Options for run --session FILE', 'Options for check', 'Options for replay', 'Options for export', 'Options for every command'],
	);
	const lists = [...s.values()];
	assert.deepEqual(lists.slice(0, 6), [ACCEPTS.monitor, ACCEPTS.run, ACCEPTS.session, ACCEPTS.check, ACCEPTS.replay, ACCEPTS.export]);
	assert.deepEqual(lists[6], ['--help', '--version']);
	assert.match(r.stdout, /^ {4}-h, --help /m);
	assert.match(r.stdout, /^ {4}-v, --version /m);
});

test('help for an unknown command, or for two, is a usage error', () => {
	const unknown = runCli(['help', 'nope']);
	assert.equal(unknown.status, 2);
	assert.equal(unknown.stderr, 'xcalltop: help: unknown command "nope"; expected one of: monitor, run, list, check, replay, export\n');
	assert.equal(unknown.stdout, '');
	const two = runCli(['help', 'run', 'list']);
	assert.equal(two.status, 2);
	assert.equal(two.stderr, 'xcalltop: help takes one COMMAND, got 2\n');
});

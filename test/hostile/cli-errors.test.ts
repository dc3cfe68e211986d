// The command line misused: one line on stderr and the right exit code, never a stack trace.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {CLI, ROOT, runCli} from '../helpers.js';
import {copyInstall, copyShipped} from './fixtures.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'xcalltop-cli-errors-'));
test.after(() => rmSync(dir, {recursive: true, force: true}));

function oneLine(r: {stderr: string; stdout: string; timedOut: boolean}, pattern: RegExp): void {
	assert.equal(r.timedOut, false);
	assert.match(r.stderr, /^xcalltop: [^\n]+\n$/, r.stderr);
	assert.match(r.stderr, pattern);
	assert.equal(r.stdout, '');
}

const USAGE: readonly (readonly [string[], RegExp])[] = [
	[['run', 'demo', '--seed', '1', '--seed', '2'], /^xcalltop: --seed given more than once; see xcalltop --help$/m],
	[['run', 'demo', '--until', '1s', '--until', '2s'], /--until given more than once/],
	[['export', 'x.jsonl', '--cast', 'a', '--cast', 'b'], /--cast given more than once/],
	[['run', 'demo', '--until', '-1s'], /^xcalltop: --until "-1s": expected /m],
	[['run', 'demo', '--input', '-1s:ctrl-c'], /^xcalltop: --input "-1s:ctrl-c": expected /m],
	[['run', 'demo', '--seed', '-3'], /^xcalltop: --seed "-3": expected a whole number/m],
	[['demo', '--fps', '-5'], /^xcalltop: --fps "-5": expected a whole number from 1 to 20/m],
	[['export', 'x.jsonl', '--txt', 'o.txt', '--cols', '-80'], /^xcalltop: --cols "-80": expected a whole number/m],
];
for (const [args, pattern] of USAGE) {
	test(`usage error, one line, exit 2: xcalltop ${args.join(' ')}`, () => {
		const r = runCli(args);
		assert.equal(r.status, 2);
		oneLine(r, pattern);
	});
}

// stdout a full disk: one line, exit 1 (a closed pipe is a normal end, exit 0).
for (const args of [['run', 'demo', '--json'], ['run', 'demo', '--until', '5s'], ['list'], ['--help']]) {
	test(`stdout on a full disk: one line, exit 1: xcalltop ${args.join(' ')}`, () => {
		const full = openSync('/dev/full', 'w');
		try {
			const r = spawnSync(process.execPath, [CLI, ...args], {cwd: ROOT, stdio: ['ignore', full, 'pipe'], encoding: 'utf8', timeout: 20_000});
			assert.equal(r.status, 1);
			assert.match(r.stderr, /^xcalltop: cannot write the output: ENOSPC\n$/);
		} finally {
			closeSync(full);
		}
	});
}

test('run --session --expect: the outcome is checked as for run', () => {
	const session = 'scenarios/sessions/demo.jsonl';
	const lockup = runCli(['run', '--session', session, '--quiet', '--expect', 'lockup']);
	assert.equal(lockup.status, 0, lockup.stderr);
	const none = runCli(['run', '--session', session, '--quiet', '--expect', 'no-lockup']);
	assert.equal(none.status, 1);
	assert.match(none.stderr, /^xcalltop: scenarios\/sessions\/demo\.jsonl: expected no-lockup, got lockup of CPU0,CPU1,CPU2,CPU3 at \d+\.\d{6}s\n$/);
});

test('list shows every good scenario and reports each broken one on its own line, exit 1', () => {
	const install = copyInstall(path.join(dir, 'install'));
	writeFileSync(path.join(install.scenarios, 'aa-broken.json'), '{"description": "x", "cpus": 0}');
	writeFileSync(path.join(install.scenarios, 'zz-broken.json'), '{not json');
	const r = runCli(['list'], {}, {cli: install.cli});
	assert.equal(r.status, 1);
	const errors = r.stderr.trimEnd().split('\n');
	assert.equal(errors.length, 2, r.stderr);
	assert.match(errors[0]!, /^xcalltop: .*aa-broken\.json: \$\.cpus: /);
	assert.match(errors[1]!, /^xcalltop: .*zz-broken\.json: line 1, column 2: /);
	const listed = r.stdout.trimEnd().split('\n').map((l) => l.split(' ')[0]);
	// Every shipped scenario, by name, in order (read from the copy, so a new one needs no edit here).
	const shipped = readdirSync(install.scenarios)
		.filter((f) => f.endsWith('.json') && f !== 'scenario.schema.json' && !f.endsWith('-broken.json'))
		.map((f) => f.replace(/\.json$/, ''))
		.sort();
	assert.ok(shipped.includes('demo') && shipped.length >= 8, shipped.join(' '));
	assert.deepEqual(listed, shipped);
});

test('list trusts the build\'s scenario catalog only for the bytes it validated: an edited scenario is validated again', () => {
	const shipped = copyShipped(path.join(dir, 'shipped'));
	assert.ok(readdirSync(path.dirname(shipped.cli)).includes('scenario-catalog.json'), 'the build writes the catalog beside the bundle');
	// Unedited: the catalog's lines are the lines full validation prints (dist/source has no catalog).
	const fromCatalog = runCli(['list'], {}, {cli: shipped.cli});
	const validated = runCli(['list'], {}, {cli: path.join(ROOT, 'dist/source/cli.js')});
	assert.equal(fromCatalog.status, 0, fromCatalog.stderr);
	assert.equal(validated.status, 0, validated.stderr);
	assert.equal(fromCatalog.stdout, validated.stdout);
	// demo broken after the build, ipi-irqs-off given another first line: neither is listed from the catalog.
	const demo = JSON.parse(readFileSync(path.join(shipped.scenarios, 'demo.json'), 'utf8')) as Record<string, unknown>;
	writeFileSync(path.join(shipped.scenarios, 'demo.json'), JSON.stringify({...demo, cpus: 0}));
	const ipi = JSON.parse(readFileSync(path.join(shipped.scenarios, 'ipi-irqs-off.json'), 'utf8')) as Record<string, unknown>;
	writeFileSync(path.join(shipped.scenarios, 'ipi-irqs-off.json'), JSON.stringify({...ipi, description: 'Edited since the build.'}));
	const edited = runCli(['list'], {}, {cli: shipped.cli});
	assert.equal(edited.status, 1);
	assert.match(edited.stderr, /^xcalltop: .*demo\.json: \$\.cpus: .*\n$/);
	assert.match(edited.stdout, /^ipi-irqs-off +2 CPUs +Edited since the build\.$/m);
	assert.doesNotMatch(edited.stdout, /^demo /m);
});

test('a timeline action and a --input flag are read by one rule: "timer:" has an empty argument, refused alike', () => {
	const demo = JSON.parse(readFileSync(path.join(ROOT, 'scenarios/demo.json'), 'utf8')) as object;
	const file = path.join(dir, 'timeline.json');
	writeFileSync(file, JSON.stringify({...demo, timeline: [{at: '1s', action: 'safe-mode:'}]}));
	const timeline = runCli(['run', file]);
	assert.equal(timeline.status, 2);
	oneLine(timeline, /^xcalltop: \S+timeline\.json: \$\.timeline\[0\]\.action: safe-mode takes no argument, got ""$/m);
	const flag = runCli(['run', 'demo', '--input', '1s:timer:']);
	assert.equal(flag.status, 2);
	oneLine(flag, /^xcalltop: --input "1s:timer:": timer takes a CPU below 4, got ""$/m);
});

test('the current directory as a scenario is named "." (not an empty name)', () => {
	const r = runCli(['run', './']);
	assert.equal(r.status, 2);
	oneLine(r, /^xcalltop: \.: is a directory; expected a regular file$/m);
});

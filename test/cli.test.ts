// The headless front as a user runs it: outputs, exit codes, determinism.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {writeFileSync, mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {runCli} from './helpers.js';

test('run ipi-irqs-off: lockup on CPU0 and CPU1, explained, with the watchdog and RCU messages at their times', () => {
	const r = runCli(['run', 'ipi-irqs-off', '--until', '60s']);
	assert.equal(r.status, 0, r.stderr);
	const out = r.stdout;
	assert.match(out, /^\[ {3}1\d\.\d{6}\] Watchdog detected hard LOCKUP on cpu 1$/m);
	assert.match(out, /^\[ {3}21\.002000\] INFO: rcu_sched detected stalls on CPUs\/tasks: \{ 1\} \(detected by 0, t=21002 jiffies, g=\d+, c=\d+, q=\d+\)$/m);
	assert.match(out, /^\[ {3}2\d\.\d{6}\] BUG: soft lockup - CPU#0 stuck for 2\ds! \[ipi_sender:1201\]$/m);
	assert.match(out, /^--- \/proc\/interrupts at 60\.000000s\n {11}CPU0 {7}CPU1 {7}\n/m);
	assert.match(out, /^outcome {8}LOCKUP \(deadlock\) on CPU0, CPU1 at 0\.0024\d+s$/m);
	assert.match(out, /^explanation {4}CPU0 waits for CPU1 to run its cross-call \(smp_call_function\); CPU1 spins with IRQs off on lock A held by CPU0$/m);
	assert.match(out, /^event log hash [0-9a-f]{16}$/m);
});

test('--json prints one object; --expect sets the exit code', () => {
	const r = runCli(['run', 'ipi-irqs-off', '--until', '30s', '--json', '--expect', 'lockup']);
	assert.equal(r.status, 0);
	const lines = r.stdout.trim().split('\n');
	assert.equal(lines.length, 1);
	const s = JSON.parse(lines[0]!);
	assert.equal(s.outcome, 'lockup');
	assert.deepEqual(s.lockup.cpus, [0, 1]);
	assert.equal(s.warnings.hardLockup, 1);
	assert.equal(s.warnings.rcuStall, 1);
	assert.equal(s.warnings.softLockup, 1);
	assert.equal(s.virtualNs, 30_000_000_000);
	assert.equal(r.stderr, '');
	const missed = runCli(['run', 'ipi-irqs-off', '--until', '5s', '--quiet', '--expect', 'no-lockup']);
	assert.equal(missed.status, 1);
	assert.equal(missed.stderr, 'xcalltop: expected no-lockup, got lockup of CPU0,CPU1 at 0.002404s\n');
	const met = runCli(['run', 'demo', '--until', '5s', '--quiet', '--expect', 'no-lockup']);
	assert.equal(met.status, 0);
	assert.equal(met.stderr, '');
	const none = runCli(['run', 'demo', '--until', '5s', '--json', '--expect', 'lockup']);
	assert.equal(none.status, 1);
	assert.equal(none.stderr, 'xcalltop: expected lockup, got no lockup by 5.000000s\n');
	// The summary still goes to stdout, for the script to read.
	assert.equal(JSON.parse(none.stdout).outcome, 'no-lockup');
});

test('same scenario, seed and inputs give the same event-log hash; another seed gives another', () => {
	const hash = (seed: string) => JSON.parse(runCli(['run', 'demo', '--until', '3s', '--json', '--seed', seed]).stdout).eventLogHash as string;
	const a = hash('7');
	assert.equal(a, hash('7'));
	assert.notEqual(a, hash('8'));
});

test('list shows every scenario with one line each', () => {
	const r = runCli(['list']);
	assert.equal(r.status, 0);
	assert.match(r.stdout, /^demo +4 CPUs +Four CPUs/m);
	assert.match(r.stdout, /^ipi-irqs-off +2 CPUs +CPU1 disables IRQs/m);
	// Names longer than the others' column still line up: the CPUs column starts at the same place on every line.
	const starts = r.stdout.trimEnd().split('\n').map((l) => / \d+ CPUs /.exec(l)!.index);
	assert.equal(new Set(starts).size, 1, r.stdout);
});

test('--help, -h, --version and -v exit 0', () => {
	for (const flag of ['--help', '-h']) {
		const help = runCli([flag]);
		assert.equal(help.status, 0, flag);
		assert.match(help.stdout, /xcalltop run SCENARIO/);
	}
	for (const flag of ['--version', '-v']) {
		const version = runCli([flag]);
		assert.equal(version.status, 0, flag);
		assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
	}
});

test('usage errors: one line on stderr, exit 2, no stack trace', () => {
	const cases: [string[], RegExp][] = [
		[['run'], /^xcalltop: run needs a SCENARIO \(see xcalltop list\)\n$/],
		[['run', 'nope'], /^xcalltop: unknown scenario "nope"; expected one of: .*demo.*\n$/],
		[['run', 'demo', '--until', 'soon'], /^xcalltop: --until "soon": expected a duration like/],
		[['run', 'demo', '--seed', '-3'], /^xcalltop: --seed "-3": expected a whole number/],
		[['run', 'demo', '--bogus'], /^xcalltop: unknown option --bogus; see xcalltop --help\n$/],
		[['run', 'demo', '--expect', 'maybe'], /^xcalltop: --expect "maybe": expected lockup or no-lockup\n$/],
		[['run', 'demo', '--input', 'later:ctrl-c'], /^xcalltop: --input "later:ctrl-c": expected AT:ACTION\[:ARG\]/],
		[['run', 'demo', '--input', '1s:launch-missiles'], /^xcalltop: --input .*: unknown action "launch-missiles"/],
		[['run', 'no/such/file.json'], /^xcalltop: no\/such\/file\.json: no such file\n$/],
	];
	for (const [args, pattern] of cases) {
		const r = runCli(args);
		assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
		assert.match(r.stderr, pattern);
		assert.equal(r.stderr.trim().split('\n').length, 1);
		assert.equal(r.stdout, '');
	}
});

test('the monitor without a terminal points to xcalltop run and exits 2', () => {
	const r = runCli(['demo']);
	assert.equal(r.status, 2);
	assert.equal(r.stderr, 'xcalltop: the monitor needs a terminal; for scripts and pipes use: xcalltop run demo\n');
	assert.equal(runCli(['demo', '--speed', '7']).stderr, 'xcalltop: --speed "7": expected one of 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, max\n');
});

test('a bad scenario file is reported with its path and the JSON path', () => {
	const dir = mkdtempSync(path.join(tmpdir(), 'xcalltop-'));
	const file = path.join(dir, 'broken.json');
	writeFileSync(file, JSON.stringify({description: 'x', cpus: 0}));
	const r = runCli(['run', file]);
	assert.equal(r.status, 2);
	assert.equal(r.stderr, `xcalltop: ${file}: $.cpus: expected number to be >=1, got 0\n`);
});

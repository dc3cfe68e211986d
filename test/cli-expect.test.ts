// --expect as a script relies on it: exit 1 and one line on stderr saying what happened
// instead, also when the kernel panicked.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {ROOT, runCli} from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'xcalltop-expect-'));

/** A shipped scenario with a watchdog set to panic, as a file of its own. */
function panicking(name: string, threshold: 'softlockupPanic' | 'hardlockupPanic'): string {
	const scenario = JSON.parse(readFileSync(path.join(ROOT, 'scenarios', `${name}.json`), 'utf8'));
	scenario.thresholds = {...scenario.thresholds, [threshold]: true};
	const file = path.join(dir, `${name}-${threshold}.json`);
	writeFileSync(file, JSON.stringify(scenario));
	return file;
}

test('a lockup followed by a watchdog panic is a lockup, and the line says both', () => {
	const file = panicking('ipi-irqs-off', 'hardlockupPanic');
	const met = runCli(['run', file, '--until', '30s', '--json', '--expect', 'lockup']);
	assert.equal(met.status, 0, met.stderr);
	assert.equal(JSON.parse(met.stdout).outcome, 'panic');
	assert.equal(met.stderr, '');
	const missed = runCli(['run', file, '--until', '30s', '--json', '--expect', 'no-lockup']);
	assert.equal(missed.status, 1);
	assert.equal(missed.stderr, 'xcalltop: expected no-lockup, got lockup of CPU0,CPU1 at 0.002404s, then panic "Watchdog detected hard LOCKUP on cpu 1"\n');
});

test('a panic without a lockup meets neither expectation', () => {
	const file = panicking('teardown-storm', 'softlockupPanic');
	const lockup = runCli(['run', file, '--quiet', '--expect', 'lockup']);
	assert.equal(lockup.status, 1);
	assert.equal(lockup.stderr, 'xcalltop: expected lockup, got panic "softlockup: hung tasks" without a lockup\n');
	const none = runCli(['run', file, '--quiet', '--expect', 'no-lockup']);
	assert.equal(none.status, 1);
	assert.equal(none.stderr, 'xcalltop: expected no-lockup, got panic "softlockup: hung tasks"\n');
});

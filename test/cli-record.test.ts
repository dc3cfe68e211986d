// --record never replaces a file unless --force says so, and creates nothing before the
// monitor runs.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import pty from '@lydell/node-pty';
import {checkRecordTarget, startRecording} from '../source/session/commands.js';
import {InputError, loadScenario} from '../source/scenario/load.js';
import {buildKernel} from '../source/scenario/machine.js';
import {CLI, ROOT, runCli} from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'xcalltop-record-'));
const EXISTING = 'not a session, and someone wants it kept\n';

test('--record of an existing file is refused at once, leaving it byte-identical', () => {
	const file = path.join(dir, 'existing.jsonl');
	writeFileSync(file, EXISTING);
	const r = runCli(['demo', '--record', file]);
	assert.equal(r.status, 2);
	assert.equal(r.stderr, `xcalltop: --record ${file}: file exists; use --force to replace it\n`);
	assert.equal(readFileSync(file, 'utf8'), EXISTING);
});

test('--record without a terminal creates no file', () => {
	const file = path.join(dir, 'new.jsonl');
	const r = runCli(['demo', '--record', file]);
	assert.equal(r.status, 2);
	assert.equal(r.stderr, 'xcalltop: the monitor needs a terminal; for scripts and pipes use: xcalltop run demo\n');
	assert.equal(existsSync(file), false);
	// --force changes nothing about when the file is written.
	writeFileSync(file, EXISTING);
	assert.equal(runCli(['demo', '--record', file, '--force']).status, 2);
	assert.equal(readFileSync(file, 'utf8'), EXISTING);
});

test('a file that appears between the check and the recording is not clobbered', () => {
	const file = path.join(dir, 'raced.jsonl');
	checkRecordTarget(file, false);
	writeFileSync(file, EXISTING);
	const loaded = loadScenario('demo');
	const options = {seed: 1, mitigated: false, speedIndex: undefined, paused: false, fps: undefined};
	assert.throws(() => startRecording(file, loaded, {...options, force: false}), (e: unknown) => e instanceof InputError && e.message === `--record ${file}: file exists; use --force to replace it`);
	assert.equal(readFileSync(file, 'utf8'), EXISTING);
	startRecording(file, loaded, {...options, force: true}).end(buildKernel(loaded));
	assert.match(readFileSync(file, 'utf8'), /^\{"xcalltop-session":1,/);
});

test('--record --force in a terminal replaces the file with the session', async () => {
	const file = path.join(dir, 'forced.jsonl');
	writeFileSync(file, EXISTING);
	const p = pty.spawn(process.execPath, [CLI, 'demo', '--record', file, '--force'], {cols: 100, rows: 30, cwd: ROOT, env: {...process.env, CI: 'false'}});
	const exited = new Promise<number>((r) => p.onExit(({exitCode}) => r(exitCode)));
	let screen = '';
	p.onData((d) => (screen += d));
	for (let i = 0; i < 200 && !screen.includes('Locks and wait-for'); i++) await new Promise((r) => setTimeout(r, 50));
	p.write('q');
	assert.equal(await exited, 0);
	const lines = readFileSync(file, 'utf8').trim().split('\n');
	assert.equal(JSON.parse(lines[0]!)['xcalltop-session'], 1);
	assert.equal(JSON.parse(lines.at(-1)!).end, true);
});

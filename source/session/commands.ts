// The session sub-commands behind the CLI: start a recording, replay headless, export.
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {formatRecord} from '../kernel/klog.js';
import {formatSummary, summarize} from '../kernel/summary.js';
import {expectMismatch, renderShow, type ShowItem} from '../headless/run.js';
import {InputError, PACKAGE_ROOT, type LoadedScenario} from '../scenario/load.js';
import {SPEED_ONE} from '../ui/speeds.js';
import {safeJson, safeLine} from '../terminal/safe-text.js';
import {checkExport} from './export-check.js';
import type {ExportOptions} from './export.js';
import {loadSession} from './load.js';
import {checkNotSame, checkTargetDirectory, checkTargetKind, codeOf, OutputError} from './output-file.js';
import {Recorder} from './recorder.js';
import {replayHeadless} from './replay.js';
import {reportError, warn} from '../terminal/report.js';

function programVersion(): string {
	const pkg = path.join(PACKAGE_ROOT, 'package.json');
	return (JSON.parse(readFileSync(pkg, 'utf8')) as {version: string}).version;
}

const fileExists = (file: string): string => `--record ${safeLine(file)}: file exists; use --force to replace it`;

/**
 * Checked before the monitor starts, so the person hears at once (only startRecording
 * creates the file): a name, a regular file or nothing at it, not the scenario being
 * recorded (given as a path, or a shipped one), nothing there unless --force, and a
 * directory where the file can be created.
 */
export function checkRecordTarget(file: string, force: boolean, scenarioFile?: string): void {
	checkTargetKind('--record', file, '--record');
	if (scenarioFile !== undefined) checkNotSame('--record', file, 'the scenario', scenarioFile, 'recording would overwrite it');
	if (!force && existsSync(file)) throw new InputError(fileExists(file));
	checkTargetDirectory('--record', file);
}

/**
 * Opens the recording and writes its header. Refusals are usage errors (exit 2); a file
 * that cannot be created or a header that cannot be written (a full disk) is an
 * OutputError (exit 1), and then no file is left behind (with --force, the old one stays).
 */
export function startRecording(file: string, loaded: LoadedScenario, o: {seed: number; mitigated: boolean; speedIndex: number | undefined; paused: boolean; fps: number | undefined; force: boolean}): Recorder {
	const header = {
		version: programVersion(),
		scenario: {name: loaded.scenario.name, content: loaded.text},
		seed: o.seed,
		options: {mitigated: o.mitigated, speedIndex: o.speedIndex ?? SPEED_ONE, paused: o.paused, fps: o.fps ?? 5},
		terminal: {cols: process.stdout.columns || 80, rows: process.stdout.rows || 24},
	};
	// Again: the monitor may have started well after the first check.
	checkTargetKind('--record', file, '--record');
	checkNotSame('--record', file, 'the scenario', loaded.file, 'recording would overwrite it');
	try {
		return new Recorder(file, header, o.force);
	} catch (error) {
		const code = codeOf(error);
		if (code === 'EEXIST') throw new InputError(fileExists(file));
		throw new OutputError('--record', file, code);
	}
}

/** `run --session FILE`: the replay's kernel log, then what run prints, then the hash and --expect checks. */
export function runSession(file: string, opts: {json: boolean; quiet: boolean; show: ShowItem[] | undefined; until: number | undefined; expect?: 'lockup' | 'no-lockup' | undefined}, write: (text: string) => void): number {
	const session = loadSession(file);
	if (session.warning) warn(session.warning);
	const {kernel, diverged} = replayHeadless(session, opts.until);
	const summary = summarize(kernel);
	if (opts.json) write(safeJson({...summary, session: session.file}) + '\n');
	else {
		if (!opts.quiet) write(kernel.log.since(0).records.map((r) => formatRecord(r) + '\n').join(''));
		write(`${renderShow(kernel, opts.show)}--- summary (replay of ${safeLine(session.file)})\n${formatSummary(summary)}\n`);
	}
	const mismatch = opts.expect === undefined ? undefined : expectMismatch(opts.expect, summary);
	if (diverged) reportError(`${session.file}: ${diverged}`);
	if (mismatch) reportError(`${session.file}: ${mismatch}`);
	return diverged || mismatch ? 1 : 0;
}

export async function exportCommand(file: string, opts: ExportOptions, write: (text: string) => void): Promise<number> {
	const session = loadSession(file);
	if (session.warning) warn(session.warning);
	let r;
	try {
		// Refusals first, before the renderer (Ink) is even loaded.
		checkExport(session, opts);
		const {exportSession} = await import('./export.js');
		r = await exportSession(session, opts);
	} catch (error) {
		if (!(error instanceof OutputError)) throw error;
		reportError(error.message);
		return 1;
	}
	// Written all the same: the outputs show what this version replays, and the warning says it is not what was recorded.
	if (r.diverged) warn(`${session.file}: ${r.diverged}; the outputs show this replay, not necessarily what was recorded`);
	const outputs = [opts.cast, opts.txt]
		.filter((f) => f !== undefined)
		.map((f) => safeLine(f))
		.join(' and ');
	write(`wrote ${outputs}: ${r.frames} frames, ${r.markers} markers, ${r.castDuration.toFixed(1)} s (${r.duration.toFixed(3)} s of virtual time)\n`);
	return 0;
}

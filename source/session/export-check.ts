// What export can find wrong before it renders (which takes seconds, and loads Ink): kept
// apart from export.tsx so that a refusal is quick.
import {InputError} from '../scenario/load.js';
import {safeLine} from '../terminal/safe-text.js';
import {MIN_COLS, MIN_ROWS} from '../ui/layout.js';
import type {LoadedSession} from './load.js';
import {checkNotSame, checkTargetDirectory, checkTargetKind} from './output-file.js';

/** The options of an export that name its outputs and its size. */
export interface ExportTargets {
	readonly cast?: string | undefined;
	readonly txt?: string | undefined;
	readonly cols?: number | undefined;
	readonly rows?: number | undefined;
}

/** The largest terminal export renders, either way (the --cols and --rows limits). */
export const MAX_SIZE = 500;

/**
 * Everything that can be known wrong before rendering, which takes seconds: an empty name,
 * something other than a regular file at a target, an output that is the session itself or
 * the other output, a terminal size export does not render, a directory where no file can be
 * created. Export replaces an existing regular file at a target (a re-export is the usual
 * case), but never its input.
 */
export function checkExport(session: LoadedSession, opts: ExportTargets): {cols: number; rows: number} {
	const targets: (readonly [flag: string, file: string])[] = [];
	if (opts.cast !== undefined) targets.push(['--cast', opts.cast]);
	if (opts.txt !== undefined) targets.push(['--txt', opts.txt]);
	for (const [flag, file] of targets) checkTargetKind(flag, file, 'export');
	for (const [flag, file] of targets) checkNotSame(flag, file, 'the session', session.file, 'export would overwrite its input');
	if (opts.cast !== undefined && opts.txt !== undefined) checkNotSame('--txt', opts.txt, '--cast', opts.cast, 'give each output its own file');
	const size = {cols: opts.cols ?? session.header.terminal.cols, rows: opts.rows ?? session.header.terminal.rows};
	const limits = {cols: MIN_COLS, rows: MIN_ROWS} as const;
	const outside = (['cols', 'rows'] as const).filter((d) => !(size[d] >= limits[d] && size[d] <= MAX_SIZE));
	if (outside.some((d) => opts[d] !== undefined)) throw new RangeError(`terminal size ${size.cols}x${size.rows} is outside ${MIN_COLS}-${MAX_SIZE} columns and ${MIN_ROWS}-${MAX_SIZE} rows`);
	if (outside.length > 0) {
		const t = session.header.terminal;
		throw new InputError(
			`${safeLine(session.file)}: line 1: the recorded terminal is ${t.cols}x${t.rows}, outside what export renders (${MIN_COLS}-${MAX_SIZE} columns, ${MIN_ROWS}-${MAX_SIZE} rows); choose the size with ${outside.map((d) => `--${d} N`).join(' and ')}`,
		);
	}
	for (const [flag, file] of targets) checkTargetDirectory(flag, file);
	return size;
}

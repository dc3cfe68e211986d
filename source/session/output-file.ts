// Files xcalltop writes (export's --cast and --txt, the monitor's --record) are regular files
// it creates itself. What a name given on the command line may point at instead — a FIFO
// (opening it for writing waits for a reader), a device node (as root, a rename would put a
// regular file in place of /dev/full), a symbolic link, a socket, a directory — is refused
// before anything is written, and so is a name that is the same file as one of the inputs.
// export writes through temporary files created beside their targets, then renames them,
// so neither output appears unless both were written, and no temporary file is left behind.
import {accessSync, closeSync, constants, copyFileSync, fsyncSync, linkSync, lstatSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync, type Stats} from 'node:fs';
import {randomBytes} from 'node:crypto';
import path from 'node:path';
import {InputError} from '../scenario/load.js';
import {whatIs} from '../input-file.js';
import {safeLine} from '../terminal/safe-text.js';

/** An output file that could not be written; the message names the flag and the file as given. */
export class OutputError extends Error {
	constructor(
		readonly flag: string,
		readonly file: string,
		code: string,
		also = '',
	) {
		super(`${flag} ${safeLine(file)}: cannot write: ${code}${also}`);
		this.name = 'OutputError';
	}
}

export const codeOf = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));


/**
 * A write past a file-size limit (ulimit -f) raises SIGXFSZ, which kills the process before
 * the write can fail: no message, and a temporary file left. With the signal handled the
 * write fails with EFBIG instead, and is cleaned up and reported like a full disk.
 */
export function failWritesPastSizeLimit(): void {
	if (process.platform !== 'win32' && process.listenerCount('SIGXFSZ') === 0) process.on('SIGXFSZ', () => {});
}

/** stat (following links) or lstat, undefined when nothing is there or a parent is no directory. */
function statOrNothing(file: string, follow: boolean): Stats | undefined {
	try {
		return follow ? statSync(file) : lstatSync(file);
	} catch (error) {
		const code = codeOf(error);
		if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
		throw error;
	}
}

const lstatOrNothing = (file: string): Stats | undefined => statOrNothing(file, false);

/**
 * Refuses an empty name and a name at which something other than a regular file exists
 * (a symbolic link too, even to a regular file: the link would be replaced, not followed).
 * `writer` says who writes only regular files ("export", "--record").
 */
export function checkTargetKind(flag: string, file: string, writer: string): void {
	if (file === '') throw new InputError(`${flag} needs a file name, got an empty one`);
	let stats: Stats | undefined;
	try {
		stats = lstatOrNothing(file);
	} catch (error) {
		// A name too long, a directory on the way that may not be searched: nothing can be written there.
		throw new OutputError(flag, file, codeOf(error));
	}
	if (stats && !stats.isFile()) throw new InputError(`${flag} ${safeLine(file)}: is ${whatIs(stats)}; ${writer} writes only regular files`);
}

/** Checks that files can be created in the target's directory, before any work is done. */
export function checkTargetDirectory(flag: string, file: string): void {
	const dir = path.dirname(file);
	try {
		if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), {code: 'ENOTDIR'});
		accessSync(dir, constants.W_OK | constants.X_OK);
	} catch (error) {
		throw new OutputError(flag, file, codeOf(error));
	}
}

/** The file's own path with every symbolic link resolved; for a file not there yet, its directory's. */
function resolved(file: string): string {
	try {
		return realpathSync(file);
	} catch {
		try {
			return path.join(realpathSync(path.dirname(file)), path.basename(file));
		} catch {
			return path.resolve(file);
		}
	}
}

/**
 * Whether two names are one file: the same device and inode when both exist (so `./s.jsonl`,
 * a symbolic link to it and a hard link all count), else the same resolved path.
 */
export function sameFile(a: string, b: string): boolean {
	const stat = (file: string): Stats | undefined => {
		try {
			return statOrNothing(file, true);
		} catch {
			// Not to be looked at (a link loop, a name too long): compared by path.
			return undefined;
		}
	};
	const sa = stat(a);
	const sb = stat(b);
	if (sa && sb) return sa.dev === sb.dev && sa.ino === sb.ino;
	return resolved(a) === resolved(b);
}

/** Refuses an output that is the same file as an input (`what` names it: "the session", "--cast"). */
export function checkNotSame(flag: string, file: string, what: string, other: string, consequence: string): void {
	if (!sameFile(file, other)) return;
	throw new InputError(`${flag} ${safeLine(file)}: the same file as ${what}${file === other ? '' : ` ${safeLine(other)}`}; ${consequence}`);
}

/** A name beside `file` that nothing uses yet: `.NAME.PID.RANDOM.SUFFIX`, the name cut so the whole stays short. */
export function besideName(file: string, suffix: string): string {
	return path.join(path.dirname(file), `.${path.basename(file).slice(0, 100)}.${process.pid}.${randomBytes(4).toString('hex')}.${suffix}`);
}

/** The file-system calls writeAll makes; tests replace some to fail on purpose. */
export interface OutputFs {
	readonly openSync: typeof openSync;
	readonly writeSync: (fd: number, buffer: Uint8Array, offset: number, length: number, position: number) => number;
	readonly fsyncSync: typeof fsyncSync;
	readonly closeSync: typeof closeSync;
	readonly renameSync: typeof renameSync;
	readonly linkSync: typeof linkSync;
	readonly copyFileSync: typeof copyFileSync;
	readonly unlinkSync: typeof unlinkSync;
}

const REAL_FS: OutputFs = {openSync, writeSync, fsyncSync, closeSync, renameSync, linkSync, copyFileSync, unlinkSync};

/** Writes all of `data` at `position` onward (a write may take only part of it, as at a file-size limit). */
export function writeFully(fs: Pick<OutputFs, 'writeSync'>, fd: number, data: Uint8Array, position: number): void {
	for (let done = 0; done < data.length; ) {
		const n = fs.writeSync(fd, data, done, data.length - done, position + done);
		if (n <= 0) throw Object.assign(new Error('short write'), {code: 'EIO'});
		done += n;
	}
}

/** Runs a clean-up step whose failure must not hide the error being reported. */
function quietly(step: () => void): void {
	try {
		step();
	} catch {
		// The error that led here is the one to report.
	}
}

/** Creates `file`'s temporary sibling exclusively (never an existing file, never through a link) and writes `text` to it. */
function writeTemp(fs: OutputFs, file: string, text: string): string {
	let tmp = besideName(file, 'tmp');
	let fd: number;
	for (let attempt = 0; ; attempt++) {
		try {
			fd = fs.openSync(tmp, 'wx', 0o666);
			break;
		} catch (error) {
			if (codeOf(error) !== 'EEXIST' || attempt >= 5) throw error;
			tmp = besideName(file, 'tmp');
		}
	}
	try {
		writeFully(fs, fd, Buffer.from(text), 0);
		fs.fsyncSync(fd);
	} catch (error) {
		quietly(() => fs.closeSync(fd));
		quietly(() => fs.unlinkSync(tmp));
		throw error;
	}
	try {
		fs.closeSync(fd);
	} catch (error) {
		quietly(() => fs.unlinkSync(tmp));
		throw error;
	}
	return tmp;
}

export interface Output {
	/** The option that named it (`--cast`), for the error message. */
	readonly flag: string;
	readonly file: string;
	readonly text: string;
}

/**
 * Writes every output through a temporary file beside it, then renames them all: none
 * appears unless all could be written. Whatever fails — creating or writing a temporary
 * file, a target that is no longer a regular file, a rename — every temporary file is
 * removed and the targets are as they were before:
 * - A target that did not exist is removed again if a later rename fails.
 * - An existing target (a regular file: writeAll replaces it, as `cp` or a shell's `>`
 *   would) that a later rename could still undo is first hard-linked aside (copied where
 *   the file system has no hard links); when a later rename fails, the old file is renamed
 *   back into place. Only if that rename back fails too does the message say where the old
 *   file was left.
 * Not guaranteed: a kill -9 between the renames leaves the earlier output new and the
 * later one old (and its temporary file behind); a target that becomes a FIFO or a link
 * between the last check and the rename is replaced (no portable rename refuses that).
 */
export function writeAll(outputs: readonly Output[], fs: OutputFs = REAL_FS): void {
	failWritesPastSizeLimit();
	const temps: (string | undefined)[] = [];
	const asides: (string | undefined)[] = [];
	const placed: number[] = [];
	let current: Output | undefined;
	try {
		for (const o of outputs) {
			current = o;
			temps.push(writeTemp(fs, o.file, o.text));
		}
		// Checked again just before renaming: the checks before rendering were seconds ago.
		outputs.forEach((o) => checkTargetKind(o.flag, o.file, 'export'));
		// Every target but the last, if it exists, is linked aside so a failed rename after it can put it back.
		outputs.slice(0, -1).forEach((o, i) => {
			current = o;
			if (!lstatOrNothing(o.file)) return;
			const aside = besideName(o.file, 'old');
			try {
				fs.linkSync(o.file, aside);
			} catch {
				fs.copyFileSync(o.file, aside, constants.COPYFILE_EXCL);
			}
			asides[i] = aside;
		});
		outputs.forEach((o, i) => {
			current = o;
			fs.renameSync(temps[i]!, o.file);
			temps[i] = undefined;
			placed.push(i);
		});
		current = undefined;
	} catch (error) {
		const undone = undo(fs, outputs, placed, asides);
		if (error instanceof InputError || current === undefined) throw error;
		throw new OutputError(current.flag, current.file, codeOf(error), undone);
	} finally {
		// A failure here (the directory became unwritable) leaves nothing more to try.
		for (const t of [...temps, ...asides]) if (t !== undefined) quietly(() => fs.unlinkSync(t));
	}
}

/** Puts the renamed targets back as they were; returns what could not be undone, for the message. */
function undo(fs: OutputFs, outputs: readonly Output[], placed: readonly number[], asides: (string | undefined)[]): string {
	let also = '';
	for (const i of [...placed].reverse()) {
		const o = outputs[i]!;
		const aside = asides[i];
		try {
			if (aside === undefined) fs.unlinkSync(o.file);
			else {
				fs.renameSync(aside, o.file);
				asides[i] = undefined;
			}
		} catch (error) {
			if (aside === undefined) also += `; ${o.flag} ${safeLine(o.file)} was written and could not be removed again (${codeOf(error)})`;
			else {
				also += `; ${o.flag} ${safeLine(o.file)} was replaced and could not be put back (${codeOf(error)}): the old file is ${safeLine(aside)}`;
				// Kept: it is the only copy of the old file.
				asides[i] = undefined;
			}
		}
	}
	return also;
}

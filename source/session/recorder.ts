// Writes a session while the monitor runs. Each line is written with a synchronous write
// to the file descriptor as it happens: a crash or a kill -9 of xcalltop loses nothing
// before the last complete line. A write that fails (a full disk, a file-size limit) stops
// the recording: the file is cut back to its last complete line, so what was recorded so
// far still loads and replays, and the failure is kept for the monitor to report once the
// terminal is back. Nothing the recorder does after it started throws.
import {closeSync, ftruncateSync, openSync, renameSync, unlinkSync, writeSync} from 'node:fs';
import {performance} from 'node:perf_hooks';
import type {Kernel} from '../kernel/kernel.js';
import {safeLine} from '../terminal/safe-text.js';
import type {CommandRecord} from '../ui/controller.js';
import {SESSION_FORMAT, type CommandLine, type EndLine, type SessionHeader} from './format.js';
import {besideName, codeOf, failWritesPastSizeLimit, writeFully} from './output-file.js';

/** Why the recording stopped before its end. */
export interface RecordFailure {
	/** The line (1-based; the header is line 1) that could not be written. */
	readonly line: number;
	readonly code: string;
	/** Set when cutting the file back to its complete lines failed too. */
	readonly truncateCode: string | undefined;
}

export class Recorder {
	private fd: number | undefined;
	private readonly start = performance.now();
	/** Bytes and lines written in full. */
	private bytes = 0;
	private lines = 0;
	private stopped: RecordFailure | undefined;
	/** Called once, when a write fails (the monitor puts it on the status line). */
	onFailure: ((failure: RecordFailure) => void) | undefined;

	/**
	 * Creates the file and writes the header, or throws and leaves no file behind. Without
	 * `replace` the file is created exclusively, so a file that appeared after the CLI
	 * checked is not clobbered. With it, the header goes to a temporary file beside the
	 * target that is then renamed over it, so an old file is only replaced once the new
	 * one has its header.
	 */
	constructor(
		readonly file: string,
		header: Omit<SessionHeader, 'xcalltop-session'>,
		replace = false,
	) {
		failWritesPastSizeLimit();
		const target = replace ? besideName(file, 'tmp') : file;
		const fd = openSync(target, 'wx');
		try {
			this.fd = fd;
			this.append({'xcalltop-session': SESSION_FORMAT, ...header});
			if (replace) renameSync(target, file);
		} catch (error) {
			this.fd = undefined;
			for (const step of [() => closeSync(fd), () => unlinkSync(target)]) {
				try {
					step();
				} catch {
					// The write error is the one to report.
				}
			}
			throw error;
		}
	}

	/** The failure that stopped the recording, if one did. */
	get failure(): RecordFailure | undefined {
		return this.stopped;
	}

	/** Writes one line in full at the end of the complete ones, or throws. */
	private append(line: object): void {
		const data = Buffer.from(JSON.stringify(line) + '\n');
		writeFully({writeSync}, this.fd!, data, this.bytes);
		this.bytes += data.length;
		this.lines++;
	}

	/** Writes a line; on failure stops the recording, cut back to its complete lines. */
	private write(line: object): void {
		if (this.fd === undefined) return;
		try {
			this.append(line);
		} catch (error) {
			const fd = this.fd;
			this.fd = undefined;
			let truncateCode: string | undefined;
			try {
				ftruncateSync(fd, this.bytes);
			} catch (truncateError) {
				truncateCode = codeOf(truncateError);
			}
			try {
				closeSync(fd);
			} catch {
				// The descriptor is gone either way.
			}
			this.stopped = {line: this.lines + 1, code: codeOf(error), truncateCode};
			this.onFailure?.(this.stopped);
		}
	}

	private wall(): number {
		return Math.round(performance.now() - this.start);
	}

	command(record: CommandRecord): void {
		const line: CommandLine = {at: record.at, wall: this.wall(), command: record.command, ...(record.arg === undefined ? {} : {arg: record.arg})};
		this.write(line);
	}

	/** The last line: where the session ended and the event-log hash there. */
	end(kernel: Kernel): void {
		if (this.fd === undefined) return;
		const line: EndLine = {at: kernel.now, wall: this.wall(), end: true, hash: kernel.eventHash, events: kernel.events};
		this.write(line);
		if (this.fd === undefined) return;
		const fd = this.fd;
		this.fd = undefined;
		try {
			closeSync(fd);
		} catch {
			// Every line was written in full; a close error loses nothing more.
		}
	}

	/** The failure in one line (without the `xcalltop: ` prefix), or undefined. */
	/** What went wrong and what the file holds, for stderr once the terminal is back. */
	failureMessage(): string | undefined {
		const what = this.statusMessage();
		return what === undefined ? undefined : `--record ${safeLine(this.file)}: ${what}`;
	}

	/** The same, for the status line while the monitor goes on. */
	statusMessage(): string | undefined {
		const f = this.stopped;
		if (!f) return undefined;
		const kept = f.line - 1;
		const what = `${kept} complete line${kept === 1 ? '' : 's'} before it`;
		const cut = f.truncateCode === undefined ? `the file keeps the ${what}` : `the file keeps the ${what}, then part of line ${f.line} (cutting it off failed: ${f.truncateCode})`;
		return `recording stopped: line ${f.line} could not be written (${f.code}); ${cut}`;
	}
}

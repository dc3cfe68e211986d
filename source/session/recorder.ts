// Writes a session while the monitor runs. Each line is written with a synchronous write
// to the file descriptor as it happens: a crash or a kill -9 of xcalltop loses nothing
// before the last complete line.
import {closeSync, openSync, writeSync} from 'node:fs';
import {performance} from 'node:perf_hooks';
import type {Kernel} from '../kernel/kernel.js';
import type {CommandRecord} from '../ui/controller.js';
import {SESSION_FORMAT, type CommandLine, type EndLine, type SessionHeader} from './format.js';

export class Recorder {
	private readonly fd: number;
	private readonly start = performance.now();
	private closed = false;

	constructor(
		readonly file: string,
		header: Omit<SessionHeader, 'xcalltop-session'>,
		replace = false,
	) {
		// Exclusive unless asked to replace: a file that appeared after the CLI checked is
		// still not clobbered.
		this.fd = openSync(file, replace ? 'w' : 'wx');
		this.write({'xcalltop-session': SESSION_FORMAT, ...header});
	}

	private write(line: object): void {
		writeSync(this.fd, JSON.stringify(line) + '\n');
	}

	private wall(): number {
		return Math.round(performance.now() - this.start);
	}

	command(record: CommandRecord): void {
		if (this.closed) return;
		const line: CommandLine = {at: record.at, wall: this.wall(), command: record.command, ...(record.arg === undefined ? {} : {arg: record.arg})};
		this.write(line);
	}

	/** The last line: where the session ended and the event-log hash there. */
	end(kernel: Kernel): void {
		if (this.closed) return;
		const line: EndLine = {at: kernel.now, wall: this.wall(), end: true, hash: kernel.eventHash, events: kernel.events};
		this.write(line);
		closeSync(this.fd);
		this.closed = true;
	}
}

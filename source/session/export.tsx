// `xcalltop export`: a session rendered headless into an asciicast v2 file. Frames are taken
// at `fps` per second of the session's virtual time; an "o" event is written when the
// screen changed, an "m" marker at every command and every kernel warning. Nothing comes
// from the wall clock, so exporting the same session twice gives the same bytes.
import {EventEmitter} from 'node:events';
import {renameSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {stripVTControlCharacters} from 'node:util';
import {render} from 'ink';
import {App} from '../ui/App.js';
import {isEnd} from './format.js';
import type {LoadedSession} from './load.js';
import {advanceTo, applyLine, sessionController, sessionKernel} from './replay.js';

export interface ExportOptions {
	readonly cast?: string | undefined;
	readonly txt?: string | undefined;
	readonly cols?: number | undefined;
	readonly rows?: number | undefined;
	readonly fps?: number | undefined;
}

/** Kernel messages that get a marker: the heads of warnings, stalls, lockups, BUGs and panics. */
const WARNING = /^(INFO: |BUG: |WARNING|Watchdog detected|Kernel panic|rcu: INFO|watchdog: BUG|NMI watchdog|\[ INFO: suspicious|__schedule_bug)/;

/** Captures what Ink writes, as a terminal of a fixed size would receive it. */
class Capture extends EventEmitter {
	readonly isTTY = true;
	last = '';
	constructor(
		readonly columns: number,
		readonly rows: number,
	) {
		super();
	}

	write(data: string): boolean {
		this.last = data;
		return true;
	}
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Writes `text` to `file` through a temporary file, so no half-written file is ever left. */
function writeAtomically(file: string, text: string): void {
	const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
	writeFileSync(tmp, text);
	renameSync(tmp, file);
}

export async function exportSession(session: LoadedSession, opts: ExportOptions): Promise<{frames: number; markers: number; duration: number}> {
	const cols = opts.cols ?? session.header.terminal.cols;
	const rows = opts.rows ?? session.header.terminal.rows;
	const fps = opts.fps ?? 10;
	const kernel = sessionKernel(session);
	const controller = sessionController(session, kernel);
	const out = new Capture(cols, rows);
	const stdin = Object.assign(new EventEmitter(), {isTTY: false, setRawMode() {}, setEncoding() {}, read: () => null, ref() {}, unref() {}});
	const color = opts.cast !== undefined;
	const instance = render(<App controller={controller} cols={cols} rows={rows} theme={{color}} />, {
		stdout: out as unknown as NodeJS.WriteStream,
		stdin: stdin as unknown as NodeJS.ReadStream,
		debug: true,
		patchConsole: false,
		exitOnCtrlC: false,
	});
	const events: [number, 'o' | 'm', string][] = [];
	const lines = session.lines;
	const endAt = lines.at(-1)?.at ?? 0;
	const step = Math.round(1e9 / fps);
	let next = 0;
	let logSeen = 0;
	let previous = '';
	// One marker per kernel message: its first line that says what happened (a WARN splat
	// starts with its "cut here" rule, so that is not always the first line).
	let marked = true;
	const markWarnings = (): void => {
		const {records} = kernel.log.since(logSeen);
		logSeen = kernel.log.nextSequence;
		for (const r of records) {
			if (r.head) marked = false;
			if (!marked && WARNING.test(r.text)) {
				events.push([r.ns, 'm', r.text.slice(0, 72)]);
				marked = true;
			}
		}
	};
	for (let t = 0; ; t = Math.min(t + step, endAt)) {
		while (next < lines.length && lines[next]!.at <= t) {
			const line = lines[next++]!;
			if (isEnd(line)) {
				advanceTo(kernel, line.at);
				continue;
			}
			applyLine(controller, line);
			markWarnings();
			events.push([line.at, 'm', line.command + (line.arg === undefined ? '' : `:${line.arg}`)]);
		}
		advanceTo(kernel, t);
		markWarnings();
		controller.refresh();
		await settle();
		const frame = out.last;
		if (frame !== previous) {
			events.push([t, 'o', '\u001B[H\u001B[2J' + frame.replace(/\n$/, '').replaceAll('\n', '\r\n')]);
			previous = frame;
		}
		if (t >= endAt) break;
	}
	instance.unmount();
	// Markers at their own times, output in order; a stable sort keeps same-time order.
	events.sort((a, b) => a[0] - b[0]);
	const header = {version: 2, width: cols, height: rows, title: `xcalltop ${session.header.scenario.name} (${path.basename(session.file)})`, env: {TERM: 'xterm-256color', SHELL: '/bin/sh'}};
	const body = events.map(([ns, code, data]) => JSON.stringify([Number((ns / 1e9).toFixed(6)), code, data])).join('\n');
	if (opts.cast) writeAtomically(opts.cast, JSON.stringify(header) + '\n' + body + '\n');
	if (opts.txt) writeAtomically(opts.txt, stripVTControlCharacters(previous).replace(/ +$/gm, '').replace(/\n*$/, '\n'));
	return {frames: events.filter((e) => e[1] === 'o').length, markers: events.filter((e) => e[1] === 'm').length, duration: endAt / 1e9};
}

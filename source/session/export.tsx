// `xcalltop export`: a session rendered headless into an asciicast v2 file that plays like
// the session did. With wall pacing (the default) the cast's clock is the recorded wall
// clock: commands at their wall stamps, virtual time moving linearly between them as it did
// on the screen (replay's virtualAt), a frame every 1/fps s and after every command, and
// pauses kept up to the idle limit. With virtual pacing a second of cast is a second of
// virtual time. Markers name commands and kernel warnings in words; frames are written as
// the lines that changed. Nothing comes from the wall clock of the export itself, so
// exporting the same session twice gives the same bytes.
import path from 'node:path';
import {stripVTControlCharacters} from 'node:util';
import {renderOffscreen, settle} from '../ui/offscreen.js';
import {App} from '../ui/App.js';
import {commandLabel, encodeFrame, finishEvents, marksCommand, warningLabel, wallAt, writeAll, type CastEvent, type Output} from './cast.js';
import {isEnd} from './format.js';
import {safeJson, safeLine} from '../terminal/safe-text.js';
import type {LoadedSession} from './load.js';
import {checkExport} from './export-check.js';
import {advanceTo, applyLine, divergence, sessionController, sessionKernel, virtualAt, type Stamp} from './replay.js';

export {OutputError} from './cast.js';

export interface ExportOptions {
	readonly cast?: string | undefined;
	readonly txt?: string | undefined;
	readonly cols?: number | undefined;
	readonly rows?: number | undefined;
	/** Frames per second of the cast's clock (default 10). */
	readonly fps?: number | undefined;
	/** 'wall' (default): the recorded wall-clock pace; 'virtual': a cast second per virtual second. */
	readonly pacing?: 'wall' | 'virtual' | undefined;
	/** The longest gap between two events, seconds, like asciinema's idle_time_limit (default 2; 0: none). */
	readonly idleLimit?: number | undefined;
}

export interface ExportResult {
	/** "o" events written. */
	readonly frames: number;
	readonly markers: number;
	/** Virtual seconds the session covers. */
	readonly duration: number;
	/** Seconds the cast plays for, after the idle limit. */
	readonly castDuration: number;
	/** Set when the replay's event-log hash at the end line differs from the recorded one (the outputs are written all the same). */
	readonly diverged: string | undefined;
}

/** At most this much virtual time between two reads of the kernel log, so its ring never overruns unread. */
const LOG_READ_NS = 250_000_000;

export async function exportSession(session: LoadedSession, opts: ExportOptions): Promise<ExportResult> {
	const {cols, rows} = checkExport(session, opts);
	const fps = opts.fps ?? 10;
	const pacing = opts.pacing ?? 'wall';
	const idleLimit = opts.idleLimit ?? 2;
	if (!(fps > 0 && Number.isFinite(fps))) throw new RangeError(`fps must be a positive number, got ${fps}`);
	if (!(idleLimit >= 0 && Number.isFinite(idleLimit))) throw new RangeError(`idleLimit must be 0 or more seconds, got ${idleLimit}`);
	// The cast's clock in ms: the recorded wall stamps, or virtual time itself.
	const stamp = (line: Stamp): Stamp => (pacing === 'wall' ? {at: line.at, wall: line.wall} : {at: line.at, wall: line.at / 1e6});
	let position = 0;
	const kernel = sessionKernel(session);
	// The controller's clock is the cast's: a status-line message lasts as long as it did on the screen.
	const controller = sessionController(session, kernel, () => position);
	const color = opts.cast !== undefined;
	const {instance, out} = renderOffscreen(<App controller={controller} cols={cols} rows={rows} theme={{color}} />, cols, rows);

	const events: (CastEvent & {warning?: boolean})[] = [];
	let shown: string[] | undefined;
	const frame = async (ms: number): Promise<void> => {
		controller.refresh();
		await settle();
		// What a terminal of `rows` rows would show: the last rows lines.
		const lines = out.last.replace(/\n$/, '').split('\n').slice(-rows);
		const data = encodeFrame(shown, lines, cols);
		if (data !== '') events.push([ms, 'o', data]);
		shown = lines;
	};

	// Kernel warnings: a message is its head record and the records after it; its marker is
	// labelled once the next head shows it is complete, at the cast time of its head.
	let logSeen = 0;
	let message: {ms: number; lines: string[]} | undefined;
	const flushMessage = (): void => {
		const label = message && warningLabel(message.lines);
		if (label !== undefined) events.push(Object.assign([message!.ms, 'm', label] as CastEvent, {warning: true}));
		message = undefined;
	};
	const readLog = (castTime: (ns: number) => number): void => {
		const {records} = kernel.log.since(logSeen);
		logSeen = kernel.log.nextSequence;
		for (const r of records) {
			if (r.head) {
				flushMessage();
				message = {ms: castTime(r.ns), lines: []};
			}
			message?.lines.push(r.text);
		}
	};
	const advanceReading = (target: number, castTime: (ns: number) => number): void => {
		while (kernel.now < target) {
			advanceTo(kernel, Math.min(target, kernel.now + LOG_READ_NS));
			readLog(castTime);
		}
	};

	const step = 1000 / fps;
	let tick = 0;
	let prev: Stamp = {at: 0, wall: 0};
	let diverged: string | undefined;
	for (const line of session.lines) {
		const next = stamp(line);
		const between = (ns: number): number => wallAt(prev, next, ns);
		// Frames on the tick times before this line, with virtual time where the screen had it.
		for (; tick * step < next.wall; tick++) {
			position = tick * step;
			advanceReading(virtualAt(prev, next, position), between);
			await frame(position);
		}
		position = next.wall;
		advanceReading(line.at, between);
		if (isEnd(line)) diverged = divergence(kernel, line);
		else if (line.command !== 'quit') {
			// The recorded quit is where the person left; like a replay, the cast stays on that state.
			const before = controller.getView().message;
			applyLine(controller, line);
			readLog(() => next.wall);
			controller.refresh();
			if (marksCommand(line.command)) events.push([next.wall, 'm', commandLabel(line.command, before, controller.getView().message, controller)]);
		}
		// A frame after every command, so steps and key presses at one instant all show.
		await frame(next.wall);
		prev = next;
		while (tick * step <= next.wall) tick++;
	}
	// A session with no line after its header still shows its first screen.
	if (shown === undefined) await frame(0);
	flushMessage();
	instance.unmount();

	const cast = finishEvents(events, idleLimit * 1000);
	const header = {
		version: 2,
		width: cols,
		height: rows,
		// asciinema prints the title, and players show markers: from a file, so made safe.
		title: safeLine(`xcalltop ${session.header.scenario.name} (${path.basename(session.file)})`),
		env: {TERM: 'xterm-256color', SHELL: '/bin/sh'},
		...(idleLimit > 0 ? {idle_time_limit: idleLimit} : {}),
	};
	const body = cast.map(([ms, code, data]) => safeJson([Number((ms / 1e3).toFixed(6)), code, code === 'm' ? safeLine(data) : data]) + '\n').join('');
	const outputs: Output[] = [];
	if (opts.cast !== undefined) outputs.push({flag: '--cast', file: opts.cast, text: safeJson(header) + '\n' + body});
	if (opts.txt !== undefined) outputs.push({flag: '--txt', file: opts.txt, text: screenText(shown ?? [])});
	writeAll(outputs);
	return {
		frames: cast.filter((e) => e[1] === 'o').length,
		markers: cast.filter((e) => e[1] === 'm').length,
		duration: (session.lines.at(-1)?.at ?? 0) / 1e9,
		castDuration: (cast.at(-1)?.[0] ?? 0) / 1e3,
		diverged,
	};
}

/** The final screen as plain text: no escape sequences, no trailing blanks. */
function screenText(lines: readonly string[]): string {
	return stripVTControlCharacters(lines.join('\n')).replace(/ +$/gm, '').replace(/\n*$/, '\n');
}

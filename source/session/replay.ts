// Replaying a session: the same kernel (scenario text, seed, options from the header) and
// the same commands at the same virtual times, through the same controller. Exactness rule:
// the kernel is advanced to a command's time only when that time is later than its clock;
// at an equal time the command applies at once, because the original may have single-
// stepped part of that instant's events.
import type {Kernel} from '../kernel/kernel.js';
import {buildKernel} from '../scenario/machine.js';
import {Controller, EVENTS_PER_CALL, TICK_BUDGET_MS} from '../ui/controller.js';
import {performance} from 'node:perf_hooks';
import {isEnd, type CommandLine, type EndLine, type SessionLine} from './format.js';
import type {LoadedSession} from './load.js';

export function sessionKernel(session: LoadedSession): Kernel {
	return buildKernel(session.scenario, {seed: session.header.seed, mitigated: session.header.options.mitigated});
}

export function sessionController(session: LoadedSession, kernel: Kernel, clock: () => number = () => 0): Controller {
	const o = session.header.options;
	return new Controller(kernel, {clock, paused: o.paused, speedIndex: o.speedIndex, headless: true});
}

/** Advances to `at` only when it is later than the clock (see the rule above). */
export function advanceTo(kernel: Kernel, at: number): void {
	if (at > kernel.now) kernel.advance(at);
}

export function applyLine(controller: Controller, line: CommandLine): void {
	advanceTo(controller.kernel, line.at);
	controller.dispatch(line.command, line.arg);
}

export interface HeadlessReplay {
	readonly kernel: Kernel;
	readonly controller: Controller;
	readonly end: EndLine | undefined;
	/** Set when the replay's event-log hash differs from the one the session recorded. */
	readonly diverged: string | undefined;
}

/** Why a replay that reached the session's end line is not the recorded run, or undefined when its event-log hash matches. */
export function divergence(kernel: Kernel, end: EndLine): string | undefined {
	if (kernel.eventHash === end.hash) return undefined;
	return `replay diverged: event-log hash ${kernel.eventHash} after ${kernel.events} events, the session recorded ${end.hash} after ${end.events}`;
}

/** Replays every line (up to `until` virtual ns), headless. */
export function replayHeadless(session: LoadedSession, until?: number): HeadlessReplay {
	const kernel = sessionKernel(session);
	const controller = sessionController(session, kernel);
	let end: EndLine | undefined;
	for (const line of session.lines) {
		if (until !== undefined && line.at > until) break;
		if (isEnd(line)) {
			advanceTo(kernel, line.at);
			end = line;
			break;
		}
		applyLine(controller, line);
	}
	if (until !== undefined) advanceTo(kernel, until);
	const diverged = end && until === undefined ? divergence(kernel, end) : undefined;
	return {kernel, controller, end, diverged};
}

/** A recorded instant: virtual ns and wall ms since the start. */
export interface Stamp {
	readonly at: number;
	readonly wall: number;
}

/**
 * Where virtual time stands at wall position `wall` (ms, from `prev.wall` up to but not
 * including `upcoming.wall`): linear between the two recorded points, a pause keeps it still,
 * and it stays strictly below the upcoming command's time (it may have been applied mid-instant).
 */
export function virtualAt(prev: Stamp, upcoming: Stamp, wall: number): number {
	const span = upcoming.wall - prev.wall;
	const fraction = span > 0 ? (wall - prev.wall) / span : 0;
	return Math.min(upcoming.at - 1, Math.floor(prev.at + fraction * (upcoming.at - prev.at)));
}

/**
 * Plays a session in the monitor at its recorded pace: wall time since the start maps to
 * the recorded commands' wall stamps; between two commands virtual time moves linearly,
 * as it did while the person watched (a pause keeps it still).
 */
export class Player {
	/** Position in the session's wall time, ms. */
	position = 0;
	paused = false;
	speed = 1;
	private next = 0;
	/** A virtual time the kernel is on its way to; reached before anything else happens. */
	private pendingAt: number | undefined;

	constructor(
		readonly lines: readonly SessionLine[],
		readonly controller: Controller,
		readonly until: number | undefined,
		/** Wall ms: the playback gives the event loop its turn within a bounded time, as the live monitor does. */
		private readonly clock: () => number = () => performance.now(),
	) {}

	get done(): boolean {
		return this.next >= this.lines.length || (this.until !== undefined && this.controller.kernel.now >= this.until);
	}

	get progress(): string {
		const commands = this.lines.filter((l) => !isEnd(l)).length;
		const applied = this.lines.slice(0, this.next).filter((l) => !isEnd(l)).length;
		return `${applied}/${commands}`;
	}

	/** Moves the playback on by `dtWall` ms of wall time at the playback speed, working for at most `budgetMs`. */
	tick(dtWall: number, budgetMs = TICK_BUDGET_MS): void {
		if (this.paused || this.done) return;
		this.position += dtWall * this.speed;
		this.catchUp(budgetMs);
	}

	/** Applies the next command now (the step key during a replay). */
	step(): void {
		const line = this.lines[this.next];
		if (!line) return;
		this.position = Math.max(this.position, line.wall);
		this.catchUp();
	}

	/**
	 * Runs the kernel towards the pending time within the tick's wall budget. Remembered rather
	 * than recomputed from the clock: a partial advance can leave the clock at the pending time
	 * with events of that instant still to run.
	 */
	private reach(deadline: number): boolean {
		const k = this.controller.kernel;
		while (this.pendingAt !== undefined) {
			if (k.advance(this.pendingAt, EVENTS_PER_CALL)) this.pendingAt = undefined;
			else if (this.clock() >= deadline) return false;
		}
		return true;
	}

	/** The exactness rule of advanceTo, in bounded steps: false when the tick's time is up. */
	private advanceWithin(at: number, deadline: number): boolean {
		if (this.pendingAt === undefined && at > this.controller.kernel.now) this.pendingAt = at;
		return this.reach(deadline);
	}

	private catchUp(budgetMs = TICK_BUDGET_MS): void {
		const deadline = this.clock() + budgetMs;
		if (!this.reach(deadline)) return;
		while (this.next < this.lines.length) {
			const line = this.lines[this.next]!;
			if (line.wall > this.position) break;
			if (this.until !== undefined && line.at > this.until) {
				if (!this.advanceWithin(this.until, deadline)) return;
				this.next = this.lines.length;
				return;
			}
			if (!this.advanceWithin(line.at, deadline)) return;
			this.next++;
			// The recorded quit is where the person left; the replay stays open on that state.
			if (!isEnd(line) && line.command !== 'quit') this.controller.dispatch(line.command, line.arg);
		}
		const upcoming = this.lines[this.next];
		if (!upcoming) return;
		const prev = this.lines[this.next - 1] ?? {at: 0, wall: 0};
		let target = virtualAt(prev, upcoming, this.position);
		if (this.until !== undefined) target = Math.min(target, this.until);
		this.advanceWithin(target, deadline);
	}
}

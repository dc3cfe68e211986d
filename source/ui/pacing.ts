// Virtual time against the wall clock: each tick asks for the virtual time the wall time
// since the last tick stands for at the chosen speed, and the kernel is moved toward it in
// small slices for a wall budget (the rest of a frame's budget runs in more slices with the
// event loop in between, see pacer.ts). What a tick achieved is kept as the pace, which the
// header shows as "lagging" when the kernel could not keep up.
import type {Kernel} from '../kernel/kernel.js';
import {NS_PER_MS} from '../kernel/time.js';
import {SPEEDS} from './ui-state.js';

/** Events per kernel call between two looks at the wall clock: a few ms of work at most, so keys and signals get through whatever the scenario. */
export const EVENTS_PER_CALL = 20_000;

/**
 * Wall ms one tick may stand for: a stop of the process (Ctrl-Z, a debugger) does not turn
 * into a burst of virtual time when it goes on; at --fps 1 a tick is 1 s, and x1 keeps pace.
 */
export const MAX_TICK_WALL_MS = 2000;

/** How fast virtual time went over a whole tick, and the speed it was asked to go. */
export interface Pace {
	readonly effective: number;
	readonly speed: number;
}

export class Pacing {
	private lastWall: number | undefined;
	/** The virtual time the last tick asked for (undefined: nothing to do). */
	private target: number | undefined;
	private targetSpeed = 1;
	/** The wall time the target stands for. */
	private targetWallMs = 1;
	private tickedAt = 0;
	/** What the last whole tick achieved (undefined before the second tick, or when nothing was asked). */
	pace: Pace | undefined;

	constructor(
		private readonly kernel: Kernel,
		/** Wall clock in ms. */
		private readonly clock: () => number,
	) {}

	/** The next tick counts from itself (after a pause: the paused time is not made up). */
	restart(): void {
		this.lastWall = undefined;
	}

	/**
	 * Sets the next target from the wall time since the last tick and works toward it for at
	 * most `budgetMs`; whether it is still behind. `moving` is false while paused, or when
	 * something else moves virtual time (a replay).
	 */
	tick(speedIndex: number, moving: boolean, budgetMs: number): boolean {
		const wall = this.clock();
		const dtWall = this.lastWall === undefined ? 0 : Math.min(wall - this.lastWall, MAX_TICK_WALL_MS);
		this.lastWall = wall;
		const k = this.kernel;
		// How fast virtual time went for the last tick's wall time, its slices included.
		this.pace = this.target !== undefined ? {effective: (k.now - this.tickedAt) / (this.targetWallMs * NS_PER_MS), speed: this.targetSpeed} : undefined;
		this.target = undefined;
		this.tickedAt = k.now;
		if (!moving || dtWall <= 0 || k.panicked !== undefined) return false;
		const speed = SPEEDS[speedIndex]!;
		this.target = speed === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : k.now + Math.round(dtWall * speed * NS_PER_MS);
		this.targetSpeed = speed;
		this.targetWallMs = dtWall;
		return this.catchUp(speedIndex, budgetMs);
	}

	/** Goes on toward the last tick's target for at most `budgetMs` of wall time; whether it is still behind. */
	catchUp(speedIndex: number, budgetMs: number): boolean {
		const k = this.kernel;
		const target = this.target;
		if (target === undefined || k.panicked !== undefined) return false;
		// Small virtual slices, so the wall budget is checked often.
		const slice = SPEEDS[speedIndex]! >= 10 ? 10 * NS_PER_MS : NS_PER_MS;
		const deadline = this.clock() + budgetMs;
		while (k.now < target && this.clock() < deadline && k.panicked === undefined) k.advance(Math.min(target, k.now + slice), EVENTS_PER_CALL);
		return k.now < target && k.panicked === undefined;
	}
}

// When the monitor works: the kernel is paced every 50 ms (so keys and virtual time stay
// smooth), but a view is built and drawn only on every (20 / fps)-th tick, and only when
// something on it changed (Controller.publish). Ink lays out the whole screen for each view,
// which is where the CPU goes, so this is the CPU knob.

export const PACE_MS = 50;
export const DEFAULT_FPS = 5;

export class Pacer {
	/** A frame on every this many ticks. */
	readonly every: number;
	private ticks = 0;

	constructor(fps = DEFAULT_FPS) {
		this.every = Math.max(1, Math.round(1000 / PACE_MS / fps));
	}

	/** Called once per tick: whether this tick may draw a frame. */
	draws(): boolean {
		return this.ticks++ % this.every === 0;
	}
}

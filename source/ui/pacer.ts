// When the monitor works: once per frame (1000 / fps ms) the kernel is moved on by the wall
// time since the last frame, in slices with the event loop in between, and a view is built
// and drawn if something on it changed (Controller.publish). A key that feeds the kernel
// first brings it up to the wall clock, so its virtual time is as exact as at any frame rate.
// Ink lays out the whole screen for each view, which is where the CPU goes: fps is the knob.

export const DEFAULT_FPS = 5;

/** Wall ms between two frames. */
export function frameMs(fps = DEFAULT_FPS): number {
	return 1000 / fps;
}

/**
 * Wall ms of kernel work a frame may take: 60 % of the frame, so drawing, keys and other
 * programs keep the rest. Past it the kernel falls behind and the header says so.
 */
export function workMs(fps = DEFAULT_FPS): number {
	return 0.6 * frameMs(fps);
}

/** Wall ms of kernel work between two looks at the keyboard. */
export const SLICE_MS = 6;

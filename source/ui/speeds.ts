// Playback speeds (virtual seconds per wall second), in their own module so the CLI can
// validate --speed without loading the monitor.
export const SPEEDS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, Number.POSITIVE_INFINITY] as const;
export const SPEED_ONE = 3;

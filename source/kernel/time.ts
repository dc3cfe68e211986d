// Virtual time is an integer count of nanoseconds since boot, held in a JS number
// (exact up to 2^53 ns, about 104 days of uptime).

export const NS_PER_US = 1_000;
export const NS_PER_MS = 1_000_000;
export const NS_PER_SEC = 1_000_000_000;

/**
 * The longest virtual time anything from outside may name (a scenario's durations, a
 * session's times, --until, --input): 30 days, well inside the 2^53 ns a number holds exactly.
 */
export const MAX_VIRTUAL_NS = 30 * 24 * 3600 * NS_PER_SEC;

/** dmesg's `[%5lu.%06lu] ` prefix. */
export function dmesgStamp(ns: number): string {
	const sec = Math.floor(ns / NS_PER_SEC);
	const usec = Math.floor((ns % NS_PER_SEC) / NS_PER_US);
	return `[${String(sec).padStart(5, ' ')}.${String(usec).padStart(6, '0')}] `;
}

/** `%d.%09d`, the form dtrace_printf and hrtime_str use. */
export function secNsec(ns: number): string {
	const sec = Math.floor(ns / NS_PER_SEC);
	return `${sec}.${String(ns % NS_PER_SEC).padStart(9, '0')}`;
}

/** Human form for panes and summaries: 12.345678s. */
export function formatSeconds(ns: number, digits = 6): string {
	return `${(ns / NS_PER_SEC).toFixed(digits)}s`;
}

/** Short human duration: 850ns, 12.5us, 3.20ms, 21.0s, 2m05s. */
export function formatDuration(ns: number): string {
	if (ns < NS_PER_US) return `${ns}ns`;
	if (ns < NS_PER_MS) return `${trim(ns / NS_PER_US)}us`;
	if (ns < NS_PER_SEC) return `${trim(ns / NS_PER_MS)}ms`;
	if (ns < 60 * NS_PER_SEC) return `${trim(ns / NS_PER_SEC)}s`;
	const totalSec = Math.floor(ns / NS_PER_SEC);
	return `${Math.floor(totalSec / 60)}m${String(totalSec % 60).padStart(2, '0')}s`;
}

function trim(value: number): string {
	return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

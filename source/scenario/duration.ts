// Durations as people write them: "250us", "2ms", "1.5s", "100ns", "2m". A bare number is seconds.
import {MAX_VIRTUAL_NS} from '../kernel/time.js';

const UNITS: Record<string, number> = {ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9};
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m)?$/;

export const DURATION_HINT = 'a duration like "250us", "2ms", "1.5s" or "2m"';

/** What a duration beyond MAX_VIRTUAL_NS is told. */
export const MAX_DURATION_HINT = `at most 30 days of virtual time (${MAX_VIRTUAL_NS / 60e9}m)`;

/** Parses to integer nanoseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
	const match = PATTERN.exec(text.trim());
	if (!match) return undefined;
	const value = Number(match[1]) * UNITS[match[2] ?? 's']!;
	return Number.isFinite(value) ? Math.round(value) : undefined;
}

/**
 * Parses a duration of virtual time, at most MAX_VIRTUAL_NS (every duration in a scenario,
 * --until, --input AT): the nanoseconds, or what was expected instead ("expected ...").
 */
export function parseVirtualDuration(text: string): {readonly ns: number} | {readonly expected: string} {
	const ns = parseDuration(text);
	if (ns === undefined) return {expected: `expected ${DURATION_HINT}`};
	if (ns > MAX_VIRTUAL_NS) return {expected: `expected ${MAX_DURATION_HINT}`};
	return {ns};
}

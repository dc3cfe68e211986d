// Durations as people write them: "250us", "2ms", "1.5s", "100ns", "2m". Always with a unit:
// a bare number ("10") is refused, not guessed at (seconds? milliseconds?).
import {MAX_VIRTUAL_NS} from '../kernel/time.js';

const UNITS: Record<string, number> = {ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9};
/** A number and its unit, as both PATTERN and the JSON Schema's DURATION_PATTERN read them. */
const NUMBER_UNIT = String.raw`(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m)`;
const PATTERN = new RegExp(`^${NUMBER_UNIT}$`);
const BARE_NUMBER = /^\d+(?:\.\d+)?$/;

export const DURATION_HINT = 'a duration like "250us", "2ms", "1.5s" or "2m"';

/** What a number without a unit is told. */
export const UNIT_HINT = 'a unit after the number, like "10s", "500ms", "2us" or "100ns"';

/**
 * A duration as the JSON Schema describes it (scenarios/scenario.schema.json): PATTERN with
 * the surrounding blanks parseDuration trims. The 30-day bound is not a pattern's to say.
 */
export const DURATION_PATTERN = String.raw`^\s*${NUMBER_UNIT}\s*$`;

/** What a duration beyond MAX_VIRTUAL_NS is told. */
export const MAX_DURATION_HINT = `at most 30 days of virtual time (${MAX_VIRTUAL_NS / 60e9}m)`;

/** Parses to integer nanoseconds, or undefined when the text is not a duration (a bare number is not). */
export function parseDuration(text: string): number | undefined {
	const match = PATTERN.exec(text.trim());
	if (!match) return undefined;
	const value = Number(match[1]) * UNITS[match[2]!]!;
	return Number.isFinite(value) ? Math.round(value) : undefined;
}

/** A number with no unit ("10", " 2.5 "): what parseDuration refuses most often by mistake. */
export function isBareNumber(text: string): boolean {
	return BARE_NUMBER.test(text.trim());
}

/**
 * Parses a duration of virtual time, at most MAX_VIRTUAL_NS (every duration in a scenario,
 * --until, --input AT): the nanoseconds, or what was expected instead ("expected ...").
 */
export function parseVirtualDuration(text: string): {readonly ns: number} | {readonly expected: string} {
	const ns = parseDuration(text);
	if (ns === undefined) return {expected: `expected ${isBareNumber(text) ? UNIT_HINT : DURATION_HINT}`};
	if (ns > MAX_VIRTUAL_NS) return {expected: `expected ${MAX_DURATION_HINT}`};
	return {ns};
}

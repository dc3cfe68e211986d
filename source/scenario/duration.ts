// Durations as people write them: "250us", "2ms", "1.5s", "100ns", "2m". A bare number is seconds.

const UNITS: Record<string, number> = {ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9};
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m)?$/;

export const DURATION_HINT = 'a duration like "250us", "2ms", "1.5s" or "2m"';

/** Parses to integer nanoseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
	const match = PATTERN.exec(text.trim());
	if (!match) return undefined;
	const value = Number(match[1]) * UNITS[match[2] ?? 's']!;
	return Number.isFinite(value) ? Math.round(value) : undefined;
}

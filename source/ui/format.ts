// Numbers and durations for cells: shown whole or in a shorter unit, never cut.
import {NS_PER_MS, NS_PER_SEC, NS_PER_US} from '../kernel/time.js';

/** The shortest exact-enough form of `n` in at most `width` columns: 12345, 12.3k, 123k, 1.2M, 12M, 1.2G. */
export function compactNumber(n: number, width = 6): string {
	const whole = String(n);
	if (whole.length <= width) return whole;
	for (const [unit, div] of [
		['k', 1e3],
		['M', 1e6],
		['G', 1e9],
		['T', 1e12],
	] as const) {
		const v = n / div;
		for (const digits of [1, 0]) {
			const text = `${v.toFixed(digits)}${unit}`;
			// 999.96k rounds to "1000.0k": let the next unit take it.
			if (text.length <= width && Number(v.toFixed(digits)) < 1000) return text;
		}
	}
	return `${(n / 1e15).toFixed(0)}P`;
}

/** A duration in at most 6 columns: 850ns, 12.5us, 3.20ms, 21.0s, 2m05s, 1h05m, 3d04h. */
export function shortDuration(ns: number): string {
	const trim = (v: number): string => (v >= 99.95 ? v.toFixed(0) : v >= 9.995 ? v.toFixed(1) : v.toFixed(2));
	if (ns < NS_PER_US) return `${Math.round(ns)}ns`;
	if (ns < 999.5 * NS_PER_US) return `${trim(ns / NS_PER_US)}us`;
	if (ns < 999.5 * NS_PER_MS) return `${trim(ns / NS_PER_MS)}ms`;
	if (ns < 59.95 * NS_PER_SEC) return `${trim(ns / NS_PER_SEC)}s`;
	const s = Math.round(ns / NS_PER_SEC);
	if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
	const m = Math.floor(s / 60);
	if (m < 24 * 60) return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
	const h = Math.floor(m / 60);
	return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

// Fitting text into cells: terminal width (wide characters count double) and truncation.
import stringWidth from 'string-width';

export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
	if (width <= 0) return '';
	let out = text;
	if (stringWidth(out) > width) {
		while (out.length > 0 && stringWidth(out) > width - 1) out = out.slice(0, -1);
		out += '…';
	}
	const pad = ' '.repeat(Math.max(0, width - stringWidth(out)));
	return align === 'left' ? out + pad : pad + out;
}

/** Truncates to `width` columns without padding (for free-running lines: log, trace). */
export function clip(text: string, width: number): string {
	return stringWidth(text) <= width ? text : fit(text, width);
}

export function bar(fraction: number, width: number): string {
	const f = Math.max(0, Math.min(1, fraction));
	const full = Math.round(f * width);
	return '#'.repeat(full) + '.'.repeat(Math.max(0, width - full));
}

export function compactNumber(n: number): string {
	if (n < 100_000) return String(n);
	if (n < 10_000_000) return `${(n / 1000).toFixed(0)}k`;
	return `${(n / 1_000_000).toFixed(1)}M`;
}

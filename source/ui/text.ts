// Fitting text into cells: terminal width (wide characters count double), truncation,
// wrapping, and sharing a width out among columns.
import stringWidth from 'string-width';

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
	if (width <= 0) return '';
	// Printable ASCII (most of what the panes show) is a column a character: nothing to measure.
	if (PRINTABLE_ASCII.test(text)) {
		const out = text.length > width ? `${text.slice(0, width - 1)}…` : text;
		const pad = ' '.repeat(width - Math.min(text.length, width));
		return align === 'left' ? out + pad : pad + out;
	}
	// A character is at most two columns wide (or none, rarely): measure no more than can show.
	let out = text.length > width * 4 + 16 ? text.slice(0, width * 4 + 16) : text;
	if (stringWidth(out) > width) {
		while (out.length > 0 && stringWidth(out) > width - 1) out = out.slice(0, -1);
		out += '…';
	}
	const pad = ' '.repeat(Math.max(0, width - stringWidth(out)));
	return align === 'left' ? out + pad : pad + out;
}

/**
 * Truncates to `width` columns without padding (for free-running lines: log, trace), at a
 * word's end when one is near, so a number is never cut in the middle.
 */
export function clip(text: string, width: number): string {
	if (stringWidth(text) <= width) return text;
	const cut = fit(text, width).trimEnd();
	const space = cut.lastIndexOf(' ');
	return space >= width - 16 && space > 0 ? `${cut.slice(0, space)} …` : cut;
}

/** Word-wraps text to lines of at most `width` columns; continuation lines are indented. */
export function wrap(text: string, width: number, indent = '  '): string[] {
	const lead = width > indent.length + 4 ? indent : '';
	const out: string[] = [];
	let line = '';
	const room = (): number => width - stringWidth(line);
	for (const word of text.split(' ')) {
		let w = word;
		const bare = line === '' || line === lead;
		const sep = bare ? '' : ' ';
		if (stringWidth(w) + sep.length <= room()) {
			line += sep + w;
			continue;
		}
		if (!bare) {
			out.push(line);
			line = lead;
		}
		// A word longer than a line is broken where the line ends.
		while (stringWidth(w) > room()) {
			const r = Math.max(1, room());
			out.push(line + w.slice(0, r));
			w = w.slice(r);
			line = lead;
		}
		line += w;
	}
	if (line.trim() !== '' || out.length === 0) out.push(line);
	return out;
}

export function bar(fraction: number, width: number): string {
	const f = Math.max(0, Math.min(1, fraction));
	const full = Math.round(f * width);
	return '#'.repeat(full) + '.'.repeat(Math.max(0, width - full));
}

export interface ColumnWant {
	readonly key: string;
	/** Never narrower than this. */
	readonly min: number;
	/** As wide as its widest value, up to this. */
	readonly want: number;
}

/**
 * Shares `total` columns out: every column gets its minimum, then the wants in the given
 * order, then the last column takes what is left. Returns content widths by key.
 */
export function allocate(columns: readonly ColumnWant[], total: number, grow: string): Record<string, number> {
	const widths: Record<string, number> = {};
	let left = total;
	for (const c of columns) {
		widths[c.key] = c.min;
		left -= c.min;
	}
	for (const c of columns) {
		const more = Math.max(0, Math.min(c.want - c.min, left));
		widths[c.key]! += more;
		left -= more;
	}
	if (left > 0) widths[grow]! += left;
	return widths;
}

/** Joins segments with a separator, leaving out whole segments from the end until it fits (the first always stays). */
export function fitSegments(segments: readonly string[], width: number, separator = '  '): string {
	let out = segments[0] ?? '';
	for (const s of segments.slice(1)) {
		if (!s) continue;
		const next = out + separator + s;
		if (stringWidth(next) > width) break;
		out = next;
	}
	return out;
}

export {stringWidth};

// Where each pane goes for a terminal size, as rectangles. Heights add up exactly: every
// pane renders exactly its lines inside its rectangle, and the whole screen is rows - 1
// lines (a frame as tall as the terminal makes Ink 6 clear the screen on every frame). The
// same rectangles place the panes, map mouse clicks to panes, and let tests check that no
// pane writes into another's.
import type {PaneId} from './ui-state.js';

/** The smallest screen on which every pane still gets its title and at least one line. */
export const MIN_COLS = 70;
export const MIN_ROWS = 20;

/** The locks pane's narrowest: four columns at their minimums. */
const LOCKS_MIN = 32;

export interface Rect {
	readonly top: number;
	readonly left: number;
	readonly width: number;
	readonly height: number;
}

export type Area = PaneId | 'header' | 'dtrace' | 'status';

export interface Layout {
	readonly cols: number;
	/** Lines drawn: rows - 1. */
	readonly height: number;
	/** Each shown area's rectangle; a pane that is not shown has none. */
	readonly rects: Readonly<Partial<Record<Area, Rect>>>;
	/** Interrupt rows shown (the most telling first) outside zoom. */
	readonly irqRows: number;
	/** log and trace: side by side, one above the other, or one at a time (Tab switches). */
	readonly bottomMode: 'side' | 'stack' | 'shared' | 'log';
	readonly zoomed: PaneId | undefined;
}

export function tooSmall(cols: number, rows: number): boolean {
	return cols < MIN_COLS || rows < MIN_ROWS;
}

export interface LayoutInput {
	readonly cpuCount: number;
	/** Interrupt rows there are (XCL only with a DTrace port). */
	readonly irqRowCount: number;
	/** The interrupts pane's longest row tag (3 for NMI, LOC...; FreeBSD's rendezvous is 10). */
	readonly irqTagWidth?: number;
	readonly hasDtrace: boolean;
	readonly focus: PaneId;
	readonly zoom: boolean;
	/** Lines the status line needs: 2 while a message is longer than the width. */
	readonly statusLines?: number;
	/** Lines of the locks pane's body that matter (busy locks, the explanation) at the pane's width. */
	readonly locksLines?: (width: number) => number;
}

/** The log keeps at least this many lines (title included) when the locks pane takes rows from it. */
const LOG_KEEPS = 6;

export function layout(cols: number, rows: number, o: LayoutInput): Layout {
	const height = rows - 1;
	const rects: Partial<Record<Area, Rect>> = {};
	const full = (top: number, h: number): Rect => ({top, left: 0, width: cols, height: h});
	rects.header = full(0, 1);
	const status = o.statusLines ?? 1;
	rects.status = full(height - status, status);
	const avail = height - 1 - status;
	if (o.zoom) {
		rects[o.focus] = full(1, avail);
		return {cols, height, rects, irqRows: o.irqRowCount, bottomMode: 'log', zoomed: o.focus};
	}
	const dtrace = o.hasDtrace ? 2 : 0;
	const roomy = height >= 36;
	// Rows of the interrupts pane: all of them when there is room, else the five that tell
	// a lockup (NMI LOC RES CAL TLB) and the port's XCL.
	let irqRows = Math.min(o.irqRowCount, roomy ? o.irqRowCount : o.hasDtrace ? 6 : 5);
	let mid = 2 + irqRows;
	const cpuCap = roomy ? Math.min(24, Math.floor(height / 3)) : height >= 28 ? 8 : 4;
	const minBottom = 3;
	// CPU rows give way first (the strip scrolls and says what it hides), down to one.
	const cpuRows = Math.max(1, Math.min(o.cpuCount, cpuCap, avail - dtrace - mid - minBottom - 1));
	const cpus = 1 + cpuRows;
	let bottom = avail - dtrace - mid - cpus;
	// Interrupts take what their CPUs need (tag + 2, then 9 a CPU), up to 60 %; locks keep at least LOCKS_MIN.
	const irqWidth = Math.max(30, Math.min(3 + Math.max(3, o.irqTagWidth ?? 3) + o.cpuCount * 9, Math.max(42, Math.floor(cols * 0.6)), cols - LOCKS_MIN));
	// A lockup's explanation is what the screen is for: the locks pane takes rows from the
	// log (down to LOG_KEEPS) rather than cut it, and the interrupts beside it show more rows.
	if (o.locksLines) {
		const extra = Math.max(0, Math.min(2 + o.locksLines(cols - irqWidth) - mid, bottom - LOG_KEEPS));
		mid += extra;
		bottom -= extra;
		irqRows = Math.min(o.irqRowCount, mid - 2);
	}
	let top = 1;
	rects.cpus = full(top, cpus);
	top += cpus;
	rects.interrupts = {top, left: 0, width: irqWidth, height: mid};
	rects.locks = {top, left: irqWidth, width: cols - irqWidth, height: mid};
	top += mid;
	if (o.hasDtrace) {
		rects.dtrace = full(top, dtrace);
		top += dtrace;
	}
	let bottomMode: Layout['bottomMode'];
	if (!o.hasDtrace) {
		bottomMode = 'log';
		rects.log = full(top, bottom);
	} else if (cols >= 140) {
		bottomMode = 'side';
		const logWidth = Math.floor(cols * 0.58);
		rects.log = {top, left: 0, width: logWidth, height: bottom};
		rects.trace = {top, left: logWidth, width: cols - logWidth, height: bottom};
	} else if (bottom >= 12) {
		bottomMode = 'stack';
		const logHeight = Math.ceil(bottom * 0.6);
		rects.log = full(top, logHeight);
		rects.trace = full(top + logHeight, bottom - logHeight);
	} else {
		bottomMode = 'shared';
		rects[o.focus === 'trace' ? 'trace' : 'log'] = full(top, bottom);
	}
	return {cols, height, rects, irqRows, bottomMode, zoomed: undefined};
}

/** The pane under a screen cell (0-based row and column), for mouse clicks and the wheel. */
export function paneAt(l: Layout, row: number, col: number): Area | undefined {
	for (const [area, r] of Object.entries(l.rects) as [Area, Rect][]) {
		if (row >= r.top && row < r.top + r.height && col >= r.left && col < r.left + r.width) return area;
	}
	return undefined;
}

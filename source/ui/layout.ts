// Where each pane goes for a terminal size. Heights are exact: every pane renders exactly
// its lines, and the whole screen is rows - 1 lines (a frame as tall as the terminal makes
// Ink 6 clear the screen on every frame).

export const MIN_COLS = 70;
export const MIN_ROWS = 20;

export interface Layout {
	readonly cols: number;
	readonly height: number;
	readonly cpus: number;
	/** Interrupts and locks, side by side. */
	readonly mid: number;
	readonly irqWidth: number;
	readonly lockWidth: number;
	/** Lines of interrupt rows shown (the compact set at small heights). */
	readonly irqRows: number;
	readonly dtrace: number;
	readonly bottom: number;
	/** log and trace: side by side, one above the other, or one at a time. */
	readonly bottomMode: 'side' | 'stack' | 'shared';
	readonly logWidth: number;
	readonly logHeight: number;
}

export function tooSmall(cols: number, rows: number): boolean {
	return cols < MIN_COLS || rows < MIN_ROWS;
}

export function layout(cols: number, rows: number, cpuCount: number, hasDtrace: boolean): Layout {
	const height = rows - 1;
	const header = 1;
	const status = 1;
	const dtrace = hasDtrace ? 2 : 0;
	const roomy = height >= 36;
	const cpuCap = roomy ? Math.min(24, Math.floor(height / 3)) : height >= 28 ? 8 : 4;
	const cpus = 1 + Math.min(cpuCount, cpuCap);
	const irqRows = roomy ? 8 : 6;
	const mid = 2 + irqRows;
	const bottom = Math.max(3, height - header - status - dtrace - cpus - mid);
	const irqWidth = Math.min(Math.max(40, Math.floor(cols * 0.62)), 6 + cpuCount * 11 + 1);
	const lockWidth = cols - irqWidth;
	const bottomMode = cols >= 140 ? 'side' : bottom >= 12 ? 'stack' : 'shared';
	const logWidth = bottomMode === 'side' ? Math.floor(cols * 0.58) : cols;
	const logHeight = bottomMode === 'stack' ? Math.ceil(bottom * 0.6) : bottom;
	return {cols, height, cpus, mid, irqWidth, lockWidth, irqRows, dtrace, bottom, bottomMode, logWidth, logHeight};
}

// What the person at the monitor chose to look at. Changed only through commands, so a
// recording can replay it.
import {produce} from 'immer';
import {SPEEDS, SPEED_ONE} from './speeds.js';

export const PANES = ['cpus', 'interrupts', 'locks', 'log', 'trace'] as const;
export type PaneId = (typeof PANES)[number];

import {LOG_FILTERS, type LogFilter} from './log/message.js';

export {LOG_FILTERS, type LogFilter};

export {SPEEDS, SPEED_ONE};

export interface UiState {
	readonly focus: PaneId;
	/** Lines scrolled back from the newest (log, trace) or down from the top (cpus, locks, interrupts). */
	readonly scroll: Readonly<Record<PaneId, number>>;
	readonly selectedCpu: number;
	readonly rates: boolean;
	/** Kernel log with stack dumps (true) or one line per message (false). */
	readonly fullLog: boolean;
	readonly logFilter: LogFilter;
	/** The kernel log search (`/`), case-insensitive; n and N jump between matches. */
	readonly search: string | undefined;
	/** The focused pane fills the screen. */
	readonly zoom: boolean;
	readonly help: boolean;
	/** The scenario's story: what it is, where it comes from, what to press and watch. */
	readonly tour: boolean;
	readonly paused: boolean;
	readonly speedIndex: number;
}

export function initialUi(opts: {paused?: boolean; speedIndex?: number} = {}): UiState {
	return {
		focus: 'log',
		scroll: {cpus: 0, interrupts: 0, locks: 0, log: 0, trace: 0},
		selectedCpu: 0,
		rates: true,
		fullLog: false,
		logFilter: 'all',
		search: undefined,
		zoom: false,
		help: false,
		tour: false,
		paused: opts.paused ?? false,
		speedIndex: opts.speedIndex ?? SPEED_ONE,
	};
}

export const update = produce;

export function speedLabel(index: number): string {
	const s = SPEEDS[index]!;
	return s === Number.POSITIVE_INFINITY ? 'max' : `x${s}`;
}

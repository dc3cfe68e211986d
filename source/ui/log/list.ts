// The pane's live views of one filter, headline entries or every line, read through a scroll
// window with search. Rows are made only for the window, so a frame costs its height plus a log
// of the log's size whatever the log holds.
import type {LogLevel, LogRecord} from '../../kernel/klog.js';
import {dmesgStamp, formatSeconds} from '../../kernel/time.js';
import type {FilterList, Node} from './filter-list.js';

/** One row of the headline view: a run of repeated messages shown once. Frozen. */
export interface LogEntryRow {
	/** `e<seq of the message that opened the run>`: stable while the run is on screen. */
	readonly key: string;
	/** Headline of the run's newest message. */
	readonly text: string;
	readonly level: LogLevel;
	/** Messages in the run (still held by the ring); 1 when not a repeat. */
	readonly count: number;
	/** Callbacks the kernel reported suppressed between them (folded ratelimit notices). */
	readonly suppressed: number;
	/** When the oldest and newest messages of the run were printed. */
	readonly firstNs: number;
	readonly lastNs: number;
	/** CPU and head seq of the newest message. */
	readonly cpu: number;
	readonly seq: number;
	/** Whether some line of some message of the run contains the search query. */
	readonly match: boolean;
}

/** One row of the full view: one record of a held message. Frozen. */
export interface LogLineRow extends LogRecord {
	/** `r<seq>`. */
	readonly key: string;
	/** Whether the line contains the search query. */
	readonly match: boolean;
}

export interface WindowOptions {
	/** Rows the pane can show. */
	readonly height: number;
	/** Rows scrolled back from the newest (0 follows the end); clamped to the content. */
	readonly scroll: number;
	/** Case-insensitive plain substring; '' or undefined for no search. */
	readonly query?: string;
}

/** What the pane shows. Frozen. */
export interface LogWindow<Row> {
	/** The visible rows, oldest first, at most `height`. */
	readonly rows: readonly Row[];
	/** The scroll offset actually used: 0..maxScroll. */
	readonly scroll: number;
	readonly maxScroll: number;
	/** Rows (entries or lines) in the filtered view. */
	readonly total: number;
	/** Rows newer than the window ("N new"), always equal to `scroll`. */
	readonly newer: number;
	/** Rows older than the window. */
	readonly older: number;
	/**
	 * Ordinal just past the newest row; it only grows while rows are added. To keep the same
	 * rows on screen while scrolled back, add (new end - old end) to the scroll offset.
	 */
	readonly end: number;
	/** Rows that match the query (0 without one). */
	readonly matches: number;
	/**
	 * Why there are no rows: 'log' when the index holds no message at all (nothing printed yet,
	 * or—pathologically—only the overwritten tail of one message is left), 'filter' when the
	 * filter leaves nothing. Absent when there are rows.
	 */
	readonly empty?: 'log' | 'filter';
}

/** A search hit: its offset back from the newest row (as `scroll` counts) and its key. */
export interface LogMatch {
	readonly offset: number;
	readonly key: string;
}

/** The one-line form of an entry: newest stamp, headline, `×count` and the span of a run. */
export function entryText(e: LogEntryRow): string {
	return dmesgStamp(e.lastNs) + e.text + entryTail(e);
}

/** What a folded row adds after the message: how many times since when, and what was suppressed. */
export function entryTail(e: LogEntryRow): string {
	let tail = '';
	if (e.count > 1) tail += `  ×${e.count} since ${formatSeconds(e.firstNs, 3)}`;
	if (e.suppressed > 0) tail += ` (+${e.suppressed} suppressed)`;
	return tail;
}

/** Clamps a scroll offset counted back from the newest of `total` rows shown `height` at a time (Infinity: the oldest). */
export function clampWindow(total: number, height: number, scroll: number): {from: number; to: number; scroll: number; maxScroll: number} {
	const h = Math.max(0, Math.floor(height));
	const maxScroll = Math.max(0, total - Math.max(1, h));
	const s = Math.min(maxScroll, Math.max(0, Math.floor(Number.isNaN(scroll) ? 0 : scroll)));
	const to = total - s;
	return {from: Math.max(0, to - h), to, scroll: s, maxScroll};
}

/** A scroll offset that shows the row `offset` back from the newest: unchanged if it is visible, else centred. */
export function revealScroll(offset: number, height: number, scroll: number): number {
	if (offset >= scroll && offset < scroll + height) return scroll;
	return Math.max(0, offset - Math.floor((height - 1) / 2));
}

/** Index of a line in `node` containing `query`, scanning from `from` in direction `dir`, or -1. */
function lineHit(node: Node, query: string, from: number, dir: 1 | -1): number {
	if (node.hits === 0) return -1;
	const lower = node.lower!;
	for (let i = from; i >= 0 && i < lower.length; i += dir) if (lower[i]!.includes(query)) return i;
	return -1;
}

export interface ListAccess {
	list(): FilterList;
	search(query: string | undefined): string;
	held(): number;
}

/** A live view of one filter in one mode; read it after each `update`. */
export abstract class LogList<Row> {
	constructor(protected readonly access: ListAccess) {}

	/** Rows in the view. */
	abstract get total(): number;
	/** Ordinal just past the newest row (grows as rows are added, never shrinks but on reset). */
	abstract get end(): number;

	/** The rows a pane `height` rows tall shows `scroll` rows back from the newest. */
	window(opts: WindowOptions): LogWindow<Row> {
		const q = this.access.search(opts.query);
		const total = this.total;
		const end = this.end;
		const w = clampWindow(total, opts.height, opts.scroll);
		const rows = this.rows(end - total + w.from, end - total + w.to, q);
		return Object.freeze({
			rows: Object.freeze(rows),
			scroll: w.scroll,
			maxScroll: w.maxScroll,
			total,
			newer: w.scroll,
			older: w.from,
			end,
			matches: q === '' ? 0 : this.matchCount(),
			...(total > 0 ? {} : {empty: this.access.held() === 0 ? ('log' as const) : ('filter' as const)}),
		});
	}

	/**
	 * The nearest row matching `query` strictly older (`n` from the newest end: direction
	 * 'older') or strictly newer than the row `from` rows back from the newest. Pass from = -1
	 * to search older from the newest row inclusive, from = total to search newer from the oldest.
	 */
	findMatch(query: string, from: number, direction: 'older' | 'newer'): LogMatch | undefined {
		const q = this.access.search(query);
		if (q === '') return undefined;
		const ord = this.find(this.end - 1 - from, direction === 'older' ? -1 : 1, q);
		return ord === undefined ? undefined : Object.freeze({offset: this.end - 1 - ord, key: this.keyOf(ord)});
	}

	/** How many rows back from the newest the row with this key is, or undefined if gone. */
	abstract offsetOf(key: string): number | undefined;

	protected abstract rows(from: number, to: number, query: string): Row[];
	protected abstract matchCount(): number;
	protected abstract find(ord: number, dir: 1 | -1, query: string): number | undefined;
	protected abstract keyOf(ord: number): string;
}

export class EntryList extends LogList<LogEntryRow> {
	get total(): number {
		return this.access.list().entries.length;
	}
	get end(): number {
		return this.access.list().entries.end;
	}

	offsetOf(key: string): number | undefined {
		const entries = this.access.list().entries;
		const seq = Number(key.slice(1));
		const ord = entries.firstWhere((e) => e.opener >= seq);
		return entries.at(ord)?.key === key ? entries.end - 1 - ord : undefined;
	}

	protected rows(from: number, to: number): LogEntryRow[] {
		const l = this.access.list();
		const rows: LogEntryRow[] = [];
		for (let o = from; o < to; o++) {
			const e = l.entries.at(o)!;
			const newest = l.newestCounted(e) ?? l.msgs.at(e.to - 1)!;
			const m = newest.node.msg;
			rows.push(
				Object.freeze({
					key: e.key,
					text: m.headline,
					level: m.level,
					// Only folded notices left (their run's messages were overwritten): the newest notice stands for them.
					count: e.counted > 0 ? e.counted : e.notices,
					suppressed: e.counted > 0 ? e.suppressed : 0,
					firstNs: l.msgs.at(e.from)!.node.msg.ns,
					lastNs: l.msgs.at(e.to - 1)!.node.msg.ns,
					cpu: m.cpu,
					seq: m.seq,
					match: e.hits > 0,
				}),
			);
		}
		return rows;
	}

	protected matchCount(): number {
		return this.access.list().hitEntries.length;
	}

	protected find(ord: number, dir: 1 | -1): number | undefined {
		const hits = this.access.list().hitEntries;
		const i = dir < 0 ? hits.firstWhere((o) => o >= ord) - 1 : hits.firstWhere((o) => o > ord);
		return hits.at(i);
	}

	protected keyOf(ord: number): string {
		return this.access.list().entries.at(ord)!.key;
	}
}

export class LineList extends LogList<LogLineRow> {
	get total(): number {
		const l = this.access.list();
		return l.lineEnd - l.lineBase;
	}
	get end(): number {
		return this.access.list().lineEnd;
	}

	offsetOf(key: string): number | undefined {
		const l = this.access.list();
		const seq = Number(key.slice(1));
		const mo = l.msgs.firstWhere((s) => s.node.msg.seq > seq) - 1;
		const slot = l.msgs.at(mo);
		if (!slot || seq > slot.node.msg.lastSeq) return undefined;
		return l.lineEnd - 1 - (slot.lineStart + seq - slot.node.msg.seq);
	}

	protected rows(from: number, to: number, query: string): LogLineRow[] {
		const l = this.access.list();
		const rows: LogLineRow[] = [];
		if (from >= to) return rows;
		for (let mo = l.slotOfLine(from); rows.length < to - from; mo++) {
			const slot = l.msgs.at(mo)!;
			const recs = slot.node.msg.records;
			for (let i = Math.max(0, from - slot.lineStart); i < recs.length && rows.length < to - from; i++) {
				const r = recs[i]!;
				const match = slot.node.hits > 0 && slot.node.lower![i]!.includes(query);
				rows.push(Object.freeze({key: `r${r.seq}`, seq: r.seq, ns: r.ns, level: r.level, cpu: r.cpu, text: r.text, head: r.head, match}));
			}
		}
		return rows;
	}

	protected matchCount(): number {
		return this.access.list().hitLines;
	}

	protected find(ord: number, dir: 1 | -1, query: string): number | undefined {
		const l = this.access.list();
		const start = ord + dir;
		if (start < l.lineBase || start >= l.lineEnd) return undefined;
		// Within the message holding the start line first, then the next message with hits.
		let mo = l.slotOfLine(start);
		let slot = l.msgs.at(mo)!;
		let i = lineHit(slot.node, query, start - slot.lineStart, dir);
		while (i < 0) {
			const hi = dir < 0 ? l.hitMsgs.firstWhere((o) => o >= mo) - 1 : l.hitMsgs.firstWhere((o) => o > mo);
			const next = l.hitMsgs.at(hi);
			if (next === undefined) return undefined;
			mo = next;
			slot = l.msgs.at(mo)!;
			i = lineHit(slot.node, query, dir < 0 ? slot.node.msg.records.length - 1 : 0, dir);
		}
		return slot.lineStart + i;
	}

	protected keyOf(ord: number): string {
		const l = this.access.list();
		const slot = l.msgs.at(l.slotOfLine(ord))!;
		return `r${slot.node.msg.seq + ord - slot.lineStart}`;
	}
}

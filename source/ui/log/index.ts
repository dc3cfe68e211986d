// The Kernel log pane's model: an incremental index of printk messages (a head record and the
// stack dump or continuation lines after it), each with the one line that says what happened,
// severity classes for the pane's filter, runs of repeats collapsed with a count, plain-substring
// search, and a scroll window over either one row per collapsed entry or every line ("full").
//
// Pure: no React, no Ink. The view model calls `index.update(kernel.log)` once per frame (cost
// proportional to the records printed since the last call, plus the ones the ring overwrote),
// then `index.entries(filter)` or `index.lines(filter)` and `.window(...)` on the result (cost
// proportional to the window's height, plus a log of the log's size). What `window` returns is
// frozen plain data with stable keys.
//
// This module holds the index; what a message is and the rules for headlines, classes, repeats
// and notices are in message.ts, one filter's runs in filter-list.ts, the views in list.ts.
import type {KernelLog, LogRecord} from '../../kernel/klog.js';
import {Deque} from './deque.js';
import {FilterList, hitsOf, type Node} from './filter-list.js';
import {EntryList, LineList, type ListAccess, type LogEntryRow, type LogLineRow, type LogList} from './list.js';
import {inFilter, makeMessage, type LogFilter, type LogMessage} from './message.js';

/** Every message the kernel log still holds, kept up to date incrementally. */
export class LogIndex {
	private log: KernelLog | undefined;
	/** Next record seq to read. */
	private next = 0;
	private readonly nodes = new Deque<Node>();
	private lists = this.freshLists();
	private query = '';
	private readonly handles = new Map<string, LogList<LogEntryRow> | LogList<LogLineRow>>();
	/** Records the ring has overwritten so far (their seqs are below this). */
	overwritten = 0;
	/**
	 * Problem reports (WARN, BUG, stalls, lockups) this index held and then forgot because the
	 * ring overwrote them: a flood of lines must not make a stall vanish without a word.
	 */
	droppedProblems = 0;
	/** Records the ring overwrote before this index read them (printed and gone between two frames): what they were is unknown. */
	unseen = 0;

	/**
	 * Reads the records printed since the last call; forgets messages whose head the ring has
	 * overwritten. Returns whether anything changed. A different log (or one that went back)
	 * starts the index afresh.
	 */
	update(log: KernelLog): boolean {
		if (log !== this.log || log.nextSequence < this.next) this.reset(log);
		if (log.nextSequence === this.next) return false;
		const {records} = log.since(this.next);
		this.unseen += Math.max(0, (records[0]?.seq ?? log.nextSequence) - this.next);
		this.next = log.nextSequence;
		this.overwritten = log.nextSequence - log.size;
		for (let first = this.nodes.first(); first && first.msg.seq < this.overwritten; first = this.nodes.first()) {
			if (inFilter(first.msg, 'problems')) this.droppedProblems++;
			for (const l of Object.values(this.lists)) l.drop(first);
			this.nodes.shift();
		}
		let i = 0;
		const last = this.nodes.last();
		if (last && records[0] && !records[0].head && records[0].seq === last.msg.lastSeq + 1) {
			while (i < records.length && !records[i]!.head) i++;
			for (const l of Object.values(this.lists)) l.pop(last);
			this.nodes.pop();
			this.add([...last.msg.records, ...records.slice(0, i)]);
		}
		// The tail of a message whose head was overwritten before we saw it: not a message.
		while (i < records.length && !records[i]!.head) i++;
		while (i < records.length) {
			let j = i + 1;
			while (j < records.length && !records[j]!.head) j++;
			this.add(records.slice(i, j));
			i = j;
		}
		return true;
	}

	/** Messages held. */
	get size(): number {
		return this.nodes.length;
	}

	/** Every held message, oldest first (O(n): for tests and one-off use, not per frame). */
	messages(): readonly LogMessage[] {
		return Object.freeze([...this.nodes].map((n) => n.msg));
	}

	/** The held message with this `m<seq>` key (or the entry key `e<seq>` of the run it opened). */
	message(key: string): LogMessage | undefined {
		const seq = Number(key.slice(1));
		const node = this.nodes.at(this.nodes.firstWhere((n) => n.msg.seq >= seq));
		return node?.msg.seq === seq ? node.msg : undefined;
	}

	/** The headline view of a filter: one row per run of repeats. */
	entries(filter: LogFilter): LogList<LogEntryRow> {
		return this.handle(filter, 'entries') as LogList<LogEntryRow>;
	}

	/** The full view of a filter: every line of every message the filter keeps. */
	lines(filter: LogFilter): LogList<LogLineRow> {
		return this.handle(filter, 'lines') as LogList<LogLineRow>;
	}

	private handle(filter: LogFilter, mode: 'entries' | 'lines'): LogList<LogEntryRow> | LogList<LogLineRow> {
		const id = `${filter}/${mode}`;
		let h = this.handles.get(id);
		if (!h) {
			const access: ListAccess = {list: () => this.lists[filter], search: (q) => this.search(q), held: () => this.nodes.length};
			h = mode === 'entries' ? new EntryList(access) : new LineList(access);
			this.handles.set(id, h);
		}
		return h;
	}

	/** Makes `query` (lower-cased) the one the hit counts are kept for: O(whole log) when it changes, else free. */
	private search(query: string | undefined): string {
		const q = (query ?? '').toLowerCase();
		if (q === this.query) return q;
		this.query = q;
		for (const n of this.nodes) n.hits = hitsOf(n, q);
		for (const l of Object.values(this.lists)) l.rehit();
		return q;
	}

	private add(records: readonly LogRecord[]): void {
		const node: Node = {msg: makeMessage(records), hits: 0};
		node.hits = hitsOf(node, this.query);
		this.nodes.push(node);
		for (const l of Object.values(this.lists)) l.push(node);
	}

	private reset(log: KernelLog): void {
		this.log = log;
		this.next = 0;
		this.overwritten = 0;
		this.droppedProblems = 0;
		this.unseen = 0;
		while (this.nodes.length > 0) this.nodes.shift();
		this.lists = this.freshLists();
	}

	private freshLists(): Record<LogFilter, FilterList> {
		return {all: new FilterList('all'), problems: new FilterList('problems'), rcu: new FilterList('rcu')};
	}
}

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
// Rules:
// - Messages: a message is a head record plus the non-head records after it. A message whose
//   head the ring has overwritten is gone, even while part of its tail is still in the ring
//   (that tail is never shown, in either mode). Every message whose head is in the ring is
//   indexed, so old but important messages stay reachable for as long as the kernel holds them.
// - Headline: the first line matching HEADLINES[0], else HEADLINES[1], else the first line that
//   is not a rule ("----[ cut here ]----", "=====", blank), else the head.
// - Classes: 'problems' if the message is err or worse, or its headline reports a WARN, BUG,
//   oops, panic, lockup, stall or suspicious RCU usage (plain warn-level printk chatter such as
//   the DTrace port's printf lines is not a problem); 'rcu' if a line that is not a stack frame
//   mentions rcu/RCU or a stall.
// - Repeats: consecutive messages of one filtered list collapse into one entry when their
//   headlines are equal after normalising the numbers that change while the same thing goes on:
//   hex values and addresses (the preempt count of "scheduling while atomic"), key=value
//   counters (t=, g=, c=, q=, mtx3=), durations (23s, 49s: one soft lockup that goes on is one
//   entry, showing the newest duration), long decimals (times) and "[#n]" counters. Everything
//   that says *who*—CPU numbers ("cpu 1" vs "cpu 3", "CPU#0"), pids, comms, file:line—stays
//   significant, so two different CPUs' lockups are two entries.
// - "X: N callbacks suppressed" / "printk: N messages suppressed" notices (printk_ratelimit)
//   fold into the entry right before them when that entry's newest message mentions X (the
//   __schedule_bug notice follows a "scheduling while atomic" dump whose stack names
//   __schedule_bug); they add N to the entry's `suppressed` and do not break the run, so the
//   kill9-timeout flood is one entry. A notice that cannot fold (something else came between)
//   is a message of its own (and not a 'problems' or 'rcu' one).
import type {KernelLog, LogLevel, LogRecord} from '../kernel/klog.js';
import {dmesgStamp, formatSeconds} from '../kernel/time.js';

// --- types -----------------------------------------------------------------------------------

/** What the pane's filter key cycles through. */
export type LogFilter = 'all' | 'problems' | 'rcu';
export const LOG_FILTERS: readonly LogFilter[] = ['all', 'problems', 'rcu'];
/** The classes a message can have; 'all' holds every message. */
export type LogClass = Exclude<LogFilter, 'all'>;

/** One kernel message: a head record and the records after it up to the next head. Frozen. */
export interface LogMessage {
	/** `m<seq of the head record>`: stable for as long as the message is held. */
	readonly key: string;
	/** The head record's seq. */
	readonly seq: number;
	/** The last record's seq (the records' seqs are seq..lastSeq). */
	readonly lastSeq: number;
	/** When the head was printed, and on which CPU. */
	readonly ns: number;
	readonly cpu: number;
	/** The most severe level of its records. */
	readonly level: LogLevel;
	/** The line that says what happened (no timestamp). */
	readonly headline: string;
	/** The headline with its volatile numbers normalised: equal signatures are repeats. */
	readonly signature: string;
	readonly classes: readonly LogClass[];
	/** Set on a ratelimit notice, "name: count callbacks suppressed". */
	readonly suppressed?: {readonly name: string; readonly count: number};
	readonly records: readonly LogRecord[];
}

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
export interface LogLineRow {
	/** `r<seq>`. */
	readonly key: string;
	readonly seq: number;
	readonly ns: number;
	readonly level: LogLevel;
	readonly cpu: number;
	readonly text: string;
	/** First line of its message. */
	readonly head: boolean;
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

// --- message rules ---------------------------------------------------------------------------

/** What a message's headline can be, best first; a WARN splat opens with its "cut here" rule. */
export const HEADLINES = [
	/^(Watchdog detected|BUG: |INFO: |rcu: INFO|watchdog: BUG|NMI watchdog|Kernel panic|__schedule_bug|dtracedrv)/,
	/^(WARNING|\[ INFO: suspicious)/,
];
/** Lines that never say what happened: a splat's rules and blank lines. */
export const RULE = /^(-+\[ cut here \]-+|=+|-+|\s*)$/;
/** Headlines of problems (besides anything logged at err or worse). */
const PROBLEM =
	/^(WARNING|BUG|Oops|Kernel panic|NMI watchdog|Watchdog detected|watchdog: BUG|general protection fault|unable to handle|\[ INFO: )|lockup|LOCKUP|stall|suspicious RCU|blocked for more than/;
const RCU = /rcu|\bstall/i;
/** A stack frame or register line: its function names say nothing about the message's class. */
const FRAME = /\[<[0-9a-f]+>\]/;
const NOTICE = /^(\S+?):? (\d+) (?:callbacks|messages) suppressed\.?$/;

const SEVERITY: Readonly<Record<LogLevel, number>> = {emerg: 0, alert: 1, crit: 2, err: 3, warn: 4, notice: 5, info: 6, debug: 7};

/** Numbers that change while the same thing goes on (see the rules at the top). */
const VOLATILE =
	/\b0x[0-9a-f]+\b|\b[0-9a-f]{8,}\b|\b([a-z_]\w*)=\d[\w./]*|\b\d+(?:\.\d+)?(s|ms|us|ns)\b|\b\d+\.\d{3,}\b|\b\d+ (jiffies|callbacks suppressed|messages suppressed)\b|\[#\d+\]/gi;

/** The headline with the numbers that change while the same thing goes on replaced by '#'. */
export function signatureOf(headline: string): string {
	return headline.replace(VOLATILE, (whole: string, key?: string, unit?: string, what?: string) => {
		if (key !== undefined) return `${key}=#`;
		if (unit !== undefined) return `#${unit}`;
		if (what !== undefined) return `# ${what}`;
		if (whole.startsWith('[')) return '[#]';
		return /^0x/i.test(whole) ? '0x#' : '#';
	});
}

/** What a headline says, worked out once per distinct headline (a flood repeats one). */
interface HeadlineFacts {
	readonly signature: string;
	readonly problem: boolean;
	readonly notice?: {readonly name: string; readonly count: number};
}
const factsCache = new Map<string, HeadlineFacts>();

function factsOf(headline: string): HeadlineFacts {
	let f = factsCache.get(headline);
	if (f) return f;
	const notice = NOTICE.exec(headline);
	f = Object.freeze({
		signature: signatureOf(headline),
		problem: !notice && PROBLEM.test(headline),
		...(notice ? {notice: Object.freeze({name: notice[1]!, count: Number(notice[2])})} : {}),
	});
	if (factsCache.size >= 1024) factsCache.clear();
	factsCache.set(headline, f);
	return f;
}

/** The line of a message that says what happened. */
export function pickHeadline(records: readonly LogRecord[]): LogRecord {
	for (const re of HEADLINES) {
		const hit = records.find((r) => re.test(r.text));
		if (hit) return hit;
	}
	return records.find((r) => !RULE.test(r.text)) ?? records[0]!;
}

/** Builds the (frozen) message of a head record and its continuation records. */
export function makeMessage(records: readonly LogRecord[]): LogMessage {
	const head = records[0]!;
	const headline = pickHeadline(records).text;
	let level = head.level;
	let rcu = false;
	for (const r of records) {
		if (SEVERITY[r.level] < SEVERITY[level]) level = r.level;
		if (!rcu && !FRAME.test(r.text) && RCU.test(r.text)) rcu = true;
	}
	const facts = factsOf(headline);
	const classes: LogClass[] = [];
	if (!facts.notice && (facts.problem || SEVERITY[level] <= SEVERITY.err)) classes.push('problems');
	if (rcu) classes.push('rcu');
	return Object.freeze({
		key: `m${head.seq}`,
		seq: head.seq,
		lastSeq: records.at(-1)!.seq,
		ns: head.ns,
		cpu: head.cpu,
		level,
		headline,
		signature: facts.signature,
		classes: Object.freeze(classes),
		...(facts.notice ? {suppressed: facts.notice} : {}),
		records: Object.freeze(records.slice()),
	});
}

export function inFilter(m: LogMessage, filter: LogFilter): boolean {
	return filter === 'all' || m.classes.includes(filter);
}

/** The one-line form of an entry: newest stamp, headline, `×count` and the span of a run. */
export function entryText(e: LogEntryRow): string {
	let text = dmesgStamp(e.lastNs) + e.text;
	if (e.count > 1) text += `  ×${e.count} since ${formatSeconds(e.firstNs, 3)}`;
	if (e.suppressed > 0) text += ` (+${e.suppressed} suppressed)`;
	return text;
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

// --- plumbing --------------------------------------------------------------------------------

/** A queue addressed by ordinals that keep counting up as items are added and dropped. */
class Deque<T> {
	private items: T[] = [];
	private head = 0;
	/** Ordinal of the oldest item. */
	base = 0;

	get end(): number {
		return this.base + this.items.length - this.head;
	}
	get length(): number {
		return this.items.length - this.head;
	}
	at(ord: number): T | undefined {
		return ord < this.base ? undefined : this.items[this.head + ord - this.base];
	}
	first(): T | undefined {
		return this.items[this.head];
	}
	last(): T | undefined {
		return this.length > 0 ? this.items.at(-1) : undefined;
	}
	push(x: T): void {
		this.items.push(x);
	}
	pop(): T | undefined {
		return this.length > 0 ? this.items.pop() : undefined;
	}
	shift(): T | undefined {
		if (this.length === 0) return undefined;
		const x = this.items[this.head]!;
		this.head++;
		this.base++;
		if (this.head > 1024 && this.head * 2 > this.items.length) {
			this.items = this.items.slice(this.head);
			this.head = 0;
		}
		return x;
	}
	/** The smallest ordinal whose item satisfies `p` (monotone: false...false true...true), or end. */
	firstWhere(p: (x: T) => boolean): number {
		let lo = this.head;
		let hi = this.items.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (p(this.items[mid]!)) hi = mid;
			else lo = mid + 1;
		}
		return this.base + lo - this.head;
	}
	*[Symbol.iterator](): Iterator<T> {
		for (let i = this.head; i < this.items.length; i++) yield this.items[i]!;
	}
}

interface Node {
	readonly msg: LogMessage;
	/** Lower-cased lines, made the first time a query is searched. */
	lower?: readonly string[];
	/** Lines containing the current query. */
	hits: number;
}

function hitsOf(node: Node, query: string): number {
	if (query === '') return 0;
	node.lower ??= node.msg.records.map((r) => r.text.toLowerCase());
	let n = 0;
	for (const line of node.lower) if (line.includes(query)) n++;
	return n;
}

/** A run of repeats: messages from..to-1 of its list. */
interface Entry {
	readonly key: string;
	readonly opener: number;
	readonly signature: string;
	/** Opened by a notice that could not fold: later notices count as its repeats. */
	readonly noticeRun: boolean;
	from: number;
	to: number;
	counted: number;
	notices: number;
	suppressed: number;
	hits: number;
}

interface Slot {
	readonly node: Node;
	readonly lineStart: number;
	readonly entry: Entry;
	/** Folded into its entry as a ratelimit notice. */
	readonly folded: boolean;
}

/** The messages of one filter, collapsed into runs, with their lines numbered. */
class FilterList {
	readonly msgs = new Deque<Slot>();
	readonly entries = new Deque<Entry>();
	lineEnd = 0;
	hitMsgs = new Deque<number>();
	hitEntries = new Deque<number>();
	hitLines = 0;

	constructor(readonly filter: LogFilter) {}

	get lineBase(): number {
		return this.msgs.first()?.lineStart ?? this.lineEnd;
	}

	push(node: Node): void {
		const m = node.msg;
		const last = this.entries.last();
		const fold = m.suppressed !== undefined && last !== undefined && !last.noticeRun && last.counted > 0 && this.mentions(last, m.suppressed.name);
		if (!fold && !inFilter(m, this.filter)) return;
		const ord = this.msgs.end;
		let entry: Entry;
		if (fold) {
			entry = last!;
			entry.notices++;
			entry.suppressed += m.suppressed!.count;
		} else if (last && last.signature === m.signature) {
			entry = last;
			entry.counted++;
		} else {
			entry = {key: `e${m.seq}`, opener: m.seq, signature: m.signature, noticeRun: m.suppressed !== undefined, from: ord, to: ord, counted: 1, notices: 0, suppressed: 0, hits: 0};
			this.entries.push(entry);
		}
		entry.to++;
		this.msgs.push({node, lineStart: this.lineEnd, entry, folded: fold});
		this.lineEnd += m.records.length;
		if (node.hits > 0) {
			this.hitLines += node.hits;
			this.hitMsgs.push(ord);
			if (entry.hits++ === 0) this.hitEntries.push(this.entries.end - 1);
		}
	}

	/** Takes the newest message back out (it is about to grow). */
	pop(node: Node): void {
		if (this.msgs.last()?.node !== node) return;
		const slot = this.msgs.pop()!;
		this.lineEnd = slot.lineStart;
		const e = slot.entry;
		e.to--;
		if (slot.folded) {
			e.notices--;
			e.suppressed -= node.msg.suppressed!.count;
		} else e.counted--;
		if (node.hits > 0) {
			this.hitLines -= node.hits;
			this.hitMsgs.pop();
			if (--e.hits === 0) this.hitEntries.pop();
		}
		if (e.to === e.from) this.entries.pop();
	}

	/** Forgets the oldest message (the ring overwrote its head). */
	drop(node: Node): void {
		if (this.msgs.first()?.node !== node) return;
		const slot = this.msgs.shift()!;
		const e = slot.entry;
		e.from++;
		if (slot.folded) {
			e.notices--;
			e.suppressed -= node.msg.suppressed!.count;
		} else e.counted--;
		if (node.hits > 0) {
			this.hitLines -= node.hits;
			this.hitMsgs.shift();
			if (--e.hits === 0) this.hitEntries.shift();
		}
		if (e.from === e.to) this.entries.shift();
	}

	/** Recounts the hits after the query changed (the nodes' hits are already recounted). */
	rehit(): void {
		this.hitMsgs = new Deque();
		this.hitEntries = new Deque();
		this.hitLines = 0;
		for (let eo = this.entries.base; eo < this.entries.end; eo++) {
			const e = this.entries.at(eo)!;
			e.hits = 0;
			for (let mo = e.from; mo < e.to; mo++) {
				const hits = this.msgs.at(mo)!.node.hits;
				if (hits === 0) continue;
				this.hitLines += hits;
				this.hitMsgs.push(mo);
				if (e.hits++ === 0) this.hitEntries.push(eo);
			}
		}
	}

	/** Whether a ratelimit notice naming `name` belongs to this run (its newest message names it). */
	private mentions(e: Entry, name: string): boolean {
		if (name === 'printk') return true;
		const newest = this.newestCounted(e);
		return newest !== undefined && newest.node.msg.records.some((r) => r.text.includes(name));
	}

	newestCounted(e: Entry): Slot | undefined {
		for (let mo = e.to - 1; mo >= e.from; mo--) {
			const slot = this.msgs.at(mo)!;
			if (!slot.folded) return slot;
		}
		return undefined;
	}

	/** The slot holding line ordinal `line`. */
	slotOfLine(line: number): number {
		return this.msgs.firstWhere((s) => s.lineStart > line) - 1;
	}
}

/** Index of a line in `node` containing `query`, scanning from `from` in direction `dir`, or -1. */
function lineHit(node: Node, query: string, from: number, dir: 1 | -1): number {
	if (node.hits === 0) return -1;
	const lower = node.lower!;
	for (let i = from; i >= 0 && i < lower.length; i += dir) if (lower[i]!.includes(query)) return i;
	return -1;
}

// --- the index -------------------------------------------------------------------------------

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
	 * Reads the records printed since the last call; forgets messages whose head the ring has
	 * overwritten. Returns whether anything changed. A different log (or one that went back)
	 * starts the index afresh.
	 */
	update(log: KernelLog): boolean {
		if (log !== this.log || log.nextSequence < this.next) this.reset(log);
		if (log.nextSequence === this.next) return false;
		const {records} = log.since(this.next);
		this.next = log.nextSequence;
		this.overwritten = log.nextSequence - log.size;
		for (let first = this.nodes.first(); first && first.msg.seq < this.overwritten; first = this.nodes.first()) {
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
		while (this.nodes.length > 0) this.nodes.shift();
		this.lists = this.freshLists();
	}

	private freshLists(): Record<LogFilter, FilterList> {
		return {all: new FilterList('all'), problems: new FilterList('problems'), rcu: new FilterList('rcu')};
	}
}

interface ListAccess {
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

class EntryList extends LogList<LogEntryRow> {
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

class LineList extends LogList<LogLineRow> {
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

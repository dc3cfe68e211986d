// One filter's messages, collapsed into runs of repeats with ratelimit notices folded in, and
// their lines numbered: kept incrementally so a frame costs what was printed since the last one.
// What counts as a repeat and when a notice folds: the rules in message.ts.
import {Deque} from './deque.js';
import {inFilter, type LogFilter, type LogMessage} from './message.js';

export interface Node {
	readonly msg: LogMessage;
	/** Lower-cased lines, made the first time a query is searched. */
	lower?: readonly string[];
	/** Lines containing the current query. */
	hits: number;
}

export function hitsOf(node: Node, query: string): number {
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
export class FilterList {
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
		this.remove(node, 'newest');
	}

	/** Forgets the oldest message (the ring overwrote its head). */
	drop(node: Node): void {
		this.remove(node, 'oldest');
	}

	/** Takes `node` off one end, if it is there, and out of its run's counts and the hit counts. */
	private remove(node: Node, end: 'newest' | 'oldest'): void {
		const newest = end === 'newest';
		// Every deque here is in message order, so each gives up the item at the same end.
		const take = <T>(d: Deque<T>): T | undefined => (newest ? d.pop() : d.shift());
		if ((newest ? this.msgs.last() : this.msgs.first())?.node !== node) return;
		const slot = take(this.msgs)!;
		const e = slot.entry;
		if (newest) {
			this.lineEnd = slot.lineStart;
			e.to--;
		} else e.from++;
		if (slot.folded) {
			e.notices--;
			e.suppressed -= node.msg.suppressed!.count;
		} else e.counted--;
		if (node.hits > 0) {
			this.hitLines -= node.hits;
			take(this.hitMsgs);
			if (--e.hits === 0) take(this.hitEntries);
		}
		if (e.from === e.to) take(this.entries);
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

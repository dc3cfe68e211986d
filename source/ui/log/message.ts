// What one kernel log message is, and the rules that say so: its headline, its classes for the
// pane's filter, and the signature that makes consecutive messages repeats. The rules are stated
// here together; index.ts groups records into messages and filter-list.ts collapses and folds them.
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
import type {LogLevel, LogRecord} from '../../kernel/klog.js';

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

// The printk ring: records with a dmesg timestamp and level, bounded like log_buf
// (1 << CONFIG_LOG_BUF_SHIFT = 128 KiB): the oldest records are dropped first. The ring is
// plain data (LogState) inside the kernel's state; KernelLog is a handle over it.
import {dmesgStamp} from './time.js';
import {safeRecord} from '../terminal/safe-text.js';

export type LogLevel = 'emerg' | 'alert' | 'crit' | 'err' | 'warn' | 'notice' | 'info' | 'debug';

export interface LogRecord {
	/** Monotonic record number; a reader resumes from the last one it saw. */
	readonly seq: number;
	readonly ns: number;
	readonly level: LogLevel;
	readonly cpu: number;
	readonly text: string;
	/** First line of a message (the rest are its stack dump or continuation). */
	readonly head: boolean;
}

export const LOG_BUF_BYTES = 1 << 17;
/** Per-record overhead of struct log in 3.x (timestamp, lengths, level, flags). */
const RECORD_OVERHEAD = 16;

export interface LogState {
	records: LogRecord[];
	head: number;
	bytes: number;
	nextSeq: number;
	readonly capacity: number;
}

export function makeLogState(capacity = LOG_BUF_BYTES): LogState {
	return {records: [], head: 0, bytes: 0, nextSeq: 0, capacity};
}

export class KernelLog {
	readonly s: LogState;

	/** A handle over `state`, or over a new empty ring of that many bytes. */
	constructor(state: LogState | number = LOG_BUF_BYTES) {
		this.s = typeof state === 'number' ? makeLogState(state) : state;
	}

	print(ns: number, cpu: number, level: LogLevel, text: string, head = true): LogRecord {
		const s = this.s;
		const record: LogRecord = {seq: s.nextSeq++, ns, level, cpu, text, head};
		s.records.push(record);
		s.bytes += text.length + RECORD_OVERHEAD;
		while (s.bytes > s.capacity && s.head < s.records.length - 1) {
			s.bytes -= s.records[s.head]!.text.length + RECORD_OVERHEAD;
			s.head++;
		}
		if (s.head > 4096 && s.head * 2 > s.records.length) {
			s.records = s.records.slice(s.head);
			s.head = 0;
		}
		return record;
	}

	/** Records with seq >= from, oldest first, and how many were already overwritten. */
	since(from: number): {records: LogRecord[]; lost: number} {
		const s = this.s;
		const first = s.records[s.head];
		if (!first) return {records: [], lost: 0};
		const lost = Math.max(0, first.seq - from);
		const start = s.head + Math.max(0, from - first.seq);
		return {records: s.records.slice(start), lost};
	}

	/** The newest `count` records, oldest first. */
	tail(count: number): LogRecord[] {
		const s = this.s;
		return s.records.slice(Math.max(s.head, s.records.length - count));
	}

	get nextSequence(): number {
		return this.s.nextSeq;
	}

	get size(): number {
		return this.s.records.length - this.s.head;
	}
}

/** A record as dmesg prints it: one line, whatever a name from the scenario holds. */
export function formatRecord(record: LogRecord): string {
	return dmesgStamp(record.ns) + safeRecord(record.text);
}

// The printk ring: records with a dmesg timestamp and level, bounded like log_buf
// (1 << CONFIG_LOG_BUF_SHIFT = 128 KiB): the oldest records are dropped first.
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

export class KernelLog {
	private records: LogRecord[] = [];
	private head = 0;
	private bytes = 0;
	private nextSeq = 0;

	constructor(private readonly capacity = LOG_BUF_BYTES) {}

	print(ns: number, cpu: number, level: LogLevel, text: string, head = true): LogRecord {
		const record: LogRecord = {seq: this.nextSeq++, ns, level, cpu, text, head};
		this.records.push(record);
		this.bytes += text.length + RECORD_OVERHEAD;
		while (this.bytes > this.capacity && this.head < this.records.length - 1) {
			this.bytes -= this.records[this.head]!.text.length + RECORD_OVERHEAD;
			this.head++;
		}
		if (this.head > 4096 && this.head * 2 > this.records.length) {
			this.records = this.records.slice(this.head);
			this.head = 0;
		}
		return record;
	}

	/** Records with seq >= from, oldest first, and how many were already overwritten. */
	since(from: number): {records: LogRecord[]; lost: number} {
		const first = this.records[this.head];
		if (!first) return {records: [], lost: 0};
		const lost = Math.max(0, first.seq - from);
		const start = this.head + Math.max(0, from - first.seq);
		return {records: this.records.slice(start), lost};
	}

	/** The newest `count` records, oldest first. */
	tail(count: number): LogRecord[] {
		return this.records.slice(Math.max(this.head, this.records.length - count));
	}

	get nextSequence(): number {
		return this.nextSeq;
	}

	get size(): number {
		return this.records.length - this.head;
	}
}

/** A record as dmesg prints it: one line, whatever a name from the scenario holds. */
export function formatRecord(record: LogRecord): string {
	return dmesgStamp(record.ns) + safeRecord(record.text);
}

// dtrace_printf's circular buffer (driver/printf.c): a 64 KiB byte ring that never blocks
// and silently overwrites the oldest bytes. /proc/dtrace/trace shows the last LOG_BUFSIZ
// bytes, so after a wrap the first line shown may be cut at its start, as on the real ring.
// The ring is plain data (TraceState) inside the kernel's state; TraceRing is a handle over it.
import {secNsec} from './time.js';

export const LOG_BUFSIZ = 64 * 1024;

export interface TraceState {
	lines: string[];
	head: number;
	bytes: number;
	written: number;
	hrt0: number | undefined;
	readonly capacity: number;
}

export function makeTraceState(capacity = LOG_BUFSIZ): TraceState {
	return {lines: [], head: 0, bytes: 0, written: 0, hrt0: undefined, capacity};
}

export class TraceRing {
	readonly s: TraceState;

	/** A handle over `state`, or over a new empty ring of that many bytes. */
	constructor(state: TraceState | number = LOG_BUFSIZ) {
		this.s = typeof state === 'number' ? makeTraceState(state) : state;
	}

	/**
	 * One dtrace_printf line: `<sec>.<9-digit nsec> #<cpu> <pid>` then `-` when IRQs are
	 * off or `:` when on, then the message with no space. Time counts from the first call.
	 */
	printf(ns: number, cpu: number, pid: number, irqsOff: boolean, message: string): void {
		const s = this.s;
		s.hrt0 ??= ns;
		const line = `${secNsec(ns - s.hrt0)} #${cpu} ${pid}${irqsOff ? '-' : ':'}${message}`;
		s.lines.push(line);
		s.bytes += line.length + 1;
		s.written++;
		while (s.head < s.lines.length - 1 && s.bytes - (s.lines[s.head]!.length + 1) >= s.capacity) {
			s.bytes -= s.lines[s.head]!.length + 1;
			s.head++;
		}
		if (s.head > 4096 && s.head * 2 > s.lines.length) {
			s.lines = s.lines.slice(s.head);
			s.head = 0;
		}
	}

	/** Lines as /proc/dtrace/trace returns them, oldest first. */
	read(): string[] {
		const s = this.s;
		const out = s.lines.slice(s.head);
		const excess = s.bytes - s.capacity;
		if (excess > 0 && out.length > 0) out[0] = out[0]!.slice(excess);
		return out;
	}

	/** The newest `count` lines, copying only those (the monitor asks for them every frame). */
	tail(count: number): string[] {
		if (count <= 0) return [];
		const s = this.s;
		const start = Math.max(s.head, s.lines.length - count);
		const out = s.lines.slice(start);
		const excess = s.bytes - s.capacity;
		if (start === s.head && excess > 0 && out.length > 0) out[0] = out[0]!.slice(excess);
		return out;
	}

	get linesWritten(): number {
		return this.s.written;
	}

	get byteCount(): number {
		return Math.min(this.s.bytes, this.s.capacity);
	}
}

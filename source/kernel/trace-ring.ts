// dtrace_printf's circular buffer (driver/printf.c): a 64 KiB byte ring that never blocks
// and silently overwrites the oldest bytes. /proc/dtrace/trace shows the last LOG_BUFSIZ
// bytes, so after a wrap the first line shown may be cut at its start, as on the real ring.
import {secNsec} from './time.js';

export const LOG_BUFSIZ = 64 * 1024;

export class TraceRing {
	private lines: string[] = [];
	private head = 0;
	private bytes = 0;
	private written = 0;
	private hrt0: number | undefined;

	constructor(private readonly capacity = LOG_BUFSIZ) {}

	/**
	 * One dtrace_printf line: `<sec>.<9-digit nsec> #<cpu> <pid>` then `-` when IRQs are
	 * off or `:` when on, then the message with no space. Time counts from the first call.
	 */
	printf(ns: number, cpu: number, pid: number, irqsOff: boolean, message: string): void {
		this.hrt0 ??= ns;
		const line = `${secNsec(ns - this.hrt0)} #${cpu} ${pid}${irqsOff ? '-' : ':'}${message}`;
		this.lines.push(line);
		this.bytes += line.length + 1;
		this.written++;
		while (this.head < this.lines.length - 1 && this.bytes - (this.lines[this.head]!.length + 1) >= this.capacity) {
			this.bytes -= this.lines[this.head]!.length + 1;
			this.head++;
		}
		if (this.head > 4096 && this.head * 2 > this.lines.length) {
			this.lines = this.lines.slice(this.head);
			this.head = 0;
		}
	}

	/** Lines as /proc/dtrace/trace returns them, oldest first. */
	read(): string[] {
		const out = this.lines.slice(this.head);
		const excess = this.bytes - this.capacity;
		if (excess > 0 && out.length > 0) out[0] = out[0]!.slice(excess);
		return out;
	}

	/** The newest `count` lines, copying only those (the monitor asks for them every frame). */
	tail(count: number): string[] {
		if (count <= 0) return [];
		const start = Math.max(this.head, this.lines.length - count);
		const out = this.lines.slice(start);
		const excess = this.bytes - this.capacity;
		if (start === this.head && excess > 0 && out.length > 0) out[0] = out[0]!.slice(excess);
		return out;
	}

	get linesWritten(): number {
		return this.written;
	}

	get byteCount(): number {
		return Math.min(this.bytes, this.capacity);
	}
}

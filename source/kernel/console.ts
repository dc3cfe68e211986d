// printk's console (kernel/printk.c, 3.10): console_sem and the drain in console_unlock().
// vprintk_emit() stores the record under logbuf_lock with IRQs off (local_irq_save), then
// console_trylock_for_printk(): the CPU that gets console_sem calls console_unlock(), which
// writes every record not yet on the console -- those other CPUs printk meanwhile included --
// until the log is empty, and only then gives console_sem back; a CPU that does not get it
// leaves its record to the owner and returns at once.
//
// Where IRQs are off: console_unlock() takes logbuf_lock with raw_spin_lock_irqsave() and
// gives the flags back with local_irq_restore() after each record, but the flags it saved
// were already "off" (vprintk_emit's local_irq_save), so from printk the whole drain runs
// with IRQs off, however many records it writes. (console_may_schedule is 0 on this path:
// no cond_resched() between records either.) serial8250_console_write() (drivers/tty/serial/
// 8250/8250_core.c) calls touch_nmi_watchdog() for every record, which marks the NMI
// watchdog touched on every CPU and zeroes this CPU's soft-lockup timestamp. So an owner
// that never gets out of console_unlock() is not reported as a hard LOCKUP (the NMI finds
// the touch and skips its check) nor as a soft lockup (the hrtimer that would check never
// runs); what 3.10 reports is the RCU stall, from another CPU, every time it repeats.
//
// The console writes 10 bits per character (8N1) at its baud rate; a record is its dmesg
// timestamp "[%5lu.%06lu] " (15 characters), its text, and "\r\n" (uart_console_write turns
// "\n" into "\r\n"). A record at or above console_loglevel is not written
// (call_console_drivers returns at once): it costs only its copy (msg_print_text).
import type {Cpu, Task} from './cpu.js';
import type {Kernel} from './kernel.js';
import type {LogLevel, LogRecord} from './klog.js';
import {startTimed} from './sched.js';
import type {StuckNode} from './waitfor.js';

/** The console a scenario declares: its baud rate and console_loglevel. */
export interface ConsoleConfig {
	readonly baud: number;
	/** console_loglevel: records of a lower level number are written (default 7, `quiet` 4). */
	readonly loglevel: number;
}

/** console_sem and the console's place in the log, plain data. */
export interface ConsoleState {
	/** CPU that holds console_sem, or -1. */
	owner: number;
	/** When the owner took it. */
	since: number;
	/** console_seq: the next record to write. */
	seq: number;
	/** Records behind the console when the owner took console_sem (its own included). */
	backlogAtTake: number;
	/** Records written to the console, and characters. */
	written: number;
	chars: number;
	/** Records that were overwritten in the log before the console got to them. */
	dropped: number;
}

export function makeConsoleState(): ConsoleState {
	return {owner: -1, since: 0, seq: 0, backlogAtTake: 0, written: 0, chars: 0, dropped: 0};
}

/** console_loglevel with the `quiet` mitigation: what init/main.c's quiet_kernel() sets. */
export const QUIET_LOGLEVEL = 4;
/** msg_print_text's copy of one record under logbuf_lock. */
const COPY_NS = 2_000;
/** "[%5lu.%06lu] " and "\r\n". */
const STAMP_CHARS = 15;
const EOL_CHARS = 2;
/** How long an owner must have been losing ground before the wait-for graph calls it stuck. */
export const CONSOLE_STUCK_NS = 1_000_000_000;

const LEVELS: readonly LogLevel[] = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];

export function consoleLoglevel(k: Kernel): number {
	const c = k.config.console!;
	return k.s.mitigated && k.config.mitigation?.option === 'quiet' ? QUIET_LOGLEVEL : c.loglevel;
}

/** Characters the console writes for a record. */
export function recordChars(r: LogRecord): number {
	return STAMP_CHARS + r.text.length + EOL_CHARS;
}

/** Nanoseconds the console takes for `chars` characters: 10 bits each at `baud`. */
export function consoleNs(baud: number, chars: number): number {
	return Math.ceil((chars * 10 * 1e9) / baud);
}

/** Records stored but not yet on the console. */
export function backlog(k: Kernel): number {
	return Math.max(0, k.log.nextSequence - k.s.console.seq);
}

/** console_trylock_for_printk(): the CPU takes console_sem if nobody holds it. */
export function consoleTrylock(k: Kernel, cpu: Cpu, task: Task): boolean {
	const c = k.s.console;
	if (c.owner === -1) {
		c.owner = cpu.id;
		c.since = k.s.now;
		c.backlogAtTake = backlog(k);
	}
	task.pc++;
	return true;
}

/**
 * console_unlock() as a loop of steps: while this CPU owns console_sem and records are
 * behind, write the next one (the step stays the current one); then give console_sem back.
 */
export function consoleDrain(k: Kernel, cpu: Cpu, task: Task): boolean {
	const c = k.s.console;
	if (c.owner !== cpu.id) {
		task.pc++;
		return true;
	}
	const {records, lost} = k.log.since(c.seq);
	const record = records[0];
	if (record === undefined) {
		c.owner = -1;
		task.pc++;
		return true;
	}
	// "messages are gone, move to first one"
	c.dropped += lost;
	c.seq = record.seq + 1;
	let ns = COPY_NS;
	let fn = 'msg_print_text';
	if (LEVELS.indexOf(record.level) < consoleLoglevel(k)) {
		const chars = recordChars(record);
		ns += consoleNs(k.config.console!.baud, chars);
		c.written++;
		c.chars += chars;
		fn = 'serial8250_console_write';
		touchNmiWatchdog(k, cpu);
	}
	// The step runs again when the write is done (the step-done event moves pc on by one).
	task.pc--;
	startTimed(k, cpu, {kind: 'run', mode: 'kernel', fn, until: 0}, ns);
	return false;
}

/** touch_nmi_watchdog() (kernel/watchdog.c): every CPU's NMI check skips once; this CPU's soft-lockup timestamp is zeroed. */
export function touchNmiWatchdog(k: Kernel, cpu: Cpu): void {
	for (const c of k.s.cpus) c.nmiTouched = true;
	cpu.touchTs = 0;
}

/** Whether the console owner has been losing ground long enough to call it stuck. */
export function consoleOwnerStuck(k: Kernel): boolean {
	const c = k.s.console;
	return c.owner >= 0 && k.s.now - c.since >= CONSOLE_STUCK_NS && backlog(k) >= c.backlogAtTake;
}

/**
 * The wait-for graph's view of a console owner that cannot get out of console_unlock():
 * nothing it waits for, but the other CPUs print faster than the console writes.
 */
export function consoleWaits(k: Kernel, stuck: StuckNode[]): void {
	if (!k.config.console || !consoleOwnerStuck(k)) return;
	const c = k.s.console;
	const cpu = k.s.cpus[c.owner]!;
	const t = cpu.current;
	const printers = [...new Set(k.log.since(Math.max(c.seq, k.log.nextSequence - 64)).records.filter((r) => r.cpu !== c.owner).map((r) => r.cpu))].sort((a, b) => a - b);
	const who = printers.length > 0 ? printers.map((p) => `CPU${p}`).join(', ') : 'the other CPUs';
	stuck.push({
		node: `cpu${c.owner}`,
		since: c.since,
		text: `CPU${c.owner}${t ? ` (${t.comm}, pid ${t.pid})` : ''} owns console_sem and writes the log to the ${k.config.console.baud}-baud console in console_unlock with IRQs off, ${backlog(k)} records behind: ${who} printk faster than it can write, so it never gets out`,
	});
}

/** What a stack dump shows under the record being written: the write loop, then printk's path into it. */
export function consoleFrames(fn: string | undefined): string[] {
	const path = ['console_unlock', 'vprintk_emit', 'printk'];
	return fn === 'serial8250_console_write' ? ['wait_for_xmitr', 'serial8250_console_putchar', 'uart_console_write', fn, 'call_console_drivers', ...path] : [fn ?? 'msg_print_text', ...path];
}

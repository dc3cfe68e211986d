// printk (kernel/printk.c): messages into the log ring (klog.ts), WARN splats, panic. On the
// 3.x flavour printk takes logbuf_lock; a printk while that lock is held by a CPU that can
// never let go would spin for ever, so the emulator drops the message and counts it instead.
import type {Cpu} from './cpu.js';
import type {Kernel} from './kernel.js';
import type {LogLevel, LogRecord} from './klog.js';
import type {Spinlock} from './locks.js';
import * as msg from './messages.js';
import {stackContext} from './stacktrace.js';

import {LOGBUF_LOCK} from './config.js';

export {LOGBUF_LOCK};

export function printk(k: Kernel, cpu: number, level: LogLevel, text: string): LogRecord | undefined {
	if (logbufWedged(k)) return undefined;
	return k.log.print(k.s.now, cpu, level, text, true);
}

/** Prints a multi-line message: the first line is its head, the rest its body. */
export function printLines(k: Kernel, cpu: number, lines: readonly msg.Line[]): void {
	if (logbufWedged(k)) return;
	const now = k.s.now;
	lines.forEach((line, i) => k.log.print(now, cpu, line.level, line.text, i === 0));
}

/**
 * Whether logbuf_lock is held by a CPU that can never release it. Such a printk would
 * spin for ever; the emulator drops the message and counts it instead of hanging the
 * handler that printed it.
 */
export function logbufWedged(k: Kernel): boolean {
	const s = k.s;
	const lock = s.locks.get(LOGBUF_LOCK) as Spinlock | undefined;
	if (!lock || lock.holder < 0) return false;
	const holder = s.cpus[lock.holder]!;
	const wedged = holder.activity.kind === 'stuck' || (s.lockup?.cpus.includes(lock.holder) ?? false);
	if (wedged) s.lostMessages++;
	return wedged;
}

/** WARN_ON_ONCE: the splat is printed the first time a site trips, once per boot. */
export function warnOnce(k: Kernel, cpu: Cpu, site: msg.WarnSite, message: string | undefined, callers: readonly string[]): boolean {
	const key = `${site.file}:${site.line}`;
	if (k.s.warnedSites.has(key)) return false;
	k.s.warnedSites.add(key);
	warn(k, cpu, site, message, {callers});
	return true;
}

/**
 * A WARN splat from `site`. `callers` are the frames below the warning function (the
 * CPU's current activity by default); `nmi` frames put the whole warning on the NMI stack.
 */
export function warn(k: Kernel, cpu: Cpu, site: msg.WarnSite, message: string | undefined, where: {callers?: readonly string[]; nmi?: readonly string[]} = {}): void {
	const warnFrames = ['dump_stack', 'warn_slowpath_common', message === undefined ? 'warn_slowpath_null' : 'warn_slowpath_fmt', site.fn];
	const base = stackContext(k, cpu);
	const ctx: msg.StackContext = where.nmi
		? {...base, irqFrames: [...warnFrames, ...where.nmi], irqKind: 'NMI'}
		: {...base, frames: [...warnFrames, ...(where.callers ?? base.frames)]};
	printLines(k, cpu.id, msg.warnSplat(k.config.formats, site, message, ctx, k.s.oopsId));
	k.s.warnings.warn++;
	k.s.taint.add('W');
}

/** Halts the machine: "Kernel panic - not syncing: ...". */
export function panic(k: Kernel, cpu: Cpu, reason: string): void {
	printk(k, cpu.id, 'emerg', `Kernel panic - not syncing: ${reason}`);
	k.s.panicked = reason;
}

// Kernel message formats, character for character (shared/reference/kernel.md). Each
// function returns the printk records one message produces; the caller stamps them.
import type {LogLevel} from './klog.js';

export interface Line {
	readonly level: LogLevel;
	readonly text: string;
}

/** What dump_stack and show_regs need to know about the CPU that prints. */
export interface StackContext {
	readonly cpu: number;
	readonly pid: number;
	readonly comm: string;
	readonly tainted: string;
	readonly release: string;
	readonly modules: string;
	/** Innermost frame first. */
	readonly frames: readonly string[];
	/** Frames that ran in NMI or hardirq context, printed between <NMI>/<IRQ> and <EOI>. */
	readonly irqFrames?: readonly string[];
	readonly irqKind?: 'NMI' | 'IRQ';
}

export const HARDWARE_NAME = 'xcalltop emulated SMP machine, BIOS 1.0 11/21/2026';

// --- symbols -------------------------------------------------------------------------
// Addresses are derived from the symbol name, so a symbol prints the same everywhere.

function fnv(text: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
	return h >>> 0;
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/** Where a symbol lives, its size, and the offset its stack frames stop at. */
function symbol(name: string): {base: number; size: number; off: number} {
	const h = fnv(name);
	const size = 0x20 + ((h >>> 8) % 0x3e0);
	return {base: 0x81000000 + ((h % 0x5f0000) & ~0xf), size, off: 0x5 + ((h >>> 3) % (size - 0x8))};
}

/** `name+0xoff/0xsize` as %pS prints it. */
export function symbolOffset(name: string): string {
	const {size, off} = symbol(name);
	return `${name}+0x${off.toString(16)}/0x${size.toString(16)}`;
}

function address(name: string): string {
	const {base, off} = symbol(name);
	return `ffffffff${hex(base + off, 8)}`;
}

/** The symbol's entry address as %p prints it (16 hex digits): where an fbt entry probe's int3 sits. */
export function symbolAddress(name: string): string {
	return `ffffffff${hex(symbol(name).base, 8)}`;
}

export function frame(name: string): string {
	return ` [<${address(name)}>] ${symbolOffset(name)}`;
}

// --- taint ---------------------------------------------------------------------------

/**
 * print_tainted(): "Not tainted", or one column per flag in taint order with the flag
 * letter where set. The first column is P (proprietary module) or G; the rest are blank
 * where unset, and the padding is kept. 3.10 has 13 flags; later kernels add E L K X T.
 */
export function taintString(flags: ReadonlySet<string>, formats: '3.x' | 'modern' = '3.x'): string {
	if (flags.size === 0) return 'Not tainted';
	const order = formats === '3.x' ? 'PFSRMBUDAWCIO' : 'PFSRMBUDAWCIOELKXT';
	let out = 'Tainted: ';
	for (const flag of order) out += flags.has(flag) ? flag : flag === 'P' ? 'G' : ' ';
	return out;
}

// --- stack dumps ---------------------------------------------------------------------

export function dumpStack(ctx: StackContext, level: LogLevel = 'warn'): Line[] {
	const lines: Line[] = [
		{level, text: `CPU: ${ctx.cpu} PID: ${ctx.pid} Comm: ${ctx.comm.slice(0, 20)} ${ctx.tainted} ${ctx.release} #1`},
		{level, text: `Hardware name: ${HARDWARE_NAME}`},
		{level, text: 'Call Trace:'},
	];
	const irq = ctx.irqFrames ?? [];
	irq.forEach((name, i) => {
		const f = frame(name);
		lines.push({level, text: i === 0 ? ` <${ctx.irqKind ?? 'IRQ'}> ${f}` : f});
	});
	ctx.frames.forEach((name, i) => {
		const f = frame(name);
		// 3.x closes an IRQ stack with <EOI> and the NMI exception stack with <<EOE>>.
		const close = ctx.irqKind === 'NMI' ? '<<EOE>>' : '<EOI>';
		lines.push({level, text: i === 0 && irq.length > 0 ? ` ${close} ${f}` : f});
	});
	return lines;
}

function showRegs(ctx: StackContext, level: LogLevel): Line[] {
	const rip = ctx.frames[0] ?? 'native_safe_halt';
	const [head, hw, ...rest] = dumpStack(ctx, level);
	return [head!, hw!, {level, text: `RIP: 0010:[<${address(rip)}>]  [<${address(rip)}>] ${symbolOffset(rip)}`}, ...rest];
}

export function endTrace(oopsId: string): Line {
	return {level: 'warn', text: `---[ end trace ${oopsId} ]---`};
}

// --- WARN ----------------------------------------------------------------------------

export interface WarnSite {
	readonly file: string;
	readonly line: number;
	readonly fn: string;
}

export const SMP_CALL_FUNCTION_MANY_WARN: WarnSite = {file: 'kernel/smp.c', line: 381, fn: 'smp_call_function_many'};
export const SMP_CALL_FUNCTION_SINGLE_WARN: WarnSite = {file: 'kernel/smp.c', line: 243, fn: 'smp_call_function_single'};
export const WATCHDOG_OVERFLOW_WARN: WarnSite = {file: 'kernel/watchdog.c', line: 245, fn: 'watchdog_overflow_callback'};

/** warn_slowpath_common (3.10) or __warn (modern), with its stack and end marker. */
export function warnSplat(
	formats: '3.x' | 'modern',
	site: WarnSite,
	message: string | undefined,
	ctx: StackContext,
	oopsId: string,
): Line[] {
	const head =
		formats === '3.x'
			? `WARNING: at ${site.file}:${site.line} ${symbolOffset(site.fn)}()`
			: `WARNING: CPU: ${ctx.cpu} PID: ${ctx.pid} at ${site.file}:${site.line} ${symbolOffset(site.fn)}`;
	const lines: Line[] = [
		{level: 'warn', text: '------------[ cut here ]------------'},
		{level: 'warn', text: head},
	];
	if (message !== undefined) lines.push({level: 'warn', text: message});
	lines.push({level: 'warn', text: `Modules linked in: ${ctx.modules}`});
	lines.push(...dumpStack(ctx));
	lines.push(endTrace(oopsId));
	return lines;
}

// --- watchdogs -----------------------------------------------------------------------

export function softLockupLine(formats: '3.x' | 'modern', cpu: number, seconds: number, comm: string, pid: number): string {
	const text = `BUG: soft lockup - CPU#${cpu} stuck for ${seconds}s! [${comm}:${pid}]`;
	return formats === '3.x' ? text : `watchdog: ${text}`;
}

export function softLockupReport(
	formats: '3.x' | 'modern',
	seconds: number,
	ctx: StackContext,
): Line[] {
	return [
		{level: 'emerg', text: softLockupLine(formats, ctx.cpu, seconds, ctx.comm, ctx.pid)},
		{level: 'emerg', text: `Modules linked in: ${ctx.modules}`},
		...showRegs(ctx, 'emerg'),
	];
}

export function hardLockupMessage(cpu: number): string {
	return `Watchdog detected hard LOCKUP on cpu ${cpu}`;
}

/** The hard-lockup report: a WARN splat on 3.x, one pr_emerg line plus stack on modern. */
export function hardLockupReport(formats: '3.x' | 'modern', ctx: StackContext, oopsId: string): Line[] {
	if (formats === '3.x') return warnSplat('3.x', WATCHDOG_OVERFLOW_WARN, hardLockupMessage(ctx.cpu), ctx, oopsId);
	return [
		{level: 'emerg', text: `NMI watchdog: ${hardLockupMessage(ctx.cpu)}`},
		{level: 'emerg', text: `Modules linked in: ${ctx.modules}`},
		...showRegs(ctx, 'emerg'),
	];
}

export function schedulingWhileAtomic(comm: string, pid: number, preemptCount: number): string {
	return `BUG: scheduling while atomic: ${comm}/${pid}/0x${hex(preemptCount, 8)}`;
}

// --- RCU -----------------------------------------------------------------------------

export interface RcuStallNumbers {
	readonly flavour: string;
	/** jiffies - gp_start */
	readonly t: number;
	readonly gpnum: number;
	readonly completed: number;
	readonly q: number;
}

/** 3.x print_cpu_stall(): `INFO: %s self-detected stall on CPU { %d}  (t=...)`. */
export function rcuSelfStall3x(cpu: number, n: RcuStallNumbers): string {
	return `INFO: ${n.flavour} self-detected stall on CPU { ${cpu}}  (t=${n.t} jiffies g=${n.gpnum} c=${n.completed} q=${n.q})`;
}

/** 3.x print_other_cpu_stall(): per rcu_node, " P%d" per blocked task (rcu_print_task_stall), then " %d" per stalled CPU. */
export function rcuOtherStall3x(stalled: readonly number[], detectedBy: number, n: RcuStallNumbers, blockedPids: readonly number[] = []): string {
	const list = blockedPids.map((p) => ` P${p}`).join('') + stalled.map((c) => ` ${c}`).join('');
	return `INFO: ${n.flavour} detected stalls on CPUs/tasks: {${list}} (detected by ${detectedBy}, t=${n.t} jiffies, g=${n.gpnum}, c=${n.completed}, q=${n.q})`;
}

export const RCU_STALL_ENDED = 'INFO: Stall ended before state dump start';

export interface RcuCpuInfo {
	readonly cpu: number;
	readonly ticksThisGp: number;
	readonly softirq: number;
	readonly fqs: number;
}

function modernCpuLine(info: RcuCpuInfo): string {
	return `rcu: \t${info.cpu}-....: (${info.ticksThisGp} ticks this GP) idle=${hex(0x8fa + info.cpu * 2, 3)}/1/0x4000000000000000 softirq=${info.softirq}/${info.softirq} fqs=${info.fqs} `;
}

/** Modern (4.x-6.x) self-detected stall: three records. */
export function rcuSelfStallModern(info: RcuCpuInfo, n: RcuStallNumbers): string[] {
	return [
		`rcu: INFO: ${n.flavour} self-detected stall on CPU`,
		modernCpuLine(info),
		`\t(t=${n.t} jiffies g=${n.gpnum} q=${n.q})`,
	];
}

export function rcuOtherStallModern(stalled: readonly RcuCpuInfo[], detectedBy: number, n: RcuStallNumbers): string[] {
	return [
		`rcu: INFO: ${n.flavour} detected stalls on CPUs/tasks:`,
		...stalled.map(modernCpuLine),
		`\t(detected by ${detectedBy}, t=${n.t} jiffies, g=${n.gpnum}, q=${n.q})`,
	];
}

export function nmiBacktraceHeader(): string {
	return 'sending NMI to all CPUs:';
}

export function nmiBacktraceFor(cpu: number): string {
	return `NMI backtrace for cpu ${cpu}`;
}

// --- lockdep: suspicious RCU usage ------------------------------------------------------

export interface SuspiciousRcu {
	readonly file: string;
	readonly line: number;
	readonly what: string;
	/** RCU is not watching because the CPU is idle (adds the idle line). */
	readonly idle: boolean;
	readonly release: string;
	readonly tainted: string;
	/** `comm/pid` for the held-locks line. */
	readonly holder: string;
}

/**
 * lockdep_rcu_suspicious(): 3.x prints the bracketed header and 31-character rules; modern
 * kernels a 29-character rule and "WARNING: suspicious RCU usage". debug_locks reads 0
 * because the splat turns lock debugging off before it prints.
 */
export function suspiciousRcu(formats: '3.x' | 'modern', s: SuspiciousRcu): Line[] {
	const w = (text: string): Line => ({level: 'warn', text});
	const head =
		formats === '3.x'
			? [w(''), w('==============================='), w('[ INFO: suspicious RCU usage. ]'), w(`${s.release} #1 ${s.tainted}`), w('-------------------------------')]
			: [w(''), w('============================='), w('WARNING: suspicious RCU usage'), w(`${s.release} #1 ${s.tainted}`), w('-----------------------------')];
	return [
		...head,
		w(`${s.file}:${s.line} ${s.what}!`),
		w(''),
		w('other info that might help us debug this:'),
		w(''),
		w(''),
		...(s.idle ? [w('RCU used illegally from idle CPU!')] : []),
		w('rcu_scheduler_active = 1, debug_locks = 0'),
		w('RCU used illegally from extended quiescent state!'),
		w(`no locks held by ${s.holder}.`),
		w(''),
		w('stack backtrace:'),
	];
}

// --- hung task (kernel/hung_task.c, kernel/sched/core.c) ----------------------------------

/**
 * check_hung_task()'s report (3.10): two KERN_ERR lines, then sched_show_task(t): the
 * `%-15.15s %c` state line (`D` for TASK_UNINTERRUPTIBLE, then ` %016lx ` thread_saved_pc and
 * `%5lu %5d %6d 0x%08lx`: stack free (0 without DEBUG_STACK_USAGE), pid, parent's pid, thread
 * flags), and show_stack(t, NULL): up to 12 raw stack words, 4 a line, then the call trace.
 * `frames` innermost first.
 */
export function hungTaskReport(comm: string, pid: number, timeoutSecs: number, frames: readonly string[], ppid = 1): Line[] {
	const seed = fnv(`${comm}:${pid}`);
	// The task's kernel stack (thread.sp) lives in the direct map: ffff8800xxxxxxxx.
	const sp = 0x30000000 + ((seed & 0x0fffff) << 8);
	const stackAddr = (off: number): string => `ffff8800${hex(sp + off, 8)}`;
	const words: string[] = [];
	for (let i = 0; i < 12; i++) words.push(i % 3 === 2 ? address(frames[Math.floor(i / 3) % frames.length] ?? 'schedule') : stackAddr(0x40 + i * 8));
	const raw: Line[] = [0, 4, 8].map((i) => ({level: 'warn', text: words.slice(i, i + 4).map((w) => ` ${w}`).join('')}));
	return [
		{level: 'err', text: `INFO: task ${comm}:${pid} blocked for more than ${timeoutSecs} seconds.`},
		{level: 'err', text: '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.'},
		{level: 'info', text: `${comm.slice(0, 15).padEnd(15)} D ${stackAddr(0)} ${'0'.padStart(5)} ${String(pid).padStart(5)} ${String(ppid).padStart(6)} 0x00000000`},
		...raw,
		{level: 'warn', text: 'Call Trace:'},
		...frames.map((name): Line => ({level: 'warn', text: frame(name)})),
	];
}

// `xcalltop run`: the kernel as fast as the machine allows, printing the kernel log as it
// happens, then /proc/interrupts and a summary (or the summary as one JSON object).
import type {Kernel} from '../kernel/kernel.js';
import type {FlagInput} from '../scenario/inputs.js';
import {formatRecord} from '../kernel/klog.js';
import {renderProcInterrupts, renderProcSoftirqs} from '../kernel/procfs.js';
import {isFreeBsd, renderVmstatI} from '../kernel/freebsd/vmstat.js';
import {deviceIrqRows} from '../kernel/irq.js';
import {formatSummary, summarize, type RunSummary} from '../kernel/summary.js';
import {formatSeconds, NS_PER_MS} from '../kernel/time.js';
import type {LoadedScenario} from '../scenario/load.js';
import {buildKernel} from '../scenario/machine.js';
import {safeJson, safeRecord} from '../terminal/safe-text.js';
import type {DtracePort} from '../kernel/dtrace/port.js';

export interface RunOptions {
	readonly seed?: number | undefined;
	readonly until?: number | undefined;
	readonly inputs?: readonly FlagInput[];
	readonly json?: boolean;
	readonly quiet?: boolean;
	readonly expect?: 'lockup' | 'no-lockup' | undefined;
	readonly mitigated?: boolean;
	/** What to print after the log: interrupts (default), stats, trace. */
	readonly show?: readonly ShowItem[];
}

export const SHOW_ITEMS = ['interrupts', 'stats', 'trace', 'softirqs'] as const;
export type ShowItem = (typeof SHOW_ITEMS)[number];

/** The /proc files `--show` asks for, each under a `--- name` line; by default /proc/interrupts, and /proc/softirqs when the scenario has timers or tasklets. */
export function renderShow(kernel: Kernel, show: readonly ShowItem[] = kernel.config.timers || kernel.config.tasklets ? ['interrupts', 'softirqs'] : ['interrupts']): string {
	const port = kernel.extension<DtracePort>('dtrace');
	let out = '';
	for (const item of show) {
		if (item === 'interrupts' && isFreeBsd(kernel)) out += `--- vmstat -i at ${formatSeconds(kernel.now)}\n${renderVmstatI(kernel)}`;
		else if (item === 'interrupts') out += `--- /proc/interrupts at ${formatSeconds(kernel.now)}\n${renderProcInterrupts(kernel.cpus, 0, 0, deviceIrqRows(kernel))}`;
		else if (item === 'softirqs') out += `--- /proc/softirqs at ${formatSeconds(kernel.now)}\n${renderProcSoftirqs(kernel.s.softirq.counts)}`;
		else if (!port) out += `--- /proc/dtrace/${item}: no DTrace driver in this scenario\n`;
		else if (item === 'stats') out += `--- /proc/dtrace/stats\n${port.stats.render()}`;
		else out += `--- /proc/dtrace/trace\n${kernel.trace.read().map((l) => safeRecord(l) + '\n').join('')}`;
	}
	return out;
}

/** Virtual time run between two flushes of the kernel log to the output. */
const CHUNK = 50 * NS_PER_MS;

/**
 * Why the outcome is not the expected one, or undefined when it is. A lockup counts even
 * when the kernel then panicked (a watchdog panic follows a lockup); a panic is never
 * "no lockup".
 */
export function expectMismatch(expect: 'lockup' | 'no-lockup', s: RunSummary): string | undefined {
	const panic = s.panic === undefined ? '' : ` "${s.panic}"`;
	if (expect === 'lockup') {
		if (s.lockup) return undefined;
		return s.panic === undefined ? `expected lockup, got no lockup by ${s.virtualTime}` : `expected lockup, got panic${panic} without a lockup`;
	}
	if (s.lockup) return `expected no-lockup, got lockup of ${s.lockup.cpus.map((c) => `CPU${c}`).join(',')} at ${s.lockup.atText}${s.panic === undefined ? '' : `, then panic${panic}`}`;
	return s.panic === undefined ? undefined : `expected no-lockup, got panic${panic}`;
}

export function runHeadless(loaded: LoadedScenario, opts: RunOptions, write: (text: string) => void): {summary: RunSummary; exitCode: number; mismatch: string | undefined} {
	const kernel = buildKernel(loaded, {seed: opts.seed, inputs: opts.inputs, mitigated: opts.mitigated});
	const until = opts.until ?? loaded.scenario.until;
	const printLog = !opts.json && !opts.quiet;
	let cursor = 0;
	const flush = (): void => {
		const {records, lost} = kernel.log.since(cursor);
		cursor = kernel.log.nextSequence;
		if (!printLog) return;
		let out = lost > 0 ? `(${lost} kernel log records overwritten before they were read)\n` : '';
		for (const r of records) out += formatRecord(r) + '\n';
		if (out) write(out);
	};
	while (kernel.now < until && kernel.panicked === undefined) {
		kernel.advance(Math.min(until, kernel.now + CHUNK));
		flush();
	}
	const summary = summarize(kernel);
	if (opts.json) {
		write(safeJson(summary) + '\n');
	} else {
		write(`${renderShow(kernel, opts.show)}--- summary\n${formatSummary(summary)}\n`);
	}
	const mismatch = opts.expect === undefined ? undefined : expectMismatch(opts.expect, summary);
	return {summary, exitCode: mismatch === undefined ? 0 : 1, mismatch};
}

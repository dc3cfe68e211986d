// One line per single-stepped event: which event ran, on which CPU, and what came of it,
// in Linux terms (`CPU1: CAL IPI from CPU0 delivered`). Why: the step key is how a person
// watches a lockup form, and an event that leaves the screen unchanged (an IPI left pending
// because IRQs are off) says nothing unless it is put in words. Only Kernel.step() calls
// this, before and after the one event it runs; the hot loop never does. A callback says
// what it did through the describer registered with its function (Kernel.define).
import {V_CAL, V_CALS, V_DTRACE, V_LOC, V_RES, bit} from './apic.js';
import type {Activity, Callback, Context, Cpu, HrtimerCallback, Task} from './cpu.js';
import {blockedSoftirq, cpuList, describe, doingText, notTaking, queuedFrom, waitPhrase} from './describe.js';
import type {Kernel} from './kernel.js';
import type {Warnings} from './state.js';
import {formatDuration} from './time.js';
import {lockupParties, waitFor, type Lockup} from './waitfor.js';
import {canService} from './smp.js';
import {isFreeBsd} from './freebsd/vmstat.js';

/** The event kinds of the kernel's queue, by name. */
export type EventName =
	| 'none'
	| 'tick'
	| 'watchdog-hrtimer'
	| 'watchdog-nmi'
	| 'step-done'
	| 'resume'
	| 'ipi'
	| 'input'
	| 'task-wake'
	| 'detect'
	| 'callback'
	| 'ipi-many'
	| 'hrtimer'
	| 'perf-nmi'
	| 'hung-task';

/** The names by the kernel's event kind numbers (EV_* in engine.ts); never consulted while running. */
const EVENT_NAMES: readonly EventName[] = ['none', 'tick', 'watchdog-hrtimer', 'watchdog-nmi', 'step-done', 'resume', 'ipi', 'input', 'task-wake', 'detect', 'callback', 'ipi-many', 'hrtimer', 'perf-nmi', 'hung-task'];

export interface StepReport {
	/** Virtual ns at which the event ran. */
	readonly at: number;
	readonly event: EventName;
	/** The CPUs it concerns, in order (empty for machine-wide bookkeeping). */
	readonly cpus: readonly number[];
	/** One line for the status line, starting with the CPU(s): `CPU0: local timer tick`. */
	readonly text: string;
}

interface CpuBefore {
	readonly irr: number;
	readonly depth: number;
	readonly ctx: Context;
	readonly irqsOn: boolean;
	readonly token: number;
	readonly kind: Activity['kind'];
	readonly activity: Activity;
	readonly doing: string;
	readonly task: Task | undefined;
	readonly stolen: number;
	readonly hrtimerIntsSaved: number;
	readonly hardWarned: boolean;
}

/** What step() notes before the event runs. */
export interface Before {
	readonly event: EventName;
	readonly cpu: number;
	readonly arg: number;
	readonly payload: unknown;
	readonly cpus: readonly CpuBefore[];
	readonly logNext: number;
	readonly warnings: Warnings;
	readonly lockup: Lockup | undefined;
	/** Who sent the IPI about to arrive, while the senders are still queued. */
	readonly ipiFrom: string | undefined;
	/** What a task-wake event will do, by the rule onTaskWake applies. */
	readonly wake: 'starts' | 'wakes' | 'stale' | undefined;
}

const IPI_NAME: Readonly<Record<number, string>> = {
	[V_LOC]: 'local timer interrupt',
	[V_RES]: 'RES IPI (reschedule)',
	[V_CAL]: 'CAL IPI (call function)',
	[V_CALS]: 'CAL1 IPI (call function single)',
	[V_DTRACE]: 'dtrace IPI (vector 0xd9)',
};

/** FreeBSD names the IPI by what it is for (IPI_RENDEZVOUS) and its IDT entry. */
const ipiName = (k: Kernel, v: number): string => (v === V_CALS && isFreeBsd(k) ? 'IPI_RENDEZVOUS (Xrendezvous)' : (IPI_NAME[v] ?? `vector ${v}`));

export function takeBefore(k: Kernel, kind: number, cpu: number, arg: number, payload: unknown): Before {
	const event = EVENT_NAMES[kind] ?? 'none';
	let ipiFrom: string | undefined;
	let wake: Before['wake'];
	if (event === 'task-wake') {
		const task = payload as Task;
		wake = task.state === 'sleeping' && (task.sleepsOn === undefined || task.wakeOnTimeout) && arg === task.sleepToken ? 'wakes' : task.state === 'new' ? 'starts' : 'stale';
	}
	if (event === 'ipi') ipiFrom = ipiSender(k, k.cpus[cpu]!, arg);
	else if (event === 'ipi-many') for (const t of payload as readonly number[]) if ((ipiFrom = ipiSender(k, k.cpus[t]!, arg)) !== undefined) break;
	return {
		event,
		cpu,
		arg,
		payload,
		cpus: k.cpus.map((c) => ({
			irr: c.irr,
			depth: c.irqStack.length,
			ctx: c.ctx,
			irqsOn: c.irqsOn,
			token: c.token,
			kind: c.activity.kind,
			activity: c.activity,
			doing: describe(k, c),
			task: c.current,
			stolen: c.stolen,
			hrtimerIntsSaved: c.hrtimerIntsSaved,
			hardWarned: c.hardWarned,
		})),
		logNext: k.log.nextSequence,
		warnings: {...k.warnings},
		lockup: k.lockup,
		ipiFrom,
		wake,
	};
}

/** `from CPU0 (sync_remote_state)`: the extensions know their own vectors; CAL has the call queue. */
function ipiSender(k: Kernel, cpu: Cpu, vector: number): string | undefined {
	for (const ext of k.extensionList) {
		const from = ext.describeIpi?.(k, cpu, vector);
		if (from !== undefined) return from;
	}
	return vector === V_CAL ? queuedFrom(cpu.callQueue, cpu.callHead) : undefined;
}

const taskName = (task: Task | undefined, cpu: number): string => (task ? `${task.comm}/${task.pid}` : `swapper/${cpu}`);

/** `now <what it does>`, naming the task when it changed. */
function nowDoing(k: Kernel, cpu: Cpu, before: CpuBefore): string {
	const changed = cpu.current !== before.task && cpu.current !== undefined;
	return `now ${changed ? `${taskName(cpu.current, cpu.id)} ` : ''}${doingText(describe(k, cpu))}`;
}

/** Groups CPUs by a phrase: `LOC pending on CPU1,CPU3 (IRQs off)`. */
function grouped(entries: readonly {cpu: number; why: string}[], render: (cpus: string, why: string) => string): string[] {
	const by = new Map<string, number[]>();
	for (const e of entries) {
		const list = by.get(e.why);
		if (list) list.push(e.cpu);
		else by.set(e.why, [e.cpu]);
	}
	return [...by].map(([why, cpus]) => render(cpuList(cpus), why));
}

/** What happened to a vector that arrived at `cpu`: delivered, merged, left pending, or a handler that blocks. */
function arrival(k: Kernel, cpu: Cpu, before: CpuBefore, vector: number): string {
	const b = bit(vector);
	if (before.irr & b) return `merged into the one already pending (${notTaking(cpu)}${canService(k, cpu, vector) ? '; its wait loop polls for the call' : ''})`;
	// A CPU in one of the port's wait loops polls for cross-calls with interrupts off.
	if (cpu.irr & b) return `pending (${notTaking(cpu)}${canService(k, cpu, vector) ? '; its wait loop polls for the call' : ''})`;
	if (cpu.irqStack.length > before.depth) return `delivered; the handler ${waitPhrase(k, cpu)}`;
	return 'delivered';
}

export function describeStep(k: Kernel, before: Before): StepReport {
	const {event, cpu: id, arg, payload} = before;
	const cpu = id >= 0 ? k.cpus[id] : undefined;
	const pre = id >= 0 ? before.cpus[id] : undefined;
	let cpus: number[] = cpu ? [cpu.id] : [];
	let text: string;
	switch (event) {
		case 'tick': {
			cpus = k.cpus.map((c) => c.id);
			const pending: {cpu: number; why: string}[] = [];
			const blocked: string[] = [];
			for (const c of k.cpus) {
				if (c.irr & bit(V_LOC)) pending.push({cpu: c.id, why: notTaking(c)});
				else if (c.irqStack.length > before.cpus[c.id]!.depth) blocked.push(`CPU${c.id}'s ${blockedSoftirq(k, c) ?? 'timer handler'} ${waitPhrase(k, c)}`);
			}
			text = [`all CPUs: local timer tick (jiffies ${k.jiffies})`, ...grouped(pending, (list, why) => `LOC pending on ${list} (${why})`), ...blocked].join('; ');
			break;
		}
		case 'watchdog-hrtimer':
			text = `CPU${id}: watchdog hrtimer (softlockup check) ${cpu!.wdTimerPending ? `expires, pending (${notTaking(cpu!)})` : 'ran'}`;
			break;
		case 'watchdog-nmi': {
			const c = cpu!;
			const head = `CPU${id}: NMI watchdog (hard-lockup check)`;
			if (pre!.ctx === 'nmi') text = `${head} skipped: CPU${id} is still inside an NMI`;
			else if (k.warnings.hardLockup > before.warnings.hardLockup) text = `${head}: no hrtimer interrupt since the last check: hard LOCKUP`;
			else if (c.hrtimerIntsSaved !== pre!.hrtimerIntsSaved) text = `${head}: hrtimer interrupts moved, ok`;
			else text = `${head}: still no hrtimer interrupt (already reported)`;
			break;
		}
		case 'step-done': {
			const c = cpu!;
			const name = taskName(pre!.task, id);
			// Cut short by an interrupt whose handler is still running: it is the handler that spins or runs now.
			const handler = k.s.devIrq.running[id];
			const line = handler ? k.config.irqs?.[handler.line] : undefined;
			const who = line ? `irq ${line.irq} (${line.name}) handler ${line.handler}:` : name;
			if (arg !== pre!.token) text = `CPU${id}: nothing happens (the work it would end was cut short before); still ${who} ${doingText(pre!.doing)}`;
			else if (pre!.stolen > 0) text = `CPU${id}: ${name} ${doingText(pre!.doing)} goes on ${formatDuration(pre!.stolen)} longer (time taken by interrupts)`;
			else text = `CPU${id}: ${name} done with ${doingText(pre!.doing)}, ${nowDoing(k, c, pre!)}`;
			break;
		}
		case 'resume': {
			const c = cpu!;
			const p = pre!;
			const a = p.activity;
			if (arg !== p.token) text = `CPU${id}: nothing happens (the wait it would end was already over or cut short); still ${doingText(p.doing)}`;
			else if (a.kind === 'spin') text = `CPU${id}: lock ${a.lock} handed over, ${nowDoing(k, c, p)}`;
			else if (a.kind === 'xcall-wait' && a.csd !== undefined) text = `CPU${id}: its csd for CPU${a.csd} is free (${a.call.func} ran there), ${nowDoing(k, c, p)}`;
			else if (a.kind === 'xcall-wait') text = `CPU${id}: cross-call ${a.call.func} (${a.call.via}) acked by every target, ${nowDoing(k, c, p)}`;
			else if (a.kind === 'idle') text = `CPU${id}: leaves idle, ${nowDoing(k, c, p)}`;
			else if (c.token !== p.token) text = `CPU${id}: wait over (${doingText(p.doing)}), ${nowDoing(k, c, p)}`;
			else text = `CPU${id}: nothing happens; still ${doingText(p.doing)}`;
			break;
		}
		case 'ipi':
			text = `CPU${id}: ${ipiName(k, arg)}${before.ipiFrom ? ` ${before.ipiFrom}` : ''} ${arrival(k, cpu!, pre!, arg)}`;
			break;
		case 'ipi-many': {
			cpus = [...(payload as readonly number[])];
			const outcomes = cpus.map((t) => ({cpu: t, why: arrival(k, k.cpus[t]!, before.cpus[t]!, arg)}));
			const parts = grouped(outcomes, (list, what) => `${what} on ${list}`);
			text = `${cpuList(cpus)}: ${ipiName(k, arg)}${before.ipiFrom ? ` ${before.ipiFrom}` : ''}: ${parts.join('; ')}`;
			break;
		}
		case 'input': {
			cpus = [];
			const input = payload as {action: string; arg?: string | undefined};
			const last = k.inputFeed.last;
			text = `input ${input.action}${input.arg === undefined ? '' : `:${input.arg}`}: ${last?.line ?? 'applied'}`;
			break;
		}
		case 'task-wake': {
			const task = payload as Task;
			const c = k.cpus[task.cpu]!;
			cpus = [c.id];
			const name = `${task.comm}/${task.pid}`;
			if (before.wake === 'stale') text = `CPU${c.id}: ${name}'s sleep timeout expires, but it left that sleep already; nothing happens`;
			else {
				const then =
					c.current === task
						? `runs: ${doingText(describe(k, c))}`
						: task.state === 'runnable'
							? `runnable, waits for the CPU (${taskName(c.current, c.id)}: ${doingText(describe(k, c))})`
							: task.state === 'exited'
								? 'runs and exits'
								: `runs and sleeps again${task.sleepsOn ? ` on ${task.sleepsOn}` : ''}`;
				text = `CPU${c.id}: ${name} ${before.wake === 'starts' ? 'starts' : 'wakes (sleep over)'}, ${then}`;
			}
			break;
		}
		case 'detect':
			cpus = [];
			text = `wait-for check: ${waitForCheck(k, before.lockup)}`;
			break;
		case 'callback': {
			const cb = payload as Callback;
			const target = cb.cpu;
			cpus = target >= 0 ? [target] : [];
			const what = k.describeCallback(cb) ?? 'kernel callback';
			text = target >= 0 ? `CPU${target}: ${what}` : what;
			break;
		}
		case 'hrtimer': {
			const timer = payload as HrtimerCallback;
			const c = cpu!;
			const head = `CPU${id}: hrtimer ${timer.describe ?? timer.name} expires`;
			if (c.pendingTimers.includes(timer)) text = `${head}, pending (${notTaking(c)})`;
			else if (c.irqStack.length > pre!.depth) text = `${head}, runs in hardirq and ${waitPhrase(k, c)}`;
			else text = `${head}, ran in hardirq`;
			break;
		}
		case 'perf-nmi': {
			cpus = k.cpus.map((c) => c.id);
			const skipped = k.cpus.filter((c) => before.cpus[c.id]!.ctx === 'nmi').map((c) => c.id);
			const blocked = k.cpus.filter((c) => before.cpus[c.id]!.ctx !== 'nmi' && c.irqStack.length > before.cpus[c.id]!.depth);
			text = [
				'all CPUs: perf NMI (perf_event_nmi_handler)',
				...(skipped.length > 0 ? [`${cpuList(skipped)} still inside an NMI, skipped`] : []),
				...grouped(
					blocked.map((c) => ({cpu: c.id, why: waitPhrase(k, c)})),
					(list, why) => `the handler on ${list} ${why}`,
				),
			].join('; ');
			break;
		}
		case 'hung-task':
			cpus = [];
			text = `khungtaskd: check_hung_uninterruptible_tasks (every ${k.config.thresholds.hungTaskTimeout}s)`;
			break;
		case 'none':
			cpus = [];
			text = 'nothing ran';
			break;
	}
	return {at: k.now, event, cpus, text: text + consequences(k, before)};
}

const MAX_EXPLAINED = 160;

/**
 * What the wait-for check found, by the rule detect() (waitfor.ts) applies: once a lockup is
 * found it looks again only every 100 jiffies, to let the report grow; before that, only
 * when something waits. `no cycle (CPU0 waits for CPU3 to run its cross-call ...)`,
 * `LOCKUP CPU0,CPU1 found (CPU0 waits for CPU1 ...; CPU1 spins ... held by CPU0)`.
 */
function waitForCheck(k: Kernel, before: Lockup | undefined): string {
	const now = k.lockup;
	if (before && now) {
		if (now === before) return k.jiffies % 100 === 0 ? `LOCKUP ${lockupParties(now, ',')} kept (the graph shows none now)` : `LOCKUP ${lockupParties(now, ',')} already found (looked at again every 100 jiffies)`;
		const grown = now.cpus.filter((c) => !before.cpus.includes(c));
		return grown.length > 0 ? `LOCKUP grows to ${lockupParties(now, ',')} (${cpuList(grown)} now stuck behind it)` : `LOCKUP ${lockupParties(now, ',')} still there`;
	}
	if (now) return `LOCKUP ${lockupParties(now, ',')} found (${cut(now.explanation, MAX_EXPLAINED)})`;
	const waiting = k.cpus.filter((c) => c.activity.kind === 'spin' || c.activity.kind === 'xcall-wait' || c.activity.kind === 'stuck' || c.activity.kind === 'busy-wait');
	const {edges} = waitFor(k);
	if (edges.length > 0) return `no cycle (${more(edges[0]!.text, edges.length - 1)})`;
	return waiting.length > 0 ? `no cycle (${more(`CPU${waiting[0]!.id} ${waitPhrase(k, waiting[0]!)}`, waiting.length - 1)})` : 'nothing waits';
}

/** `CPU0 waits for CPU3 ...; 2 more waits`. */
function more(first: string, others: number): string {
	return cut(first, MAX_EXPLAINED) + (others > 0 ? `; ${others} more ${others === 1 ? 'wait' : 'waits'}` : '');
}

function cut(text: string, max: number): string {
	return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

const MAX_LOGGED = 72;
const CUT_HERE = /^-+\[ cut here \]-+$/;

/** What else the event caused that the person should hear about: a message, a lockup, a panic. */
function consequences(k: Kernel, before: Before): string {
	const parts: string[] = [];
	const records = k.log.since(before.logNext).records;
	// A WARN splat opens with its cut-here line: name it by the line after.
	let i = records.findIndex((r) => r.head);
	if (i >= 0 && CUT_HERE.test(records[i]!.text) && i + 1 < records.length) i++;
	const head = records[i];
	if (head) parts.push(`logged "${cut(head.text, MAX_LOGGED)}"`);
	// The wait-for check says so itself.
	if (!before.lockup && k.lockup && before.event !== 'detect') parts.push(`LOCKUP of ${lockupParties(k.lockup, ',')} found`);
	if (k.panicked !== undefined) parts.push(`Kernel panic - not syncing: ${k.panicked}`);
	return parts.map((p) => `; ${p}`).join('');
}

// The view model: everything the panes show, derived from a kernel snapshot and the UI
// state. Built from the previous one (structural sharing, frozen, as immer would), so a pane
// whose data did not change keeps its identity and React skips it.
import type {Kernel} from '../kernel/kernel.js';
import type {DtracePort} from '../kernel/dtrace/port.js';
import {archRows} from '../kernel/procfs.js';
import {freebsdRows, isFreeBsd} from '../kernel/freebsd/vmstat.js';
import {deviceIrqRows} from '../kernel/irq.js';
import {irqTimeNs} from '../kernel/cpu.js';
import {snapshot} from '../kernel/snapshot.js';
import {formatSeconds, NS_PER_SEC} from '../kernel/time.js';
import type {Lockup} from '../kernel/waitfor.js';
import {shortDuration} from './format.js';
import type {Command} from './keymap.js';
import type {LogView} from './log-pane-view.js';
import {speedLabel, type UiState} from './ui-state.js';
import {expandTabs, safeData, safeLine, safeText} from '../terminal/safe-text.js';

export interface CpuRow {
	readonly id: number;
	readonly ctx: string;
	readonly irqsOff: boolean;
	readonly task: string;
	readonly doing: string;
	readonly forText: string;
	/** Share of the last interval spent in interrupt and NMI handlers, percent. */
	readonly irqLoad: number;
	readonly flags: string;
}

export interface IrqRow {
	readonly tag: string;
	readonly label: string;
	readonly values: readonly number[];
	/** The value differs from the one the previous frame showed. */
	readonly changed: readonly boolean[];
}

export interface LockRow {
	readonly name: string;
	readonly kind: string;
	readonly holder: string;
	readonly heldFor: string;
	readonly waiters: string;
}

export interface TeardownView {
	readonly total: number;
	readonly left: number;
	readonly syncs: number;
	readonly acks: number;
	/** dtrace_sync() calls per second over the last virtual second. */
	readonly rate: number;
	readonly etaNs: number | undefined;
	readonly elapsedNs: number;
	readonly done: boolean;
	/** The CPU whose ack completed the latest sync, and the one that did so most often. */
	readonly lastAckCpu: number | undefined;
	readonly slowestCpu: number | undefined;
}

/** The scenario's story, for the `i` overlay. */
export interface Story {
	readonly name: string;
	readonly description: string;
	readonly source: string | undefined;
	readonly tour: {readonly press: readonly {readonly key: string; readonly why: string}[]; readonly watch: readonly string[]} | undefined;
}

export interface ViewModel {
	readonly header: {
		readonly scenario: string;
		readonly time: string;
		/** Kernel speed, or in a replay the playback (REPLAY 3/12 x2). */
		readonly speed: string;
		readonly lagging: string | undefined;
		readonly paused: boolean;
		readonly replay: string | undefined;
		readonly safeMode: boolean | undefined;
		readonly mitigation: {readonly on: boolean; readonly describe: string} | undefined;
		readonly consumer: string | undefined;
		/** The lockup or panic: its text, shorter forms for a narrow header, and whether it still holds. */
		readonly lockup: HeaderLockup | undefined;
	};
	readonly cpus: readonly CpuRow[];
	readonly interrupts: {readonly rates: boolean; readonly interval: string; readonly rows: readonly IrqRow[]};
	readonly locks: {readonly rows: readonly LockRow[]; readonly chain: readonly string[]; readonly lockup: string | undefined};
	readonly log: LogView;
	readonly trace: {readonly lines: readonly string[]; readonly written: number};
	readonly dtrace: {readonly probes: string; readonly xcalls: string; readonly teardown: TeardownView | undefined; readonly consumer: string} | undefined;
	/** Commands this scenario and mode offer (status line and help list only these). */
	readonly available: readonly Command[];
	readonly ui: UiState;
	readonly message: string | undefined;
	readonly story: Story | undefined;
}

/** How far a 32-bit kernel counter moved: CAL (calls minus TLB shootdowns) can wrap either way. */
function counterDelta(now: number, before: number): number {
	const d = now - before;
	return d > 2 ** 31 ? d - 2 ** 32 : d < -(2 ** 31) ? d + 2 ** 32 : d;
}

/** Counter samples, to turn totals into rates over the last virtual second. */
export interface Sample {
	readonly t: number;
	readonly jiffies: number;
	readonly irq: readonly (readonly number[])[];
	readonly irqNs: readonly number[];
}

/**
 * The interrupt rows the pane shows, most telling first. Each row's counts and label come
 * from the same /proc/interrupts row (looked up by tag), so a label can never sit on
 * another row's numbers. XCL is the port's private vector, which /proc/interrupts lacks.
 */
const IRQ_TAGS = ['NMI', 'LOC', 'RES', 'CAL', 'TLB', 'XCL', 'PMI', 'SPU'] as const;
const XCL_LABEL = 'dtrace_xcall IPIs (vector 0xd9, not in /proc/interrupts)';

export function irqTags(hasPort: boolean, devices: readonly string[] = []): string[] {
	return [...devices, ...IRQ_TAGS.filter((t) => hasPort || t !== 'XCL')];
}

/** The scenario's device lines, as /proc/interrupts numbers them: first in the pane. */
const deviceTags = (k: Kernel): string[] => (k.config.irqs ?? []).map((irq) => String(irq.irq));

const TRACE_LINES = 2000;

/** The pane's rows by tag: FreeBSD's `vmstat -i` counters, or Linux's /proc/interrupts rows. */
function paneTags(k: Kernel, port: DtracePort | undefined): string[] {
	return isFreeBsd(k) ? freebsdRows(k.cpus).map((r) => r.tag) : irqTags(port !== undefined, deviceTags(k));
}

export function sample(k: Kernel, port: DtracePort | undefined): Sample {
	const source = isFreeBsd(k) ? freebsdRows(k.cpus) : archRows(k.cpus);
	const rows = new Map([...deviceIrqRows(k).map((r): [string, readonly number[]] => [String(r.irq), r.perCpu]), ...source.map((r): [string, readonly number[]] => [r.tag, r.perCpu])]);
	const irq = paneTags(k, port).map((tag) => (tag === 'XCL' ? k.cpus.map((c) => port!.ipiCount(c.id)) : rows.get(tag)!));
	return {t: k.now, jiffies: k.jiffies, irq, irqNs: k.cpus.map((c) => irqTimeNs(c, k.now))};
}

/** The newest sample at least a virtual second old, or the oldest there is. */
export function baseline(history: readonly Sample[], now: number): Sample | undefined {
	let best: Sample | undefined;
	for (const s of history) if (s.t <= now - NS_PER_SEC) best = s;
	return best ?? history[0];
}

export interface ViewExtra {
	readonly lagging?: string | undefined;
	readonly message?: string | undefined;
	readonly replay?: string | undefined;
	readonly available: readonly Command[];
	readonly log: LogView;
	readonly story?: Story | undefined;
}

export function buildView(k: Kernel, ui: UiState, history: readonly Sample[], previous: ViewModel | undefined, extra: ViewExtra): ViewModel {
	const snap = snapshot(k, {logLines: 0, traceLines: TRACE_LINES});
	const port = k.extension<DtracePort>('dtrace');
	const now = k.now;
	const current = sample(k, port);
	const base = baseline(history, now);
	const dt = base && now > base.t ? now - base.t : 0;
	// Interrupt rates per second of jiffies: LOC then reads exactly HZ on a CPU that ticks,
	// not 1000, 1001 and 1002 by where a frame fell between two ticks.
	const dj = base ? k.jiffies - base.jiffies : 0;
	const rateNs = dj > 0 ? (dj * NS_PER_SEC) / k.config.hz : dt;

	const cpus: CpuRow[] = snap.cpus.map((c, i) => {
		const irqNs = base ? current.irqNs[i]! - base.irqNs[i]! : 0;
		const flags = [k.config.watchdogs && c.owesRcuQs && snap.rcu.gpAgeJiffies > snap.hz ? 'rcu' : '', c.softLockup ? 'SOFT' : '', c.hardLockup ? 'HARD' : '', port?.isProbeContext(i) ? 'probe' : '']
			.filter(Boolean)
			.join(' ');
		return {
			id: c.id,
			ctx: c.ctx,
			irqsOff: !c.irqsOn,
			task: `${c.comm}/${c.pid}`,
			doing: c.doing,
			forText: shortDuration(c.forNs),
			irqLoad: dt > 0 ? Math.min(100, Math.round((100 * irqNs) / dt)) : 0,
			flags,
		};
	});

	const labels = new Map(snap.interrupts.map((r) => [r.tag, r.label]));
	// A mark means the value moved since the last frame: none on a still screen or a mode switch.
	const prevRows = previous && previous.interrupts.rates === ui.rates && previous.header.time !== formatSeconds(now) ? previous.interrupts.rows : undefined;
	const rows: IrqRow[] = paneTags(k, port).map((tag, r) => {
		const totals = current.irq[r]!;
		const values = ui.rates ? (base && rateNs > 0 ? totals.map((v, i) => Math.round((counterDelta(v, base.irq[r]![i]!) * NS_PER_SEC) / rateNs)) : totals.map(() => 0)) : totals;
		const before = prevRows?.find((p) => p.tag === tag)?.values;
		return {tag, label: tag === 'XCL' ? XCL_LABEL : labels.get(tag)!, values, changed: values.map((v, i) => before !== undefined && before[i] !== v)};
	});

	const locks: LockRow[] = snap.locks.map((l) => ({
		name: l.name,
		kind: l.kind,
		holder: l.holder ?? '-',
		heldFor: l.holder ? shortDuration(l.heldForNs) : '',
		waiters: l.waiters.join(' ') || '-',
	}));
	// The DTrace driver's own spinning mutexes (driver/mutex.c) belong in the same list.
	for (const m of port?.mutexes.values() ?? []) {
		const o = m.owner;
		locks.push({
			name: m.name,
			kind: 'dtrace mutex',
			holder: o ? (o.task ? `${o.task.comm}/${o.task.pid}` : `CPU${o.cpu}`) : '-',
			heldFor: o ? shortDuration(now - o.since) : '',
			waiters: m.spinners.map((id) => k.cpus[id]!).map((c) => (c.ctx === 'task' ? `CPU${c.id}` : `CPU${c.id}(${c.ctx})`)).join(' ') || '-',
		});
	}
	// Most telling first: locks somebody waits for, then held ones, then free ones.
	const rank = (l: LockRow): number => (l.waiters !== '-' ? 0 : l.holder !== '-' ? 1 : 2);
	locks.sort((a, b) => rank(a) - rank(b));
	const lockup = snap.panicked !== undefined ? {text: `PANIC: ${snap.panicked}`, shorter: ['PANIC'], ongoing: true} : snap.lockup ? headerLockup(snap.lockup) : undefined;

	let dtrace: ViewModel['dtrace'];
	let consumer: string | undefined;
	if (port) {
		const c = port.consumer;
		consumer = c ? `dtrace ${c.pid} ${c.state}` : 'no consumer';
		const s = port.stats;
		const t = port.teardown;
		let teardown: TeardownView | undefined;
		if (t) {
			// Done, the rate is the whole teardown's; under way, the last second's.
			const rate = t.doneAt === undefined ? port.teardownRate() : (t.syncs * NS_PER_SEC) / Math.max(1, t.doneAt - t.startedAt);
			const syncsLeft = t.left * 3;
			const counts = t.lastAckCounts;
			const most = Math.max(...counts);
			teardown = {
				total: t.total,
				left: t.left,
				syncs: t.syncs,
				acks: t.xcalls,
				rate,
				etaNs: t.doneAt === undefined && rate > 0 ? (syncsLeft / rate) * NS_PER_SEC : undefined,
				elapsedNs: (t.doneAt ?? now) - t.startedAt,
				done: t.doneAt !== undefined,
				lastAckCpu: t.lastAckCpu < 0 ? undefined : t.lastAckCpu,
				slowestCpu: most > 0 ? counts.indexOf(most) : undefined,
			};
		}
		dtrace = {
			probes: `${s.get('probes')} fired, ${s.get('probe_safe')} suppressed (safe mode), ${s.get('probe_noint')} IRQs-off`,
			xcalls: `${s.get('xcall1')} xcalls, ${s.get('ipi1')} xcall IPIs taken`,
			teardown,
			consumer: snap.dtraceConsumer ?? consumer,
		};
	}
	const m = k.config.mitigation;

	// Names, log and trace text come from the scenario file: every string the panes get is
	// made safe here, before any width is measured (a story's description keeps its newlines).
	const next: ViewModel = safeData<ViewModel>({
		header: {
			scenario: snap.scenario,
			time: formatSeconds(now),
			speed: extra.replay ?? speedLabel(ui.speedIndex),
			lagging: extra.lagging,
			paused: ui.paused,
			replay: extra.replay,
			safeMode: port ? port.options.safeMode : undefined,
			mitigation: m ? {on: k.mitigated, describe: m.describe} : undefined,
			consumer,
			lockup,
		},
		cpus,
		interrupts: {rates: ui.rates, interval: rateNs > 0 ? shortDuration(rateNs) : '', rows},
		locks: {rows: locks, chain: snap.waitFor, lockup: snap.lockup && (snap.lockup.over === undefined ? snap.lockup.explanation : `over by ${formatSeconds(snap.lockup.over, 6)}; while it held: ${snap.lockup.explanation}`)},
		log: extra.log,
		trace: {lines: snap.traceTail, written: snap.traceLines},
		dtrace,
		available: extra.available,
		ui,
		message: extra.message,
		story: undefined,
	}, safeShort);
	(next as {story: Story | undefined}).story = extra.story && safeStory(extra.story);
	if (!previous) return next;
	// What immer's produce did here, without drafts: the parts that did not change keep their
	// identity (React skips their panes), the new ones are frozen, and an unchanged view is
	// the previous object itself.
	let merged: Record<string, unknown> | undefined;
	for (const key of Object.keys(next) as (keyof ViewModel)[]) {
		if (!equal(previous[key], next[key])) (merged ??= {...previous})[key] = next[key];
	}
	return merged ? deepFreeze(merged as unknown as ViewModel) : previous;
}

/** Freezes plain data all the way down; what is frozen already is taken as frozen inside (as immer does). */
function deepFreeze<T>(value: T): T {
	if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
	const proto = Object.getPrototypeOf(value) as unknown;
	if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value;
	Object.freeze(value);
	for (const v of Array.isArray(value) ? value : Object.values(value)) if (typeof v === 'object' && v !== null) deepFreeze(v);
	return value;
}

/** No pane shows more of one string than this (Linux's own printk records stop at 1 KB). */
const VIEW_TEXT_MAX = 4096;
const capped = (text: string): string => (text.length > VIEW_TEXT_MAX ? `${text.slice(0, VIEW_TEXT_MAX)}…` : text);
const safeShort = (text: string): string => safeLine(expandTabs(capped(text)));

const storyCache = new WeakMap<Story, Story>();
/** The story is the same object every frame: escaped once. */
function safeStory(story: Story): Story {
	let safe = storyCache.get(story);
	if (!safe) {
		safe = {...safeData(story, safeShort), description: safeText(capped(story.description))};
		storyCache.set(story, safe);
	}
	return safe;
}

/** Structural equality for plain view data. */
export function equal(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
	if (Array.isArray(a)) {
		if (!Array.isArray(b) || a.length !== b.length) return false;
		for (let i = 0; i < a.length; i++) if (!equal(a[i], b[i])) return false;
		return true;
	}
	const ka = Object.keys(a);
	if (ka.length !== Object.keys(b).length) return false;
	for (const key of ka) if (!equal((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
	return true;
}

export interface HeaderLockup {
	readonly text: string;
	/** Tried in order when `text` does not fit: the lockup is cut before it is dropped. */
	readonly shorter: readonly string[];
	/** False once the chain broke (the parties went on): shown, but not as an alarm. */
	readonly ongoing: boolean;
}

/** `LOCKUP CPU0,1 at 0.503491s`; over, `LOCKUP CPU0,1,2,3 at 2.000302s, over by 60.200000s`; shorter, the parties go, then the times. */
export function headerLockup(l: Lockup): HeaderLockup {
	const at = formatSeconds(l.at, 6);
	if (l.over === undefined) return {text: `LOCKUP ${headerParties(l)} at ${at}`, shorter: [`LOCKUP at ${at}`, 'LOCKUP'], ongoing: true};
	const over = formatSeconds(l.over, 6);
	return {text: `LOCKUP ${headerParties(l)} at ${at}, over by ${over}`, shorter: [`LOCKUP at ${at}, over by ${over}`, `LOCKUP over by ${over}`, 'LOCKUP over'], ongoing: false};
}

/** `CPU0,1,2,3` (short, for the header), and the sleeping tasks of a lockup as comm:pid. */
function headerParties(l: Lockup): string {
	return [...(l.cpus.length > 0 ? [`CPU${l.cpus.join(',')}`] : []), ...l.tasks.map((t) => `${t.comm}:${t.pid}`)].join(',');
}

// The view model: everything the panes show, derived from a kernel snapshot and the UI
// state. Built with immer from the previous one, so a pane whose data did not change keeps
// its identity and React skips it.
import {produce} from 'immer';
import type {Kernel} from '../kernel/kernel.js';
import type {DtracePort} from '../kernel/dtrace/port.js';
import {archRows} from '../kernel/procfs.js';
import {snapshot} from '../kernel/snapshot.js';
import {dmesgStamp, formatDuration, formatSeconds, NS_PER_SEC} from '../kernel/time.js';
import type {LogLevel, LogRecord} from '../kernel/klog.js';
import {speedLabel, type UiState} from './ui-state.js';

export interface CpuRow {
	readonly id: number;
	readonly ctx: string;
	readonly irqsOff: boolean;
	readonly task: string;
	readonly doing: string;
	readonly forText: string;
	/** Share of the last interval spent in interrupt handlers, percent. */
	readonly irqLoad: number;
	readonly flags: string;
}

export interface IrqRow {
	readonly tag: string;
	readonly label: string;
	readonly values: readonly number[];
	readonly changed: readonly boolean[];
}

export interface LockRow {
	readonly name: string;
	readonly kind: string;
	readonly holder: string;
	readonly heldFor: string;
	readonly waiters: string;
}

export interface LogLine {
	readonly seq: number;
	readonly text: string;
	readonly level: LogLevel;
}

export interface TeardownView {
	readonly total: number;
	readonly left: number;
	readonly syncs: number;
	readonly xcalls: number;
	readonly rate: number;
	readonly etaNs: number | undefined;
	readonly elapsedNs: number;
	readonly done: boolean;
	readonly lastAck: string;
}

export interface ViewModel {
	readonly header: {
		readonly scenario: string;
		readonly time: string;
		readonly speed: string;
		readonly lagging: string | undefined;
		readonly paused: boolean;
		readonly safeMode: boolean | undefined;
		readonly mitigation: {readonly on: boolean; readonly describe: string} | undefined;
		readonly consumer: string | undefined;
		readonly lockup: string | undefined;
		readonly banner: string | undefined;
	};
	readonly cpus: readonly CpuRow[];
	readonly interrupts: {readonly rates: boolean; readonly interval: string; readonly rows: readonly IrqRow[]};
	readonly locks: {readonly rows: readonly LockRow[]; readonly chain: readonly string[]; readonly lockup: string | undefined};
	readonly log: {readonly lines: readonly LogLine[]; readonly newCount: number; readonly lost: number};
	readonly trace: {readonly lines: readonly string[]; readonly written: number};
	readonly dtrace: {readonly line: string; readonly teardown: TeardownView | undefined} | undefined;
	readonly ui: UiState;
	readonly message: string | undefined;
}

/** Counter samples, to turn totals into rates over the last virtual second. */
export interface Sample {
	readonly t: number;
	readonly irq: readonly (readonly number[])[];
	readonly irqNs: readonly number[];
}

const IRQ_TAGS = ['NMI', 'LOC', 'PMI', 'RES', 'CAL', 'TLB', 'SPU'] as const;
const LOG_LINES = 400;
const TRACE_LINES = 400;

export function sample(k: Kernel, port: DtracePort | undefined): Sample {
	const rows = archRows(k.cpus).filter((r) => (IRQ_TAGS as readonly string[]).includes(r.tag));
	const irq = rows.map((r) => r.perCpu);
	if (port) irq.push(k.cpus.map((c) => port.ipiCount(c.id)));
	return {t: k.now, irq, irqNs: k.cpus.map((c) => c.irqNs)};
}

/** The newest sample at least a virtual second old, or the oldest there is. */
export function baseline(history: readonly Sample[], now: number): Sample | undefined {
	let best: Sample | undefined;
	for (const s of history) if (s.t <= now - NS_PER_SEC) best = s;
	return best ?? history[0];
}

export function buildView(k: Kernel, ui: UiState, history: readonly Sample[], previous: ViewModel | undefined, extra: {lagging?: string | undefined; message?: string | undefined; banner?: string | undefined}): ViewModel {
	const snap = snapshot(k, {logLines: LOG_LINES, traceLines: TRACE_LINES});
	const port = k.extension<DtracePort>('dtrace');
	const now = k.now;
	const current = sample(k, port);
	const base = baseline(history, now);
	const last = history.at(-1);
	const dt = base && now > base.t ? now - base.t : 0;

	const cpus: CpuRow[] = snap.cpus.map((c, i) => {
		const irqNs = base ? current.irqNs[i]! - base.irqNs[i]! : 0;
		const flags = [c.owesRcuQs && snap.rcu.gpAgeJiffies > snap.hz ? 'rcu' : '', c.softLockup ? 'SOFT' : '', c.hardLockup ? 'HARD' : '', k.cpus[i]!.irqStack.length > 0 ? `in-${c.ctx}` : '', port?.isProbeContext(i) ? 'probe' : '']
			.filter(Boolean)
			.join(' ');
		return {
			id: c.id,
			ctx: c.ctx,
			irqsOff: !c.irqsOn,
			task: `${c.comm}/${c.pid}`,
			doing: c.doing,
			forText: formatDuration(c.forNs),
			irqLoad: dt > 0 ? Math.min(100, Math.round((100 * irqNs) / dt)) : 0,
			flags,
		};
	});

	const tags: {tag: string; label: string}[] = IRQ_TAGS.map((tag) => ({tag, label: snap.interrupts.find((r) => r.tag === tag)!.label}));
	if (port) tags.push({tag: 'XCL', label: 'dtrace_xcall IPIs (vector 0xd9, not in /proc/interrupts)'});
	const rows: IrqRow[] = tags.map((t, r) => {
		const totals = current.irq[r]!;
		const values = ui.rates && base && dt > 0 ? totals.map((v, i) => Math.round(((v - base.irq[r]![i]!) * NS_PER_SEC) / dt)) : totals;
		return {tag: t.tag, label: t.label, values, changed: totals.map((v, i) => last !== undefined && last.irq[r] !== undefined && v !== last.irq[r]![i])};
	});

	const locks: LockRow[] = snap.locks.map((l) => ({
		name: l.name,
		kind: l.kind,
		holder: l.holder ?? '-',
		heldFor: l.holder ? formatDuration(l.heldForNs) : '',
		waiters: l.waiters.join(' ') || '-',
	}));
	// The DTrace driver's own spinning mutexes (driver/mutex.c) belong in the same list.
	for (const m of port?.mutexes.values() ?? []) {
		const o = m.owner;
		locks.push({
			name: m.name,
			kind: 'dtrace mutex',
			holder: o ? (o.task ? `${o.task.comm}/${o.task.pid}` : `CPU${o.cpu}`) : '-',
			heldFor: o ? formatDuration(now - o.since) : '',
			waiters: m.spinners.map((c) => (c.ctx === 'task' ? `CPU${c.id}` : `CPU${c.id}(${c.ctx})`)).join(' ') || '-',
		});
	}
	// Most telling first: locks somebody waits for, then held ones, then free ones.
	const rank = (l: LockRow): number => (l.waiters !== '-' ? 0 : l.holder !== '-' ? 1 : 2);
	locks.sort((a, b) => rank(a) - rank(b));
	const lockup = snap.lockup ? `LOCKUP CPU${snap.lockup.cpus.join(',')} at ${formatSeconds(snap.lockup.at, 3)}` : undefined;

	const tail = snap.logTail;
	const newest = snap.logNext;
	const logLines: LogLine[] = (ui.fullLog ? tail : headlines(tail)).map((r) => ({seq: r.seq, text: dmesgStamp(r.ns) + r.text, level: r.level}));
	const newCount = ui.scroll.log > 0 ? Math.max(0, newest - ui.logSeen) : 0;

	let dtrace: ViewModel['dtrace'];
	let consumer: string | undefined;
	if (port) {
		const c = port.consumer;
		consumer = c ? `dtrace ${c.pid} ${c.state}` : 'no consumer';
		const s = port.stats;
		const t = port.teardown;
		let teardown: TeardownView | undefined;
		if (t) {
			const rate = port.teardownRate();
			const syncsLeft = t.left * 3;
			const counts = t.lastAckCounts;
			const most = counts.indexOf(Math.max(...counts));
			teardown = {
				total: t.total,
				left: t.left,
				syncs: t.syncs,
				xcalls: t.xcalls,
				rate,
				etaNs: t.doneAt === undefined && rate > 0 ? (syncsLeft / rate) * NS_PER_SEC : undefined,
				elapsedNs: (t.doneAt ?? now) - t.startedAt,
				done: t.doneAt !== undefined,
				lastAck: t.lastAckCpu < 0 ? '-' : `CPU${t.lastAckCpu} now, CPU${most} most often`,
			};
		}
		dtrace = {
			line: `${s.get('probes')} probe hits, ${s.get('probe_safe')} suppressed, ${s.get('probe_noint')} with IRQs off, ${s.get('xcall1')} xcalls, ${s.get('ipi1')} IPIs taken`,
			teardown,
		};
	}
	const m = k.config.mitigation;

	const next: ViewModel = {
		header: {
			scenario: snap.scenario,
			time: formatSeconds(now),
			speed: speedLabel(ui.speedIndex),
			lagging: extra.lagging,
			paused: ui.paused,
			safeMode: port ? port.options.safeMode : undefined,
			mitigation: m ? {on: k.mitigated, describe: m.describe} : undefined,
			consumer,
			lockup: snap.panicked ? `PANIC: ${snap.panicked}` : lockup,
			banner: extra.banner,
		},
		cpus,
		interrupts: {rates: ui.rates, interval: dt > 0 ? formatDuration(dt) : '', rows},
		locks: {rows: locks, chain: snap.waitFor, lockup: snap.lockup?.explanation},
		log: {lines: logLines, newCount, lost: k.lostMessages},
		trace: {lines: snap.traceTail, written: snap.traceLines},
		dtrace,
		ui,
		message: extra.message,
	};
	if (!previous) return next;
	return produce(previous, (draft) => {
		for (const key of Object.keys(next) as (keyof ViewModel)[]) {
			if (!equal(previous[key], next[key])) (draft as Record<string, unknown>)[key] = next[key];
		}
	});
}

/** What a message's headline can be, best first; a WARN splat opens with its "cut here" rule. */
const HEADLINES = [/^(Watchdog detected|BUG: |INFO: |rcu: INFO|watchdog: BUG|NMI watchdog|Kernel panic|__schedule_bug|dtracedrv)/, /^(WARNING|\[ INFO: suspicious)/];
const RULE = /^(-+\[ cut here \]-+|=+|)$/;

/** One line per kernel message: the line that says what happened. */
function headlines(records: readonly LogRecord[]): LogRecord[] {
	const out: LogRecord[] = [];
	let group: LogRecord[] = [];
	const flush = (): void => {
		if (group.length === 0) return;
		const pick = HEADLINES.map((re) => group.find((r) => re.test(r.text))).find(Boolean) ?? group.find((r) => !RULE.test(r.text)) ?? group[0]!;
		out.push(pick);
		group = [];
	};
	for (const r of records) {
		if (r.head) flush();
		group.push(r);
	}
	flush();
	return out;
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

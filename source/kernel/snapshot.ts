// Plain, copyable views of kernel state for the monitor and the headless front. They are
// built on demand (at most the UI's publish rate), never on the hot path.
import {VECTOR_NAME} from './apic.js';
import {currentComm, irqTimeNs, type Context} from './cpu.js';
import type {Kernel, Warnings} from './kernel.js';
import type {DtracePort} from './dtrace/port.js';
import type {LogRecord} from './klog.js';
import {archRows, type InterruptRow} from './procfs.js';
import {freebsdRows, isFreeBsd} from './freebsd/vmstat.js';
import {deviceIrqRows} from './irq.js';
import type {Lockup} from './waitfor.js';
import {stalledCpus} from './rcu/tree.js';
import {rwlockSnapshot} from './rwlock.js';

export interface CpuSnapshot {
	readonly id: number;
	readonly ctx: Context;
	readonly irqsOn: boolean;
	readonly comm: string;
	readonly pid: number;
	/** What it runs or spins on, in a few words. */
	readonly doing: string;
	readonly activity: string;
	/** How long it has been doing it, ns. */
	readonly forNs: number;
	readonly irqsOffForNs: number;
	readonly pending: readonly string[];
	readonly inService: readonly string[];
	readonly mergedIpis: number;
	readonly owesRcuQs: boolean;
	readonly softLockup: boolean;
	readonly hardLockup: boolean;
	/** All handler time so far, ns, a handler still blocked included (irqTimeNs): difference two snapshots for irq%. */
	readonly irqNs: number;
}

export interface LockSnapshot {
	readonly name: string;
	readonly kind: 'spinlock' | 'mutex' | 'rwlock';
	readonly holder: string | undefined;
	readonly holderCpu: number | undefined;
	readonly heldForNs: number;
	readonly waiters: readonly string[];
	readonly acquisitions: number;
	readonly contentions: number;
	readonly maxHoldNs: number;
}

export interface KernelSnapshot {
	readonly scenario: string;
	readonly now: number;
	readonly jiffies: number;
	readonly hz: number;
	readonly events: number;
	readonly hash: string;
	readonly cpus: readonly CpuSnapshot[];
	readonly interrupts: readonly InterruptRow[];
	readonly locks: readonly LockSnapshot[];
	readonly waitFor: readonly string[];
	readonly lockup: Lockup | undefined;
	readonly rcu: {readonly gpnum: number; readonly completed: number; readonly gpAgeJiffies: number; readonly nextStallCheckJiffies: number; readonly owing: readonly number[]; readonly queued: number};
	readonly thresholds: {readonly rcuStallTimeout: number; readonly watchdogThresh: number; readonly softLockupS: number; readonly hz: number};
	readonly warnings: Warnings;
	readonly logNext: number;
	readonly logTail: readonly LogRecord[];
	readonly traceTail: readonly string[];
	readonly traceLines: number;
	/** /proc/dtrace/stats as the driver renders it, when the scenario loads the port. */
	readonly dtraceStats: string | undefined;
	/** Where the dtrace consumer is and what it waits for (DtracePort.consumerStatus), when the scenario loads the port. */
	readonly dtraceConsumer: string | undefined;
	readonly panicked: string | undefined;
	readonly taint: string;
}

const vectors = (mask: number): string[] => VECTOR_NAME.filter((_, i) => mask & (1 << i));

export function snapshot(k: Kernel, opts: {logLines?: number; traceLines?: number} = {}): KernelSnapshot {
	const now = k.now;
	const cpus: CpuSnapshot[] = k.cpus.map((c) => {
		const {comm, pid} = currentComm(c);
		return {
			id: c.id,
			ctx: c.ctx,
			irqsOn: c.irqsOn,
			comm,
			pid,
			doing: k.describe(c),
			activity: c.activity.kind,
			forNs: now - c.since,
			irqsOffForNs: c.irqsOn ? 0 : now - c.irqOffSince,
			pending: vectors(c.irr),
			inService: vectors(c.isr),
			mergedIpis: c.mergedIpis,
			owesRcuQs: k.rcu.inProgress && k.rcu.need[c.id] === 1,
			softLockup: c.softWarned,
			hardLockup: c.hardWarned,
			irqNs: irqTimeNs(c, now),
		};
	});
	const locks: LockSnapshot[] = [...k.locks.values()].map((l) => {
		if (l.kind === 'spinlock') {
			return {
				name: l.name,
				kind: l.kind,
				holder: l.holder >= 0 ? `CPU${l.holder}` : undefined,
				holderCpu: l.holder >= 0 ? l.holder : undefined,
				heldForNs: l.holder >= 0 ? now - l.heldSince : 0,
				waiters: l.waiters.map((w) => `CPU${w}`),
				acquisitions: l.acquisitions,
				contentions: l.contentions,
				maxHoldNs: l.maxHold,
			};
		}
		if (l.kind === 'rwlock') return rwlockSnapshot(l, now);
		const ownerCpu = l.owner ? k.cpus.find((c) => c.current === l.owner)?.id : undefined;
		return {
			name: l.name,
			kind: l.kind,
			holder: l.owner ? `${l.owner.comm}/${l.owner.pid}` : undefined,
			holderCpu: ownerCpu,
			heldForNs: l.owner ? now - l.heldSince : 0,
			waiters: l.waiters.map((w) => `${w.comm}/${w.pid}`),
			acquisitions: l.acquisitions,
			contentions: l.contentions,
			maxHoldNs: l.maxHold,
		};
	});
	const rcu = k.rcu;
	return {
		scenario: k.config.name,
		now,
		jiffies: k.jiffies,
		hz: k.config.hz,
		events: k.events,
		hash: k.eventHash,
		cpus,
		interrupts: isFreeBsd(k) ? freebsdRows(k.cpus) : [...deviceIrqRows(k).map((r) => ({tag: String(r.irq), label: `${r.chip}-${r.handler}  ${r.action}`, perCpu: r.perCpu})), ...archRows(k.cpus)],
		locks,
		waitFor: k.waitFor().edges.map((e) => e.text),
		lockup: k.lockup,
		rcu: {
			gpnum: rcu.gpnum,
			completed: rcu.completed,
			gpAgeJiffies: rcu.inProgress ? k.jiffies - rcu.gpStart : 0,
			nextStallCheckJiffies: rcu.jiffiesStall - k.jiffies,
			owing: rcu.inProgress ? stalledCpus(rcu) : [],
			queued: rcu.queued,
		},
		thresholds: {
			rcuStallTimeout: k.config.thresholds.rcuStallTimeout,
			watchdogThresh: k.config.thresholds.watchdogThresh,
			softLockupS: 2 * k.config.thresholds.watchdogThresh,
			hz: k.config.hz,
		},
		warnings: {...k.warnings},
		logNext: k.log.nextSequence,
		logTail: k.log.tail(opts.logLines ?? 200),
		traceTail: k.trace.tail(opts.traceLines ?? 200),
		traceLines: k.trace.linesWritten,
		dtraceStats: k.extension<DtracePort>('dtrace')?.stats.render(),
		dtraceConsumer: k.extension<DtracePort>('dtrace')?.consumerStatus(),
		panicked: k.panicked,
		taint: [...k.taint].sort().join(''),
	};
}

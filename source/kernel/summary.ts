// The outcome of a run, as the headless front prints it and scripts compare it.
import type {DtracePort} from './dtrace/port.js';
import type {Kernel, Warnings} from './kernel.js';
import {formatSeconds} from './time.js';
import {lockupParties} from './waitfor.js';
import {safeRecord} from '../terminal/safe-text.js';

export interface RunSummary {
	readonly scenario: string;
	readonly seed: number;
	readonly outcome: 'lockup' | 'no-lockup' | 'panic';
	readonly lockup: {readonly at: number; readonly atText: string; readonly cpus: readonly number[]; readonly tasks: readonly {readonly comm: string; readonly pid: number}[]; readonly kind: string; readonly explanation: string; readonly over?: number; readonly overText?: string} | undefined;
	readonly panic: string | undefined;
	readonly warnings: Warnings;
	readonly virtualNs: number;
	readonly virtualTime: string;
	readonly events: number;
	readonly eventLogHash: string;
	readonly inputs: readonly {readonly at: number; readonly action: string; readonly arg?: string | undefined}[];
	readonly mitigated: boolean;
	readonly dtrace: DtraceSummary | undefined;
}

export interface DtraceSummary {
	readonly safeMode: boolean;
	readonly consumer: {readonly pid: number; readonly state: string} | undefined;
	readonly probesFired: number;
	readonly suppressed: number;
	readonly xcalls: number;
	readonly teardown: {readonly probes: number; readonly left: number; readonly syncs: number; readonly xcalls: number; readonly seconds: number | undefined} | undefined;
}

function dtraceSummary(k: Kernel): DtraceSummary | undefined {
	const p = k.extension<DtracePort>('dtrace');
	if (!p) return undefined;
	const t = p.teardown;
	return {
		safeMode: p.options.safeMode,
		consumer: p.consumer ? {pid: p.consumer.pid, state: p.consumer.state} : undefined,
		probesFired: p.stats.get('probes'),
		suppressed: p.stats.get('probe_safe'),
		xcalls: p.stats.get('xcall1'),
		teardown: t ? {probes: t.total, left: t.left, syncs: t.syncs, xcalls: t.xcalls, seconds: t.doneAt === undefined ? undefined : (t.doneAt - t.startedAt) / 1e9} : undefined,
	};
}

export function summarize(k: Kernel): RunSummary {
	const l = k.lockup;
	return {
		scenario: k.config.name,
		seed: k.seed,
		outcome: k.panicked !== undefined ? 'panic' : l ? 'lockup' : 'no-lockup',
		lockup: l ? {at: l.at, atText: formatSeconds(l.at), cpus: l.cpus, tasks: l.tasks, kind: l.kind, explanation: l.explanation, ...(l.over === undefined ? {} : {over: l.over, overText: formatSeconds(l.over)})} : undefined,
		panic: k.panicked,
		warnings: {...k.warnings},
		virtualNs: k.now,
		virtualTime: formatSeconds(k.now),
		events: k.events,
		eventLogHash: k.eventHash,
		inputs: k.applied.map((i) => ({at: i.at, action: i.action, ...(i.arg === undefined ? {} : {arg: i.arg})})),
		mitigated: k.mitigated,
		dtrace: dtraceSummary(k),
	};
}

export function formatSummary(s: RunSummary): string {
	const lines: string[] = [];
	const w = s.warnings;
	// Names from the scenario file are escaped: a newline in one would forge a line of the summary.
	lines.push(`scenario       ${safeRecord(s.scenario)} (seed ${s.seed})`);
	if (s.outcome === 'lockup' && s.lockup) {
		lines.push(`outcome        LOCKUP (${s.lockup.kind}) on ${safeRecord(lockupParties(s.lockup))} at ${s.lockup.atText}${s.lockup.overText === undefined ? '' : `, over by ${s.lockup.overText}`}`);
		lines.push(`explanation    ${s.lockup.overText === undefined ? '' : 'while it held: '}${safeRecord(s.lockup.explanation)}`);
	} else if (s.outcome === 'panic') {
		lines.push(`outcome        PANIC: ${safeRecord(s.panic ?? '')}`);
	} else {
		lines.push('outcome        no lockup');
	}
	const d = s.dtrace;
	if (d) {
		const consumer = d.consumer ? `dtrace pid ${d.consumer.pid} ${d.consumer.state}` : 'no consumer';
		lines.push(`dtrace         ${consumer}; safe mode ${d.safeMode ? 'on' : 'off'}; ${d.probesFired} probe hits, ${d.suppressed} suppressed by safe mode; ${d.xcalls} xcalls${s.mitigated ? '; mitigation on' : ''}`);
		const t = d.teardown;
		if (t) {
			const state = t.seconds === undefined ? `${t.left} of ${t.probes} probes left` : `done in ${t.seconds.toFixed(3)}s`;
			lines.push(`teardown       ${t.probes} probes, ${t.syncs} syncs, ${t.xcalls} acks, ${state}`);
		}
	}
	lines.push(`warnings       rcu stall ${w.rcuStall}, soft lockup ${w.softLockup}, hard lockup ${w.hardLockup}, WARN ${w.warn}, BUG ${w.bug}, hung task ${w.hungTask}`);
	lines.push(`virtual time   ${s.virtualTime} (${s.events} events)`);
	lines.push(`event log hash ${s.eventLogHash}`);
	return lines.join('\n');
}

// dtracedrv_release -> dtrace_close -> dtrace_state_destroy: with cpu_lock and dtrace_lock
// held, every enabled probe is destroyed with about three dtrace_sync() calls, each a
// cross-call to every CPU. teardownStep does it one dtrace_sync at a time, so that the
// consumer's task can wait for each and resume.
import type {Cpu} from '../cpu.js';
import {startTimed} from '../sched.js';
import {secNsec} from '../time.js';
import {PORT_TIMING} from './config.js';
import {mutexEnter, mutexExit} from './mutex.js';
import type {DtracePort} from './port.js';
import {printf} from './printf.js';
import type {TeardownProgress} from './state.js';
import {timeout} from './taskq.js';
import {sync} from './x_call.js';

export function beginClose(p: DtracePort, disorderly: boolean): void {
	const c = p.st.consumer!;
	c.phase = 'close';
	c.state = disorderly ? 'killed' : 'stopping';
	if (p.st.teardown) return;
	const now = p.k.s.now;
	p.st.teardown = {
		total: p.config.probes,
		left: p.config.probes,
		syncs: 0,
		xcalls: 0,
		startedAt: now,
		doneAt: undefined,
		lastAckCpu: -1,
		lastAckCounts: new Array<number>(p.k.s.cpus.length).fill(0),
		samples: [{t: now, syncs: 0}],
		stage: 'lock',
		syncsLeftForProbe: 0,
		disorderly,
	};
}

/**
 * One step of the close path. Returns true when the CPU is now waiting (cross-call, mutex,
 * or a batch of local work).
 */
export function teardownStep(p: DtracePort, cpu: Cpu): boolean {
	const st = p.st;
	const t = st.teardown!;
	const c = st.consumer!;
	const k = p.k;
	let localWork = 0;
	/** Moves on to `next` once a dtrace_sync from `from` is done; true while it waits. */
	const syncThen = (next: TeardownProgress['stage'], from: 'dtrace_state_destroy'): boolean => {
		t.stage = next;
		return sync(p, cpu, from);
	};
	const flushLocal = (): boolean => {
		if (localWork === 0) return false;
		startTimed(k, cpu, {kind: 'run', mode: 'kernel', fn: 'dtrace_ecb_destroy', until: 0}, localWork);
		return true;
	};
	for (;;) {
		switch (t.stage) {
			case 'lock':
				if (mutexEnter(p, cpu, 'cpu_lock', c.task) || mutexEnter(p, cpu, 'dtrace_lock', c.task)) return true;
				c.state = 'tearing down';
				if (p.config.provider === 'pid' && st.fasttrapProbes > 0) timeout(p, cpu, 'fasttrap_pid_cleanup_cb');
				t.stage = t.disorderly ? 'disorderly' : 'start';
				continue;
			case 'disorderly':
				// "disorderly shutdown of a consumer": the state was still active.
				if (syncThen('start', 'dtrace_state_destroy')) return true;
				continue;
			case 'start':
				// cnt_probes - cnt_free1: probes since the previous teardown began (or since load).
				printf(p, cpu, `teardown start xcalls=${p.stats.get('xcall1')} probes=${p.stats.get('probes') - st.free1}`);
				t.syncsLeftForProbe = p.config.syncsPerProbe;
				if (syncThen('probes', 'dtrace_state_destroy')) return true;
				continue;
			case 'probes': {
				if (t.left === 0) {
					if (flushLocal()) return true;
					st.lockTeardown = -1;
					// cnt_probes - cnt_free1 again: the probes that fired during this teardown.
					printf(p, cpu, `teardown done ${secNsec(k.s.now - t.startedAt)} xcalls=${p.stats.get('xcall1')} probes=${p.stats.get('probes') - st.free1}`);
					t.stage = 'final';
					continue;
				}
				if (st.lockTeardown === -1) {
					// The first dtrace_ecb_destroy makes this CPU the teardown leader.
					st.free1 = p.stats.get('probes');
					st.lockTeardown = cpu.id;
				}
				if (t.syncsLeftForProbe === 0) {
					t.left--;
					t.syncsLeftForProbe = p.config.syncsPerProbe;
					kmemFree(p, cpu);
					if (t.left % 500 === 0) t.samples.push({t: k.s.now, syncs: t.syncs});
					if (t.samples.length > 64) t.samples.shift();
					continue;
				}
				t.syncsLeftForProbe--;
				// Local work done so far delays the next IPIs: it goes in as extra latency.
				if (sync(p, cpu, 'dtrace_ecb_destroy', (ns) => (localWork += ns), localWork)) return true;
				if (localWork >= 200 * PORT_TIMING.localSync && flushLocal()) return true;
				continue;
			}
			case 'final':
				if (syncThen('unlock', 'dtrace_state_destroy')) return true;
				continue;
			case 'unlock':
				t.doneAt = k.s.now;
				t.samples.push({t: k.s.now, syncs: t.syncs});
				mutexExit(p, 'dtrace_lock');
				mutexExit(p, 'cpu_lock');
				st.buffers.fill(0);
				t.stage = 'finished';
				return false;
			case 'finished':
				return false;
		}
	}
}

/**
 * dtrace_ecb_destroy's timing of kmem_free (driver/dtrace.c): its statics `cnt` and `max_t`
 * live for the module's lifetime. A new maximum prints `kmem_free t=%s (%d)`, otherwise
 * every 10000th free `kmem_free cnt=%d`. Every free here costs the same, so only the first
 * one ever sets a maximum.
 */
function kmemFree(p: DtracePort, cpu: Cpu): void {
	const st = p.st;
	const n = ++st.ecbFrees;
	const ns = PORT_TIMING.kmemFree;
	if (ns > st.maxFreeNs) {
		st.maxFreeNs = ns;
		printf(p, cpu, `kmem_free t=${secNsec(ns)} (${n})`);
	} else if (n % 10000 === 0) {
		printf(p, cpu, `kmem_free cnt=${n}`);
	}
}

/** Syncs per second over the last stretch of the teardown. */
export function teardownRate(p: DtracePort): number {
	const t = p.st.teardown;
	if (!t || t.samples.length < 2) return 0;
	const last = t.samples.at(-1)!;
	const now = p.k.s.now;
	const cut = (t.doneAt ?? now) - 1_000_000_000;
	const first = t.samples.find((s) => s.t >= cut) ?? t.samples[0]!;
	const end = t.doneAt === undefined ? {t: now, syncs: t.syncs} : last;
	const dt = end.t - first.t;
	return dt > 0 ? ((end.syncs - first.syncs) * 1e9) / dt : 0;
}

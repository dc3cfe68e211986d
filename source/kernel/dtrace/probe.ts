// The probe wrapper (dtrace_probe and the Linux glue around it in driver/dtrace_linux.c and
// driver/fbt_linux.c): safe mode, the per-CPU probe level that catches a probe inside a
// probe, the RCU-idle check, and the enabling's action (record, print, or cross-call every
// CPU from probe context, as the seed describes).
import type {Cpu} from '../cpu.js';
import * as msg from '../messages.js';
import {printLines} from '../printk.js';
import {startTimed, setActivity} from '../sched.js';
import {othersOf} from '../smp.js';
import {baseFrames, stackContext} from '../stacktrace.js';
import type {ProbeSite} from './config.js';
import type {DtracePort} from './port.js';
import {printf} from './printf.js';
import {pollMailbox, startXcall, SYNC_FUNC, XCALL_FRAMES} from './x_call.js';

/** dtrace_probe(): the Linux wrapper's checks, then the enabling's action. Returns true when the CPU now waits. */
export function fire(p: DtracePort, cpu: Cpu, site: ProbeSite, body: number): boolean {
	const st = p.st;
	const s = p.stats;
	s.inc('probes');
	s.inc('int3_1');
	s.inc('int1');
	if (st.shutdown) return false;
	const irqsOff = !cpu.irqsOn || cpu.ctx === 'hardirq' || cpu.ctx === 'nmi';
	if (irqsOff) {
		if (st.options.safeMode) {
			s.inc('probe_safe');
			return false;
		}
		s.inc('probe_noint');
	}
	if (st.lockTeardown === cpu.id) return false;
	if (st.probeLevel[cpu.id]! > 0) {
		recursion(p, cpu, p.probeId(st.currentProbe[cpu.id] ?? site.fn), p.probeId(site.fn));
		return false;
	}
	st.buffers[cpu.id]! += p.config.recordSize;
	// A full buffer drops the record (DTrace counts drops; nothing here shows them yet).
	if (st.buffers[cpu.id]! > p.config.bufSize) st.buffers[cpu.id] = p.config.bufSize;
	if (cpu.rcuIdle) rcuUse(p, cpu, site);
	if (p.config.actionRecurses) selfProbe(p, cpu, site);
	if (site.action === 'printf') printf(p, cpu, `${p.probeName(site.fn)} fired on cpu ${cpu.id}`);
	if (site.action !== 'xcall') return false;
	// The enabling cross-calls every CPU from probe context, as the seed describes.
	st.probeLevel[cpu.id]!++;
	st.currentProbe[cpu.id] = site.fn;
	const frames = [...XCALL_FRAMES, 'dtrace_sync', 'dtrace_probe', 'fbt_invop', 'dtrace_int3_handler', 'do_int3', 'int3', site.fn];
	const call = startXcall(p, cpu, othersOf(p.k, cpu), SYNC_FUNC, frames, 0, `dtrace_xcall from probe ${p.probeName(site.fn)}`);
	if (!call) {
		st.probeLevel[cpu.id]!--;
		return false;
	}
	cpu.preempt++;
	setActivity(p.k, cpu, {kind: 'xcall-wait', call});
	cpu.resumeHook = {fn: p.fn.probeResume, data: {fn: site.fn, body}};
	pollMailbox(p, cpu);
	return true;
}

/** Every CPU acked the probe's cross-call: the probed function's body runs. */
export function probeResume(p: DtracePort, cpu: Cpu, fn: string, body: number): void {
	cpu.preempt--;
	p.st.probeLevel[cpu.id]!--;
	startTimed(p.k, cpu, {kind: 'run', mode: 'kernel', fn, until: 0}, body);
}

/** The action calls a function that is itself probed (ktime_get for the timestamp). */
function selfProbe(p: DtracePort, cpu: Cpu, site: ProbeSite): void {
	if (p.st.options.inTracingFlag) {
		// The per-stack in-tracing flag is set: the nested probe is not even entered.
		p.st.inTracingStops++;
		return;
	}
	p.stats.inc('probes');
	recursion(p, cpu, p.probeId(site.fn), p.probeId('ktime_get'));
}

/** The port's per-CPU probe level caught a probe inside a probe. */
function recursion(p: DtracePort, cpu: Cpu, old: number, id: number): void {
	p.stats.inc('probe_recursion');
	const n = p.stats.get('probe_recursion');
	if (n < 10) printf(p, cpu, `dtrace_probe: re-entrancy: old=${old} this=${id} [#${n}]`);
}

/** The probe touches RCU-protected state while RCU is not watching this CPU. */
function rcuUse(p: DtracePort, cpu: Cpu, site: ProbeSite): void {
	const st = p.st;
	if (st.options.rcuWatchingGuard) {
		// rcu_is_watching() is false: rcu_irq_enter_irqson() first, exit after.
		st.rcuGuarded++;
		return;
	}
	st.rcuSplats++;
	if (st.rcuSplats > 1) return; // lockdep turns debug_locks off after the first splat
	const {comm, pid} = cpu.current ?? {comm: `swapper/${cpu.id}`, pid: 0};
	const k = p.k;
	const lines = msg.suspiciousRcu(k.config.formats, {
		file: 'driver/dtrace.c',
		line: 1387,
		what: 'suspicious rcu_dereference_check() usage',
		idle: true,
		release: k.config.release,
		tainted: msg.taintString(k.s.taint, k.config.formats),
		holder: `${comm}/${pid}`,
	});
	const frames = ['dump_stack', 'lockdep_rcu_suspicious', 'dtrace_probe', 'fbt_invop', 'dtrace_int3_handler', 'do_int3', 'int3', site.fn, ...baseFrames(cpu)];
	printLines(k, cpu.id, [...lines, ...msg.dumpStack({...stackContext(k, cpu), frames})]);
	k.s.warnings.warn++;
}

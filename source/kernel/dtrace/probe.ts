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

/**
 * A probe site is hit. For fbt that is an int3 into dtrace_int3_handler (driver/intr.c):
 * `int3_1` counts every one; a CPU already inside an fbt probe (cpuc_mode not IDLE) takes
 * the nested branch; otherwise fbt_invop runs the wrapper, claims the address (`int3_2`)
 * once the probe returns, and single-steps the copied instruction (`int1`). pid probes
 * trap from user space and are not claimed by dtrace_invop (no `int3_2`); their CPU is
 * back in IDLE mode, so recursion is caught by the wrapper instead. Returns true when the
 * CPU now waits.
 */
export function fire(p: DtracePort, cpu: Cpu, site: ProbeSite, body: number): boolean {
	const st = p.st;
	const fbt = p.config.provider === 'fbt';
	// The nested branch wrote the original opcode back: that probe no longer traps.
	if (fbt && st.unpatched.includes(site.fn)) return false;
	p.stats.inc('int3_1');
	if (fbt && st.probeLevel[cpu.id]! > 0) {
		nestedInt3(p, cpu, site.fn);
		return false;
	}
	if (dtraceProbe(p, cpu, site, body)) return true;
	if (fbt) claimed(p);
	return false;
}

/** dtrace_invop claimed the int3 (`int3_2(ours)`); the single step after it is `int1`. */
function claimed(p: DtracePort): void {
	p.stats.inc('int3_2(ours)');
	p.stats.inc('int1');
}

/**
 * The wrapper dtrace_probe() (driver/dtrace.c): shutdown, safe mode, the teardown leader's
 * own probes, re-entrancy; only then __dtrace_probe, whose first statement is
 * `cnt_probes++`. Returns true when the enabling's action left the CPU waiting.
 */
function dtraceProbe(p: DtracePort, cpu: Cpu, site: ProbeSite, body: number): boolean {
	const st = p.st;
	const s = p.stats;
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
	s.inc('probes');
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

/** Every CPU acked the probe's cross-call: the probe returns, and the probed function's body runs. */
export function probeResume(p: DtracePort, cpu: Cpu, fn: string, body: number): void {
	cpu.preempt--;
	p.st.probeLevel[cpu.id]!--;
	if (p.config.provider === 'fbt') claimed(p);
	startTimed(p.k, cpu, {kind: 'run', mode: 'kernel', fn, until: 0}, body);
}

/** The action calls a function that is itself probed (ktime_get for the timestamp). */
function selfProbe(p: DtracePort, cpu: Cpu, site: ProbeSite): void {
	if (p.st.options.inTracingFlag) {
		// The per-stack in-tracing flag is set: the nested probe is not even entered.
		p.st.inTracingStops++;
		return;
	}
	if (p.config.provider !== 'fbt') {
		// Not an int3 provider: the CPU is in IDLE mode, the wrapper's level catches it.
		recursion(p, cpu, p.probeId(site.fn), p.probeId('ktime_get'));
		return;
	}
	// An fbt probe's action runs inside dtrace_int3_handler (cpuc_mode INT1): nested int3.
	if (p.st.unpatched.includes('ktime_get')) return;
	p.stats.inc('int3_1');
	nestedInt3(p, cpu, 'ktime_get');
}

/**
 * dtrace_int3_handler's nested branch (driver/intr.c): `cnt_int3_3++`, recint() (an empty
 * dtrace_printf: no output), `dtrace_printf("recursive-int[%lu]: PC:%p\n", cnt_int3_3,
 * (void *) regs->r_pc-1)` with IRQs off, then switch_off: the probe is ours, so its
 * original opcode is written back and it never traps again.
 */
function nestedInt3(p: DtracePort, cpu: Cpu, fn: string): void {
	p.stats.inc('int3_3(reentr)');
	printf(p, cpu, `recursive-int[${p.stats.get('int3_3(reentr)')}]: PC:${msg.symbolAddress(fn)}`, true);
	p.st.unpatched.push(fn);
}

/** The wrapper's per-CPU probe level caught a probe inside a probe (non-int3 providers). */
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

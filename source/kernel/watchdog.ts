// The lockup detectors (kernel/watchdog.c): a per-CPU hrtimer every sample period kicks the
// per-CPU watchdog thread and reports a soft lockup when that thread has not run for
// 2 * watchdog_thresh; the perf NMI every watchdog_thresh reports a hard lockup when the
// hrtimer's interrupt count has not moved.
import {V_LOC} from './apic.js';
import type {Cpu} from './cpu.js';
import {EV_WD_NMI, EV_WD_TIMER} from './engine.js';
import {deliver} from './irq.js';
import type {Kernel} from './kernel.js';
import * as msg from './messages.js';
import {panic, printLines, warn} from './printk.js';
import {quiescentState} from './rcu/tree.js';
import {irqReturnPreempt} from './preempt.js';
import {stackContext} from './stacktrace.js';

function getTimestamp(k: Kernel): number {
	// local_clock() >> 30: "seconds" are really 1.074 s units.
	return Math.floor(k.s.now / 1073741824);
}

export function onWatchdogTimer(k: Kernel, cpuId: number): void {
	k.q.push(k.s.now + k.samplePeriod, EV_WD_TIMER, cpuId);
	const cpu = k.s.cpus[cpuId]!;
	// The watchdog hrtimer rides the local APIC timer vector.
	cpu.wdTimerPending = true;
	cpu.irr |= 1 << V_LOC;
	deliver(k, cpu);
	irqReturnPreempt(k, cpu);
}

/** watchdog_timer_fn(): kicks both detectors and checks for a soft lockup. */
export function watchdogTimerFn(k: Kernel, cpu: Cpu): void {
	const touch = cpu.touchTs;
	cpu.hrtimerInts++;
	cpu.wdThreadPending = true;
	if (touch === 0) {
		// __touch_watchdog() from the hrtimer itself: no context switch, no RCU QS.
		cpu.touchTs = getTimestamp(k);
		cpu.reportTs = cpu.touchTs;
		return;
	}
	const now = getTimestamp(k);
	const thresh = 2 * k.config.thresholds.watchdogThresh;
	const modern = k.config.formats === 'modern';
	const stuck = modern ? now > cpu.reportTs + thresh : now > touch + thresh;
	if (stuck) {
		if (!modern && cpu.softWarned) return;
		if (modern) cpu.reportTs = now;
		const ctx = stackContext(k, cpu);
		printLines(k, cpu.id, msg.softLockupReport(k.config.formats, now - touch, ctx));
		k.s.warnings.softLockup++;
		if (modern) k.s.taint.add('L');
		if (k.config.thresholds.softlockupPanic) {
			panic(k, cpu, 'softlockup: hung tasks');
			return;
		}
		cpu.softWarned = true;
	} else cpu.softWarned = false;
	if (preemptible(cpu)) runWatchdogThread(k, cpu);
}

/** The per-CPU FIFO watchdog thread got the CPU: it touches the timestamp. */
export function runWatchdogThread(k: Kernel, cpu: Cpu): void {
	cpu.wdThreadPending = false;
	cpu.touchTs = getTimestamp(k);
	cpu.reportTs = cpu.touchTs;
	quiescentState(k, cpu);
}

/** Whether a woken RT thread runs on return from this interrupt (3.x: !CONFIG_PREEMPT). */
function preemptible(cpu: Cpu): boolean {
	const a = cpu.activity;
	if (cpu.current === undefined) return a.kind === 'idle';
	return a.kind === 'run' && a.mode === 'user' && cpu.preempt === 0;
}

/** The perf NMI watchdog: a hard lockup when the hrtimer count has not moved. */
export function onWatchdogNmi(k: Kernel, cpuId: number): void {
	k.q.push(k.s.now + k.nmiPeriod, EV_WD_NMI, cpuId);
	const cpu = k.s.cpus[cpuId]!;
	if (cpu.ctx === 'nmi') return; // NMIs are blocked until the running one returns
	cpu.nmi++;
	cpu.pmi++;
	// watchdog_overflow_callback(): a touched watchdog skips this check (and keeps the old count).
	if (cpu.nmiTouched) {
		cpu.nmiTouched = false;
		return;
	}
	if (cpu.hrtimerIntsSaved !== cpu.hrtimerInts) {
		cpu.hrtimerIntsSaved = cpu.hrtimerInts;
		cpu.hardWarned = false;
		return;
	}
	if (cpu.hardWarned) return;
	const prev = cpu.ctx;
	cpu.ctx = 'nmi';
	const nmiFrames = ['__perf_event_overflow', 'perf_event_overflow', 'intel_pmu_handle_irq', 'perf_event_nmi_handler', 'nmi_handle', 'do_nmi', 'end_repeat_nmi'];
	if (k.config.thresholds.hardlockupPanic) {
		panic(k, cpu, msg.hardLockupMessage(cpu.id));
	} else if (k.config.formats === '3.x') {
		warn(k, cpu, msg.WATCHDOG_OVERFLOW_WARN, msg.hardLockupMessage(cpu.id), {nmi: nmiFrames});
	} else {
		printLines(k, cpu.id, msg.hardLockupReport('modern', stackContext(k, cpu), k.s.oopsId));
	}
	cpu.ctx = prev;
	k.s.warnings.hardLockup++;
	cpu.hardWarned = true;
}

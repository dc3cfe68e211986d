// Stack frames for dumps (arch/x86/kernel/dumpstack.c): the call chain a CPU shows for what
// it is doing, innermost first, with any blocked handlers on top of what they interrupted.
import {V_CAL, V_CALS, V_DEVICE, V_LOC, V_RES} from './apic.js';
import type {Activity, Cpu, Task} from './cpu.js';
import {currentComm} from './cpu.js';
import type {Kernel} from './kernel.js';
import * as msg from './messages.js';
import {consoleFrames} from './console.js';
import {callbackConf, SOFTIRQ_FRAME, VIA_BH_ENABLE, VIA_KSOFTIRQD, VIA_SPIN_UNLOCK_BH, type SoftirqRun} from './softirq.js';

const IDLE_FRAMES = ['native_safe_halt', 'default_idle', 'arch_cpu_idle', 'cpu_startup_entry', 'start_secondary'];

/** The call chain a stack dump shows for what the CPU is doing, innermost first. */
export function framesOf(cpu: Cpu): string[] {
	// A handler that blocked sits on top of what it interrupted.
	let frames = deviceHandlerFrames(cpu) ?? activityFrames(cpu, cpu.activity);
	for (let i = cpu.irqStack.length - 1; i >= 0; i--) {
		const f = cpu.irqStack[i]!;
		frames = [...frames, ...f.frames, ...activityFrames(cpu, f.activity)];
	}
	return frames;
}

/**
 * What a blocked device interrupt handler (irq.ts) is doing above its own frames: nothing
 * of the task below it (those frames come after the handler's).
 */
function deviceHandlerFrames(cpu: Cpu): string[] | undefined {
	const top = cpu.irqStack.at(-1);
	// Likewise a softirq callback, a scenario's NMI handler or called function (smp_function.ts) that waits.
	if (!top || (top.vector !== V_DEVICE && top.vector !== SOFTIRQ_FRAME && top.frames[1] !== 'nmi_handle' && !top.frames[1]?.startsWith('generic_smp_call_function'))) return undefined;
	const a = cpu.activity;
	if (a.kind === 'spin' && a.rw) return [`__${a.rw}_lock_failed`, `_raw_${a.rw}_lock`];
	return a.kind === 'spin' ? ['_raw_spin_lock'] : [];
}

/** The frames below whatever the current task is doing. */
export function baseFrames(cpu: Cpu): string[] {
	if (!cpu.current) return [];
	return cpu.current.pid === 0 ? IDLE_FRAMES.slice(1) : taskBaseFrames(cpu.current);
}

/** The bottom of a task's kernel stack: a system call, or a kernel thread's kthread(). */
export function taskBaseFrames(task: Task): string[] {
	return task.kthread ? ['kthread', 'ret_from_fork'] : ['system_call_fastpath'];
}

function activityFrames(cpu: Cpu, a: Activity): string[] {
	const base = baseFrames(cpu);
	switch (a.kind) {
		case 'spin':
			if (a.rw) return [`__${a.rw}_lock_failed`, `_raw_${a.rw}_lock${cpu.savedIrq.has(a.lock) ? '_irqsave' : ''}`, ...base];
			return [cpu.savedIrq.has(a.lock) ? '_raw_spin_lock_irqsave' : '_raw_spin_lock', ...base];
		case 'xcall-wait':
			if (a.csd !== undefined && a.call.frames) return ['csd_lock', ...a.call.frames.filter((f) => f !== 'generic_exec_single'), ...base];
			if (a.csd !== undefined) return ['csd_lock', ...(a.call.targets.length === 1 ? ['smp_call_function_single'] : []), 'smp_call_function_many', 'smp_call_function', ...base];
			if (a.call.frames) return [...a.call.frames, ...base];
			if (a.call.via === 'smp_call_function') return ['smp_call_function_many', 'smp_call_function', a.call.func, ...base];
			if (a.call.via === 'flush_tlb_others') return ['smp_call_function_many', 'native_flush_tlb_others', 'flush_tlb_mm_range', 'SyS_munmap', ...base];
			return [a.call.via, ...base];
		case 'run':
			if (a.mode === 'kernel' && cpu.current?.steps[cpu.current.pc + 1]?.op === 'console_drain') return [...consoleFrames(a.fn), ...base];
			return a.mode === 'kernel' ? [a.fn ?? 'do_kernel_work', ...base] : ['retint_careful'];
		case 'stuck':
			return [a.fn];
		case 'busy-wait':
			return [a.fn];
		case 'idle':
			return IDLE_FRAMES;
	}
}

/** What a dump of `cpu` prints around its frames: the CPU line, the modules, the taint. */
export function stackContext(k: Kernel, cpu: Cpu, irqFrames?: readonly string[], irqKind?: 'NMI' | 'IRQ'): msg.StackContext {
	const {comm, pid} = currentComm(cpu);
	return {
		cpu: cpu.id,
		pid,
		comm,
		tainted: msg.taintString(k.s.taint, k.config.formats),
		release: k.config.release,
		modules: k.s.modules.join(' '),
		frames: framesOf(cpu),
		irqFrames,
		irqKind,
	};
}

/** The call chain of a blocked softirq run (softirq.ts), innermost first, down to what it interrupted. */
export function softirqFrames(k: Kernel, r: SoftirqRun): string[] {
	const cb = r.cb;
	const callback = !cb ? [] : cb.kind === 'timer' ? [callbackConf(k, cb).name, 'call_timer_fn', 'run_timer_softirq'] : [callbackConf(k, cb).name, 'tasklet_action'];
	if (r.via === VIA_KSOFTIRQD) return [...callback, '__do_softirq', 'run_ksoftirqd', 'smpboot_thread_fn', 'kthread', 'ret_from_fork'];
	// x86_64: do_softirq() switches to the irq stack through call_softirq.
	const base = [...callback, '__do_softirq', 'call_softirq', 'do_softirq'];
	if (r.via === VIA_BH_ENABLE) return [...base, 'local_bh_enable'];
	if (r.via === VIA_SPIN_UNLOCK_BH) return [...base, 'local_bh_enable_ip', '_raw_spin_unlock_bh'];
	return [...base, 'irq_exit', ...(HARDIRQ_ENTRY[r.via] ?? ['do_IRQ', 'common_interrupt'])];
}

/** The entry of the hardirq whose irq_exit ran the softirqs, by vector. */
const HARDIRQ_ENTRY: Record<number, readonly string[]> = {
	[V_LOC]: ['smp_apic_timer_interrupt', 'apic_timer_interrupt'],
	[V_RES]: ['scheduler_ipi', 'smp_reschedule_interrupt', 'reschedule_interrupt'],
	[V_CAL]: ['smp_call_function_interrupt', 'call_function_interrupt'],
	[V_CALS]: ['smp_call_function_single_interrupt', 'call_function_single_interrupt'],
	[V_DEVICE]: ['do_IRQ', 'common_interrupt'],
};

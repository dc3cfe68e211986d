// stop_machine (3.10 kernel/stop_machine.c): __stop_machine sets STOPMACHINE_PREPARE and
// queues stop_machine_cpu_stop on every online CPU's stopper thread (migration/N, the stop
// scheduling class: above everything, but under preemption none it gets a busy CPU only at
// that CPU's next scheduling point), then sleeps in wait_for_completion. Each stopper runs the
// state machine: on seeing a new state it acts (DISABLE_IRQ: local_irq_disable; RUN: the
// active CPU calls fn) and acks; the last ack moves everyone to the next state. In between it
// spins (cpu_relax) without scheduling and, in 3.10, without touch_nmi_watchdog. So one CPU
// that does not schedule keeps every other CPU spinning in PREPARE with IRQs on (soft lockup,
// RCU stall), and a slow fn keeps them spinning in RUN with IRQs off (hard lockup).
import {V_RES} from './apic.js';
import type {Cpu, Task} from './cpu.js';
import {sendIpi} from './ipi.js';
import {setIrqs} from './irq.js';
import type {Kernel} from './kernel.js';
import {run, schedulePoint, setActivity, wake} from './sched.js';
import {hasBody, startBody} from './smp_function.js';
import {NS_PER_SEC} from './time.js';
import type {StuckNode, WaitEdge} from './waitfor.js';

const NONE = 0;
const PREPARE = 1;
const DISABLE_IRQ = 2;
const RUN = 3;
const EXIT = 4;
const STATE_NAMES = ['NONE', 'PREPARE', 'DISABLE_IRQ', 'RUN', 'EXIT'] as const;

/** One stop_machine() call in progress (struct stop_machine_data and cpu_stop_done). */
export interface StopMachine {
	readonly fn: string;
	/** The CPU that runs fn (cpumask_of(cpu)). */
	readonly active: number;
	readonly caller: Task;
	readonly since: number;
	state: number;
	/** thread_ack: CPUs yet to ack the current state. */
	ack: number;
	/** Each stopper's curstate (NONE until its thread first runs). */
	readonly cur: number[];
	/** Each CPU's IRQ flag as its stopper found it (local_save_flags), restored at EXIT. */
	readonly flags: boolean[];
	/** cpu_stop_done.nr_todo: stoppers that have not finished. */
	todo: number;
}

export interface StopperState {
	current: StopMachine | null;
	/** Each CPU's stopper thread, made on first use. */
	readonly threads: (Task | null)[];
	/** Callers waiting for the stop_machine in progress to end (stop_cpus_mutex). */
	readonly waiting: Task[];
}

export function makeStopperState(cpus: number): StopperState {
	return {current: null, threads: Array.from({length: cpus}, () => null), waiting: []};
}

/** migration/N's pid: a 3.10 x86 boot makes migration/0 pid 7, then five kthreads per CPU. */
const stopperPid = (cpu: number): number => (cpu === 0 ? 7 : 12 + 5 * (cpu - 1));

/** The stop_machine step: queue the work on every stopper, wake them, sleep until done. Returns true (the CPU goes on with something else). */
export function stopMachine(k: Kernel, cpu: Cpu, task: Task, fn: string, active: number): boolean {
	const st = k.s.stopper;
	task.pc++;
	sleepTask(k, cpu, task);
	if (st.current) {
		st.waiting.push(task);
		return true;
	}
	begin(k, cpu, task, fn, active);
	return true;
}

function sleepTask(k: Kernel, cpu: Cpu, task: Task): void {
	task.state = 'sleeping';
	task.sleepToken++;
	task.switchCount++;
	cpu.current = undefined;
	schedulePoint(k, cpu);
}

function begin(k: Kernel, from: Cpu, caller: Task, fn: string, active: number): void {
	const st = k.s.stopper;
	const n = k.s.cpus.length;
	st.current = {fn, active, caller, since: k.s.now, state: PREPARE, ack: n, cur: Array.from({length: n}, () => NONE), flags: Array.from({length: n}, () => true), todo: n};
	for (const cpu of k.s.cpus) {
		let t = st.threads[cpu.id];
		if (!t) {
			t = {comm: `migration/${cpu.id}`, pid: stopperPid(cpu.id), cpu: cpu.id, steps: [], repeat: 0, pc: 0, iteration: 0, variantPass: -1, mitigatedPass: false, state: 'new', sleepsOn: undefined, sleepToken: 0, blockedSince: 0, switchCount: 0, lastSwitchCount: 0, driver: {fn: k.bodyFns.stopper}};
			st.threads[cpu.id] = t;
			k.s.tasks.push(t);
		}
		// wake_up_process: the stop class goes before everything queued; resched_task IPIs a remote CPU.
		t.state = 'runnable';
		cpu.runq.unshift(t);
		// An idle CPU's RES handler schedules it; a busy one only gets need_resched.
		if (cpu !== from) sendIpi(k, cpu.id, V_RES);
	}
}

/** The stopper thread has the CPU: the first time, it starts the state machine; after that, a state change reached it. */
export function stopperThread(k: Kernel, cpu: Cpu): void {
	const sm = k.s.stopper.current;
	if (!sm || sm.cur[cpu.id] === EXIT || cpu.current !== k.s.stopper.threads[cpu.id]) {
		// Nothing queued: the thread sleeps again.
		if (cpu.current) sleepTask(k, cpu, cpu.current);
		run(k, cpu);
		return;
	}
	if (sm.cur[cpu.id] === NONE) sm.flags[cpu.id] = cpu.irqsOn;
	observe(k, cpu, sm);
}

/** A new state reached a spinning stopper (after a cpu_relax); ignored when it is not in the loop now. */
export function stopperKick(k: Kernel, cpu: Cpu): void {
	const sm = k.s.stopper.current;
	if (!sm || cpu.current !== k.s.stopper.threads[cpu.id] || cpu.activity.kind !== 'busy-wait') return;
	if (cpu.irqStack.length > 0) {
		// In a handler that waits: the loop sees it once the handler returns.
		k.at(k.s.now + 1_000, k.bodyFns.stopperKick, cpu.id);
		return;
	}
	observe(k, cpu, sm);
}

/** The loop's body: while the state differs from what this CPU last saw, act on it and ack. */
function observe(k: Kernel, cpu: Cpu, sm: StopMachine): void {
	while (sm.cur[cpu.id] !== sm.state && sm.cur[cpu.id] !== EXIT) {
		const cur = sm.state;
		sm.cur[cpu.id] = cur;
		if (cur === DISABLE_IRQ) setIrqs(k, cpu, false);
		if (cur === RUN && cpu.id === sm.active && hasBody(k, sm.fn) && !startBody(k, cpu, 'stop', sm.fn)) return; // fn waits: stopFnDone goes on
		ackState(k, sm);
	}
	if (sm.cur[cpu.id] === EXIT) {
		finish(k, cpu, sm);
		return;
	}
	setActivity(k, cpu, {kind: 'busy-wait', on: 'stop_machine', fn: 'stop_machine_cpu_stop', describe: ''});
	redescribe(k, sm);
}

/** The spinning stoppers' words for the CPU strip, after any ack: whom they wait for now. */
function redescribe(k: Kernel, sm: StopMachine): void {
	const text = `stop_machine ${STATE_NAMES[sm.state]}: wait ${pendingCpus(k, sm).map((c) => `CPU${c}`).join(',')}`;
	for (const c of k.s.cpus) {
		const a = c.activity;
		if (a.kind === 'busy-wait' && a.on === 'stop_machine' && a.describe !== text) c.activity = {...a, describe: text};
	}
}

/** fn returned on the active CPU after it had waited. */
export function stopFnDone(k: Kernel, cpu: Cpu): void {
	const sm = k.s.stopper.current;
	if (!sm) return;
	ackState(k, sm);
	observe(k, cpu, sm);
}

/** ack_state: the last ack sets the next state, and every other stopper sees it after a cpu_relax. */
function ackState(k: Kernel, sm: StopMachine): void {
	if (--sm.ack > 0) return;
	sm.ack = sm.cur.length;
	sm.state++;
	for (const c of k.s.cpus) if (sm.cur[c.id] !== NONE && sm.cur[c.id] !== EXIT) k.at(k.s.now + k.config.timing.lockHandoff, k.bodyFns.stopperKick, c.id);
}

/** Out of the loop: local_irq_restore, cpu_stop_signal_done; the last one completes the caller's wait. */
function finish(k: Kernel, cpu: Cpu, sm: StopMachine): void {
	setIrqs(k, cpu, sm.flags[cpu.id]!);
	if (--sm.todo === 0) {
		const st = k.s.stopper;
		st.current = null;
		wake(k, sm.caller, cpu);
		const next = st.waiting.shift();
		if (next) {
			// The next caller gets the stop_cpus_mutex and starts its own: its step runs again.
			next.pc--;
			wake(k, next, cpu);
		}
	}
	if (cpu.current) sleepTask(k, cpu, cpu.current);
	run(k, cpu);
}

/** CPUs that have not acked the current state: the ones everybody waits for. */
function pendingCpus(k: Kernel, sm: StopMachine): number[] {
	if (sm.state === RUN) return k.s.bodies.stop[sm.active] ? [sm.active] : [];
	return k.s.cpus.filter((c) => sm.cur[c.id] !== sm.state).map((c) => c.id);
}

/**
 * Wait-for edges: each spinning stopper waits for the CPUs that have not acked. A CPU whose
 * stopper has not run for the soft-lockup threshold (2 * watchdog_thresh) is stuck: it runs
 * something that does not schedule.
 */
export function stopMachineWaits(k: Kernel, edges: WaitEdge[], stuck: StuckNode[]): void {
	const sm = k.s.stopper.current;
	if (!sm) return;
	const pending = pendingCpus(k, sm);
	const name = STATE_NAMES[sm.state];
	for (const cpu of k.s.cpus) {
		const a = cpu.activity;
		if (a.kind !== 'busy-wait' || a.on !== 'stop_machine') continue;
		for (const t of pending) {
			if (t === cpu.id) continue;
			edges.push({
				from: `cpu${cpu.id}`,
				to: `cpu${t}`,
				since: Math.max(cpu.since, sm.since),
				text: `CPU${cpu.id} (migration/${cpu.id}) spins in stop_machine_cpu_stop (${name}, IRQs ${cpu.irqsOn ? 'on' : 'off'}) waiting for CPU${t}${sm.state === PREPARE ? `'s stopper thread migration/${t}` : ` to run ${sm.fn}`}`,
			});
		}
	}
	if (sm.state !== PREPARE || k.s.now - sm.since < 2 * k.config.thresholds.watchdogThresh * NS_PER_SEC) return;
	for (const t of pending) {
		const c = k.s.cpus[t]!;
		if (sm.cur[t] !== NONE || c.activity.kind === 'busy-wait' || c.activity.kind === 'spin' || c.activity.kind === 'xcall-wait') continue;
		const task = c.current;
		const a = c.activity;
		const where = a.kind !== 'run' ? '' : a.mode === 'user' ? ' in user mode' : a.fn ? ` ${a.fn} in the kernel` : ' in the kernel';
		const who = task ? `${task.comm} (pid ${task.pid})` : 'the idle task';
		stuck.push({node: `cpu${t}`, since: sm.since, text: `CPU${t}: ${who} runs${where} and has not scheduled since stop_machine began (preemption none): its stopper thread migration/${t} is runnable but cannot run`});
	}
}

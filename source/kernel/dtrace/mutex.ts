// The driver's mutexes (driver/mutex.c: mutex_enter/dmutex_enter): a spinning lock whose
// spinner services cross-calls every 100 spins and calls schedule() every 2000, which from
// atomic context is a "scheduling while atomic" BUG. The spin loop is a callback every 2000
// spins; a release hands the mutex to the first spinner.
import type {Cpu, Task} from '../cpu.js';
import {doing, waitPhrase} from '../describe.js';
import * as msg from '../messages.js';
import {printk, printLines} from '../printk.js';
import {resumeCpu, setActivity} from '../sched.js';
import {stackContext} from '../stacktrace.js';
import type {WaitEdge} from '../waitfor.js';
import type {DtracePort} from './port.js';
import {printf} from './printf.js';
import {pollMailbox} from './x_call.js';

const MUTEX_SPIN_NS = 25;
export const SPINS_PER_SCHEDULE = 2000;
const SPINS_PER_SLOW_MESSAGE = 500 * 1000 * 1000;
const HARDIRQ_OFFSET = 0x10000;

/** mutex_enter/dmutex_enter: returns true when the CPU now spins. */
export function mutexEnter(p: DtracePort, cpu: Cpu, name: string, task: Task | undefined): boolean {
	const m = p.st.mutexes.get(name)!;
	// Handed over while we spun: it is ours now.
	if (m.owner !== undefined && m.owner.cpu === cpu.id && m.owner.task === task && !m.spinners.includes(cpu.id)) return false;
	const atomic = cpu.ctx !== 'task';
	p.stats.inc(atomic ? 'mtx1' : 'mtx2');
	if (m.owner === undefined) {
		m.owner = {task, cpu: cpu.id, ctx: cpu.ctx, since: p.k.s.now};
		return false;
	}
	m.spinners.push(cpu.id);
	setActivity(p.k, cpu, {kind: 'busy-wait', on: name, fn: atomic ? 'dmutex_enter' : 'mutex_enter', describe: `spin mutex ${name}`});
	pollMailbox(p, cpu);
	scheduleSpinTick(p, cpu, 0);
	return true;
}

/** A CPU in hardirq context joins the spinners of `name` (the caller blocks its handler). */
export function spinInHandler(p: DtracePort, cpu: Cpu, name: string): void {
	p.stats.inc('mtx1');
	p.st.mutexes.get(name)!.spinners.push(cpu.id);
}

export function mutexExit(p: DtracePort, name: string): void {
	const k = p.k;
	const m = p.st.mutexes.get(name)!;
	m.owner = undefined;
	const nextId = m.spinners.shift();
	if (nextId === undefined) return;
	const next = k.s.cpus[nextId]!;
	const task = next.ctx === 'task' ? next.current : undefined;
	m.owner = {task, cpu: next.id, ctx: next.ctx, since: k.s.now};
	k.at(k.s.now + MUTEX_SPIN_NS, p.fn.handOver, next.id, {name, token: next.token});
}

/** The spinner sees the mutex is its own: its wait ends (a handler's resume hook, or its task goes on). */
export function handOver(p: DtracePort, cpu: Cpu, token: number): void {
	if (cpu.token !== token) return;
	resumeCpu(p.k, cpu);
}

/** Step report of a handover, told after it ran. */
export function handOverText(p: DtracePort, cpu: Cpu, name: string): string {
	return `dtrace mutex ${name} handed over, now ${doing(p.k, cpu)}`;
}

/** Every 2000 spins the spinner calls schedule(); from atomic context that is a BUG. */
export function scheduleSpinTick(p: DtracePort, cpu: Cpu, spins: number): void {
	p.k.at(p.k.s.now + SPINS_PER_SCHEDULE * MUTEX_SPIN_NS, p.fn.spinTick, cpu.id, {token: cpu.token, spins});
}

export function spinTick(p: DtracePort, cpu: Cpu, token: number, spins: number): void {
	if (cpu.token !== token || cpu.activity.kind !== 'busy-wait') return;
	const total = spins + SPINS_PER_SCHEDULE;
	if (Math.floor(total / SPINS_PER_SLOW_MESSAGE) > Math.floor(spins / SPINS_PER_SLOW_MESSAGE)) {
		printf(p, cpu, `mutex_enter: taking a long time to grab lock mtx3=${p.stats.get('mtx3')}`);
		p.stats.inc('mtx3');
	}
	if (cpu.ctx !== 'task') schedulingWhileAtomic(p, cpu);
	scheduleSpinTick(p, cpu, total);
}

/** Step report of a spin-loop tick, told after it ran. */
export function spinTickText(p: DtracePort, cpu: Cpu): string {
	const a = cpu.activity;
	if (a.kind !== 'busy-wait' || !p.st.mutexes.has(a.on)) return 'mutex_enter spin-loop check: no longer spinning';
	const atomic = cpu.ctx !== 'task' ? ` from ${cpu.ctx} context: BUG: scheduling while atomic` : '';
	return `${a.fn} ${waitPhrase(p.k, cpu)}: ${SPINS_PER_SCHEDULE} more spins, schedule()${atomic}`;
}

/** __schedule_bug, printed at most 10 times per 5 s like printk_ratelimited. */
function schedulingWhileAtomic(p: DtracePort, cpu: Cpu): void {
	const k = p.k;
	const st = p.st;
	const w = st.schedBugWindow;
	const now = k.s.now;
	st.schedAtomic++;
	if (now - w.start >= 5_000_000_000) {
		if (w.suppressed > 0) printk(k, cpu.id, 'warn', `__schedule_bug: ${w.suppressed} callbacks suppressed`);
		w.start = now;
		w.printed = 0;
		w.suppressed = 0;
	}
	if (w.printed >= 10) {
		w.suppressed++;
		return;
	}
	w.printed++;
	k.s.warnings.bug++;
	k.s.taint.add('W');
	const frame = cpu.irqStack.at(-1);
	const interrupted = frame?.activity;
	const preempt = HARDIRQ_OFFSET + (interrupted?.kind === 'xcall-wait' ? 1 : 0);
	const ctx = stackContext(k, cpu);
	printLines(k, cpu.id, [
		{level: 'err', text: msg.schedulingWhileAtomic(ctx.comm, ctx.pid, preempt)},
		{level: 'warn', text: `Modules linked in: ${ctx.modules}`},
		...msg.dumpStack({...ctx, frames: ['dump_stack', '__schedule_bug', '__schedule', 'schedule', ...ctx.frames]}),
	]);
}

/** Wait-for edges of the CPUs spinning on the driver's mutexes. */
export function mutexWaitFor(p: DtracePort, edges: WaitEdge[]): void {
	const cpus = p.k.s.cpus;
	for (const m of p.st.mutexes.values()) {
		const owner = m.owner;
		if (!owner) continue;
		for (const id of m.spinners) {
			const spinner = cpus[id]!;
			const where = spinner.ctx === 'task' ? '' : ` (${spinner.ctx}: ${spinner.irqStack.at(-1)?.frames[0] ?? 'interrupt'})`;
			const ownerName = owner.task ? `${owner.task.comm} (pid ${owner.task.pid})` : `CPU${owner.cpu}`;
			const interrupted = spinner.irqStack.some((f) => f.activity !== undefined) && owner.cpu === spinner.id && owner.task !== undefined && spinner.ctx !== 'task';
			if (interrupted && owner.task) {
				const taskNode = `task:${owner.task.pid}`;
				edges.push({from: `cpu${spinner.id}`, to: taskNode, since: spinner.since, text: `CPU${spinner.id}${where} spins on mutex ${m.name} held by ${ownerName}, the task it interrupted`});
				edges.push({from: taskNode, to: `cpu${spinner.id}`, since: spinner.since, text: `${ownerName} cannot run until that interrupt returns on CPU${spinner.id}`});
			} else {
				edges.push({from: `cpu${spinner.id}`, to: `cpu${owner.cpu}`, since: spinner.since, text: `CPU${spinner.id}${where} spins on mutex ${m.name} held by ${ownerName} on CPU${owner.cpu}`});
			}
		}
	}
}

// FreeBSD's smp_rendezvous (sys/kern/subr_smp.c, 2011) on preemptible vCPUs: every CPU
// enters a barrier on smp_rv_waiters[0], runs the action, then spins on the exit barrier
// smp_rv_waiters[2] inside the IPI handler (no EOI until it leaves). The initiator, last to
// arrive, sees the count complete first, returns and starts the next rendezvous, which
// resets the counters. A target whose vCPU was preempted before it saw the final count
// then spins for ever, and the next rendezvous IPI stays pending in its local APIC.
// NetApp's fix caches a generation number and leaves the exit barrier when it changes.
// Everything that changes is plain data in the kernel's state (kernel.s.ext.rendezvous).
import {V_CALS} from '../apic.js';
import type {Cpu} from '../cpu.js';
import {doing} from '../describe.js';
import {sendIpiMany} from '../ipi.js';
import {blockInHandler, returnFromInterrupt, setIrqs} from '../irq.js';
import type {Kernel, KernelExtension} from '../kernel.js';
import {draw, run, setActivity, spawn, startTimed} from '../sched.js';
import {othersOf} from '../smp.js';
import type {StuckNode, WaitEdge} from '../waitfor.js';
import type {Dur} from '../config.js';
import {formatDuration} from '../time.js';

export interface RendezvousConfig {
	readonly initiator: number;
	/** Gap between two rendezvous on the initiator (the TSC code calls it back to back). */
	readonly every: Dur;
	readonly action: Dur;
	/** The host preempting each vCPU thread. */
	readonly preemptEvery: Dur;
	readonly preemptFor: Dur;
	readonly generation: boolean;
}

export interface Participant {
	phase: 'none' | 'entry' | 'action' | 'exit';
	/** Which rendezvous it is in. */
	rv: number;
	/** smp_rv_generation as it read it before the exit increment (the fix). */
	gen: number;
}

/** The rendezvous' state: smp_rv_waiters, the generation count, each CPU's place. */
export interface RendezvousState {
	readonly waiters: [number, number, number];
	generation: number;
	/** Rendezvous started so far. */
	rv: number;
	completed: number;
	readonly parts: Participant[];
	/** Per vCPU: virtual time until which the host has it preempted. */
	readonly preemptedUntil: Float64Array;
	generationFix: boolean;
	initiatorPhase: 'wait' | 'start' | 'inside';
}

/**
 * Below a target's spinning smp_rendezvous_action: the IPI_RENDEZVOUS IDT entry that called
 * it (amd64 apic_vector.S IDTVEC(rendezvous)).
 */
const HANDLER_FRAMES = ['Xrendezvous'];

export class Rendezvous implements KernelExtension {
	readonly name = 'rendezvous';
	readonly inputs = {};
	private k!: Kernel;
	private st!: RendezvousState;
	/** Ids of the functions its continuations name (Kernel.define), made at attach. */
	private fn = {preempt: 0, back: 0, action: 0, leave: 0, initiator: 0};

	constructor(readonly config: RendezvousConfig) {}

	fork(): Rendezvous {
		return new Rendezvous(this.config);
	}

	get waiters(): readonly [number, number, number] {
		return this.st.waiters;
	}

	get generation(): number {
		return this.st.generation;
	}

	/** Rendezvous started so far. */
	get rv(): number {
		return this.st.rv;
	}

	get completed(): number {
		return this.st.completed;
	}

	setOption(name: string, value: unknown): boolean {
		if (name !== 'rendezvousGeneration') return false;
		this.st.generationFix = value === true;
		return true;
	}

	option(name: string): unknown {
		return name === 'rendezvousGeneration' ? (this.st?.generationFix ?? this.config.generation) : undefined;
	}

	attach(k: Kernel): void {
		this.k = k;
		const n = k.s.cpus.length;
		this.st = (k.s.ext[this.name] ??= {
			waiters: [0, 0, 0],
			generation: 0,
			rv: 0,
			completed: 0,
			parts: Array.from({length: n}, () => ({phase: 'none', rv: 0, gen: 0})),
			preemptedUntil: new Float64Array(n),
			generationFix: this.config.generation,
			initiatorPhase: 'wait',
		} satisfies RendezvousState) as RendezvousState;
		const cpu = (id: number): Cpu => k.s.cpus[id]!;
		this.fn = {
			preempt: k.define('rendezvous.preempt', (_k, c) => this.preempt(c), (_k, id) => `the host preempts vCPU${id} for ${formatDuration(this.st.preemptedUntil[id]! - k.s.now)}`),
			back: k.define('rendezvous.back', () => this.observe(), (_k, id) => `vCPU${id} runs again after host preemption; the rendezvous spinners look at the counters`),
			action: k.define('rendezvous.action', (_k, c) => this.afterAction(c), (_k, id) => `smp_rendezvous_action: action done, now ${doing(k, cpu(id))}`),
			leave: k.define('rendezvous.leave', (_k, c) => this.leave(c), (_k, id) => `leaves the rendezvous exit barrier, now ${doing(k, cpu(id))}`),
			initiator: k.define('rendezvous.initiator', (_k, c) => this.initiatorStep(c)),
		};
	}

	boot(k: Kernel): void {
		for (const cpu of k.s.cpus) this.schedulePreemption(cpu);
		spawn(k, this.config.initiator, 'tsc_sync', 99, {fn: this.fn.initiator});
	}

	get ncpus(): number {
		return this.k.s.cpus.length;
	}

	// --- the host scheduler --------------------------------------------------------------

	private schedulePreemption(cpu: Cpu): void {
		const k = this.k;
		k.at(k.s.now + draw(cpu, this.config.preemptEvery), this.fn.preempt, cpu.id);
	}

	private preempt(cpu: Cpu): void {
		const k = this.k;
		const d = draw(cpu, this.config.preemptFor);
		this.st.preemptedUntil[cpu.id] = k.s.now + d;
		if (cpu.activity.kind === 'run') cpu.stolen += d;
		k.at(k.s.now + d, this.fn.back, cpu.id);
		this.schedulePreemption(cpu);
	}

	private running(cpu: number): boolean {
		return this.st.preemptedUntil[cpu]! <= this.k.s.now;
	}

	// --- the initiator -------------------------------------------------------------------

	private initiatorStep(cpu: Cpu): void {
		const k = this.k;
		const st = this.st;
		if (st.initiatorPhase === 'wait') {
			st.initiatorPhase = 'start';
			startTimed(k, cpu, {kind: 'run', mode: 'kernel', fn: 'tsc_read_loop', until: 0}, draw(cpu, this.config.every));
			return;
		}
		if (st.initiatorPhase === 'start') {
			// mtx_lock_spin(&smp_ipi_mtx) disables interrupts.
			setIrqs(k, cpu, false);
			st.rv++;
			st.generation++;
			st.waiters[0] = st.waiters[1] = st.waiters[2] = 0;
			sendIpiMany(k, othersOf(k, cpu), V_CALS);
			st.initiatorPhase = 'inside';
			setActivity(k, cpu, {kind: 'busy-wait', on: 'smp_rv_waiters', fn: 'smp_rendezvous_action', describe: `rendezvous #${st.rv}: entry barrier`});
			this.enter(cpu);
		}
	}

	/** IPI_RENDEZVOUS on a target: smp_rendezvous_action() runs in the handler. */
	vector(k: Kernel, cpu: Cpu, vector: number): boolean {
		if (vector !== V_CALS) return false;
		cpu.call++;
		blockInHandler(k, cpu, {kind: 'busy-wait', on: 'smp_rv_waiters', fn: 'smp_rendezvous_action', describe: `rendezvous #${this.st.rv}: entry barrier`}, HANDLER_FRAMES);
		this.enter(cpu);
		return true;
	}

	/** Step reports: the rendezvous IPI comes from the initiator. */
	describeIpi(_k: Kernel, _cpu: Cpu, vector: number): string | undefined {
		return vector === V_CALS ? `from CPU${this.config.initiator} (rendezvous #${this.st.rv})` : undefined;
	}

	// --- smp_rendezvous_action -------------------------------------------------------------

	private enter(cpu: Cpu): void {
		const st = this.st;
		const p = st.parts[cpu.id]!;
		p.phase = 'entry';
		p.rv = st.rv;
		st.waiters[0]++;
		this.observe();
	}

	/** Every running vCPU in a spin loop looks at the counters again. */
	private observe(): void {
		const k = this.k;
		const st = this.st;
		const n = this.ncpus;
		for (const cpu of k.s.cpus) {
			const p = st.parts[cpu.id]!;
			if (!this.running(cpu.id)) continue;
			if (p.phase === 'entry' && p.rv === st.rv && st.waiters[0] >= n) {
				p.phase = 'action';
				this.describe(cpu, 'action');
				k.at(k.s.now + draw(cpu, this.config.action), this.fn.action, cpu.id);
			} else if (p.phase === 'exit') {
				const counted = p.rv === st.rv && st.waiters[2] >= n;
				const moved = st.generationFix && st.generation !== p.gen;
				if (counted || moved) {
					p.phase = 'none';
					// Leave on a fresh event: leaving can deliver the next pending IPI.
					k.at(k.s.now, this.fn.leave, cpu.id);
				}
			}
		}
	}

	private afterAction(cpu: Cpu): void {
		const st = this.st;
		const until = st.preemptedUntil[cpu.id]!;
		if (until > this.k.s.now) {
			this.k.at(until, this.fn.action, cpu.id);
			return;
		}
		const p = st.parts[cpu.id]!;
		p.gen = st.generation;
		p.phase = 'exit';
		this.describe(cpu, 'exit barrier');
		st.waiters[2]++;
		this.observe();
	}

	private describe(cpu: Cpu, what: string): void {
		const a = cpu.activity;
		if (a.kind === 'busy-wait' && a.on === 'smp_rv_waiters') setActivity(this.k, cpu, {...a, describe: `rendezvous #${this.st.parts[cpu.id]!.rv}: ${what}`});
	}

	private leave(cpu: Cpu): void {
		const k = this.k;
		const st = this.st;
		if (cpu.id === this.config.initiator && st.initiatorPhase === 'inside' && cpu.irqStack.length === 0) {
			st.completed++;
			st.initiatorPhase = 'wait';
			setIrqs(k, cpu, true);
			run(k, cpu);
			return;
		}
		returnFromInterrupt(k, cpu);
	}

	// --- explanation -----------------------------------------------------------------------

	waitFor(k: Kernel, edges: WaitEdge[], stuck: StuckNode[]): void {
		const n = this.ncpus;
		const st = this.st;
		for (const cpu of k.s.cpus) {
			const p = st.parts[cpu.id]!;
			// With the generation count a straggler leaves as soon as its vCPU runs again.
			if (p.phase === 'exit' && p.rv < st.rv && st.waiters[2] < n && !st.generationFix) {
				stuck.push({
					node: `cpu${cpu.id}`,
					since: cpu.since,
					text: `CPU${cpu.id} spins for ever on the exit barrier of rendezvous #${p.rv}: its vCPU was preempted before it saw smp_rv_waiters[2] reach ${n}, and rendezvous #${st.rv} reset the counter to 0`,
				});
			}
		}
		for (const cpu of k.s.cpus) {
			const p = st.parts[cpu.id]!;
			if (p.phase !== 'entry' || p.rv !== st.rv) continue;
			for (const other of k.s.cpus) {
				const q = st.parts[other.id]!;
				if (other === cpu || (q.rv === st.rv && q.phase !== 'exit')) continue;
				if (q.phase === 'exit' && q.rv < st.rv) {
					edges.push({
						from: `cpu${cpu.id}`,
						to: `cpu${other.id}`,
						since: cpu.since,
						text: `CPU${cpu.id} waits at the entry barrier of rendezvous #${st.rv} for CPU${other.id}, whose IPI stays pending in its local APIC behind the unfinished rendezvous #${q.rv}`,
					});
				}
			}
		}
	}
}

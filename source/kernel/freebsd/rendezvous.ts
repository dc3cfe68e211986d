// FreeBSD's smp_rendezvous (sys/kern/subr_smp.c, 2011) on preemptible vCPUs: every CPU
// enters a barrier on smp_rv_waiters[0], runs the action, then spins on the exit barrier
// smp_rv_waiters[2] inside the IPI handler (no EOI until it leaves). The initiator, last to
// arrive, sees the count complete first, returns and starts the next rendezvous, which
// resets the counters. A target whose vCPU was preempted before it saw the final count
// then spins for ever, and the next rendezvous IPI stays pending in its local APIC.
// NetApp's fix caches a generation number and leaves the exit barrier when it changes.
import {V_CALS} from '../apic.js';
import type {Cpu} from '../cpu.js';
import type {Kernel, KernelExtension} from '../kernel.js';
import type {StuckNode, WaitEdge} from '../waitfor.js';
import type {Dur} from '../config.js';
import {doing} from '../step-report.js';
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

interface Participant {
	phase: 'none' | 'entry' | 'action' | 'exit';
	/** Which rendezvous it is in. */
	rv: number;
	/** smp_rv_generation as it read it before the exit increment (the fix). */
	gen: number;
}

const HANDLER_FRAMES = ['smp_rendezvous_action', 'smp_call_function_single_interrupt', 'call_function_single_interrupt'];

export class Rendezvous implements KernelExtension {
	readonly name = 'rendezvous';
	readonly inputs = {};
	readonly waiters: [number, number, number] = [0, 0, 0];
	generation = 0;
	/** Rendezvous started so far. */
	rv = 0;
	completed = 0;
	private k!: Kernel;
	private parts: Participant[] = [];
	private preemptedUntil!: Float64Array;
	private generationFix: boolean;
	private initiatorPhase: 'wait' | 'start' | 'inside' = 'wait';
	/** Callback describers for step reports (see Kernel.at), registered at boot. */
	private labels = {preempt: 0, back: 0, action: 0, leave: 0};

	constructor(readonly config: RendezvousConfig) {
		this.generationFix = config.generation;
	}

	setOption(name: string, value: unknown): boolean {
		if (name !== 'rendezvousGeneration') return false;
		this.generationFix = value === true;
		return true;
	}

	option(name: string): unknown {
		return name === 'rendezvousGeneration' ? this.generationFix : undefined;
	}

	boot(k: Kernel): void {
		this.k = k;
		const n = k.cpus.length;
		this.parts = Array.from({length: n}, () => ({phase: 'none', rv: 0, gen: 0}));
		this.preemptedUntil = new Float64Array(n);
		this.labels = {
			preempt: k.describeCallbacks((_k, cpu) => `the host preempts vCPU${cpu} for ${formatDuration(this.preemptedUntil[cpu]! - k.now)}`),
			back: k.describeCallbacks((_k, cpu) => `vCPU${cpu} runs again after host preemption; the rendezvous spinners look at the counters`),
			action: k.describeCallbacks((_k, cpu) => `smp_rendezvous_action: action done, now ${doing(k, k.cpus[cpu]!)}`),
			leave: k.describeCallbacks((_k, cpu) => `leaves the rendezvous exit barrier, now ${doing(k, k.cpus[cpu]!)}`),
		};
		for (const cpu of k.cpus) this.schedulePreemption(cpu);
		k.spawn(this.config.initiator, 'tsc_sync', 99, (cpu) => this.initiatorStep(cpu));
	}

	get ncpus(): number {
		return this.k.cpus.length;
	}

	// --- the host scheduler --------------------------------------------------------------

	private schedulePreemption(cpu: Cpu): void {
		const k = this.k;
		k.at(
			k.now + k.draw(cpu, this.config.preemptEvery),
			() => {
				const d = k.draw(cpu, this.config.preemptFor);
				this.preemptedUntil[cpu.id] = k.now + d;
				if (cpu.activity.kind === 'run') cpu.stolen += d;
				k.at(k.now + d, () => this.observe(), this.labels.back, cpu.id);
				this.schedulePreemption(cpu);
			},
			this.labels.preempt,
			cpu.id,
		);
	}

	private running(cpu: number): boolean {
		return this.preemptedUntil[cpu]! <= this.k.now;
	}

	// --- the initiator -------------------------------------------------------------------

	private initiatorStep(cpu: Cpu): void {
		const k = this.k;
		if (this.initiatorPhase === 'wait') {
			this.initiatorPhase = 'start';
			k.startTimed(cpu, {kind: 'run', mode: 'kernel', fn: 'tsc_read_loop', until: 0}, k.draw(cpu, this.config.every));
			return;
		}
		if (this.initiatorPhase === 'start') {
			// mtx_lock_spin(&smp_ipi_mtx) disables interrupts.
			k.setIrqs(cpu, false);
			this.rv++;
			this.generation++;
			this.waiters[0] = this.waiters[1] = this.waiters[2] = 0;
			k.sendIpiMany(k.othersOf(cpu), V_CALS);
			this.initiatorPhase = 'inside';
			k.setActivity(cpu, {kind: 'busy-wait', on: 'smp_rv_waiters', fn: 'smp_rendezvous_action', describe: `rendezvous #${this.rv}: entry barrier`});
			this.enter(cpu);
		}
	}

	/** IPI_RENDEZVOUS on a target: smp_rendezvous_action() runs in the handler. */
	vector(k: Kernel, cpu: Cpu, vector: number): boolean {
		if (vector !== V_CALS) return false;
		cpu.call++;
		k.blockInHandler(cpu, {kind: 'busy-wait', on: 'smp_rv_waiters', fn: 'smp_rendezvous_action', describe: `rendezvous #${this.rv}: entry barrier`}, HANDLER_FRAMES);
		this.enter(cpu);
		return true;
	}

	/** Step reports: the rendezvous IPI comes from the initiator. */
	describeIpi(_k: Kernel, _cpu: Cpu, vector: number): string | undefined {
		return vector === V_CALS ? `from CPU${this.config.initiator} (IPI_RENDEZVOUS, rendezvous #${this.rv})` : undefined;
	}

	// --- smp_rendezvous_action -------------------------------------------------------------

	private enter(cpu: Cpu): void {
		const p = this.parts[cpu.id]!;
		p.phase = 'entry';
		p.rv = this.rv;
		this.waiters[0]++;
		this.observe();
	}

	/** Every running vCPU in a spin loop looks at the counters again. */
	private observe(): void {
		const k = this.k;
		const n = this.ncpus;
		for (const cpu of k.cpus) {
			const p = this.parts[cpu.id]!;
			if (!this.running(cpu.id)) continue;
			if (p.phase === 'entry' && p.rv === this.rv && this.waiters[0] >= n) {
				p.phase = 'action';
				this.describe(cpu, 'action');
				k.at(k.now + k.draw(cpu, this.config.action), () => this.afterAction(cpu), this.labels.action, cpu.id);
			} else if (p.phase === 'exit') {
				const counted = p.rv === this.rv && this.waiters[2] >= n;
				const moved = this.generationFix && this.generation !== p.gen;
				if (counted || moved) {
					p.phase = 'none';
					// Leave on a fresh event: leaving can deliver the next pending IPI.
					k.at(k.now, () => this.leave(cpu), this.labels.leave, cpu.id);
				}
			}
		}
	}

	private afterAction(cpu: Cpu): void {
		const until = this.preemptedUntil[cpu.id]!;
		if (until > this.k.now) {
			this.k.at(until, () => this.afterAction(cpu), this.labels.action, cpu.id);
			return;
		}
		const p = this.parts[cpu.id]!;
		p.gen = this.generation;
		p.phase = 'exit';
		this.describe(cpu, 'exit barrier');
		this.waiters[2]++;
		this.observe();
	}

	private describe(cpu: Cpu, what: string): void {
		const a = cpu.activity;
		if (a.kind === 'busy-wait' && a.on === 'smp_rv_waiters') this.k.setActivity(cpu, {...a, describe: `rendezvous #${this.parts[cpu.id]!.rv}: ${what}`});
	}

	private leave(cpu: Cpu): void {
		const k = this.k;
		if (cpu.id === this.config.initiator && this.initiatorPhase === 'inside' && cpu.irqStack.length === 0) {
			this.completed++;
			this.initiatorPhase = 'wait';
			k.setIrqs(cpu, true);
			k.run(cpu);
			return;
		}
		k.returnFromInterrupt(cpu);
	}

	// --- explanation -----------------------------------------------------------------------

	waitFor(k: Kernel, edges: WaitEdge[], stuck: StuckNode[]): void {
		const n = this.ncpus;
		for (const cpu of k.cpus) {
			const p = this.parts[cpu.id]!;
			// With the generation count a straggler leaves as soon as its vCPU runs again.
			if (p.phase === 'exit' && p.rv < this.rv && this.waiters[2] < n && !this.generationFix) {
				stuck.push({
					node: `cpu${cpu.id}`,
					since: cpu.since,
					text: `CPU${cpu.id} spins for ever on the exit barrier of rendezvous #${p.rv}: its vCPU was preempted before it saw smp_rv_waiters[2] reach ${n}, and rendezvous #${this.rv} reset the counter to 0`,
				});
			}
		}
		for (const cpu of k.cpus) {
			const p = this.parts[cpu.id]!;
			if (p.phase !== 'entry' || p.rv !== this.rv) continue;
			for (const other of k.cpus) {
				const q = this.parts[other.id]!;
				if (other === cpu || (q.rv === this.rv && q.phase !== 'exit')) continue;
				if (q.phase === 'exit' && q.rv < this.rv) {
					edges.push({
						from: `cpu${cpu.id}`,
						to: `cpu${other.id}`,
						since: cpu.since,
						text: `CPU${cpu.id} waits at the entry barrier of rendezvous #${this.rv} for CPU${other.id}, whose IPI stays pending in its local APIC behind the unfinished rendezvous #${q.rv}`,
					});
				}
			}
		}
	}
}

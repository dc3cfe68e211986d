// Static checks: mistakes visible in a scenario file that the schema cannot see, found by
// walking each task's steps as the kernel will run them (in order; after the last step the
// list runs again, `repeat` times or for ever), without running the kernel. Each problem
// names the step (`$.tasks[1].steps[3]`) and what is wrong with it.
//
// Only what is certain is refused. A task's locks are its own: which it holds at each step
// follows from its steps alone (waiting for a lock changes when, not whether). Whether
// interrupts are off is the CPU's, not the task's: certain only between the task's own
// irq_disable (or spin_lock irqsave) and the next point where another task may run on
// that CPU. A task that deadlocks on a lock it holds itself never runs its later steps: the
// walk stops there (the deadlock is a lockup to watch, not a mistake in the file).
import {quote} from '../terminal/safe-text.js';
import type {Scenario} from './schema.js';

export interface Problem {
	/** Where in the file: JSON path parts, as the loader's other errors give them. */
	readonly path: readonly (string | number)[];
	readonly text: string;
}

/** A scenario as the schema gives it (before the loader names it). */
type Parsed = Omit<Scenario, 'name'>;
type Task = Parsed['tasks'][number];
type Step = Task['steps'][number];

/** Where a lock was taken or IRQs went off: a step, and whether on an earlier pass of the list. */
interface Origin {
	readonly step: number;
	readonly pass: number;
}

interface Held extends Origin {
	/** spin_lock irqsave: what spin_unlock restores (undefined: IRQs were not certainly off). */
	readonly irqsave: boolean;
	readonly restoresOff: Origin | undefined;
	/** How many read_locks hold it (an rwlock a task may read again); 0 for other holds. */
	readonly read?: number;
}

interface State {
	spin: Map<string, Held>;
	mutex: Map<string, Origin>;
	/** Set while IRQs are certainly off, with the step that turned them off. */
	irqsOff: Origin | undefined;
	/** Where bottom halves were turned off (local_bh_disable, spin_lock_bh), innermost last. */
	bhOff: Origin[];
	/** Open rcu_read_lock and preempt_disable sections, innermost last. */
	nested: {rcu: Origin[]; preempt: Origin[]};
}

const copy = (s: State): State => ({spin: new Map(s.spin), mutex: new Map(s.mutex), irqsOff: s.irqsOff, bhOff: [...s.bhOff], nested: {rcu: [...s.nested.rcu], preempt: [...s.nested.preempt]}});

const stepPath = (task: number, step: number): string => `$.tasks[${task}].steps[${step}]`;

/** Where a lock or IRQs-off came from, as a message says it. */
function origin(task: number, o: Origin, pass: number): string {
	return `${stepPath(task, o.step)}${o.pass < pass ? ', on an earlier pass' : ''}`;
}

/** The state at the start of a pass, as a key: passes that start alike run alike. */
function stateKey(s: State): string {
	const spin = [...s.spin].map(([name, h]) => [name, h.step, h.irqsave, h.restoresOff?.step ?? -1, h.read ?? 0]);
	const mutex = [...s.mutex].map(([name, h]) => [name, h.step]);
	return JSON.stringify([spin, mutex, s.irqsOff?.step ?? -1, s.bhOff.map((o) => o.step), s.nested.rcu.map((o) => o.step), s.nested.preempt.map((o) => o.step)]);
}

const taskCpu = (s: Parsed, task: number): number => s.tasks[task]!.cpu;

const STEP_COST_OPS: ReadonlySet<string> = new Set(['spin_lock', 'spin_unlock', 'mutex_lock', 'mutex_unlock', 'smp_call_function', 'smp_call_function_single', 'smp_call_function_many', 'on_each_cpu']);

/** Whether a step can let virtual time pass for its task (false only where that is certain). */
function canTakeTime(s: Parsed, task: number, step: Step): boolean {
	// A step that touches shared state costs timing.stepCost (source/kernel/sched.ts).
	if (s.timing.stepCost > 0 && STEP_COST_OPS.has(step.op)) return true;
	switch (step.op) {
		case 'run':
		case 'idle':
			return step.for.max > 0;
		case 'call':
			// A probe on the function may fire and cross-call or spin (dtrace).
			return step.for.max > 0 || s.dtrace !== undefined;
		case 'printk':
			// The record is copied under logbuf_lock for 3-5us whatever `for` is.
			return true;
		case 'smp_call_function':
			// With wait false, csd_lock still waits for the previous call to have run (kernel/smp.c).
			return s.cpus > 1;
		case 'tlb_flush':
			return s.cpus > 1;
		case 'smp_call_function_single':
			return step.cpu !== taskCpu(s, task);
		case 'smp_call_function_many':
			return step.cpus.some((c) => c !== taskCpu(s, task));
		case 'synchronize_rcu':
			return s.cpus > 1 || s.preemption === 'full';
		case 'wait_for_completion':
			return true;
		case 'on_each_cpu':
			return s.cpus > 1;
		case 'stop_machine':
			// The caller sleeps until every stopper thread has run.
			return true;
		case 'spin_lock':
		case 'spin_lock_bh':
		case 'mutex_lock':
		case 'read_lock':
		case 'write_lock':
			// Waits only while another task holds the lock.
			return s.tasks.some((t, i) => i !== task && t.steps.some((st) => 'lock' in st && st.lock === step.lock));
		default:
			return false;
	}
}

/**
 * CPUs where another task may run between this task's steps: another scenario task on the
 * same CPU, and the kernel's own tasks (the dtrace consumer and its workqueue items may run
 * on any CPU; the rendezvous initiator's thread on its CPU).
 */
function sharedCpus(s: Parsed): Set<number> {
	const shared = new Set<number>();
	const seen = new Set<number>();
	for (const t of s.tasks) {
		if (seen.has(t.cpu)) shared.add(t.cpu);
		seen.add(t.cpu);
	}
	if (s.dtrace) for (let cpu = 0; cpu < s.cpus; cpu++) shared.add(cpu);
	if (s.rendezvous) shared.add(s.rendezvous.initiator);
	return shared;
}

/** The problems of one task, in the order the walk meets them. */
function checkTask(s: Parsed, index: number, shared: boolean, variant: Variant): Problem[] {
	const task = s.tasks[index]!;
	const problems: Problem[] = [];
	const seen = new Set<string>();
	const report = (path: (string | number)[], text: string): void => {
		const key = `${path.join('/')}\n${text}`;
		if (seen.has(key)) return;
		seen.add(key);
		problems.push({path, text});
	};
	const at = (step: number): (string | number)[] => ['tasks', index, 'steps', step];
	const endless = task.repeat === 0;
	const state: State = {spin: new Map(), mutex: new Map(), irqsOff: undefined, bhOff: [], nested: {rcu: [], preempt: []}};
	/** Another task may run on this CPU here: IRQs-off is no longer certain. */
	const mayLeaveCpu = (): void => {
		if (shared) state.irqsOff = undefined;
	};
	/** The state at the start of each pass so far, and the pass that started with each key. */
	const starts: State[] = [];
	const passOf = new Map<string, number>();
	let deadlocked = false;
	walk: for (let pass = 0; endless || pass < task.repeat; pass++) {
		// Each pass runs the same steps: one that starts as an earlier one did runs as it did,
		// and so do the passes after it. An endless task has shown all it will; a counted one
		// ends in the state the cycle is in after its last pass.
		const key = stateKey(state);
		const first = passOf.get(key);
		if (first !== undefined) {
			if (!endless) Object.assign(state, copy(starts[first + ((task.repeat - first) % (pass - first))]!));
			break;
		}
		passOf.set(key, pass);
		starts.push(copy(state));
		for (let j = 0; j < task.steps.length; j++) {
			const step = task.steps[j]!;
			if (!inVariant(step, variant)) continue;
			switch (step.op) {
				case 'run':
				case 'idle':
					if (endless && step.for.max === 0) report([...at(j), 'for'], `${step.op === 'run' ? 'a run' : 'an idle'} of 0s takes no time; in a task that repeats for ever, expected a duration above 0s`);
					if (step.op === 'idle') mayLeaveCpu();
					else if (step.mode === 'user') {
						const [lock, held] = [...state.spin].at(-1) ?? [];
						if (lock !== undefined && held) report(at(j), `run in user mode holding ${lockKind(s, lock)} "${quote(lock)}" (taken at ${origin(index, held, pass)}); return to user mode after spin_unlock, or write "mode": "kernel"`);
						else if (state.irqsOff) report(at(j), `run in user mode with IRQs off (turned off at ${origin(index, state.irqsOff, pass)}); return to user mode after irq_enable, or write "mode": "kernel"`);
						else if (state.bhOff.length > 0) report(at(j), `run in user mode with bottom halves off (turned off at ${origin(index, state.bhOff.at(-1)!, pass)}); return to user mode after local_bh_enable, or write "mode": "kernel"`);
						else if (task.kthread) report([...at(j), 'mode'], 'run in user mode in a kernel thread ("kthread": true), which has no user mode; write "mode": "kernel"');
						else if (state.nested.rcu.length > 0) report(at(j), `run in user mode inside an RCU read-side critical section (rcu_read_lock at ${origin(index, state.nested.rcu.at(-1)!, pass)}); return to user mode after rcu_read_unlock, or write "mode": "kernel"`);
						else if (state.nested.preempt.length > 0) report(at(j), `run in user mode with preemption disabled (preempt_disable at ${origin(index, state.nested.preempt.at(-1)!, pass)}); return to user mode after preempt_enable, or write "mode": "kernel"`);
					}
					break;
				case 'irq_disable':
					state.irqsOff ??= {step: j, pass};
					break;
				case 'irq_enable':
					state.irqsOff = undefined;
					break;
				case 'printk':
					// 3.10's printk as the loader expands it: IRQs off ... then on again.
					state.irqsOff = undefined;
					break;
				case 'spin_trylock':
				case 'read_lock':
				case 'write_lock':
				case 'spin_lock_bh':
				case 'spin_lock': {
					if (step.op === 'spin_trylock') {
						const wrong = trylockSkipProblem(task.steps, j);
						if (wrong) report([...at(j), 'skip'], wrong);
						// Held already: it fails for certain, and the walk takes the failure path.
						if (state.spin.has(step.lock)) {
							j += step.skip;
							break;
						}
					}
					// A second read_lock of a lock this task reads is a legal recursive read.
					const reading = state.spin.get(step.lock);
					if (step.op === 'read_lock' && reading?.read) {
						state.spin.set(step.lock, {...reading, read: reading.read + 1});
						break;
					}
					if (state.spin.has(step.lock)) {
						deadlocked = true;
						break walk;
					}
					if (step.op === 'spin_lock_bh') state.bhOff.push({step: j, pass});
					const irqsave = 'irqsave' in step && step.irqsave;
					state.spin.set(step.lock, {step: j, pass, irqsave, restoresOff: irqsave ? state.irqsOff : undefined, read: step.op === 'read_lock' ? 1 : 0});
					if (irqsave || ('irq' in step && step.irq)) state.irqsOff ??= {step: j, pass};
					break;
				}
				case 'read_unlock':
				case 'write_unlock':
				case 'spin_unlock':
				case 'spin_unlock_bh': {
					if (step.op === 'spin_unlock_bh') state.bhOff.pop();
					const held = state.spin.get(step.lock);
					if (!held) {
						report(at(j), `${step.op} of "${quote(step.lock)}", which this task does not hold here`);
						break;
					}
					if (step.op === 'read_unlock' && (held.read ?? 0) > 1) {
						state.spin.set(step.lock, {...held, read: held.read! - 1});
						break;
					}
					state.spin.delete(step.lock);
					if (held.irqsave) state.irqsOff = held.restoresOff;
					else if ('irq' in step && step.irq) state.irqsOff = undefined;
					break;
				}
				case 'mutex_lock':
					if (state.mutex.has(step.lock)) {
						deadlocked = true;
						break walk;
					}
					state.mutex.set(step.lock, {step: j, pass});
					// A mutex someone else holds puts the task to sleep.
					mayLeaveCpu();
					break;
				case 'mutex_unlock':
					if (!state.mutex.delete(step.lock)) report(at(j), `mutex_unlock of "${quote(step.lock)}", which this task does not hold here`);
					break;
				case 'local_bh_disable':
					state.bhOff.push({step: j, pass});
					break;
				case 'local_bh_enable':
					if (state.bhOff.pop() === undefined) report(at(j), 'local_bh_enable with bottom halves not turned off here (no local_bh_disable or spin_lock_bh before it on this path)');
					break;
				// Nesting (rcu_read_lock, preempt_disable) and steps that may schedule.
				case 'rcu_read_lock':
				case 'preempt_disable':
					state.nested[step.op === 'rcu_read_lock' ? 'rcu' : 'preempt'].push({step: j, pass});
					break;
				case 'rcu_read_unlock':
				case 'preempt_enable':
					if (state.nested[step.op === 'rcu_read_unlock' ? 'rcu' : 'preempt'].pop() === undefined) report(at(j), `${step.op} without a matching ${step.op === 'rcu_read_unlock' ? 'rcu_read_lock' : 'preempt_disable'} in this task before it`);
					break;
				case 'synchronize_rcu':
				case 'wait_for_completion':
				case 'cond_resched':
					if (step.op === 'synchronize_rcu' && state.nested.rcu.length > 0) report(at(j), `synchronize_rcu inside an RCU read-side critical section (rcu_read_lock at ${origin(index, state.nested.rcu.at(-1)!, pass)}): it would wait for its own reader; call it after rcu_read_unlock`);
					mayLeaveCpu();
					break;
				default:
					break;
			}
		}
		// The end of the list: a scheduling point (not in a kernel thread's loop).
		if (!task.kthread) mayLeaveCpu();
		// A section opened on every pass and never closed nests deeper for ever.
		const open = state.nested.rcu.length > 16 ? state.nested.rcu : state.nested.preempt.length > 16 ? state.nested.preempt : undefined;
		if (open) {
			const op = open === state.nested.rcu ? 'rcu_read_lock' : 'preempt_disable';
			report(at(open.at(-1)!.step), `${op} on every pass with no matching ${op === 'rcu_read_lock' ? 'rcu_read_unlock' : 'preempt_enable'}: the nesting grows for ever`);
			break;
		}
	}
	if (!endless && !deadlocked) {
		for (const [lock, held] of state.spin) report(at(held.step), `the task exits (repeat: ${task.repeat}) still holding ${lockKind(s, lock)} "${quote(lock)}", taken here`);
		for (const off of state.bhOff) report(at(off.step), `the task exits (repeat: ${task.repeat}) with bottom halves still off, turned off here`);
		for (const [op, open] of [['rcu_read_lock', state.nested.rcu], ['preempt_disable', state.nested.preempt]] as const) {
			const last = open.at(-1);
			if (last) report(at(last.step), `the task exits (repeat: ${task.repeat}) inside the ${op} taken here, never closed`);
		}
	}
	if (endless && !deadlocked && !task.steps.some((st) => inVariant(st, variant) && canTakeTime(s, index, st))) {
		report(['tasks', index, 'steps'], 'none of these steps can take virtual time, and the task repeats for ever (repeat: 0): its CPU would loop at one instant; add a run, idle or call that takes time, or give repeat a count');
	}
	return problems;
}

/** Which code a walk follows: the original (false), the mitigated (true), or all steps (no `when` anywhere). */
type Variant = boolean | undefined;

const inVariant = (step: {readonly when?: 'mitigated' | 'unmitigated' | undefined}, variant: Variant): boolean =>
	variant === undefined || step.when === undefined || (step.when === 'mitigated') === variant;

/**
 * Every static problem of a scenario that passed the schema, task by task. With steps marked
 * `when`, the original and the mitigated code are each walked; a problem only one of them
 * has says which.
 */
export function checkScenario(s: Parsed): Problem[] {
	const shared = sharedCpus(s);
	const walk = (variant: Variant): Problem[] => [...s.tasks.flatMap((_, i) => checkTask(s, i, shared.has(s.tasks[i]!.cpu), variant)), ...s.irqs.flatMap((_, i) => checkIrqHandler(s, i, variant)), ...checkBodies(s, variant), ...checkSoftirqCallbacks(s, variant)];
	const variants = [...s.tasks.flatMap((t) => t.steps), ...s.irqs.flatMap((l) => l.steps), ...Object.values(s.functions).flatMap((f) => f.steps), ...(s.nmi?.steps ?? []), ...s.timers.flatMap((t) => t.steps), ...s.tasklets.flatMap((t) => t.steps)].some((st) => st.when !== undefined);
	if (!variants) return walk(undefined);
	const key = (p: Problem): string => `${p.path.join('/')}\n${p.text}`;
	const [original, mitigated] = [walk(false), walk(true)];
	const inOriginal = new Set(original.map(key));
	const inMitigated = new Set(mitigated.map(key));
	return [
		...original.map((p) => (inMitigated.has(key(p)) ? p : {path: p.path, text: `${p.text} (without the mitigation)`})),
		...mitigated.filter((p) => !inOriginal.has(key(p))).map((p) => ({path: p.path, text: `${p.text} (with the mitigation)`})),
	];
}

/**
 * A device interrupt handler runs in hardirq context, from its first step to its last: it may
 * not sleep, it releases only what it took, and it returns holding nothing.
 */
function checkIrqHandler(s: Parsed, index: number, variant: Variant): Problem[] {
	return checkAtomic(s, s.irqs[index]!.steps, ['irqs', index, 'steps'], 'an interrupt handler (hardirq context)', 'handler', variant);
}

/** The same rules for every body that runs in atomic context: device handlers, called functions, the NMI handler. */
function checkAtomic(s: Parsed, steps: readonly {op: string; lock?: string; when?: 'mitigated' | 'unmitigated' | undefined}[], at: (string | number)[], context: string, noun: string, variant: Variant): Problem[] {
	const problems: Problem[] = [];
	const held = new Map<string, number>();
	steps.forEach((step, j) => {
		if (!inVariant(step, variant)) return;
		const path = [...at, j];
		switch (step.op) {
			case 'mutex_lock':
			case 'mutex_unlock':
			case 'idle':
				problems.push({path, text: `${step.op} can sleep, and ${context} may not sleep; take a spinlock instead, or defer the work to a task`});
				break;
			case 'read_lock':
			case 'write_lock':
			case 'spin_lock':
				held.set(step.lock!, j);
				break;
			case 'read_unlock':
			case 'write_unlock':
			case 'spin_unlock':
				if (!held.delete(step.lock!)) problems.push({path, text: `${step.op} of "${quote(step.lock!)}", which this ${noun} does not hold here`});
				break;
			default:
				break;
		}
	});
	for (const [lock, j] of held) problems.push({path: [...at, j], text: `the ${noun} returns still holding ${lockKind(s, lock)} "${quote(lock)}", taken here`});
	return problems;
}

/** Called functions (cross-calls: the target's interrupt, IRQs off; stop_machine: IRQs off everywhere) and the NMI handler. */
function checkBodies(s: Parsed, variant: Variant): Problem[] {
	const fns = Object.entries(s.functions).flatMap(([name, fn]) => checkAtomic(s, fn.steps, ['functions', name, 'steps'], 'a function called by a cross-call or stop_machine (atomic context, IRQs off)', 'function', variant));
	return s.nmi ? [...fns, ...checkAtomic(s, s.nmi.steps, ['nmi', 'steps'], 'an NMI handler (NMI context)', 'NMI handler', variant)] : fns;
}

/** A declared lock's kind, for messages: `spinlock`, `rwlock`. */
function lockKind(s: Parsed, name: string): string {
	return s.locks.find((l) => l.name === name)?.kind ?? 'spinlock';
}

/**
 * What is wrong with a spin_trylock's `skip` (the steps its failure path leaves out), or
 * undefined: they must stay in the list and end with the spin_unlock of its lock, so that
 * the failure path never unlocks a lock it did not get.
 */
function trylockSkipProblem(steps: readonly Step[], j: number): string | undefined {
	const step = steps[j]!;
	if (step.op !== 'spin_trylock') return undefined;
	const last = steps[j + step.skip];
	const want = `expected the number of steps up to and including the spin_unlock of "${quote(step.lock)}"`;
	if (!last) return `${step.skip} runs past the end of the task's steps; ${want}`;
	if (last.op !== 'spin_unlock' || last.lock !== step.lock) return `${step.skip} ends at ${quote(last.op)}; ${want}`;
	return undefined;
}

/**
 * Timer callbacks and tasklets run in softirq context, from their first step to their last:
 * like an interrupt handler, they may not sleep, release only what they took, and return
 * holding nothing.
 */
function checkSoftirqCallbacks(s: Parsed, variant: Variant): Problem[] {
	const problems: Problem[] = [];
	const walk = (kind: 'timers' | 'tasklets', index: number, steps: Parsed['timers'][number]['steps']): void => {
		const what = kind === 'timers' ? 'a timer callback' : 'a tasklet';
		const held = new Map<string, number>();
		steps.forEach((step, j) => {
			if (!inVariant(step, variant)) return;
			const path = [kind, index, 'steps', j];
			switch (step.op) {
				case 'mutex_lock':
				case 'mutex_unlock':
				case 'idle':
					problems.push({path, text: `${step.op} can sleep, and ${what} (softirq context) may not sleep; take a spinlock instead, or defer the work to a task`});
					break;
				case 'spin_lock':
					held.set(step.lock, j);
					break;
				case 'spin_unlock':
					if (!held.delete(step.lock)) problems.push({path, text: `spin_unlock of "${quote(step.lock)}", which this ${kind === 'timers' ? 'callback' : 'tasklet'} does not hold here`});
					break;
				default:
					break;
			}
		});
		for (const [lock, j] of held) problems.push({path: [kind, index, 'steps', j], text: `${what} returns still holding spinlock "${quote(lock)}", taken here`});
	};
	s.timers.forEach((t, i) => walk('timers', i, t.steps));
	s.tasklets.forEach((t, i) => walk('tasklets', i, t.steps));
	return problems;
}

// The pieces a scenario is made of below the top level: durations, steps (a task's, and
// the atomic-context bodies of interrupt handlers, called functions, NMI handlers, timer
// callbacks and tasklets), and those bodies' own objects. schema.ts puts them together.
import * as z from 'zod';
import {parseVirtualDuration} from './duration.js';

// A command parses a few small files once: zod's generated fast path (new Function per
// object schema) costs more to compile than it saves.
z.config({jitless: true});

/** An identifier as C spells one: function names appear in stack dumps. */
export const C_IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A C function name, for stack dumps. */
export const cFunction = z.string().regex(C_IDENT, {message: 'expected a C function name'}).max(64);

/** Every duration in a scenario is at most MAX_VIRTUAL_NS (30 days of virtual time). */
export const duration = z.string().transform((text, ctx) => {
	const parsed = parseVirtualDuration(text);
	if ('expected' in parsed) {
		ctx.addIssue({code: 'custom', message: parsed.expected});
		return z.NEVER;
	}
	return parsed.ns;
});

/** A fixed duration, or {min, max} drawn uniformly by the CPU's own PRNG stream. */
export const durationSpec = z.union([duration.transform((ns) => ({min: ns, max: ns})), z.strictObject({min: duration, max: duration})]).superRefine((d, ctx) => {
	if (d.max < d.min) ctx.addIssue({code: 'custom', message: 'expected max >= min'});
});

export const lockName = z.string().min(1);

/** Which variant of the code a step belongs to: the mitigated one, or the original. Without it, both. */
const when = z.enum(['mitigated', 'unmitigated']).optional();

/** A step object: its own keys plus `when`. */
const variant = <T extends z.ZodRawShape>(shape: T) => z.strictObject({...shape, when});

export const step = z.discriminatedUnion('op', [
	variant({op: z.literal('run'), for: durationSpec, mode: z.enum(['user', 'kernel']).default('user')}),
	variant({op: z.literal('idle'), for: durationSpec}),
	variant({op: z.literal('irq_disable')}),
	variant({op: z.literal('irq_enable')}),
	variant({op: z.literal('spin_lock'), lock: lockName, irqsave: z.boolean().default(false)}),
	variant({op: z.literal('spin_unlock'), lock: lockName}),
	variant({op: z.literal('mutex_lock'), lock: lockName}),
	variant({op: z.literal('mutex_unlock'), lock: lockName}),
	variant({op: z.literal('smp_call_function'), func: z.string().min(1).default('remote_function'), wait: z.boolean().default(true)}),
	variant({op: z.literal('tlb_flush')}),
	variant({op: z.literal('call'), fn: z.string().min(1), for: durationSpec.default({min: 2_000, max: 2_000})}),
	variant({op: z.literal('rcu_idle_enter')}),
	variant({op: z.literal('rcu_idle_exit')}),
	variant({op: z.literal('printk'), text: z.string().min(1), for: durationSpec.default({min: 100_000, max: 100_000})}),
	// Targeted cross-calls (kernel/smp.c).
	variant({op: z.literal('smp_call_function_single'), cpu: z.number().int().min(0), func: z.string().min(1).default('remote_function'), wait: z.boolean().default(true)}),
	variant({op: z.literal('smp_call_function_many'), cpus: z.array(z.number().int().min(0)).min(1), func: z.string().min(1).default('remote_function'), wait: z.boolean().default(true)}),
	variant({op: z.literal('on_each_cpu'), func: z.string().min(1).default('remote_function'), wait: z.boolean().default(true)}),
	// Reader-writer locks (source/kernel/rwlock.ts): "irqsave" is read_lock_irqsave (as spin_lock's), "irq" read_lock_irq / read_unlock_irq.
	...(['read_lock', 'write_lock'] as const).map((op) => variant({op: z.literal(op), lock: lockName, irqsave: z.boolean().default(false), irq: z.boolean().default(false)})),
	...(['read_unlock', 'write_unlock'] as const).map((op) => variant({op: z.literal(op), lock: lockName, irq: z.boolean().default(false)})),
	/** spin_trylock: the lock if it is free; if not, the task goes on at once, skipping the next `skip` steps (the body that runs under the lock, its spin_unlock last). */
	variant({op: z.literal('spin_trylock'), lock: lockName, irqsave: z.boolean().default(false), skip: z.number().int().min(1)}),
	// stop_machine (kernel/stop_machine.c) and the scheduling point that lets its stopper thread in.
	variant({op: z.literal('stop_machine'), func: z.string().min(1), cpu: z.number().int().min(0).default(0)}),
	variant({op: z.literal('cond_resched')}),
	// Bottom halves (kernel/softirq.c).
	variant({op: z.literal('spin_lock_bh'), lock: lockName}),
	variant({op: z.literal('spin_unlock_bh'), lock: lockName}),
	variant({op: z.literal('local_bh_disable')}),
	variant({op: z.literal('local_bh_enable')}),
	// Preemption, the RCU read side, completions.
	variant({op: z.literal('preempt_disable')}),
	variant({op: z.literal('preempt_enable')}),
	variant({op: z.literal('rcu_read_lock')}),
	variant({op: z.literal('rcu_read_unlock')}),
	variant({op: z.literal('synchronize_rcu')}),
	variant({op: z.literal('call_rcu'), func: cFunction.default('rcu_free_callback')}),
	variant({op: z.literal('wait_for_completion'), completion: z.string().min(1), timeout: duration.optional()}),
	variant({op: z.literal('complete'), completion: z.string().min(1)}),
	variant({op: z.literal('complete_all'), completion: z.string().min(1)}),
]);

/**
 * A device interrupt handler's steps. The sleeping ones (mutex_lock, mutex_unlock, idle) are
 * in the schema only so that the static checks can refuse them with the reason.
 */
const irqStep = z.discriminatedUnion('op', [
	variant({op: z.literal('spin_lock'), lock: lockName}),
	variant({op: z.literal('spin_unlock'), lock: lockName}),
	variant({op: z.literal('run'), for: durationSpec}),
	variant({op: z.literal('printk'), text: z.string().min(1)}),
	variant({op: z.literal('mutex_lock'), lock: lockName}),
	variant({op: z.literal('mutex_unlock'), lock: lockName}),
	variant({op: z.literal('idle'), for: durationSpec}),
	...(['read_lock', 'write_lock', 'read_unlock', 'write_unlock'] as const).map((op) => variant({op: z.literal(op), lock: lockName})),
	variant({op: z.literal('tasklet_schedule'), tasklet: z.string().min(1)}),
]);

/** A device interrupt line: request_irq's number and name, where it is routed, how often it fires, what its handler does. */
export const irqLine = z.strictObject({
	irq: z.number().int().min(0).max(255),
	name: z.string().min(1).max(32),
	chip: z.enum(['IO-APIC-edge', 'IO-APIC-fasteoi', 'PCI-MSI-edge']).default('IO-APIC-fasteoi'),
	handler: cFunction.optional(),
	cpu: z.number().int().min(0).optional(),
	affinity: z.array(z.number().int().min(0)).min(1).optional(),
	every: duration.refine((ns) => ns > 0, {message: 'expected a duration above 0'}),
	startAt: duration.optional(),
	steps: z.array(irqStep).min(1),
});

/** A function cross-calls and stop_machine run by name (`func`): its steps run in atomic context on the target. */
export const calledFunction = z.strictObject({steps: z.array(irqStep).min(1)});

/** An NMI handler (register_nmi_handler, NMI_LOCAL) on a periodic NMI source: every `every` on each of `cpus` (all by default). */
export const nmiHandler = z.strictObject({
	handler: cFunction,
	every: duration.refine((ns) => ns > 0, {message: 'expected a duration above 0'}),
	cpus: z.array(z.number().int().min(0)).min(1).optional(),
	startAt: duration.optional(),
	steps: z.array(irqStep).min(1),
});

/** A timer_list on one CPU whose callback runs in TIMER_SOFTIRQ: armed at startAt, due every `every` (its callback re-arms it). */
export const timer = z.strictObject({
	name: cFunction,
	cpu: z.number().int().min(0),
	every: duration.refine((ns) => ns > 0, {message: 'expected a duration above 0'}),
	startAt: duration.default(0),
	steps: z.array(irqStep).min(1),
});

/** A tasklet: scheduled by a tasklet_schedule step, it runs in TASKLET_SOFTIRQ on that CPU. */
export const tasklet = z.strictObject({name: cFunction, steps: z.array(irqStep).min(1)});


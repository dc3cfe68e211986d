// `npm run schema`: scenarios/scenario.schema.json, the scenario file format as JSON Schema,
// generated from the zod schema (source/scenario/schema.ts) so that editors complete and
// check scenario files (each names it in "$schema"). Never edited by hand: test/schema.test.ts
// regenerates it in memory and fails when the committed file differs.
//
// It describes what people write (zod's io: "input"): durations are strings with a unit,
// defaults are shown as written ("30s", not 30000000000), and keys with a default are
// optional. What JSON Schema cannot say (a lock declared in $.locks, a CPU below $.cpus, the
// static checks of source/scenario/check.ts) is left to `xcalltop check`.
//
// This module is the only one that calls zod's toJSONSchema: the CLI never loads it.
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import * as z from 'zod';
import {HZ_VALUES, scenarioSchema, SCHEMA_PARTS, TOUR_KEYS} from '../scenario/schema.js';
import {DURATION_PATTERN} from '../scenario/duration.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SCHEMA_FILE = path.join(ROOT, 'scenarios/scenario.schema.json');
/** The command that rewrites SCHEMA_FILE, as the file and the stale test name it. */
export const SCHEMA_COMMAND = 'npm run schema';

type Json = Record<string, unknown>;

/** Short descriptions editors show on hover, by place: a key, `[]` for an array's items, `op=NAME` for a step. */
const DESCRIPTIONS: readonly (readonly [string, string])[] = [
	['$schema', 'The JSON Schema this file follows, for editors: "./scenario.schema.json" beside the shipped scenarios.'],
	['description', 'What happens, in a sentence or two; the first line is what `xcalltop list` shows.'],
	['source', 'The text (post, thread, seed) the scenario reproduces.'],
	['cpus', 'How many CPUs the machine has, 1-256.'],
	['hz', 'CONFIG_HZ: scheduling-clock ticks per second.'],
	['formats', 'Kernel message texts: "3.x" as Linux 3.10 prints them, or "modern" (rcu: , watchdog: ).'],
	['rcuFlavour', 'The RCU flavour named in stall warnings.'],
	['release', 'The kernel release shown in splats (default 3.10.105).'],
	['perfNmiHz', 'perf sampling NMIs per second on every CPU (0: only the NMI watchdog).'],
	['watchdogs', "Linux's RCU stall, soft lockup and hard lockup detectors (false for FreeBSD)."],
	['rendezvous', "FreeBSD's smp_rendezvous on preemptible vCPUs (the exit-count race)."],
	['seed', "Seed of the kernel's random numbers (every {min, max} draw); --seed overrides it."],
	['until', 'Where `xcalltop run` stops, in virtual time; --until overrides it.'],
	['thresholds', 'Stall and lockup detector settings (seconds), with the real defaults.'],
	['timing', 'What the hardware and handlers cost in virtual time.'],
	['locks', 'Every lock a step names, with its kind.'],
	['tasks', "The workload: per-CPU tasks, each a list of steps run in order."],
	['timeline', 'Inputs applied at virtual times, as --input AT:ACTION[:ARG] does.'],
	['dtrace', 'The DTrace port: a consumer, its probes and the port options.'],
	['mitigation', 'What input `mitigation` (key m, --mitigated) flips: one option and the value that avoids the lockup.'],
	['expect', 'The outcome the scenario is meant to have (checked by the tests).'],
	['tour', 'The story the monitor shows on `i`: keys to press and what to watch for.'],
	['tasks.[].cpu', 'The CPU the task runs on.'],
	['tasks.[].comm', 'The task name, as ps shows it (at most 15 characters).'],
	['tasks.[].pid', 'The pid; 0 only for the idle loop\'s own work, with comm "swapper/N".'],
	['tasks.[].repeat', 'How many times the steps run: 0 (the default) for ever; after the last pass the task exits.'],
	['tasks.[].startAt', 'When the task first becomes runnable.'],
	['tasks.[].steps', 'What the task does, in order; after the last step the list runs again (see repeat).'],
	['tasks.[].steps.[].op=run', 'Run for a while, in user mode (the default) or kernel mode. User mode needs IRQs on and no spinlock held.'],
	['tasks.[].steps.[].op=idle', 'Sleep for a while: the task leaves its CPU and wakes when the time is up.'],
	['tasks.[].steps.[].op=irq_disable', 'local_irq_disable(): interrupts off on this CPU.'],
	['tasks.[].steps.[].op=irq_enable', 'local_irq_enable(): interrupts on; pending ones are taken at once.'],
	['tasks.[].steps.[].op=spin_lock', 'Take a spinlock (spinning while another CPU holds it); irqsave: spin_lock_irqsave, which turns interrupts off until spin_unlock.'],
	['tasks.[].steps.[].op=spin_unlock', 'Release a spinlock this task holds (restoring interrupts if it was taken with irqsave).'],
	['tasks.[].steps.[].op=mutex_lock', 'Take a mutex, sleeping while another task owns it.'],
	['tasks.[].steps.[].op=mutex_unlock', 'Release a mutex this task holds; the first waiter gets it.'],
	['tasks.[].steps.[].op=smp_call_function', 'Cross-call every other CPU (CAL IPI) to run func; with wait (the default) until all have run it.'],
	['tasks.[].steps.[].op=tlb_flush', 'A TLB shootdown: flush_tlb_others to every other CPU, waiting for each.'],
	['tasks.[].steps.[].op=smp_call_function_single', 'Cross-call one CPU (CALL_FUNCTION_SINGLE IPI) to run func; itself: run it here with IRQs off. With wait (the default) until it has run.'],
	['tasks.[].steps.[].op=smp_call_function_many', 'Cross-call the CPUs in cpus (this one left out) to run func; with wait (the default) until all have run it.'],
	['tasks.[].steps.[].op=on_each_cpu', 'Cross-call every other CPU to run func, then run it here with IRQs off; with wait (the default) until all have.'],
	['tasks.[].steps.[].op=call', 'Kernel code in function fn (a probe site for dtrace) for a while (default 2us).'],
	['tasks.[].steps.[].op=rcu_idle_enter', 'rcu_idle_enter(): RCU stops watching this CPU (an extended quiescent state).'],
	['tasks.[].steps.[].op=rcu_idle_exit', 'rcu_idle_exit(): RCU watches this CPU again.'],
	['tasks.[].steps.[].op=printk', "printk as 3.10 does it: IRQs off, the record stored and copied under logbuf_lock, the console written (for, default 100us), IRQs on."],
	// Device interrupts (irq.ts).
	['irqs', 'Device interrupt lines: each raised every `every` on its CPU, its handler running steps in hardirq context (IRQs off) there.'],
	['irqs.[].irq', 'The IRQ number, as /proc/interrupts numbers the row (0-255).'],
	['irqs.[].name', "The action's name (request_irq's devname), shown at the end of the /proc/interrupts row."],
	['irqs.[].chip', 'The irq chip and flow handler, as /proc/interrupts shows them: IO-APIC-edge, IO-APIC-fasteoi (the default), PCI-MSI-edge.'],
	['irqs.[].handler', 'The handler function, for stack dumps (default: the name with _interrupt).'],
	['irqs.[].cpu', 'The CPU the line is routed to (give cpu or affinity).'],
	['irqs.[].affinity', 'CPUs the line is routed to in turn, one per interrupt (give cpu or affinity).'],
	['irqs.[].every', 'Time between two interrupts of the line; one that comes while the previous is still pending merges into it.'],
	['irqs.[].startAt', 'When the first interrupt comes (default: every).'],
	['irqs.[].steps', 'What the handler does, in order, with IRQs off: spin_lock, spin_unlock, run (kernel code for a while), printk. Steps that sleep are refused.'],
	['debug', '3.10 lock-debugging Kconfig options the kernel is built with, each false unless written: their reports, in 3.10 formats.'],
	['debug.PROVE_LOCKING', 'Lockdep: possible circular locking dependency, inconsistent lock state, possible recursive locking; the first report turns it off. Selects DEBUG_SPINLOCK.'],
	['debug.DEBUG_SPINLOCK', 'BUG: spinlock recursion, and BUG: spinlock lockup suspected after a CPU has spun on one lock for a second.'],
	['debug.DEBUG_ATOMIC_SLEEP', 'BUG: sleeping function called from invalid context (mutex_lock in atomic context), BUG: scheduling while atomic (sleeping holding a spinlock).'],
	// Reader-writer locks and spin_trylock (rwlock.ts, spinlock.ts).
	['tasks.[].steps.[].op=read_lock', 'Take an rwlock for reading: in unless a CPU holds it for writing (a spinning writer does not stop readers); irq: read_lock_irq, irqsave: read_lock_irqsave.'],
	['tasks.[].steps.[].op=read_unlock', 'Drop a read hold; irq: read_unlock_irq (interrupts on); flags saved by irqsave are restored.'],
	['tasks.[].steps.[].op=write_lock', 'Take an rwlock for writing, spinning until nobody holds it; irq: write_lock_irq, irqsave: write_lock_irqsave.'],
	['tasks.[].steps.[].op=write_unlock', 'Drop the write hold; irq: write_unlock_irq (interrupts on); flags saved by irqsave are restored.'],
	['tasks.[].steps.[].op=spin_trylock', 'Take a spinlock if it is free; if not, go on at once, skipping the next `skip` steps (the code under the lock, ending with its spin_unlock).'],
	// printk's console (console.ts).
	['console', "printk's console: a serial line the CPU holding console_sem writes every record to, with IRQs off until the log is drained."],
	['console.baud', 'Bits per second (8N1: 10 bits a character); default 115200.'],
	['console.loglevel', 'console_loglevel: records of a lower level are written (default 7; the quiet boot option sets 4).'],
	['functions', 'What the functions cross-calls and stop_machine name in `func` do, by C name: {"steps": [...]} as a device handler\'s, run on the target with IRQs off; the caller is released when the function returns.'],
	['nmi', 'An NMI handler (register_nmi_handler, NMI_LOCAL) on a periodic NMI source: not maskable, no other NMI on that CPU while it runs.'],
	['nmi.handler', 'The handler function, for stack dumps.'],
	['nmi.every', 'Time between two NMIs on each of its CPUs.'],
	['nmi.cpus', 'The CPUs the source interrupts (default: all).'],
	['nmi.startAt', 'When the first NMI comes (default: every).'],
	['nmi.steps', 'What the handler does, in order: spin_lock, spin_unlock, run, printk. Steps that sleep are refused.'],
	// Softirqs and bottom halves (softirq.ts).
	['tasks.[].steps.[].op=spin_lock_bh', 'spin_lock_bh(): softirqs off on this CPU (local_bh_disable), then take the spinlock.'],
	['tasks.[].steps.[].op=spin_unlock_bh', 'spin_unlock_bh(): release the spinlock, then softirqs on again; pending ones run at once.'],
	['tasks.[].steps.[].op=local_bh_disable', 'local_bh_disable(): softirqs off on this CPU; raised ones wait.'],
	['tasks.[].steps.[].op=local_bh_enable', 'local_bh_enable(): softirqs on again; pending ones run at once (do_softirq).'],
	['timers', 'timer_list timers: each due every `every` on its CPU, its callback running steps in TIMER_SOFTIRQ there (IRQs on).'],
	['timers.[].name', 'The callback function, for stack dumps and reports.'],
	['timers.[].cpu', 'The CPU the timer is armed on (add_timer_on).'],
	['timers.[].every', 'The period: the callback re-arms the timer this far ahead (mod_timer), rounded to jiffies.'],
	['timers.[].startAt', 'When the timer is armed (default 0 s); the first expiry is one period later.'],
	['timers.[].steps', 'What the callback does, in softirq context: spin_lock, spin_unlock, run, printk, tasklet_schedule. Steps that sleep are refused.'],
	['tasklets', 'Tasklets: scheduled by a tasklet_schedule step (in an interrupt handler or a callback), each runs once in TASKLET_SOFTIRQ on that CPU.'],
	['tasklets.[].name', 'The tasklet function; tasklet_schedule steps name it.'],
	['tasklets.[].steps', 'What the tasklet does, in softirq context: spin_lock, spin_unlock, run, printk, tasklet_schedule. Steps that sleep are refused.'],
	// Preemption, the RCU read side, completions (preempt.ts, rcu/, completion.ts).
	['preemption', 'The preemption model: none (CONFIG_PREEMPT_NONE), voluntary (CONFIG_PREEMPT_VOLUNTARY) or full (CONFIG_PREEMPT, RCU becomes rcu_preempt).'],
	['rcuBackground', "How often each ticking CPU's own housekeeping queues an RCU callback (0s: only the scenario's call_rcu and synchronize_rcu)."],
	['completions', 'Every struct completion a step names (init_completion).'],
	['tasks.[].kthread', 'A kernel thread: the steps are the body of its for (;;) loop; going round is no scheduling point, and it has no user mode.'],
	['tasks.[].steps.[].op=preempt_disable', 'preempt_disable(): raise the preempt count (spin_lock does too).'],
	['tasks.[].steps.[].op=preempt_enable', 'preempt_enable(): lower it; with preemption full, switch at once when it reaches 0 and need_resched is set.'],
	['tasks.[].steps.[].op=cond_resched', 'cond_resched(): schedule (a context switch, an RCU quiescent state) when need_resched is set and preemption is not disabled.'],
	['tasks.[].steps.[].op=rcu_read_lock', 'Enter an RCU read-side critical section (preempt_disable without CONFIG_PREEMPT, a per-task count with it).'],
	['tasks.[].steps.[].op=rcu_read_unlock', 'Leave it; a preempted reader\'s outermost unlock lets the grace period it blocked end.'],
	['tasks.[].steps.[].op=synchronize_rcu', 'Sleep (D state) until a full RCU grace period has elapsed.'],
	['tasks.[].steps.[].op=call_rcu', 'Queue an RCU callback (func names it) on this CPU; it runs after the next full grace period.'],
	['tasks.[].steps.[].op=wait_for_completion', 'Sleep (D state) until the completion is done; with timeout, wait_for_completion_timeout.'],
	['tasks.[].steps.[].op=complete', 'complete(): one done; wakes the first waiter.'],
	['tasks.[].steps.[].op=complete_all', 'complete_all(): done for good; wakes every waiter.'],
];

/** Nanoseconds as a person writes them: the largest unit that keeps it short ("30s", "1.2us", "600ns"). */
export function durationText(ns: number): string {
	for (const [unit, size] of [['s', 1e9], ['ms', 1e6], ['us', 1e3]] as const) {
		if (ns >= size && Number.isInteger((ns * 1000) / size)) return `${ns / size}${unit}`;
	}
	return ns === 0 ? '0s' : `${ns}ns`;
}

/** A default of a duration or a duration spec ({min, max} in ns), as written in a file. */
function durationDefault(value: unknown): unknown {
	if (typeof value === 'number') return durationText(value);
	const spec = value as {min: number; max: number};
	return spec.min === spec.max ? durationText(spec.min) : {min: durationText(spec.min), max: durationText(spec.max)};
}

function child(node: Json, part: string, where: string): Json {
	const op = /^op=(.+)$/.exec(part);
	const found = op
		? (node['oneOf'] as Json[] | undefined)?.find((o) => ((o['properties'] as Json | undefined)?.['op'] as Json | undefined)?.['const'] === op[1])
		: part === '[]'
			? node['items']
			: (node['properties'] as Json | undefined)?.[part];
	if (found === undefined || typeof found !== 'object') throw new Error(`scenario-schema: DESCRIPTIONS names ${where}, which the schema does not have`);
	return found as Json;
}

/** Integer bounds zod writes for .int() alone (Number.MAX_SAFE_INTEGER) say nothing to a person. */
function dropSafeIntegerBounds(node: unknown): void {
	if (node === null || typeof node !== 'object') return;
	if (Array.isArray(node)) return node.forEach(dropSafeIntegerBounds);
	const o = node as Json;
	if (o['maximum'] === Number.MAX_SAFE_INTEGER) delete o['maximum'];
	if (o['minimum'] === Number.MIN_SAFE_INTEGER) delete o['minimum'];
	for (const v of Object.values(o)) dropSafeIntegerBounds(v);
}

/** The JSON Schema, as the text of scenarios/scenario.schema.json (with its final newline). */
export function scenarioJsonSchema(): string {
	const {duration, durationSpec, tourKey, hz} = SCHEMA_PARTS;
	const ids = z.registry<{id: string}>();
	ids.add(duration, {id: 'duration'});
	ids.add(durationSpec, {id: 'durationSpec'});
	const generated = z.toJSONSchema(scenarioSchema, {
		io: 'input',
		metadata: ids,
		// Refinements (checks across keys) have no JSON Schema; they stay the loader's.
		unrepresentable: 'any',
		override: ({zodSchema, jsonSchema}) => {
			const def = zodSchema._zod.def as {type: string; innerType?: unknown; defaultValue?: unknown};
			// A duration's default is nanoseconds inside; the file writes "30s".
			if (def.type === 'default' && (def.innerType === duration || def.innerType === durationSpec)) jsonSchema.default = durationDefault(def.defaultValue);
			// Refinements are not JSON Schema; these two are lists of values, and editors offer them.
			if (zodSchema === tourKey) jsonSchema.enum = [...TOUR_KEYS];
			if (zodSchema === hz) jsonSchema.enum = [...HZ_VALUES];
		},
	}) as Json;
	const defs = generated['$defs'] as Record<string, Json>;
	Object.assign(defs['duration']!, {
		pattern: DURATION_PATTERN,
		description: 'A duration of virtual time with its unit: ns, us (or µs), ms, s or m; at most 30 days (43200m). A bare number is refused.',
		examples: ['250us', '2ms', '1.5s', '2m'],
	});
	defs['durationSpec']!['description'] = 'A fixed duration ("2ms"), or {"min", "max"}: drawn uniformly from that range, from the CPU\'s own random stream, each time the step runs.';
	dropSafeIntegerBounds(generated);
	for (const [where, text] of DESCRIPTIONS) {
		let node = generated;
		for (const part of where.split('.')) node = child(node, part, where);
		node['description'] = text;
	}
	const top = generated['properties'] as Record<string, Json>;
	const undescribed = Object.keys(top).filter((key) => top[key]!['description'] === undefined);
	if (undescribed.length > 0) throw new Error(`scenario-schema: give ${undescribed.join(', ')} a description in DESCRIPTIONS`);
	const {$schema, ...rest} = generated;
	const schema = {
		$schema,
		$comment: `Generated from source/scenario/schema.ts by \`${SCHEMA_COMMAND}\` (source/build/scenario-schema.ts); do not edit by hand.`,
		title: 'xcalltop scenario',
		description: 'A scenario for xcalltop: the machine, its workload and what to watch. See the readme, "Scenario files"; `xcalltop check FILE` also runs the checks JSON Schema cannot express.',
		...rest,
	};
	return `${JSON.stringify(schema, null, 2)}\n`;
}

/** The committed file's text, or undefined when there is none. */
export function committedSchema(): string | undefined {
	try {
		return readFileSync(SCHEMA_FILE, 'utf8');
	} catch {
		return undefined;
	}
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
	const text = scenarioJsonSchema();
	const changed = committedSchema() !== text;
	if (changed) writeFileSync(SCHEMA_FILE, text);
	process.stdout.write(`${path.relative(process.cwd(), SCHEMA_FILE)}: ${changed ? 'written' : 'unchanged'}\n`);
}

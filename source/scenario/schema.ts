// The scenario file format. Unknown keys are errors; every error names its JSON path.
import * as z from 'zod';
import {DEFAULT_RCU_BACKGROUND, DEFAULT_THRESHOLDS, DEFAULT_TIMING} from '../kernel/config.js';
import {DEFAULT_DTRACE_OPTIONS} from '../kernel/dtrace/config.js';
import {quote, safeJson} from '../terminal/safe-text.js';

import {C_IDENT, calledFunction, duration, durationSpec, irqLine, lockName, nmiHandler, step, tasklet, timer} from './steps.js';

const dtraceOptionsShape = {
	safeMode: z.boolean().default(DEFAULT_DTRACE_OPTIONS.safeMode),
	xcall: z.enum(['dtrace_xcall', 'smp_call_function']).default(DEFAULT_DTRACE_OPTIONS.xcall),
	fastSync: z.boolean().default(DEFAULT_DTRACE_OPTIONS.fastSync),
	timeouts: z.enum(['hrtimer', 'workqueue']).default(DEFAULT_DTRACE_OPTIONS.timeouts),
	printf: z.enum(['dtrace_printf', 'printk']).default(DEFAULT_DTRACE_OPTIONS.printf),
	rcuWatchingGuard: z.boolean().default(DEFAULT_DTRACE_OPTIONS.rcuWatchingGuard),
	inTracingFlag: z.boolean().default(DEFAULT_DTRACE_OPTIONS.inTracingFlag),
};

/** Options a mitigation may flip, with the values each accepts. */
export const MITIGATION_OPTIONS: Record<string, readonly unknown[]> = {
	safeMode: [true, false],
	xcall: ['dtrace_xcall', 'smp_call_function'],
	fastSync: [true, false],
	timeouts: ['hrtimer', 'workqueue'],
	printf: ['dtrace_printf', 'printk'],
	rcuWatchingGuard: [true, false],
	inTracingFlag: [true, false],
	rendezvousGeneration: [true, false],
	/** Process-context spin_lock of a lock an interrupt handler takes becomes spin_lock_irqsave. */
	irqsave: [true, false],
	/** console_loglevel 4, as the `quiet` boot option sets it: KERN_INFO and below stay in the log, off the console. */
	quiet: [true, false],
};

const dtrace = z.strictObject({
	consumer: z.strictObject({pid: z.number().int().min(2).max(4194304).default(4711), cpu: z.number().int().min(0).default(0), startAt: duration.default(0)}).optional(),
	provider: z.enum(['fbt', 'pid']).default('fbt'),
	probes: z.number().int().min(0).max(1_000_000).default(1000),
	traceAll: z.boolean().default(false),
	sites: z
		.array(z.strictObject({fn: z.string().min(1), action: z.enum(['trace', 'xcall', 'printf']).default('trace')}))
		.default([]),
	syncsPerProbe: z.number().int().min(1).max(10).default(3),
	switchRate: duration.default(1_000_000_000),
	bufSize: z.number().int().min(4096).default(4 * 1024 * 1024),
	recordSize: z.number().int().min(8).default(64),
	actionRecurses: z.boolean().default(false),
	...dtraceOptionsShape,
});

const task = z.strictObject({
	cpu: z.number().int().min(0),
	comm: z.string().min(1).max(15),
	/** 0 only for the idle loop's own work, with comm swapper/N. */
	pid: z.number().int().min(0).max(4194304),
	repeat: z.number().int().min(0).default(0),
	startAt: duration.default(0),
	steps: z.array(step).min(1),
	/** A kernel thread: the steps are the body of its for (;;) loop, and going round is no scheduling point. */
	kthread: z.boolean().default(false),
});

const timelineEntry = z.strictObject({
	at: duration,
	action: z.string().min(1),
	note: z.string().optional(),
});

/**
 * Keys a tour may tell the reader to press, as the monitor's help names them. Kernel keys
 * need what they act on: "m" a $.mitigation; "s", "Ctrl-C", "K", "t" and "d" the DTrace
 * port ($.dtrace); a digit a CPU of that number.
 */
export const TOUR_KEYS = ['s', 'Ctrl-C', 'K', 't', 'm', 'd', 'space', '.', ',', '+', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'Left', 'Right', 'Tab', 'r', 'f'] as const;
export type TourKey = (typeof TOUR_KEYS)[number];

/** Keys that apply a DTrace port input (safe-mode, ctrl-c, kill-9, timer, start-consumer). */
const PORT_KEYS: ReadonlySet<string> = new Set(['s', 'Ctrl-C', 'K', 't', 'd']);

/** Limits that keep a tour readable at 80x24: a text wraps to about two lines at 80 columns. */
export const TOUR_LIMITS = {press: 6, watch: 6, text: 120} as const;

/** One line of prose: the monitor wraps it, so no newlines or tabs of its own. */
const tourText = z
	.string()
	.min(1)
	.max(TOUR_LIMITS.text)
	.refine((t) => ![...t].some((c) => c < ' ' || c === '\u007f'), {message: 'expected one line of text (no newlines, tabs or control characters)'});

/** In the monitor's order (z.enum would list the digits first, as object keys). */
const TOUR_KEY_HINT = TOUR_KEYS.filter((k) => !/^[1-8]$/.test(k))
	.map((k) => JSON.stringify(k))
	.join(', ')
	.replace('"0", "9"', '"0"..."9"');

const tourKey = z
	.string()
	.refine((k) => (TOUR_KEYS as readonly string[]).includes(k), {message: `expected one of ${TOUR_KEY_HINT}`})
	.transform((k) => k as TourKey);

/** "The story" of a scenario: what to press and what to watch for, in order. */
const tour = z.strictObject({
	press: z
		.array(z.strictObject({key: tourKey, why: tourText}))
		.max(TOUR_LIMITS.press)
		.default([]),
	watch: z.array(tourText).min(1).max(TOUR_LIMITS.watch),
});

/** CONFIG_HZ values Linux offers. */
export const HZ_VALUES: readonly number[] = [100, 250, 300, 1000];
const hz = z.number().refine((v) => HZ_VALUES.includes(v), {message: `expected one of ${HZ_VALUES.join(', ')}`});

export const scenarioSchema = z
	.strictObject({
		$schema: z.string().optional(),
		description: z.string().min(1),
		source: z.string().optional(),
		cpus: z.number().int().min(1).max(256),
		hz: hz.default(1000),
		formats: z.enum(['3.x', 'modern']).default('3.x'),
		rcuFlavour: z.enum(['rcu_sched', 'rcu_preempt', 'rcu_bh']).optional(),
		release: z.string().min(1).optional(),
		perfNmiHz: z.number().int().min(0).max(10_000).default(0),
		watchdogs: z.boolean().default(true),
		rendezvous: z
			.strictObject({
				initiator: z.number().int().min(0),
				every: durationSpec,
				action: durationSpec.default({min: 1_000, max: 3_000}),
				preemptEvery: durationSpec,
				preemptFor: durationSpec,
				generation: z.boolean().default(false),
			})
			.optional(),
		seed: z.number().int().min(0).max(0x7fffffff).default(1),
		until: duration.default(30_000_000_000),
		thresholds: z
			.strictObject({
				rcuStallTimeout: z.number().int().min(3).max(300).default(DEFAULT_THRESHOLDS.rcuStallTimeout),
				watchdogThresh: z.number().int().min(1).max(60).default(DEFAULT_THRESHOLDS.watchdogThresh),
				softlockupPanic: z.boolean().default(false),
				hardlockupPanic: z.boolean().default(false),
				hungTaskTimeout: z.number().int().min(0).max(86400).default(DEFAULT_THRESHOLDS.hungTaskTimeout),
			})
			.prefault({}),
		timing: z
			.strictObject({
				ipiLatency: duration.default(DEFAULT_TIMING.ipiLatency),
				tickHandler: duration.default(DEFAULT_TIMING.tickHandler),
				callHandler: duration.default(DEFAULT_TIMING.callHandler),
				reschedHandler: duration.default(DEFAULT_TIMING.reschedHandler),
				lockHandoff: duration.default(DEFAULT_TIMING.lockHandoff),
				contextSwitch: duration.default(DEFAULT_TIMING.contextSwitch),
				stepCost: duration.default(DEFAULT_TIMING.stepCost!),
			})
			.prefault({}),
		locks: z.array(z.strictObject({name: lockName, kind: z.enum(['spinlock', 'mutex', 'rwlock'])})).default([]),
		tasks: z.array(task).default([]),
		timeline: z.array(timelineEntry).default([]),
		dtrace: dtrace.optional(),
		mitigation: z
			.strictObject({
				describe: z.string().min(1),
				option: z.enum(Object.keys(MITIGATION_OPTIONS) as [string, ...string[]]).optional(),
				value: z.union([z.boolean(), z.string()]).optional(),
			})
			.optional(),
		expect: z
			.strictObject({
				lockup: z.boolean(),
				cpus: z.array(z.number().int().min(0)).optional(),
				by: duration.optional(),
			})
			.optional(),
		tour: tour.optional(),
		irqs: z.array(irqLine).default([]),
		/** 3.10 lock-debugging Kconfig options (lockdep, DEBUG_SPINLOCK, DEBUG_ATOMIC_SLEEP). */
		debug: z
			.strictObject({
				PROVE_LOCKING: z.boolean().default(false),
				/** Off unless written, or selected by PROVE_LOCKING. */
				DEBUG_SPINLOCK: z.boolean().optional(),
				DEBUG_ATOMIC_SLEEP: z.boolean().default(false),
			})
			.optional(),
		/** printk's console: a serial line at `baud` (8N1) that the console_sem owner writes every record to, and console_loglevel. */
		console: z.strictObject({baud: z.number().int().min(50).max(4_000_000).default(115_200), loglevel: z.number().int().min(1).max(8).default(7)}).optional(),
		functions: z.object({}).catchall(calledFunction).default({}),
		nmi: nmiHandler.optional(),
		timers: z.array(timer).default([]),
		tasklets: z.array(tasklet).default([]),
		preemption: z.enum(['none', 'voluntary', 'full']).default('none'),
		rcuBackground: duration.default(DEFAULT_RCU_BACKGROUND),
		completions: z.array(z.strictObject({name: z.string().min(1)})).default([]),
	})
	.superRefine((s, ctx) => {
		const locks = new Map<string, string>();
		s.locks.forEach((l, i) => {
			if (locks.has(l.name)) ctx.addIssue({code: 'custom', path: ['locks', i, 'name'], message: `lock "${quote(l.name)}" is declared twice`});
			locks.set(l.name, l.kind);
		});
		const pids = new Set<number>();
		s.tasks.forEach((t, i) => {
			if (t.cpu >= s.cpus) ctx.addIssue({code: 'custom', path: ['tasks', i, 'cpu'], message: `expected a CPU below ${s.cpus} (the scenario has ${s.cpus} CPUs), got ${t.cpu}`});
			if (t.pid === 0 && t.comm !== `swapper/${t.cpu}`) ctx.addIssue({code: 'custom', path: ['tasks', i, 'pid'], message: `pid 0 is the idle task: its comm must be "swapper/${t.cpu}"`});
			if (t.pid !== 0 && pids.has(t.pid)) ctx.addIssue({code: 'custom', path: ['tasks', i, 'pid'], message: `pid ${t.pid} is used by another task`});
			pids.add(t.pid);
			t.steps.forEach((st, j) => {
				// Targeted cross-calls name CPUs the scenario has.
				if (st.op === 'smp_call_function_single' && st.cpu >= s.cpus) ctx.addIssue({code: 'custom', path: ['tasks', i, 'steps', j, 'cpu'], message: `expected a CPU below ${s.cpus}, got ${st.cpu}`});
				if (st.op === 'smp_call_function_many') st.cpus.forEach((c, n) => {
					if (c >= s.cpus) ctx.addIssue({code: 'custom', path: ['tasks', i, 'steps', j, 'cpus', n], message: `expected a CPU below ${s.cpus}, got ${c}`});
				});
				if (!('lock' in st)) return;
				if (st.lock === 'logbuf_lock') {
					ctx.addIssue({code: 'custom', path: ['tasks', i, 'steps', j, 'lock'], message: 'logbuf_lock is the kernel\'s own; use a printk step'});
					return;
				}
				const want = st.op.startsWith('spin') ? 'spinlock' : st.op.startsWith('mutex') ? 'mutex' : 'rwlock';
				const have = locks.get(st.lock);
				if (have === undefined) ctx.addIssue({code: 'custom', path: ['tasks', i, 'steps', j, 'lock'], message: `lock "${quote(st.lock)}" is not declared in $.locks`});
				else if (have !== want) ctx.addIssue({code: 'custom', path: ['tasks', i, 'steps', j, 'lock'], message: `"${quote(st.lock)}" is ${have === 'rwlock' ? 'an' : 'a'} ${have}, but ${st.op} needs ${want === 'rwlock' ? 'an' : 'a'} ${want}`});
			});
		});
		if (s.dtrace?.consumer && s.dtrace.consumer.cpu >= s.cpus) {
			ctx.addIssue({code: 'custom', path: ['dtrace', 'consumer', 'cpu'], message: `expected a CPU below ${s.cpus}, got ${s.dtrace.consumer.cpu}`});
		}
		const m = s.mitigation;
		const variantSteps = [
			...s.tasks.flatMap((t, i) => t.steps.map((st, j) => ({st, path: ['tasks', i, 'steps', j, 'when']}))),
			...s.irqs.flatMap((l, i) => l.steps.map((st, j) => ({st, path: ['irqs', i, 'steps', j, 'when']}))),
			...s.timers.flatMap((t, i) => t.steps.map((st, j) => ({st, path: ['timers', i, 'steps', j, 'when']}))),
			...s.tasklets.flatMap((t, i) => t.steps.map((st, j) => ({st, path: ['tasklets', i, 'steps', j, 'when']}))),
		].filter(({st}) => st.when !== undefined);
		if (m?.option !== undefined && m.value === undefined) ctx.addIssue({code: 'custom', path: ['mitigation'], message: `expected "value" with "option" (the value of ${m.option} that avoids the lockup)`});
		else if (m?.option === undefined && m?.value !== undefined) ctx.addIssue({code: 'custom', path: ['mitigation', 'value'], message: 'expected "option" with "value" (the option the value is for)'});
		else if (m?.option !== undefined && !MITIGATION_OPTIONS[m.option]!.includes(m.value)) {
			const allowed = MITIGATION_OPTIONS[m.option]!.map((v) => JSON.stringify(v)).join(', ');
			ctx.addIssue({code: 'custom', path: ['mitigation', 'value'], message: `expected one of ${allowed} for ${m.option}, got ${quote(safeJson(m.value))}`});
		} else if (m && m.option === undefined && variantSteps.length === 0) {
			ctx.addIssue({code: 'custom', path: ['mitigation'], message: 'the mitigation changes nothing: expected an "option" and "value", or steps marked "when": "mitigated" / "unmitigated"'});
		}
		if (!m && variantSteps.length > 0) ctx.addIssue({code: 'custom', path: variantSteps[0]!.path, message: '"when" picks the mitigated or original code, but the scenario has no $.mitigation'});
		if (s.rendezvous && s.rendezvous.initiator >= s.cpus) {
			ctx.addIssue({code: 'custom', path: ['rendezvous', 'initiator'], message: `expected a CPU below ${s.cpus}, got ${s.rendezvous.initiator}`});
		}
		if (s.mitigation?.option === 'rendezvousGeneration' && !s.rendezvous) {
			ctx.addIssue({code: 'custom', path: ['mitigation', 'option'], message: '"rendezvousGeneration" needs a $.rendezvous section'});
		}
		if (s.mitigation?.option === 'quiet' && !s.console) ctx.addIssue({code: 'custom', path: ['mitigation', 'option'], message: '"quiet" lowers console_loglevel, but the scenario has no $.console'});
		if (s.mitigation?.option === 'irqsave' && s.irqs.length === 0) {
			ctx.addIssue({code: 'custom', path: ['mitigation', 'option'], message: '"irqsave" needs device interrupts ($.irqs) whose handlers take a spinlock'});
		}
		if (s.mitigation?.option !== undefined && s.mitigation.option !== 'rendezvousGeneration' && s.mitigation.option !== 'irqsave' && s.mitigation.option !== 'quiet' && !s.dtrace) {
			ctx.addIssue({code: 'custom', path: ['mitigation', 'option'], message: `"${s.mitigation.option}" is a DTrace option, but the scenario has no $.dtrace`});
		}
		const irqNumbers = new Set<number>();
		s.irqs.forEach((line, i) => {
			if (irqNumbers.has(line.irq)) ctx.addIssue({code: 'custom', path: ['irqs', i, 'irq'], message: `irq ${line.irq} is declared twice`});
			irqNumbers.add(line.irq);
			if ((line.cpu === undefined) === (line.affinity === undefined)) ctx.addIssue({code: 'custom', path: ['irqs', i], message: 'expected either "cpu" (the CPU the line is routed to) or "affinity" (a list of CPUs), not both or neither'});
			[...(line.cpu === undefined ? [] : [['cpu'] as (string | number)[]]), ...(line.affinity ?? []).map((_, j) => ['affinity', j])].forEach((where) => {
				const c = where[0] === 'cpu' ? line.cpu! : line.affinity![where[1] as number]!;
				if (c >= s.cpus) ctx.addIssue({code: 'custom', path: ['irqs', i, ...where], message: `expected a CPU below ${s.cpus} (the scenario has ${s.cpus} CPUs), got ${c}`});
			});
			line.steps.forEach((st, j) => {
				if (!('lock' in st)) return;
				const path = ['irqs', i, 'steps', j, 'lock'];
				if (st.lock === 'logbuf_lock') ctx.addIssue({code: 'custom', path, message: 'logbuf_lock is the kernel\'s own; use a printk step'});
				else if (!locks.has(st.lock)) ctx.addIssue({code: 'custom', path, message: `lock "${quote(st.lock)}" is not declared in $.locks`});
				else if (st.op.startsWith('spin') && locks.get(st.lock) !== 'spinlock') ctx.addIssue({code: 'custom', path, message: `"${quote(st.lock)}" is ${locks.get(st.lock) === 'rwlock' ? 'an' : 'a'} ${locks.get(st.lock)!}, but ${st.op} needs a spinlock`});
				else if (/^(read|write)_/.test(st.op) && locks.get(st.lock) !== 'rwlock') ctx.addIssue({code: 'custom', path, message: `"${quote(st.lock)}" is a ${locks.get(st.lock)!}, but ${st.op} needs an rwlock`});
			});
		});
		if (s.debug?.PROVE_LOCKING && s.debug.DEBUG_SPINLOCK === false) {
			ctx.addIssue({code: 'custom', path: ['debug', 'DEBUG_SPINLOCK'], message: 'PROVE_LOCKING selects DEBUG_SPINLOCK (lib/Kconfig.debug): it cannot be off with PROVE_LOCKING on'});
		}
		// Called functions and the NMI handler: declared spinlocks, CPUs the machine has, stop_machine's CPU.
		const bodyLocks = (steps: readonly {op: string; lock?: string}[], at: (string | number)[]): void =>
			steps.forEach((st, j) => {
				if (st.lock === undefined) return;
				const path = [...at, j, 'lock'];
				if (st.lock === 'logbuf_lock') ctx.addIssue({code: 'custom', path, message: 'logbuf_lock is the kernel\'s own; use a printk step'});
				else if (!locks.has(st.lock)) ctx.addIssue({code: 'custom', path, message: `lock "${quote(st.lock)}" is not declared in $.locks`});
				else if (st.op.startsWith('spin') && locks.get(st.lock) !== 'spinlock') ctx.addIssue({code: 'custom', path, message: `"${quote(st.lock)}" is a ${locks.get(st.lock)!}, but ${st.op} needs a spinlock`});
			});
		for (const [name, fn] of Object.entries(s.functions)) {
			if (!C_IDENT.test(name)) ctx.addIssue({code: 'custom', path: ['functions', name], message: `expected a C function name as the key, got "${quote(name)}"`});
			bodyLocks(fn.steps, ['functions', name, 'steps']);
		}
		if (s.nmi) {
			bodyLocks(s.nmi.steps, ['nmi', 'steps']);
			s.nmi.cpus?.forEach((c, i) => {
				if (c >= s.cpus) ctx.addIssue({code: 'custom', path: ['nmi', 'cpus', i], message: `expected a CPU below ${s.cpus}, got ${c}`});
			});
		}
		s.tasks.forEach((t, i) =>
			t.steps.forEach((st, j) => {
				if (st.op === 'stop_machine' && st.cpu >= s.cpus) ctx.addIssue({code: 'custom', path: ['tasks', i, 'steps', j, 'cpu'], message: `expected a CPU below ${s.cpus}, got ${st.cpu}`});
			}),
		);
		// Preemption, RCU flavour, completions.
		if (s.rcuFlavour === 'rcu_preempt' && s.preemption !== 'full') ctx.addIssue({code: 'custom', path: ['rcuFlavour'], message: 'rcu_preempt is preemptible RCU (CONFIG_TREE_PREEMPT_RCU), which needs "preemption": "full"'});
		if (s.rcuFlavour !== undefined && s.rcuFlavour !== 'rcu_preempt' && s.preemption === 'full') ctx.addIssue({code: 'custom', path: ['rcuFlavour'], message: `with "preemption": "full" RCU is preemptible: the flavour is rcu_preempt, not ${s.rcuFlavour}`});
		const completions = new Set<string>();
		s.completions.forEach((c, i) => {
			if (completions.has(c.name)) ctx.addIssue({code: 'custom', path: ['completions', i, 'name'], message: `completion "${quote(c.name)}" is declared twice`});
			completions.add(c.name);
		});
		s.tasks.forEach((t, i) => t.steps.forEach((st, j) => {
			if ('completion' in st && !completions.has(st.completion)) ctx.addIssue({code: 'custom', path: ['tasks', i, 'steps', j, 'completion'], message: `completion "${quote(st.completion)}" is not declared in $.completions`});
		}));
		s.expect?.cpus?.forEach((c, i) => {
			if (c >= s.cpus) ctx.addIssue({code: 'custom', path: ['expect', 'cpus', i], message: `expected a CPU below ${s.cpus}, got ${c}`});
		});
		s.tour?.press.forEach(({key}, i) => {
			const path = ['tour', 'press', i, 'key'];
			if (key === 'm' && !s.mitigation) ctx.addIssue({code: 'custom', path, message: '"m" flips the mitigation, but the scenario has no $.mitigation'});
			if (PORT_KEYS.has(key) && !s.dtrace) ctx.addIssue({code: 'custom', path, message: `"${key}" needs the DTrace port, but the scenario has no $.dtrace`});
			if (/^[0-9]$/.test(key) && Number(key) >= s.cpus) ctx.addIssue({code: 'custom', path, message: `"${key}" selects CPU${key}, but the scenario has ${s.cpus} CPU${s.cpus === 1 ? '' : 's'}`});
		});
		// Softirq callbacks: timers run on a CPU the scenario has; names are unique; their locks are declared spinlocks; tasklet_schedule names a tasklet.
		const tasklets = new Set(s.tasklets.map((t) => t.name));
		const callbackNames = new Set<string>();
		const softirqSteps = (steps: readonly {op: string; lock?: string; tasklet?: string}[], where: (string | number)[]): void =>
			steps.forEach((st, j) => {
				if (st.op === 'tasklet_schedule' && !tasklets.has(st.tasklet!)) ctx.addIssue({code: 'custom', path: [...where, 'steps', j, 'tasklet'], message: `tasklet "${quote(st.tasklet!)}" is not declared in $.tasklets`});
				if (st.lock === undefined) return;
				const path = [...where, 'steps', j, 'lock'];
				if (st.lock === 'logbuf_lock') ctx.addIssue({code: 'custom', path, message: 'logbuf_lock is the kernel\'s own; use a printk step'});
				else if (!locks.has(st.lock)) ctx.addIssue({code: 'custom', path, message: `lock "${quote(st.lock)}" is not declared in $.locks`});
				else if (st.op.startsWith('spin') && locks.get(st.lock) !== 'spinlock') ctx.addIssue({code: 'custom', path, message: `"${quote(st.lock)}" is a ${locks.get(st.lock)!}, but ${st.op} needs a spinlock`});
			});
		s.timers.forEach((t, i) => {
			if (t.cpu >= s.cpus) ctx.addIssue({code: 'custom', path: ['timers', i, 'cpu'], message: `expected a CPU below ${s.cpus} (the scenario has ${s.cpus} CPUs), got ${t.cpu}`});
			if (callbackNames.has(t.name)) ctx.addIssue({code: 'custom', path: ['timers', i, 'name'], message: `"${t.name}" names another timer or tasklet`});
			callbackNames.add(t.name);
			softirqSteps(t.steps, ['timers', i]);
		});
		s.tasklets.forEach((t, i) => {
			if (callbackNames.has(t.name)) ctx.addIssue({code: 'custom', path: ['tasklets', i, 'name'], message: `"${t.name}" names another timer or tasklet`});
			callbackNames.add(t.name);
			softirqSteps(t.steps, ['tasklets', i]);
		});
		s.irqs.forEach((line, i) => softirqSteps(line.steps.filter((st) => st.op === 'tasklet_schedule'), ['irqs', i]));
	});

/**
 * Parts of the schema that source/build/scenario-schema.ts describes in the JSON Schema
 * beyond what zod can say: a duration's pattern, defaults written as durations, the keys a
 * tour may press, the values hz takes. Only that build-time script turns the schema into
 * JSON Schema; the CLI never does.
 */
export const SCHEMA_PARTS = {duration, durationSpec, tourKey, hz} as const;

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema> & {readonly name: string};
export type Tour = NonNullable<Scenario['tour']>;

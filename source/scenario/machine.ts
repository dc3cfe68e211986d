// Builds a booted kernel for a scenario: the config, the subsystems it plugs in, and the
// scenario's own timeline plus any extra stamped inputs.
import {Kernel, type Input, type KernelCheckpoint, type KernelExtension} from '../kernel/kernel.js';
import {DtracePort} from '../kernel/dtrace/port.js';
import {Rendezvous} from '../kernel/freebsd/rendezvous.js';
import type {DtraceConfig} from '../kernel/dtrace/config.js';
import type {Scenario} from './schema.js';
import {jsonPath, InputError, toKernelConfig, shownPath, type LoadedScenario} from './load.js';
import {argProblem, splitAction, type FlagInput} from './inputs.js';
import {quote} from '../terminal/safe-text.js';

export interface MachineOptions {
	readonly seed?: number | undefined;
	/** `--input AT:ACTION` flags: announced as `(--input)`, not as the scenario's timeline. */
	readonly inputs?: readonly FlagInput[];
	/** Leave the scenario's own timeline out (a replayed session carries its own inputs). */
	readonly withoutTimeline?: boolean;
	/** Start with the scenario's mitigation in force (an input `mitigation` at 0 s). */
	readonly mitigated?: boolean;
}

function dtraceConfig(s: Scenario): DtraceConfig | undefined {
	const d = s.dtrace;
	if (!d) return undefined;
	return {
		consumer: d.consumer,
		provider: d.provider,
		probes: d.probes,
		traceAll: d.traceAll,
		sites: d.sites,
		syncsPerProbe: d.syncsPerProbe,
		switchRate: d.switchRate,
		bufSize: d.bufSize,
		recordSize: d.recordSize,
		actionRecurses: d.actionRecurses,
		options: {
			safeMode: d.safeMode,
			xcall: d.xcall,
			fastSync: d.fastSync,
			timeouts: d.timeouts,
			printf: d.printf,
			rcuWatchingGuard: d.rcuWatchingGuard,
			inTracingFlag: d.inTracingFlag,
		},
	};
}

/** The extensions a scenario plugs in, in order: new instances, not yet attached to a kernel. */
export function extensionsFor(loaded: LoadedScenario): KernelExtension[] {
	const s = loaded.scenario;
	const extensions: KernelExtension[] = [];
	const dtrace = dtraceConfig(s);
	if (dtrace) extensions.push(new DtracePort(dtrace));
	if (s.rendezvous) extensions.push(new Rendezvous(s.rendezvous));
	return extensions;
}

/**
 * A kernel of `loaded` that carries on from `checkpoint` (Kernel.checkpoint of a kernel of
 * the same scenario, or a structuredClone of one) exactly as that kernel would have.
 */
export function restoreKernel(loaded: LoadedScenario, checkpoint: KernelCheckpoint): Kernel {
	return Kernel.restore(checkpoint, extensionsFor(loaded));
}

/** The scenario's kernel with its subsystems, booted (nothing has run yet). */
function bootKernel(loaded: LoadedScenario, seed: number | undefined): Kernel {
	const kernel = new Kernel(toKernelConfig(loaded.scenario), seed ?? loaded.scenario.seed);
	for (const extension of extensionsFor(loaded)) kernel.use(extension);
	return kernel.boot();
}

/** Why an input cannot apply to this kernel (an action it lacks, an argument the action does not take), or undefined. */
function inputProblem(kernel: Kernel, input: Input, cpus: number): string | undefined {
	const def = kernel.actions().get(input.action);
	if (def) return argProblem(input.action, def.arg === 'cpu' ? 'optional-cpu' : 'none', input.arg, cpus);
	const known = [...kernel.actions().keys()];
	const expected = known.length > 0 ? `expected one of ${known.map((a) => `"${a}"`).join(', ')}` : 'this scenario takes no inputs';
	return `unknown action "${quote(input.action)}"; ${expected}`;
}

/**
 * What is wrong with the scenario's timeline, one line per entry, each naming the file and the
 * entry: the actions are the kernel's (its subsystems add theirs), so a kernel is built and
 * booted to ask, but not run.
 */
export function timelineProblems(loaded: LoadedScenario): string[] {
	const s = loaded.scenario;
	const kernel = bootKernel(loaded, undefined);
	return s.timeline.flatMap((entry, i) => {
		const problem = inputProblem(kernel, {at: entry.at, ...splitAction(entry.action)}, s.cpus);
		return problem === undefined ? [] : [`${shownPath(loaded.file)}: ${jsonPath(['timeline', i, 'action'])}: ${problem}`];
	});
}

export function buildKernel(loaded: LoadedScenario, opts: MachineOptions = {}): Kernel {
	const s = loaded.scenario;
	const kernel = bootKernel(loaded, opts.seed);
	if (opts.mitigated) {
		if (!kernel.actions().has('mitigation')) throw new InputError(`--mitigated: ${shownPath(loaded.file)} declares no mitigation`);
		// Before anything runs at 0 s: a task's first pass already reads the mitigated code.
		kernel.boot().runInput({at: 0, action: 'mitigation'}, 'mitigated');
	}
	/** The action must be one this kernel has, and its argument what the action takes. */
	const check = (input: Input, where: string): void => {
		const problem = inputProblem(kernel, input, s.cpus);
		if (problem) throw new InputError(`${where}: ${problem}`);
	};
	if (!opts.withoutTimeline) {
		s.timeline.forEach((entry, i) => {
			const input: Input = {at: entry.at, ...splitAction(entry.action)};
			check(input, `${shownPath(loaded.file)}: ${jsonPath(['timeline', i, 'action'])}`);
			kernel.schedule(input);
		});
	}
	for (const input of opts.inputs ?? []) {
		check(input, `--input "${quote(input.typed ?? `${input.at}ns:${input.action}${input.arg === undefined ? '' : `:${input.arg}`}`, 60)}"`);
		kernel.schedule(input, 'cli');
	}
	return kernel;
}

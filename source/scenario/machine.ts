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

export function buildKernel(loaded: LoadedScenario, opts: MachineOptions = {}): Kernel {
	const s = loaded.scenario;
	const kernel = new Kernel(toKernelConfig(s), opts.seed ?? s.seed);
	for (const extension of extensionsFor(loaded)) kernel.use(extension);
	kernel.boot();
	if (opts.mitigated) {
		if (!kernel.actions().has('mitigation')) throw new InputError(`--mitigated: ${shownPath(loaded.file)} declares no mitigation`);
		kernel.schedule({at: 0, action: 'mitigation'}, 'mitigated');
	}
	const known = [...kernel.actions().keys()];
	/** The action must be one this kernel has, and its argument what the action takes. */
	const check = (input: Input, where: string): void => {
		const def = kernel.actions().get(input.action);
		if (def) {
			const problem = argProblem(input.action, def.arg === 'cpu' ? 'optional-cpu' : 'none', input.arg, s.cpus);
			if (problem) throw new InputError(`${where}: ${problem}`);
			return;
		}
		const expected = known.length > 0 ? `expected one of ${known.map((a) => `"${a}"`).join(', ')}` : 'this scenario takes no inputs';
		throw new InputError(`${where}: unknown action "${quote(input.action)}"; ${expected}`);
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

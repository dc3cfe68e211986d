// Builds a booted kernel for a scenario: the config, the subsystems it plugs in, and the
// scenario's own timeline plus any extra stamped inputs.
import {Kernel, type Input} from '../kernel/kernel.js';
import {jsonPath, InputError, toKernelConfig, displayPath, type LoadedScenario} from './load.js';

export interface MachineOptions {
	readonly seed?: number | undefined;
	readonly inputs?: readonly Input[];
	/** Leave the scenario's own timeline out (a replayed session carries its own inputs). */
	readonly withoutTimeline?: boolean;
}

export function buildKernel(loaded: LoadedScenario, opts: MachineOptions = {}): Kernel {
	const s = loaded.scenario;
	const kernel = new Kernel(toKernelConfig(s), opts.seed ?? s.seed);
	kernel.boot();
	const known = [...kernel.actions().keys()];
	const check = (input: Input, where: string): void => {
		if (kernel.actions().has(input.action)) return;
		const expected = known.length > 0 ? `expected one of ${known.map((a) => `"${a}"`).join(', ')}` : 'this scenario takes no inputs';
		throw new InputError(`${where}: unknown action "${input.action}"; ${expected}`);
	};
	if (!opts.withoutTimeline) {
		s.timeline.forEach((entry, i) => {
			const input: Input = {at: entry.at, action: entry.action.split(':')[0]!, arg: entry.action.split(':').slice(1).join(':') || undefined};
			check(input, `${displayPath(loaded.file)}: ${jsonPath(['timeline', i, 'action'])}`);
			kernel.schedule(input);
		});
	}
	for (const input of opts.inputs ?? []) {
		check(input, `--input "${input.at}ns:${input.action}"`);
		kernel.schedule(input);
	}
	return kernel;
}

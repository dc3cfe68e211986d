// The scenario's mitigation as an input the person flips ('m', a timeline action, --mitigated).
// A mitigation that names an extension option (safe mode, a timeout...) sets it; one written as
// code variants (steps' `when`) only flips the state each task and handler latches as its pass
// or invocation begins, so no pass mixes the two versions of the code.
import type {InputDefinition} from './extension.js';
import type {Kernel} from './kernel.js';

/** The `mitigation` input, when the scenario declares a mitigation. */
export function mitigationInput(k: Kernel): InputDefinition | undefined {
	const m = k.config.mitigation;
	if (!m) return undefined;
	return {
		describe: `flip the scenario's mitigation: ${m.describe}`,
		arg: 'none',
		handle: () => {
			toggleMitigation(k);
			return `mitigation ${k.s.mitigated ? 'on' : 'off'}: ${m.describe}`;
		},
	};
}

/** At boot: the option's value without the mitigation, to put back when it is flipped off. */
export function rememberUnmitigated(k: Kernel): void {
	const m = k.config.mitigation;
	if (m?.option !== undefined) k.s.unmitigatedValue = k.option(m.option);
}

function toggleMitigation(k: Kernel): void {
	const m = k.config.mitigation!;
	const s = k.s;
	s.mitigated = !s.mitigated;
	if (m.option === undefined) return;
	const value = s.mitigated ? m.value : s.unmitigatedValue;
	for (const ext of k.extensions) if (ext.setOption?.(m.option, value)) break;
}

// `--input 5s:ctrl-c` and `--input 12.5s:timer:2`: an input stamped with its virtual time.
import type {Input} from '../kernel/kernel.js';
import {quote} from '../terminal/safe-text.js';
import {DURATION_HINT, isBareNumber, parseDuration, parseVirtualDuration} from './duration.js';
import {InputError} from './load.js';

/** An input from a --input flag, with the flag's value as typed (errors quote it). */
export interface FlagInput extends Input {
	readonly typed?: string;
}

/**
 * ACTION[:ARG], as a timeline entry and a --input flag both write it: `timer:` has an empty
 * argument (refused where none or a CPU is expected), `timer` has none.
 */
export function splitAction(text: string): {action: string; arg: string | undefined} {
	const colon = text.indexOf(':');
	return colon < 0 ? {action: text, arg: undefined} : {action: text.slice(0, colon), arg: text.slice(colon + 1)};
}

export function parseInputSpec(spec: string): FlagInput {
	const colon = spec.indexOf(':');
	const at = colon < 0 ? spec : spec.slice(0, colon);
	const {action, arg} = splitAction(colon < 0 ? '' : spec.slice(colon + 1));
	const flag = `--input "${quote(spec, 60)}"`;
	// A bare number is told it needs a unit (below), not that it is not AT:ACTION.
	if (!action || (parseDuration(at) === undefined && !isBareNumber(at))) throw new InputError(`${flag}: expected AT:ACTION[:ARG] with AT ${DURATION_HINT}, e.g. 5s:ctrl-c`);
	const time = parseVirtualDuration(at);
	if ('expected' in time) throw new InputError(`${flag}: AT ${time.expected}`);
	return {at: time.ns, action, arg, typed: spec};
}

/** What an argument may be: nothing, a CPU number that may be left out, or a CPU number. */
export type ArgKind = 'none' | 'optional-cpu' | 'cpu';

/**
 * Why `arg` is not what `name` (an input or a command) takes, or undefined when it is: a
 * CPU is a whole number below the machine's `cpus`, written plainly ("2", not "+2" or "2.0").
 */
export function argProblem(name: string, kind: ArgKind, arg: string | undefined, cpus: number): string | undefined {
	const got = arg === undefined ? 'nothing' : `"${quote(arg, 30)}"`;
	if (kind === 'none') return arg === undefined ? undefined : `${name} takes no argument, got ${got}`;
	if (arg === undefined && kind === 'optional-cpu') return undefined;
	if (arg !== undefined && /^\d{1,9}$/.test(arg) && Number(arg) < cpus) return undefined;
	return `${name} takes a CPU below ${cpus}, got ${got}`;
}

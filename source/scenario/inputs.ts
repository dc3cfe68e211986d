// `--input 5s:ctrl-c` and `--input 12.5s:timer:2`: an input stamped with its virtual time.
import type {Input} from '../kernel/kernel.js';
import {DURATION_HINT, parseDuration} from './duration.js';
import {InputError} from './load.js';

export function parseInputSpec(spec: string): Input {
	const [at, action, ...rest] = spec.split(':');
	const ns = parseDuration(at ?? '');
	if (ns === undefined || !action) throw new InputError(`--input "${spec}": expected AT:ACTION[:ARG] with AT ${DURATION_HINT}, e.g. 5s:ctrl-c`);
	return {at: ns, action, arg: rest.length > 0 ? rest.join(':') : undefined};
}

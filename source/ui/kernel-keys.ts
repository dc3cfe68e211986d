// The keys that change the kernel. The kernel says what each input did (AppliedInput.result);
// the monitor only refuses keys that could do nothing here, so that a recording holds only
// inputs that reached the kernel, and says why.
import type {Kernel} from '../kernel/kernel.js';
import type {DtracePort} from '../kernel/dtrace/port.js';
import type {Command} from './keymap.js';

export const KERNEL_KEYS = new Set<Command>(['safe-mode', 'ctrl-c', 'kill-9', 'timer', 'mitigation', 'start-consumer']);

/** The kernel input each key applies. */
const ACTION: Partial<Record<Command, string>> = {'safe-mode': 'safe-mode', 'ctrl-c': 'ctrl-c', 'kill-9': 'kill-9', timer: 'timer', mitigation: 'mitigation', 'start-consumer': 'start-consumer'};

/** Why a kernel key cannot apply now, or undefined when it can. */
export function refusal(k: Kernel, command: Command): string | undefined {
	const port = k.extension<DtracePort>('dtrace');
	const consumer = port?.consumer;
	const alive = consumer !== undefined && consumer.state !== 'gone';
	switch (command) {
		case 'ctrl-c':
			return alive ? undefined : port ? 'no dtrace consumer alive: press ^C again within 1 s to quit (d starts one)' : 'no dtrace consumer in this scenario: press ^C again within 1 s to quit';
		case 'kill-9':
			if (!port) return 'this scenario has no DTrace port';
			return alive ? undefined : 'no dtrace consumer alive to kill (d starts one)';
		case 'start-consumer':
			if (!k.actions().has('start-consumer')) return 'this scenario has no DTrace port';
			return alive ? `dtrace ${consumer.pid} is still ${consumer.state}` : undefined;
		case 'safe-mode':
			return k.actions().has('safe-mode') ? undefined : 'this scenario has no DTrace port';
		case 'mitigation':
			return k.actions().has('mitigation') ? undefined : 'this scenario declares no mitigation';
		case 'timer':
			return k.actions().has('timer') ? undefined : 'this scenario has no timers to fire';
		default:
			return undefined;
	}
}

/** Applies a kernel key; returns what the kernel says it did. */
export function applyKernelKey(k: Kernel, command: Command, arg: string | undefined): string {
	return k.apply(ACTION[command]!, arg).result;
}

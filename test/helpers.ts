// Shared test helpers: build kernels from inline scenarios, run the built CLI.
import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {Kernel} from '../source/kernel/kernel.js';
import {parseScenario, type LoadedScenario} from '../source/scenario/load.js';
import {buildKernel, type MachineOptions} from '../source/scenario/machine.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The CLI as it ships: the bundle that `npm run build` makes (see source/build/bundle.ts). */
export const CLI = path.join(ROOT, 'dist/bundle/xcalltop.js');

export function inline(scenario: object, name = 'inline'): LoadedScenario {
	const text = JSON.stringify(scenario);
	return {file: `${name}.json`, text, scenario: parseScenario(text, `${name}.json`)};
}

export function kernelFor(scenario: object, opts: MachineOptions = {}): Kernel {
	return buildKernel(inline(scenario), opts);
}

/** The texts of every kernel log record so far, oldest first. */
export function logTexts(k: Kernel): string[] {
	return k.log.since(0).records.map((r) => r.text);
}

export function logHeads(k: Kernel): {ns: number; cpu: number; text: string}[] {
	return k.log
		.since(0)
		.records.filter((r) => r.head)
		.map((r) => ({ns: r.ns, cpu: r.cpu, text: r.text}));
}

/**
 * Runs the built CLI. Every run is bounded (default 20 s, then SIGKILL): a hang is a
 * failure of the test, `timedOut`, never a stuck test run.
 */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, opts: {timeout?: number; cwd?: string; input?: string; cli?: string} = {}): {status: number | null; stdout: string; stderr: string; timedOut: boolean} {
	const r = spawnSync(process.execPath, [opts.cli ?? CLI, ...args], {cwd: opts.cwd ?? ROOT, encoding: 'utf8', env: {...process.env, ...env}, timeout: opts.timeout ?? 20_000, killSignal: 'SIGKILL', input: opts.input, maxBuffer: 256 * 1024 * 1024});
	return {status: r.status, stdout: r.stdout, stderr: r.stderr, timedOut: r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT'};
}

export const S = 1_000_000_000;
export const MS = 1_000_000;

// Shared test helpers: build kernels from inline scenarios, run the built CLI.
import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {Kernel} from '../source/kernel/kernel.js';
import {parseScenario, type LoadedScenario} from '../source/scenario/load.js';
import {buildKernel, type MachineOptions} from '../source/scenario/machine.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'dist/source/cli.js');

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

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): {status: number | null; stdout: string; stderr: string} {
	const r = spawnSync(process.execPath, [CLI, ...args], {cwd: ROOT, encoding: 'utf8', env: {...process.env, ...env}});
	return {status: r.status, stdout: r.stdout, stderr: r.stderr};
}

export const S = 1_000_000_000;
export const MS = 1_000_000;

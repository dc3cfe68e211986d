// `xcalltop list`: one line per scenario in scenarios/. A scenario the build validated (its
// bytes match the catalog) is listed from the catalog; any other is validated in full, and
// a broken one is reported on its own line without hiding the good ones.
import path from 'node:path';
import {InputError, readInputFile} from '../input-file.js';
import {safeLine} from '../terminal/safe-text.js';
import {displayPath, listScenarioNames, readCatalog, SCENARIO_DIR, sha256, shownPath} from './catalog.js';

export async function listCommand(write: (text: string) => void, reportError: (message: string) => void): Promise<number> {
	const names = listScenarioNames();
	const catalog = readCatalog();
	const nameWidth = Math.max(18, ...names.map((n) => safeLine(n).length));
	let broken = 0;
	let load: typeof import('./load.js') | undefined;
	for (const name of names) {
		let cpus: number;
		let summary: string;
		try {
			const file = path.join(SCENARIO_DIR, `${name}.json`);
			const text = readInputFile(file, shownPath(file));
			const known = catalog.get(name);
			if (known?.sha256 === sha256(text)) ({cpus, summary} = known);
			else {
				load ??= await import('./load.js');
				const scenario = load.parseScenario(text, displayPath(file));
				cpus = scenario.cpus;
				summary = firstLine(scenario.description);
			}
		} catch (error) {
			if (!(error instanceof InputError)) throw error;
			reportError(error.message);
			broken++;
			continue;
		}
		write(`${safeLine(name).padEnd(nameWidth)} ${cpus} CPUs  ${summary}\n`);
	}
	return broken > 0 ? 1 : 0;
}

export function firstLine(description: string): string {
	return description.split('\n')[0]!;
}

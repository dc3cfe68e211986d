// `xcalltop check FILE...`: each scenario file validated and statically checked, without
// running its kernel. One line per problem (on stderr, as every error), `FILE: ok` per good
// file (on stdout); exit 2 when any file has a problem. A file that cannot be read is one
// problem and the others are still checked.
import {InputError, parseJson, readInputFile} from '../input-file.js';
import {displayPath, resolveScenario, shownPath, validateScenario} from './load.js';
import {timelineProblems} from './machine.js';

/** What checking one file found: its problems (each a line naming it), or the line that says it is good. */
export type FileCheck = {readonly problems: readonly string[]} | {readonly ok: string};

/** A JSON Schema (scenarios/scenario.schema.json) is no scenario: `check scenarios/*.json` passes it by. */
function isJsonSchema(text: string): boolean {
	const parsed = parseJson(text);
	const value = parsed.ok ? (parsed.value as {$schema?: unknown} | null) : undefined;
	return typeof value?.$schema === 'string' && /^https?:\/\/json-schema\.org\//.test(value.$schema);
}

export function checkFile(nameOrPath: string): FileCheck {
	let file: string;
	let text: string;
	try {
		file = resolveScenario(nameOrPath);
		text = readInputFile(file, shownPath(file));
	} catch (error) {
		if (error instanceof InputError) return {problems: [error.message]};
		throw error;
	}
	if (isJsonSchema(text)) return {ok: `${shownPath(file)}: skipped: a JSON Schema, not a scenario`};
	const checked = validateScenario(text, displayPath(file));
	const problems = checked.scenario ? timelineProblems({file, text, scenario: checked.scenario}) : checked.problems;
	return problems.length > 0 ? {problems} : {ok: `${shownPath(file)}: ok`};
}

export function checkCommand(files: readonly string[], opts: {readonly quiet: boolean}, write: (text: string) => void, report: (line: string) => void): number {
	let bad = 0;
	for (const name of files) {
		const result = checkFile(name);
		if ('ok' in result) {
			if (!opts.quiet) write(`${result.ok}\n`);
			continue;
		}
		bad++;
		for (const line of result.problems) report(line);
	}
	return bad > 0 ? 2 : 0;
}

// Where the shipped scenarios live, and what `list` shows of each without loading the
// validator. The build validates every shipped scenario once and writes the catalog beside
// the bundle: each file's SHA-256 with the figures `list` prints. A file whose bytes match
// its entry is the file the build validated, so `list` takes the entry; any other file (edited
// since, added, or no catalog, as under dist/source) is validated in full as before.
import {createHash} from 'node:crypto';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {quote} from '../terminal/safe-text.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/**
 * The package's own directory (package.json, scenarios/): the nearest one above this module
 * that holds a package.json. This module runs from dist/source/scenario/ as tsc built it, and
 * from dist/bundle/ inside the bundle, which is what ships.
 */
export const PACKAGE_ROOT = ((): string => {
	for (let dir = HERE; path.dirname(dir) !== dir; dir = path.dirname(dir)) if (existsSync(path.join(dir, 'package.json'))) return dir;
	return path.resolve(HERE, '../../..');
})();
export const SCENARIO_DIR = path.join(PACKAGE_ROOT, 'scenarios');

/** The catalog's file name; the build writes it into the bundle's directory. */
export const CATALOG_FILE = 'scenario-catalog.json';

/** What `list` prints of a scenario that validated. */
export interface CatalogEntry {
	readonly sha256: string;
	readonly cpus: number;
	readonly summary: string;
}

/** The scenarios in scenarios/: every .json file but the JSON Schema beside them. */
export function listScenarioNames(): string[] {
	return readdirSync(SCENARIO_DIR)
		.filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'))
		.map((f) => f.slice(0, -'.json'.length))
		.sort();
}

export function displayPath(file: string): string {
	const rel = path.relative(process.cwd(), file);
	return rel.startsWith('..') ? file : rel || '.';
}

/** A file as messages name it: displayPath, escaped and cut (a file's name is input too). */
export function shownPath(file: string): string {
	return quote(displayPath(file), 200);
}

export function sha256(text: string): string {
	return createHash('sha256').update(text).digest('hex');
}

/** The build's catalog beside this module, or an empty one (none, or not one the build wrote). */
export function readCatalog(dir = HERE): ReadonlyMap<string, CatalogEntry> {
	let data: unknown;
	try {
		data = JSON.parse(readFileSync(path.join(dir, CATALOG_FILE), 'utf8'));
	} catch {
		return new Map();
	}
	const out = new Map<string, CatalogEntry>();
	if (typeof data !== 'object' || data === null) return out;
	for (const [name, e] of Object.entries(data as Record<string, Partial<CatalogEntry>>)) {
		if (typeof e?.sha256 === 'string' && typeof e.cpus === 'number' && typeof e.summary === 'string') out.set(name, {sha256: e.sha256, cpus: e.cpus, summary: e.summary});
	}
	return out;
}

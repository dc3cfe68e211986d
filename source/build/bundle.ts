// `npm run build` (after tsc): the CLI as it ships, bundled by esbuild into dist/bundle/.
// One module graph read from a few files instead of hundreds, only what is used of each
// dependency, minified (V8 compiles less text). The monitor (Ink, React) and the session
// commands stay separate chunks behind their dynamic imports, so `run`, `list`, `--version`
// and `--help` never load them.
//
//   node dist/source/build/bundle.js [--no-minify]     (--no-minify: readable, for profiling)
import {build, type Plugin} from 'esbuild';
import {readFileSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const OUT_DIR = path.join(ROOT, 'dist/bundle');

/**
 * A change to a dependency's text as it goes into the bundle: to `file` of the package
 * installed at the top of node_modules (not to copies nested under other packages). The build
 * fails if `from` is not found there exactly `count` times.
 */
interface Edit {
	readonly pkg: string;
	readonly file: string;
	readonly why: string;
	readonly from: string;
	readonly to: string;
	readonly count: number;
}

const EDITS: readonly Edit[] = [
	{
		// Yoga's wasm is inlined as a data: URL. Where `fetch` exists (Node 18+), Emscripten's
		// loader fetches that URL: Node then loads undici and decodes 120 KB of base64 through it,
		// ~50 ms of the monitor's start. Without fetch it decodes the string itself.
		pkg: 'yoga-layout',
		file: 'dist/binaries/yoga-wasm-base64-esm.js',
		why: "yoga's wasm decoded without fetch",
		from: '"function"!=typeof fetch',
		to: 'true',
		count: 2,
	},
	{
		// Building /^\p{RGI_Emoji}$/v (V8 expands the property into every emoji sequence) takes
		// 25-40 ms, at load. string-width needs it only for text beyond printable ASCII, which
		// the monitor's first frame does not have: built on first use instead.
		// (wrap-ansi's own string-width 7, nested, has no such regex.)
		pkg: 'string-width',
		file: 'index.js',
		why: "string-width's emoji regex built on first use",
		from: 'const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;',
		to: "let rgiEmoji;\nconst rgiEmojiRegex = {test: (text) => (rgiEmoji ??= new RegExp('^\\\\p{RGI_Emoji}$', 'v')).test(text)};",
		count: 1,
	},
	{
		// meow loads normalize-package-data at once, and with it spdx-correct, which sorts its
		// table with localeCompare (the collator's start-up, 10-20 ms). Only `cli.pkg`
		// (--version, --help) normalizes: loaded then.
		pkg: 'meow',
		file: 'build/dependencies.js',
		why: "meow's normalize-package-data loaded on first use",
		from: 'var normalizeExports = requireNormalize();\nconst normalizePackageData = getDefaultExportFromCjs(normalizeExports);',
		to: 'const normalizePackageData = (data, ...rest) => getDefaultExportFromCjs(requireNormalize())(data, ...rest);',
		count: 1,
	},
];

const editDependencies: Plugin = {
	name: 'edit-dependencies',
	setup(b) {
		for (const edit of EDITS) {
			const tail = `/node_modules/${edit.pkg}/${edit.file}`;
			b.onLoad({filter: new RegExp(`${tail.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)}, (args) => {
				if (args.path.slice(0, -tail.length).includes('/node_modules/')) return undefined;
				const text = readFileSync(args.path, 'utf8');
				const found = text.split(edit.from).length - 1;
				if (found !== edit.count) return {errors: [{text: `${edit.why}: expected ${edit.count} of ${JSON.stringify(edit.from)} in ${args.path}, found ${found} (did the dependency change?)`}]};
				return {contents: text.replaceAll(edit.from, () => edit.to), loader: 'js'};
			});
		}
	},
};

// For --version (see source/cli.ts).
const {version} = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {version: string};

rmSync(OUT_DIR, {recursive: true, force: true});
const result = await build({
	absWorkingDir: ROOT,
	entryPoints: {xcalltop: 'source/cli.ts'},
	outdir: OUT_DIR,
	bundle: true,
	splitting: true,
	chunkNames: 'chunk-[hash]',
	platform: 'node',
	format: 'esm',
	target: 'node20.19',
	minify: !process.argv.includes('--no-minify'),
	// The ECMAScript-module build of a dependency where it has one (jsonc-parser's CommonJS
	// one is UMD, with requires esbuild cannot follow).
	mainFields: ['module', 'main'],
	// React and its reconciler choose their production build by NODE_ENV at load time; fixing
	// it here leaves the development builds out of the bundle altogether.
	define: {'process.env.NODE_ENV': '"production"', XCALLTOP_VERSION: JSON.stringify(version)},
	// CommonJS dependencies (React, signal-exit) `require` Node's own modules.
	banner: {js: "import {createRequire as __xcalltopRequire} from 'node:module'; const require = __xcalltopRequire(import.meta.url);"},
	// Ink loads its devtools only with DEV=true, and they are not installed.
	external: ['react-devtools-core'],
	plugins: [editDependencies],
	logLevel: 'warning',
	metafile: true,
});
// What went into each file, for esbuild's analyzer or a look: outside dist/bundle, so not shipped.
writeFileSync(path.join(ROOT, 'dist/bundle-meta.json'), JSON.stringify(result.metafile));
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(`bundle: ${Object.keys(result.metafile.outputs).length} files, ${(bytes / 1024).toFixed(0)} KiB in ${path.relative(ROOT, OUT_DIR)}/`);

// The scenario catalog `list` reads (source/scenario/catalog.ts): every shipped scenario
// validated here, once, by the same loader and checks the CLI runs. A scenario that does not
// validate is left out, so `list` validates it itself and reports what is wrong.
const {listScenarioNames, loadScenario, InputError} = await import('../scenario/load.js');
const {CATALOG_FILE, sha256} = await import('../scenario/catalog.js');
const {firstLine} = await import('../scenario/list-command.js');
const catalog: Record<string, {sha256: string; cpus: number; summary: string}> = {};
for (const name of listScenarioNames()) {
	try {
		const {text, scenario} = loadScenario(name);
		catalog[name] = {sha256: sha256(text), cpus: scenario.cpus, summary: firstLine(scenario.description)};
	} catch (error) {
		if (!(error instanceof InputError)) throw error;
		console.log(`bundle: scenario ${name} left out of the catalog: ${error.message}`);
	}
}
writeFileSync(path.join(OUT_DIR, CATALOG_FILE), `${JSON.stringify(catalog, null, '\t')}\n`);
console.log(`bundle: ${Object.keys(catalog).length} scenarios in ${CATALOG_FILE}`);

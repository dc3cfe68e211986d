// `npm run build` (after tsc): the CLI as it ships, bundled by esbuild into dist/bundle/.
// One module graph read from one file instead of hundreds, and only what is used of each
// dependency. The monitor (Ink, React) and the session commands stay separate chunks
// behind their dynamic imports, so `run`, `list`, `--version` and `--help` never load them.
import {build} from 'esbuild';
import {rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const OUT_DIR = path.join(ROOT, 'dist/bundle');

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
	// The ECMAScript-module build of a dependency where it has one (jsonc-parser's CommonJS
	// one is UMD, with requires esbuild cannot follow).
	mainFields: ['module', 'main'],
	// React and its reconciler choose their production build by this at load time; fixing it
	// here leaves the development builds out of the bundle altogether.
	define: {'process.env.NODE_ENV': '"production"'},
	// CommonJS dependencies (React, signal-exit) `require` Node's own modules.
	banner: {js: "import {createRequire as __xcalltopRequire} from 'node:module'; const require = __xcalltopRequire(import.meta.url);"},
	// Ink loads its devtools only with DEV=true, and they are not installed.
	external: ['react-devtools-core'],
	logLevel: 'warning',
	metafile: true,
	minify: true,
});
writeFileSync(path.join(ROOT, 'dist/bundle-meta.json'), JSON.stringify(result.metafile));
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(`bundle: ${Object.keys(result.metafile.outputs).length} files, ${(bytes / 1024).toFixed(0)} KiB in ${path.relative(ROOT, OUT_DIR)}/`);

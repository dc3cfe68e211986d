// Hostile and broken output targets (issue 9, the output half): export's --cast and --txt
// and the monitor's --record write only regular files, never one of their inputs, never a
// file from an empty name; a write that fails (a missing or read-only directory, a
// file-size limit standing in for a full disk) is one line on stderr and leaves neither
// output, no temporary file, and every target as it was. Each case of the tables below is
// one CLI run, checked for its exit status, exactly one `xcalltop: ` line on stderr,
// nothing on stdout, no `.tmp` or `.old` file left, no output that was not there before,
// and every pre-existing thing at or behind a target (FIFO, link, device, the input
// session or scenario) unchanged.
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {chmodSync, cpSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, type Stats} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {CLI, ROOT, runCli} from '../helpers.js';
import {OutputError, writeAll, type Output, type OutputFs} from '../../source/session/output-file.js';
import {Recorder} from '../../source/session/recorder.js';

const root = mkdtempSync(path.join(tmpdir(), 'xcalltop-hostile-out-'));
// Readable by the unprivileged user the read-only-directory cases run as when the tests run as root.
chmodSync(root, 0o755);
const SHIPPED = path.join(ROOT, 'scenarios/sessions/rcu-idle-probe.jsonl');
const SESSION_TEXT = readFileSync(SHIPPED, 'utf8');
const SCENARIO_TEXT = readFileSync(path.join(ROOT, 'scenarios/rcu-idle-probe.json'), 'utf8');
const IS_ROOT = process.getuid?.() === 0;
const NOBODY = 65534;

let serial = 0;
/** A fresh directory for one case, holding a copy of a short shipped session (s.jsonl) and its scenario (mine.json). */
function caseDir(): string {
	const dir = path.join(root, `case-${++serial}`);
	mkdirSync(dir);
	writeFileSync(path.join(dir, 's.jsonl'), SESSION_TEXT);
	writeFileSync(path.join(dir, 'mine.json'), SCENARIO_TEXT);
	return dir;
}

/** What is at a path, enough to tell it was not touched: its kind, inode, link target or bytes. */
function snapshot(file: string): string {
	let st: Stats;
	try {
		st = lstatSync(file);
	} catch {
		return 'nothing';
	}
	const kind = st.isSymbolicLink() ? `link -> ${readlinkSync(file)}` : st.isFIFO() ? 'fifo' : st.isSocket() ? 'socket' : st.isCharacterDevice() ? `chr ${st.rdev}` : st.isDirectory() ? `dir ${readdirSync(file).join(',')}` : `file ${readFileSync(file, 'latin1')}`;
	return `${st.ino} ${st.mode.toString(8)} ${kind}`;
}

/** Every name under dir (depth first), for the leftover check. */
function names(dir: string): string[] {
	let entries: string[];
	try {
		entries = readdirSync(dir);
	} catch {
		return [];
	}
	return entries.flatMap((e) => {
		const full = path.join(dir, e);
		const st = lstatSync(full);
		return [e, ...(st.isDirectory() ? names(full).map((n) => path.join(e, n)) : [])];
	});
}

const leftovers = (dir: string): string[] => names(dir).filter((n) => /\.(tmp|old)$/.test(n));

function mkfifo(file: string): void {
	const r = spawnSync('mkfifo', [file]);
	assert.equal(r.status, 0, `mkfifo: ${r.stderr}`);
}

/** A character device of our own (a copy of /dev/full's numbers) when we may make one; else /dev/full itself, which a non-root run cannot replace. */
function charDevice(dir: string): string | undefined {
	const node = path.join(dir, 'full');
	if (spawnSync('mknod', [node, 'c', '1', '7']).status === 0) return node;
	return IS_ROOT ? undefined : '/dev/full';
}

interface Run {
	status: number | null;
	stdout: string;
	stderr: string;
	timedOut: boolean;
}

/** The CLI with a file-size limit of `blocks` 512-byte blocks, SIGXFSZ ignored: writes past it fail with EFBIG, as on a full disk. */
function runLimited(blocks: number, args: string[], cwd = ROOT): Run {
	const r = spawnSync('sh', ['-c', `trap "" XFSZ; ulimit -f ${blocks}; exec "$0" "$@"`, process.execPath, CLI, ...args], {cwd, encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL'});
	return {status: r.status, stdout: r.stdout, stderr: r.stderr, timedOut: (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT'};
}

/**
 * The program as nobody can run it: the checkout may sit in a directory only root can enter
 * (mktemp -d makes them 0700), so the bundle, which needs nothing else, is copied beside the cases.
 */
const PROGRAM = path.join(root, 'program');
if (IS_ROOT) {
	cpSync(path.join(ROOT, 'dist/bundle'), path.join(PROGRAM, 'dist/bundle'), {recursive: true});
	cpSync(path.join(ROOT, 'scenarios'), path.join(PROGRAM, 'scenarios'), {recursive: true});
	cpSync(path.join(ROOT, 'package.json'), path.join(PROGRAM, 'package.json'));
}

/** The CLI as a user who cannot write to a 0555 directory: nobody when we are root, else ourselves. */
function runUnprivileged(args: string[]): Run {
	const r = spawnSync(process.execPath, [IS_ROOT ? path.join(PROGRAM, path.relative(ROOT, CLI)) : CLI, ...args], {cwd: IS_ROOT ? PROGRAM : ROOT, encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL', ...(IS_ROOT ? {uid: NOBODY, gid: NOBODY} : {})});
	return {status: r.status, stdout: r.stdout, stderr: r.stderr, timedOut: (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT'};
}

interface Case {
	readonly name: string;
	/** Builds the case in `dir`; returns the arguments, what must stay untouched and what must not appear. */
	readonly setup: (dir: string) => {args: string[]; untouched?: string[]; absent?: string[]; cwd?: string; run?: (args: string[], cwd: string) => Run} | undefined;
	readonly status: number;
	readonly stderr: RegExp;
}

function check(c: Case): void {
	test(c.name, (t) => {
		const dir = caseDir();
		const built = c.setup(dir);
		if (!built) {
			t.skip('no character device can be made here, and /dev/full is not safe to aim at as root');
			return;
		}
		const untouched = [path.join(dir, 's.jsonl'), path.join(dir, 'mine.json'), ...(built.untouched ?? [])];
		const before = untouched.map(snapshot);
		const cwd = built.cwd ?? ROOT;
		const r = built.run ? built.run(built.args, cwd) : runCli(built.args, {}, {cwd});
		assert.equal(r.timedOut, false, 'finished in time');
		assert.equal(r.stdout, '', 'nothing on stdout');
		assert.match(r.stderr, /^xcalltop: [^\n]*\n$/, 'exactly one line on stderr');
		assert.match(r.stderr, c.stderr);
		assert.ok(!r.stderr.includes('\u001B'), 'no escape character reaches the terminal');
		assert.equal(r.status, c.status, r.stderr);
		assert.deepEqual(leftovers(dir), [], 'no temporary file left');
		assert.deepEqual(untouched.map(snapshot), before, 'everything at and behind the targets as it was');
		for (const f of built.absent ?? []) assert.equal(snapshot(f), 'nothing', `${f} not written`);
	});
}

const at = (dir: string, ...parts: string[]): string => path.join(dir, ...parts);
const exportArgs = (dir: string, ...rest: string[]): string[] => ['export', at(dir, 's.jsonl'), ...rest];
/** A session whose header records another terminal size. */
function sized(dir: string, cols: number, rows: number): string {
	const [head, ...rest] = SESSION_TEXT.split('\n');
	const header = JSON.parse(head!);
	header.terminal = {cols, rows};
	const file = at(dir, 'sized.jsonl');
	writeFileSync(file, [JSON.stringify(header), ...rest].join('\n'));
	return file;
}

const NOT_REGULAR = (flag: string, what: string, writer = 'export'): RegExp => new RegExp(`^xcalltop: ${flag} \\S+: is ${what}; ${writer} writes only regular files\\n$`);
const SAME = (flag: string, what: string): RegExp => new RegExp(`^xcalltop: ${flag} \\S+: the same file as ${what}`);

const EXPORT_CASES: Case[] = [
	{
		name: 'export --cast at a FIFO',
		setup: (dir) => (mkfifo(at(dir, 'fifo')), {args: exportArgs(dir, '--cast', at(dir, 'fifo')), untouched: [at(dir, 'fifo')]}),
		status: 2,
		stderr: NOT_REGULAR('--cast', 'a FIFO'),
	},
	{
		name: 'export --txt at a FIFO, --cast fine: neither written',
		setup: (dir) => (mkfifo(at(dir, 'fifo')), {args: exportArgs(dir, '--cast', at(dir, 'ok.cast'), '--txt', at(dir, 'fifo')), untouched: [at(dir, 'fifo')], absent: [at(dir, 'ok.cast')]}),
		status: 2,
		stderr: NOT_REGULAR('--txt', 'a FIFO'),
	},
	{
		name: 'export --cast at a symbolic link to a regular file',
		setup: (dir) => {
			writeFileSync(at(dir, 'real.cast'), 'keep me\n');
			symlinkSync('real.cast', at(dir, 'link.cast'));
			return {args: exportArgs(dir, '--cast', at(dir, 'link.cast')), untouched: [at(dir, 'link.cast'), at(dir, 'real.cast')]};
		},
		status: 2,
		stderr: NOT_REGULAR('--cast', 'a symbolic link'),
	},
	{
		name: 'export --txt at a dangling symbolic link',
		setup: (dir) => (symlinkSync('nowhere.txt', at(dir, 'dangling.txt')), {args: exportArgs(dir, '--txt', at(dir, 'dangling.txt')), untouched: [at(dir, 'dangling.txt')], absent: [at(dir, 'nowhere.txt')]}),
		status: 2,
		stderr: NOT_REGULAR('--txt', 'a symbolic link'),
	},
	{
		name: 'export --cast at a symbolic link to the session itself',
		setup: (dir) => (symlinkSync('s.jsonl', at(dir, 'alias.cast')), {args: exportArgs(dir, '--cast', at(dir, 'alias.cast')), untouched: [at(dir, 'alias.cast')]}),
		status: 2,
		stderr: NOT_REGULAR('--cast', 'a symbolic link'),
	},
	{
		name: 'export --cast at a character device (like /dev/full)',
		setup: (dir) => {
			const dev = charDevice(dir);
			return dev === undefined ? undefined : {args: exportArgs(dir, '--cast', dev), untouched: [dev]};
		},
		status: 2,
		stderr: NOT_REGULAR('--cast', 'a character device'),
	},
	{
		name: 'export --txt at /dev/null',
		setup: (dir) => ({args: exportArgs(dir, '--txt', '/dev/null', '--cast', at(dir, 'ok.cast')), untouched: ['/dev/null'], absent: [at(dir, 'ok.cast')]}),
		status: 2,
		stderr: /^xcalltop: --txt \/dev\/null: is a character device; export writes only regular files\n$/,
	},
	{
		name: 'export --cast at a directory',
		setup: (dir) => (mkdirSync(at(dir, 'd.cast')), {args: exportArgs(dir, '--cast', at(dir, 'd.cast')), untouched: [at(dir, 'd.cast')]}),
		status: 2,
		stderr: NOT_REGULAR('--cast', 'a directory'),
	},
	{
		name: 'export --cast in a directory that does not exist, --txt fine: neither written',
		setup: (dir) => ({args: exportArgs(dir, '--txt', at(dir, 'ok.txt'), '--cast', at(dir, 'missing', 'x.cast')), absent: [at(dir, 'ok.txt'), at(dir, 'missing')]}),
		status: 1,
		stderr: /^xcalltop: --cast \S+\/missing\/x\.cast: cannot write: ENOENT\n$/,
	},
	{
		name: 'export --txt under a regular file',
		setup: (dir) => ({args: exportArgs(dir, '--txt', at(dir, 's.jsonl', 'x.txt'))}),
		status: 1,
		stderr: /^xcalltop: --txt \S+\/s\.jsonl\/x\.txt: cannot write: ENOTDIR\n$/,
	},
	{
		name: 'export into a read-only directory',
		setup: (dir) => {
			mkdirSync(at(dir, 'ro'), 0o555);
			chmodSync(dir, 0o755);
			chmodSync(at(dir, 's.jsonl'), 0o644);
			return {args: exportArgs(dir, '--cast', at(dir, 'ro', 'x.cast'), '--txt', at(dir, 'x.txt')), untouched: [at(dir, 'ro')], absent: [at(dir, 'x.txt')], run: (args) => runUnprivileged(args)};
		},
		status: 1,
		stderr: /^xcalltop: --cast \S+\/ro\/x\.cast: cannot write: EACCES\n$/,
	},
	{
		name: 'export --cast naming the session file itself',
		setup: (dir) => ({args: exportArgs(dir, '--cast', at(dir, 's.jsonl'))}),
		status: 2,
		stderr: /^xcalltop: --cast \S+\/s\.jsonl: the same file as the session; export would overwrite its input\n$/,
	},
	{
		name: 'export --txt naming the session as ./s.jsonl from its directory',
		setup: (dir) => ({args: ['export', 's.jsonl', '--txt', './s.jsonl'], cwd: dir}),
		status: 2,
		stderr: /^xcalltop: --txt \.\/s\.jsonl: the same file as the session s\.jsonl; export would overwrite its input\n$/,
	},
	{
		name: 'export --cast at a hard link to the session',
		setup: (dir) => (linkSync(at(dir, 's.jsonl'), at(dir, 'hard.cast')), {args: exportArgs(dir, '--cast', at(dir, 'hard.cast')), untouched: [at(dir, 'hard.cast')]}),
		status: 2,
		stderr: SAME('--cast', 'the session \\S+/s\\.jsonl; export would overwrite its input\\n$'),
	},
	{
		name: 'export --cast X --txt X, X not there yet',
		setup: (dir) => ({args: exportArgs(dir, '--cast', at(dir, 'x'), '--txt', at(dir, 'x')), absent: [at(dir, 'x')]}),
		status: 2,
		stderr: /^xcalltop: --txt \S+\/x: the same file as --cast; give each output its own file\n$/,
	},
	{
		name: 'export --cast X --txt X, X an existing file',
		setup: (dir) => (writeFileSync(at(dir, 'x'), 'old\n'), {args: exportArgs(dir, '--cast', at(dir, 'x'), '--txt', at(dir, 'x')), untouched: [at(dir, 'x')]}),
		status: 2,
		stderr: /^xcalltop: --txt \S+\/x: the same file as --cast; give each output its own file\n$/,
	},
	{
		name: 'export --cast and --txt the same file through a linked directory',
		setup: (dir) => {
			mkdirSync(at(dir, 'out'));
			symlinkSync('out', at(dir, 'via'));
			return {args: exportArgs(dir, '--cast', at(dir, 'out', 'x'), '--txt', at(dir, 'via', 'x')), absent: [at(dir, 'out', 'x')]};
		},
		status: 2,
		stderr: SAME('--txt', '--cast \\S+/out/x; give each output its own file\\n$'),
	},
	{name: "export --cast ''", setup: (dir) => ({args: exportArgs(dir, '--cast', '')}), status: 2, stderr: /^xcalltop: --cast needs a file name, got an empty one\n$/},
	{name: 'export --cast= (empty, equals form)', setup: (dir) => ({args: exportArgs(dir, '--cast=')}), status: 2, stderr: /^xcalltop: --cast needs a file name, got an empty one\n$/},
	{
		name: "export --txt '' with a good --cast: neither written",
		setup: (dir) => ({args: exportArgs(dir, '--cast', at(dir, 'ok.cast'), '--txt', ''), absent: [at(dir, 'ok.cast')]}),
		status: 2,
		stderr: /^xcalltop: --txt needs a file name, got an empty one\n$/,
	},
	{
		// No real terminal is that big: refused as it is read, before export looks at it.
		name: 'export of a session recorded at 100000x100000',
		setup: (dir) => ({args: ['export', sized(dir, 100_000, 100_000), '--cast', at(dir, 'big.cast')], absent: [at(dir, 'big.cast')]}),
		status: 2,
		stderr: /^xcalltop: \S+\/sized\.jsonl: line 1: not a session header: \$\.terminal\.cols: expected a whole number from 1 to 500, got 100000\n$/,
	},
	{
		name: 'export of a session recorded 10 rows high, --cols given',
		setup: (dir) => ({args: ['export', sized(dir, 60, 10), '--cols', '100', '--txt', at(dir, 'big.txt')], absent: [at(dir, 'big.txt')]}),
		status: 2,
		stderr: /^xcalltop: \S+\/sized\.jsonl: line 1: the recorded terminal is 60x10, outside what export renders \(70-500 columns, 20-500 rows\); choose the size with --rows N\n$/,
	},
	{
		name: 'export of a session recorded at 40x10 (too small to show anything but the size message)',
		setup: (dir) => ({args: ['export', sized(dir, 40, 10), '--txt', at(dir, 'small.txt')], absent: [at(dir, 'small.txt')]}),
		status: 2,
		stderr: /^xcalltop: \S+\/sized\.jsonl: line 1: the recorded terminal is 40x10, .*; choose the size with --cols N and --rows N\n$/,
	},
	{
		name: 'export --cast with a name longer than the file system allows',
		setup: (dir) => ({args: exportArgs(dir, '--cast', at(dir, 'n'.repeat(300)))}),
		status: 1,
		stderr: /^xcalltop: --cast \S+\/n{300}: cannot write: ENAMETOOLONG\n$/,
	},
	{
		name: 'export with control characters in a name: shown escaped',
		setup: (dir) => ({args: exportArgs(dir, '--cast', at(dir, 'no\u001B[2Jsuch', 'x.cast'))}),
		status: 1,
		stderr: /^xcalltop: --cast \S+\/no\\x1b\[2Jsuch\/x\.cast: cannot write: ENOENT\n$/,
	},
	{
		name: 'export past a file-size limit (a full disk): neither written',
		setup: (dir) => ({args: exportArgs(dir, '--cast', at(dir, 'x.cast'), '--txt', at(dir, 'x.txt')), absent: [at(dir, 'x.cast'), at(dir, 'x.txt')], run: (args) => runLimited(8, args)}),
		status: 1,
		stderr: /^xcalltop: --cast \S+\/x\.cast: cannot write: EFBIG\n$/,
	},
	{
		name: 'export past a file-size limit over existing outputs: both kept as they were',
		setup: (dir) => {
			writeFileSync(at(dir, 'x.cast'), 'old cast\n');
			writeFileSync(at(dir, 'x.txt'), 'old txt\n');
			return {args: exportArgs(dir, '--cast', at(dir, 'x.cast'), '--txt', at(dir, 'x.txt')), untouched: [at(dir, 'x.cast'), at(dir, 'x.txt')], run: (args) => runLimited(8, args)};
		},
		status: 1,
		stderr: /^xcalltop: --cast \S+\/x\.cast: cannot write: EFBIG\n$/,
	},
];

const RECORD_CASES: Case[] = [
	{
		name: '--record at a FIFO',
		setup: (dir) => (mkfifo(at(dir, 'fifo')), {args: ['demo', '--record', at(dir, 'fifo')], untouched: [at(dir, 'fifo')]}),
		status: 2,
		stderr: NOT_REGULAR('--record', 'a FIFO', '--record'),
	},
	{
		name: '--record --force at a FIFO',
		setup: (dir) => (mkfifo(at(dir, 'fifo')), {args: ['demo', '--record', at(dir, 'fifo'), '--force'], untouched: [at(dir, 'fifo')]}),
		status: 2,
		stderr: NOT_REGULAR('--record', 'a FIFO', '--record'),
	},
	{
		name: '--record --force at a symbolic link to a regular file',
		setup: (dir) => {
			writeFileSync(at(dir, 'real.jsonl'), 'keep me\n');
			symlinkSync('real.jsonl', at(dir, 'link.jsonl'));
			return {args: ['demo', '--record', at(dir, 'link.jsonl'), '--force'], untouched: [at(dir, 'link.jsonl'), at(dir, 'real.jsonl')]};
		},
		status: 2,
		stderr: NOT_REGULAR('--record', 'a symbolic link', '--record'),
	},
	{
		name: '--record at a dangling symbolic link',
		setup: (dir) => (symlinkSync('nowhere.jsonl', at(dir, 'dangling.jsonl')), {args: ['demo', '--record', at(dir, 'dangling.jsonl')], untouched: [at(dir, 'dangling.jsonl')], absent: [at(dir, 'nowhere.jsonl')]}),
		status: 2,
		stderr: NOT_REGULAR('--record', 'a symbolic link', '--record'),
	},
	{
		name: '--record --force at a character device',
		setup: (dir) => {
			const dev = charDevice(dir);
			return dev === undefined ? undefined : {args: ['demo', '--record', dev, '--force'], untouched: [dev]};
		},
		status: 2,
		stderr: NOT_REGULAR('--record', 'a character device', '--record'),
	},
	{
		name: '--record --force at /dev/null',
		setup: () => ({args: ['demo', '--record', '/dev/null', '--force'], untouched: ['/dev/null']}),
		status: 2,
		stderr: /^xcalltop: --record \/dev\/null: is a character device; --record writes only regular files\n$/,
	},
	{
		name: '--record at a socket',
		setup: (dir) => {
			const sock = at(dir, 'sock');
			// A listener that exits at once leaves its socket file behind, a socket all the same.
			const listener = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.exit(0))`]);
			assert.equal(listener.status, 0);
			return {args: ['demo', '--record', sock], untouched: [sock]};
		},
		status: 2,
		stderr: NOT_REGULAR('--record', 'a socket', '--record'),
	},
	{
		name: '--record at a directory',
		setup: (dir) => ({args: ['demo', '--record', dir], untouched: []}),
		status: 2,
		stderr: NOT_REGULAR('--record', 'a directory', '--record'),
	},
	{name: "--record ''", setup: () => ({args: ['demo', '--record', '']}), status: 2, stderr: /^xcalltop: --record needs a file name, got an empty one\n$/},
	{
		name: '--record naming the scenario file given as a path',
		setup: (dir) => ({args: [at(dir, 'mine.json'), '--record', at(dir, 'mine.json')]}),
		status: 2,
		stderr: /^xcalltop: --record \S+\/mine\.json: the same file as the scenario; recording would overwrite it\n$/,
	},
	{
		name: '--record --force naming the scenario as ./mine.json from its directory',
		setup: (dir) => ({args: ['mine.json', '--record', './mine.json', '--force'], cwd: dir}),
		status: 2,
		stderr: /^xcalltop: --record \.\/mine\.json: the same file as the scenario mine\.json; recording would overwrite it\n$/,
	},
	{
		name: '--record --force at a hard link to the scenario',
		setup: (dir) => (linkSync(at(dir, 'mine.json'), at(dir, 'hard.jsonl')), {args: [at(dir, 'mine.json'), '--record', at(dir, 'hard.jsonl'), '--force'], untouched: [at(dir, 'hard.jsonl')]}),
		status: 2,
		stderr: SAME('--record', 'the scenario \\S+/mine\\.json; recording would overwrite it\\n$'),
	},
	{
		name: '--record in a directory that does not exist',
		setup: (dir) => ({args: ['demo', '--record', at(dir, 'missing', 's.jsonl')], absent: [at(dir, 'missing')]}),
		status: 1,
		stderr: /^xcalltop: --record \S+\/missing\/s\.jsonl: cannot write: ENOENT\n$/,
	},
	{
		name: '--record in a read-only directory',
		setup: (dir) => {
			mkdirSync(at(dir, 'ro'), 0o555);
			chmodSync(dir, 0o755);
			return {args: ['demo', '--record', at(dir, 'ro', 's.jsonl')], untouched: [at(dir, 'ro')], run: (args) => runUnprivileged(args)};
		},
		status: 1,
		stderr: /^xcalltop: --record \S+\/ro\/s\.jsonl: cannot write: EACCES\n$/,
	},
	{
		name: '--record without a terminal: the monitor does not start, no file',
		setup: (dir) => ({args: ['demo', '--record', at(dir, 'new.jsonl')], absent: [at(dir, 'new.jsonl')]}),
		status: 2,
		stderr: /^xcalltop: the monitor needs a terminal; for scripts and pipes use: xcalltop run demo\n$/,
	},
];

for (const c of [...EXPORT_CASES, ...RECORD_CASES]) check(c);
after(() => rmSync(root, {recursive: true, force: true}));

// --- what does get written ------------------------------------------------------------------

test('export over existing regular files replaces both, leaving no temporary file', () => {
	const dir = caseDir();
	writeFileSync(at(dir, 'x.cast'), 'old cast\n');
	writeFileSync(at(dir, 'x.txt'), 'old txt\n');
	const r = runCli(exportArgs(dir, '--cast', at(dir, 'x.cast'), '--txt', at(dir, 'x.txt')));
	assert.equal(r.timedOut, false);
	assert.equal(r.stderr, '');
	assert.equal(r.status, 0);
	assert.match(readFileSync(at(dir, 'x.cast'), 'utf8'), /^\{"version":2,/);
	assert.match(readFileSync(at(dir, 'x.txt'), 'utf8'), /xcalltop rcu-idle-probe/);
	assert.deepEqual(leftovers(dir), []);
	assert.equal(readFileSync(at(dir, 's.jsonl'), 'utf8'), SESSION_TEXT);
});

test('export of a session recorded at 40x10 renders at the --cols and --rows given', () => {
	const dir = caseDir();
	const r = runCli(['export', sized(dir, 40, 10), '--cols', '90', '--rows', '25', '--cast', at(dir, 'x.cast')]);
	assert.equal(r.timedOut, false);
	assert.equal(r.status, 0, r.stderr);
	assert.deepEqual(JSON.parse(readFileSync(at(dir, 'x.cast'), 'utf8').split('\n')[0]!).width, 90);
});

test('export of a session whose replay diverges: one warning line, the outputs written, exit 0', () => {
	const dir = caseDir();
	const lines = SESSION_TEXT.trimEnd().split('\n');
	const end = JSON.parse(lines.at(-1)!);
	assert.equal(end.end, true);
	const recorded = end.hash as string;
	end.hash = recorded === '0123456789abcdef' ? 'fedcba9876543210' : '0123456789abcdef';
	writeFileSync(at(dir, 'diverged.jsonl'), [...lines.slice(0, -1), JSON.stringify(end)].join('\n') + '\n');
	const r = runCli(['export', at(dir, 'diverged.jsonl'), '--txt', at(dir, 'x.txt')]);
	assert.equal(r.timedOut, false);
	assert.equal(r.status, 0);
	assert.equal(
		r.stderr,
		`xcalltop: warning: ${at(dir, 'diverged.jsonl')}: replay diverged: event-log hash ${recorded} after ${end.events} events, the session recorded ${end.hash} after ${end.events}; the outputs show this replay, not necessarily what was recorded\n`,
	);
	assert.match(r.stdout, /^wrote \S+\/x\.txt: /);
	assert.match(readFileSync(at(dir, 'x.txt'), 'utf8'), /xcalltop rcu-idle-probe/);
	// The same session untouched exports without a word on stderr: export and run --session agree on the hash.
	const clean = runCli(exportArgs(dir, '--txt', at(dir, 'y.txt')));
	assert.equal(clean.stderr, '');
	assert.equal(runCli(['run', '--session', at(dir, 'diverged.jsonl'), '--quiet']).status, 1);
});

// --- writeAll when a step fails: nothing half done ------------------------------------------

const REAL: OutputFs = {...(await import('node:fs'))} as unknown as OutputFs;

/** writeAll with one file-system call failing on its nth use. */
function failing(call: keyof OutputFs, nth: number, code = 'EIO'): {fs: OutputFs; calls: () => number} {
	let n = 0;
	const wrapped = ((...args: unknown[]) => {
		if (++n === nth) throw Object.assign(new Error(`${call} failed`), {code});
		return (REAL[call] as (...a: unknown[]) => unknown)(...args);
	}) as never;
	return {fs: {...REAL, [call]: wrapped}, calls: () => n};
}

function pair(dir: string): Output[] {
	return [
		{flag: '--cast', file: at(dir, 'x.cast'), text: 'new cast\n'},
		{flag: '--txt', file: at(dir, 'x.txt'), text: 'new txt\n'},
	];
}

const WRITE_ALL_CASES: readonly {name: string; call: keyof OutputFs; nth: number; existing: boolean; message: RegExp}[] = [
	{name: 'creating the second temporary file fails', call: 'openSync', nth: 2, existing: false, message: /^--txt \S+\/x\.txt: cannot write: EIO$/},
	{name: 'writing the first temporary file fails', call: 'writeSync', nth: 1, existing: true, message: /^--cast \S+\/x\.cast: cannot write: EIO$/},
	{name: 'syncing the second temporary file fails', call: 'fsyncSync', nth: 2, existing: true, message: /^--txt \S+\/x\.txt: cannot write: EIO$/},
	{name: 'the second rename fails, the targets new', call: 'renameSync', nth: 2, existing: false, message: /^--txt \S+\/x\.txt: cannot write: EIO$/},
	{name: 'the second rename fails, the first target put back', call: 'renameSync', nth: 2, existing: true, message: /^--txt \S+\/x\.txt: cannot write: EIO$/},
	{name: 'the first rename fails', call: 'renameSync', nth: 1, existing: true, message: /^--cast \S+\/x\.cast: cannot write: EIO$/},
	{name: 'linking the old file aside fails: copied aside, put back', call: 'linkSync', nth: 1, existing: true, message: /^--txt \S+\/x\.txt: cannot write: EXDEV$/},
];

for (const c of WRITE_ALL_CASES) {
	test(`writeAll: ${c.name}; the targets stay as they were, no temporary file left`, () => {
		const dir = caseDir();
		if (c.existing) {
			writeFileSync(at(dir, 'x.cast'), 'old cast\n');
			writeFileSync(at(dir, 'x.txt'), 'old txt\n');
		}
		const before = [snapshot(at(dir, 'x.cast')), snapshot(at(dir, 'x.txt'))];
		let {fs} = failing(c.call, c.nth);
		if (c.call === 'linkSync') {
			// No hard links here: the old file is copied aside; then the second rename fails.
			const renames = failing('renameSync', 2, 'EXDEV');
			fs = {...renames.fs, linkSync: fs.linkSync};
		}
		assert.throws(
			() => writeAll(pair(dir), fs),
			(e: unknown) => e instanceof OutputError && c.message.test(e.message),
		);
		// Put back from a copy, the old file is another inode with the same bytes and mode.
		const strip = (snap: string): string => (c.call === 'linkSync' ? snap.replace(/^\d+ /, '') : snap);
		assert.deepEqual([snapshot(at(dir, 'x.cast')), snapshot(at(dir, 'x.txt'))].map(strip), before.map(strip));
		assert.deepEqual(leftovers(dir), []);
	});
}

test('writeAll: the second rename fails and so does putting the first back: the message says where the old file is', () => {
	const dir = caseDir();
	writeFileSync(at(dir, 'x.cast'), 'old cast\n');
	let renames = 0;
	const fs: OutputFs = {
		...REAL,
		renameSync: (from, to) => {
			if (++renames >= 2) throw Object.assign(new Error('no'), {code: 'EIO'});
			REAL.renameSync(from, to);
		},
	};
	let message = '';
	assert.throws(
		() => writeAll(pair(dir), fs),
		(e: unknown) => e instanceof OutputError && Boolean((message = e.message)),
	);
	const m = /^--txt \S+\/x\.txt: cannot write: EIO; --cast \S+\/x\.cast was replaced and could not be put back \(EIO\): the old file is (\S+\.old)$/.exec(message);
	assert.ok(m, message);
	assert.equal(readFileSync(m[1]!, 'utf8'), 'old cast\n', 'the old file is where the message says');
	assert.deepEqual(
		leftovers(dir).filter((n) => n.endsWith('.tmp')),
		[],
	);
	rmSync(m[1]!);
});

// --- the recorder when a write fails mid-session --------------------------------------------

/** Runs the Recorder in a child under a file-size limit; returns what it reports. */
function recordLimited(blocks: number, file: string, commands: number, end: boolean): {status: number | null; out: {failure?: {line: number; code: string; truncateCode?: string}; message?: string; threw?: string}; stderr: string} {
	const recorder = path.join(ROOT, 'dist/source/session/recorder.js');
	const kernelStub = `{now: 5, eventHash: '0123456789abcdef', events: 3}`;
	const script = `
		const {Recorder} = await import(${JSON.stringify(recorder)});
		const header = {version: '0', scenario: {name: 'x', content: 'y'.repeat(300)}, seed: 1, options: {mitigated: false, speedIndex: 3, paused: false, fps: 5}, terminal: {cols: 80, rows: 24}};
		let r;
		try { r = new Recorder(${JSON.stringify(file)}, header); } catch (e) { console.log(JSON.stringify({threw: e.code})); process.exit(0); }
		for (let i = 0; i < ${commands}; i++) r.command({at: i, command: 'cpu-select', arg: String(i % 4)});
		if (${end}) r.end(${kernelStub});
		console.log(JSON.stringify({failure: r.failure, message: r.failureMessage()}));`;
	const s = spawnSync('sh', ['-c', `trap "" XFSZ; ulimit -f ${blocks}; exec "$0" --input-type=module -e "$1"`, process.execPath, script], {encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL'});
	return {status: s.status, out: s.stdout ? JSON.parse(s.stdout) : {}, stderr: s.stderr};
}

test('Recorder: a header that cannot be written throws and leaves no file', () => {
	const dir = caseDir();
	const file = at(dir, 'r.jsonl');
	const r = recordLimited(0, file, 0, false);
	assert.equal(r.status, 0, r.stderr);
	assert.deepEqual(r.out, {threw: 'EFBIG'});
	assert.equal(snapshot(file), 'nothing');
});

test('Recorder: a write failing mid-session stops the recording, cut back to its complete lines', () => {
	const dir = caseDir();
	const file = at(dir, 'r.jsonl');
	// 1024 bytes: the header (~500) and some command lines (~50 each) fit; a 30th does not,
	// and the one that reaches the limit is written only in part before the file is cut back.
	const r = recordLimited(2, file, 30, false);
	assert.equal(r.status, 0, r.stderr);
	const text = readFileSync(file, 'utf8');
	const lines = text.split('\n');
	assert.equal(lines.pop(), '', 'the file ends with a complete line');
	for (const l of lines) JSON.parse(l);
	assert.ok(text.length <= 1024 && text.length > 900, `${text.length} bytes`);
	assert.deepEqual(r.out.failure, {line: lines.length + 1, code: 'EFBIG'});
	assert.equal(r.out.message, `--record ${file}: recording stopped: line ${lines.length + 1} could not be written (EFBIG); the file keeps the ${lines.length} complete lines before it`);
});

test('Recorder: the end line itself failing is reported like any other line', () => {
	const dir = caseDir();
	const file = at(dir, 'r.jsonl');
	// Find how many commands fill the limit, then stop one short so only the end line fails
	// (the end line is longer than a command line).
	const probe = recordLimited(2, at(dir, 'probe.jsonl'), 30, false);
	const fit = probe.out.failure!.line - 2;
	const r = recordLimited(2, file, fit, true);
	const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
	assert.equal(lines.length, fit + 1);
	assert.deepEqual(r.out.failure, {line: fit + 2, code: 'EFBIG'});
	assert.equal(JSON.parse(lines.at(-1)!).command, 'cpu-select');
});

test('Recorder --force: the old file is replaced only once the new header is written', () => {
	const dir = caseDir();
	const file = at(dir, 'old.jsonl');
	writeFileSync(file, 'keep me\n');
	assert.throws(() => new Recorder(at(dir, 'missing', 'x.jsonl'), {} as never, true), /ENOENT/);
	const header = {version: '0', scenario: {name: 'x', content: 'y'}, seed: 1, options: {mitigated: false, speedIndex: 3, paused: false, fps: 5}, terminal: {cols: 80, rows: 24}};
	const r = new Recorder(file, header, true);
	r.end({now: 1, eventHash: '0123456789abcdef', events: 0} as never);
	assert.match(readFileSync(file, 'utf8'), /^\{"xcalltop-session":1,.*\n\{"at":1,.*"end":true/);
	assert.deepEqual(leftovers(dir), []);
});

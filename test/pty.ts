// The built CLI in a real pseudo-terminal, read through a headless xterm.
import pty from '@lydell/node-pty';
import xterm from '@xterm/headless';
import {CLI, ROOT} from './helpers.js';

export interface PtySession {
	screen(): string;
	line(n: number): string;
	/** Every byte the program wrote to the terminal, as text. */
	raw(): string;
	press(keys: string): Promise<void>;
	/** Waits until the headless terminal has taken in all output so far. */
	flush(): Promise<void>;
	waitFor(pattern: RegExp, ms?: number): Promise<string>;
	exited: Promise<number>;
	term: InstanceType<typeof xterm.Terminal>;
	pid: number;
	resize(cols: number, rows: number): void;
	kill(): void;
}

export interface PtyOptions {
	/**
	 * Runs the CLI through `sh -c SHELL node cli.js ARGS...`, for limits and redirections:
	 * `ulimit -f 8; exec "$0" "$@"` or `exec "$0" "$@" 2>err.txt`.
	 */
	readonly shell?: string;
}

export function startPty(args: string[], cols: number, initialRows: number, env: NodeJS.ProcessEnv = {}, opts: PtyOptions = {}): PtySession {
	let rows = initialRows;
	const term = new xterm.Terminal({cols, rows: initialRows, allowProposedApi: true});
	let raw = '';
	const [file, argv] = opts.shell === undefined ? [process.execPath, [CLI, ...args]] : ['sh', ['-c', opts.shell, process.execPath, CLI, ...args]];
	const p = pty.spawn(file, argv, {cols, rows: initialRows, cwd: ROOT, env: {...process.env, CI: 'false', NO_COLOR: '1', TERM: 'xterm-256color', ...env}});
	p.onData((d) => {
		raw += d;
		term.write(d);
	});
	const exited = new Promise<number>((resolve) => p.onExit(({exitCode}) => resolve(exitCode)));
	const flush = () => new Promise<void>((r) => term.write('', () => r()));
	const screen = (): string => {
		const b = term.buffer.active;
		const out: string[] = [];
		for (let i = 0; i < rows; i++) out.push(b.getLine(b.viewportY + i)?.translateToString(true) ?? '');
		return out.join('\n');
	};
	return {
		screen,
		line: (n) => screen().split('\n')[n] ?? '',
		raw: () => raw,
		press: async (keys) => {
			p.write(keys);
			await flush();
		},
		flush,
		waitFor: async (pattern, ms = 15_000) => {
			const end = Date.now() + ms;
			for (;;) {
				await flush();
				const s = screen();
				if (pattern.test(s)) return s;
				if (Date.now() > end) throw new Error(`timed out waiting for ${pattern}; screen:\n${s}`);
				await new Promise((r) => setTimeout(r, 50));
			}
		},
		exited,
		term,
		pid: p.pid,
		resize: (c, r) => {
			term.resize(c, r);
			p.resize(c, r);
			rows = r;
		},
		kill: () => {
			try {
				p.kill();
			} catch {
				// already gone
			}
		},
	};
}

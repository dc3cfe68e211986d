// Programs measured live in a pseudo-terminal, as a person runs them: time to the first
// frame, CPU per second of the whole process, resident memory, and the time from a key press
// to the screen that shows it. xcalltop is measured beside a bare Ink app and, where they
// are installed, htop and btop, in the same run: on a shared machine the ratios are what count.
import {spawnSync} from 'node:child_process';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {performance} from 'node:perf_hooks';

export interface Live {
	/** ms from spawn to the first output containing the ready text. */
	readonly firstFrameMs: number;
	/** CPU ms per wall second over the measured window (after settleMs). */
	readonly cpuMsPerSec: number;
	/** CPU ms per wall second from the first frame to the window: start-up's JIT and GC. */
	readonly settlingCpuMsPerSec: number;
	/** The largest resident set seen, MB. */
	readonly rssMb: number;
	/** Median ms from a key press to output that shows its effect, where a key was given. */
	readonly keyMs: number | undefined;
}

export interface LiveOptions {
	readonly cols: number;
	readonly rows: number;
	/** Output that means the first frame is on screen. */
	readonly ready: string;
	/** Wall ms to let start-up settle before measuring. */
	readonly settleMs?: number;
	readonly seconds: number;
	/** A key to press, and the texts that show it took effect, alternately. */
	readonly key?: {readonly press: string; readonly shows: readonly string[]};
	readonly quit: string;
}

/**
 * CPU ms a process has used so far, all its threads (V8's GC and libuv's pool included), in
 * nanoseconds from schedstat: /proc/PID/stat counts 10 ms ticks, too coarse for htop's 1.5 ms/s.
 * A thread that ended before the read is not counted, so the window is measured between reads.
 */
function cpuMs(pid: number): number {
	let ns = 0;
	for (const tid of readdirSync(`/proc/${pid}/task`)) {
		try {
			ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
		} catch {
			// the thread ended meanwhile
		}
	}
	return ns / 1e6;
}

/**
 * The environment programs run in: this one's, less NODE_EXTRA_CA_CERTS. A machine that sets it
 * (for a proxy's certificates) makes every Node process parse the file at start, 70 ms here,
 * before the first line of the program runs; xcalltop opens no connection, so the figures
 * leave it out, and the table shows what it costs on its own line.
 */
export function childEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
	const env: Record<string, string> = {};
	for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NODE_EXTRA_CA_CERTS') env[k] = v;
	return {...env, ...extra};
}

function rssMb(pid: number): number {
	const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	return m ? Number(m[1]) / 1024 : 0;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function measureLive(file: string, args: readonly string[], o: LiveOptions): Promise<Live> {
	const {default: pty} = await import('@lydell/node-pty');
	const start = performance.now();
	const p = pty.spawn(file, [...args], {cols: o.cols, rows: o.rows, env: childEnv({CI: 'false', TERM: 'xterm-256color'})});
	let output = '';
	let firstFrameMs = Number.NaN;
	let waiting: {texts: readonly string[]; resolve: () => void} | undefined;
	p.onData((d) => {
		output += d;
		if (output.length > 1_000_000) output = output.slice(-100_000);
		if (Number.isNaN(firstFrameMs) && output.includes(o.ready)) firstFrameMs = performance.now() - start;
		if (waiting && waiting.texts.some((t) => d.includes(t))) waiting.resolve();
	});
	const exited = new Promise<void>((resolve) => p.onExit(() => resolve()));
	try {
		for (const end = start + 20_000; Number.isNaN(firstFrameMs); ) {
			if (performance.now() > end) throw new Error(`${file} ${args.join(' ')}: no "${o.ready}" within 20 s`);
			await sleep(5);
		}
		const settling = cpuMs(p.pid);
		const settled = performance.now();
		await sleep(o.settleMs ?? 1500);
		let rss = rssMb(p.pid);
		const before = cpuMs(p.pid);
		const t0 = performance.now();
		const settlingCpuMsPerSec = (before - settling) / ((t0 - settled) / 1000);
		for (let s = 0; s < o.seconds; s++) {
			await sleep(1000);
			rss = Math.max(rss, rssMb(p.pid));
		}
		const cpuMsPerSec = (cpuMs(p.pid) - before) / ((performance.now() - t0) / 1000);
		let keyMs: number | undefined;
		if (o.key) {
			const times: number[] = [];
			for (let i = 0; i < 6; i++) {
				const shows = o.key.shows[i % o.key.shows.length]!;
				const seen = new Promise<void>((resolve) => (waiting = {texts: [shows], resolve}));
				const pressed = performance.now();
				p.write(o.key.press);
				await Promise.race([seen, sleep(2000)]);
				times.push(performance.now() - pressed);
				waiting = undefined;
				await sleep(300);
			}
			times.sort((a, b) => a - b);
			keyMs = times[Math.floor(times.length / 2)];
		}
		p.write(o.quit);
		await Promise.race([exited, sleep(3000)]);
		return {firstFrameMs, cpuMsPerSec, settlingCpuMsPerSec, rssMb: rss, keyMs};
	} finally {
		try {
			p.kill();
		} catch {
			// already gone
		}
	}
}

/** Where a program is installed, or undefined. */
export function which(name: string): string | undefined {
	for (const dir of (process.env['PATH'] ?? '').split(':')) if (dir && existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
	return undefined;
}

/** Best-of-n wall ms of a command that exits by itself. */
export function commandMs(file: string, args: readonly string[], n = 5, env = childEnv()): number {
	let best = Number.POSITIVE_INFINITY;
	for (let i = 0; i < n; i++) {
		const start = performance.now();
		const r = spawnSync(file, [...args], {stdio: 'ignore', env});
		const ms = performance.now() - start;
		if (r.status !== 0) throw new Error(`${file} ${args.join(' ')}: exit ${r.status}`);
		best = Math.min(best, ms);
	}
	return best;
}

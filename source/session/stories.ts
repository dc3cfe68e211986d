// The shipped sessions (scenarios/sessions/*.jsonl) and the keys that made them:
// `npm run record-sessions` presses these keys in the real monitor, in a pseudo-terminal,
// with the pauses given. Remake them when a kernel change alters an outcome on purpose.
import {mkdirSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

/** A key and how long to wait after it, ms of wall time. */
type Press = readonly [key: string, waitMs: number];

const FASTER = '+';

export const STORIES: Readonly<Record<string, {readonly tells: string; readonly keys: readonly Press[]}>> = {
	demo: {
		tells: 'safe mode off lets a probe cross-call from an IRQs-off region: the demo deadlocks',
		keys: [['', 1500], ['1', 300], ['s', 2500], ['\t', 300], ['\t', 300], [FASTER, 200], [FASTER, 200], [FASTER, 2500]],
	},
	'ipi-irqs-off': {
		tells: 'the deadlock, then hard lockup, RCU stall and soft lockup at their times (x10)',
		keys: [['1', 300], [FASTER, 200], [FASTER, 200], [FASTER, 3500]],
	},
	'safe-xcall': {
		tells: 'the probe cross-call deadlocks CPU0 and CPU1; the watchdogs follow (x10)',
		keys: [['', 1200], [FASTER, 200], [FASTER, 200], [FASTER, 3000]],
	},
	'teardown-storm': {
		tells: '^C at 3 s: 120,000 syncs, the teardown crawls behind CPU3 until the kernel complains (x10)',
		keys: [['3', 300], [FASTER, 200], [FASTER, 200], [FASTER, 4200], ['r', 500]],
	},
	'kill9-timeout': {
		tells: 'kill -9 at 2 s: the hrtimer timeout spins on dtrace_lock in hardirq, BUGs, then the hard lockup (x5)',
		keys: [[FASTER, 200], [FASTER, 3500]],
	},
	'printk-recursion': {
		tells: 'the NMI probe printk hangs CPU1 on logbuf_lock, then every CPU; the log goes silent (x2)',
		keys: [['1', 300], [FASTER, 3500]],
	},
	'rendezvous-race': {
		tells: 'a straggler misses the exit count and the three vCPUs hang (stepped by hand)',
		keys: [['', 800], [' ', 300], ['.', 200], ['.', 200], ['.', 200], [' ', 600]],
	},
	'rcu-idle-probe': {
		tells: 'the suspicious RCU usage splat from the idle-loop probe; m turns the guard on',
		keys: [['1', 1200], ['m', 1200]],
	},
	'irq-lock-inversion': {
		tells: "eth0's handler spins on nic_lock that the task it interrupted holds on CPU0: hard lockup and RCU stall (x10)",
		keys: [['0', 300], [FASTER, 200], [FASTER, 200], [FASTER, 3500], ['r', 500]],
	},
	'mutex-abba': {
		tells: 'lockdep reports the ABBA order at 3.2 ms, the two tasks deadlock at 0.17 s, hung-task names both at 240 s (x100)',
		keys: [['', 1200], ['\t', 300], ['\t', 300], ['\t', 300], [FASTER, 200], [FASTER, 200], [FASTER, 200], [FASTER, 200], [FASTER, 200], [FASTER, 3500]],
	},
	'rwlock-irq-reader': {
		tells: "eth0's handler spins in read_lock on filter_lock that the task it interrupted holds for writing: hard lockup, RCU stall, CPU1's reader stuck behind (x10)",
		keys: [['0', 300], [FASTER, 200], [FASTER, 200], [FASTER, 3500], ['1', 500]],
	},
	'printk-console-storm': {
		tells: 'CPU0 owns console_sem and writes the kworkers\' lines to a 9600-baud console with IRQs off for ever: an RCU stall, no hard lockup (x10)',
		keys: [['0', 300], [FASTER, 200], [FASTER, 200], [FASTER, 3500], ['r', 500]],
	},
	'stop-machine-straggler': {
		tells: 'stop_machine at 2 s: three stoppers spin in PREPARE behind hwpoll/1 on CPU1; RCU stall, then soft lockups on all four (x10)',
		keys: [['1', 300], [FASTER, 200], [FASTER, 200], [FASTER, 4000]],
	},
	'timer-softirq-lock': {
		tells: "the TIMER softirq spins on stats_lock that statd holds on CPU0, IRQs on: RCU stall and soft lockup, no hard lockup (x10)",
		keys: [['0', 300], [FASTER, 200], [FASTER, 200], [FASTER, 3800], ['r', 500]],
	},
	'synchronize-rcu-hang': {
		tells: 'tbl_scan never schedules on CPU1: the RCU stall at 21 s, the soft lockup, and rcu_sync in synchronize_rcu reported hung at 240 s (x50)',
		keys: [['1', 300], [FASTER, 200], [FASTER, 200], [FASTER, 200], [FASTER, 200], [FASTER, 5200], ['r', 500]],
	},
};

async function main(): Promise<void> {
	const {default: pty} = await import('@lydell/node-pty');
	const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
	const out = path.join(root, 'scenarios/sessions');
	mkdirSync(out, {recursive: true});
	const only = process.argv.slice(2);
	for (const [name, story] of Object.entries(STORIES)) {
		if (only.length > 0 && !only.includes(name)) continue;
		const file = path.join(out, `${name}.jsonl`);
		const p = pty.spawn(process.execPath, [path.join(root, 'dist/source/cli.js'), name, '--record', file, '--force'], {cols: 120, rows: 40, cwd: root, env: {...process.env, CI: 'false'}});
		const exited = new Promise<void>((r) => p.onExit(() => r()));
		let screen = '';
		p.onData((d) => (screen += d));
		const deadline = Date.now() + 15_000;
		while (!screen.includes('Locks and wait-for')) {
			if (Date.now() > deadline) throw new Error(`${name}: the monitor did not start within 15 s; it printed:\n${screen}`);
			await new Promise((r) => setTimeout(r, 50));
		}
		for (const [key, wait] of story.keys) {
			if (key) p.write(key);
			await new Promise((r) => setTimeout(r, wait));
		}
		p.write('q');
		await exited;
		process.stdout.write(`${name}: ${story.tells}\n  -> ${path.relative(root, file)}\n`);
	}
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();

// The wait-for graph that explains a lockup. Nodes are CPUs (`cpu3`) and sleeping tasks
// (`task:4711`); an edge means "cannot make progress until the other end does something
// it currently cannot". A cycle, or a chain ending at a node that can never progress
// (a CPU stuck for good), is a lockup; the explanation walks it in words. The kernel looks
// every jiffy (detect()), and only when something waits.
import {EV_DETECT} from './engine.js';
import type {Kernel} from './kernel.js';
import type {Spinlock} from './locks.js';
import {canService, isPending} from './smp.js';
import {rwlockWaits} from './rwlock.js';
import {consoleOwnerStuck, consoleWaits} from './console.js';
import {calledSpinText, nmiSelfSpinText, runningCall} from './smp_function.js';
import {stopMachineWaits} from './stop_machine.js';
import {softirqSelfSpin} from './describe.js';
import {rcuWaitFor} from './rcu/update.js';

export interface WaitEdge {
	readonly from: string;
	readonly to: string;
	/** Virtual time from which the edge has held. */
	readonly since: number;
	readonly text: string;
	/** The task at `from` (the task a CPU runs, or the sleeping task), for naming the parties. */
	readonly task?: {readonly comm: string; readonly pid: number} | undefined;
}

export interface StuckNode {
	readonly node: string;
	readonly since: number;
	readonly text: string;
}

export interface Lockup {
	/** When the last link of the explaining chain formed. */
	readonly at: number;
	readonly cpus: readonly number[];
	readonly explanation: string;
	readonly chain: readonly string[];
	/** Sleeping tasks in it (nodes that are tasks, not CPUs), by pid: a mutex deadlock has no CPU. */
	readonly tasks: readonly {readonly comm: string; readonly pid: number}[];
	/** A cycle of one: a CPU that spins on a spinlock it holds itself (AA). */
	readonly kind: 'deadlock' | 'self-deadlock' | 'stuck';
	/**
	 * When a later look found the chain broken (a CPU "stuck" in a 60 s loop got out, and
	 * everything behind it went on); undefined while it holds. A lockup found after that one
	 * takes its place.
	 */
	readonly over?: number;
}

/** Who is locked up, in words: `CPU0, CPU1`, `a:10, b:11` (tasks as comm:pid, the way hung-task names them). */
export function lockupParties(l: Pick<Lockup, 'cpus' | 'tasks'>, separator = ', '): string {
	return [...l.cpus.map((c) => `CPU${c}`), ...l.tasks.map((t) => `${t.comm}:${t.pid}`)].join(separator);
}

export function cpuNode(cpu: number): string {
	return `cpu${cpu}`;
}

function cpuOf(node: string): number | undefined {
	return node.startsWith('cpu') ? Number(node.slice(3)) : undefined;
}

/** Finds a lockup in the graph, or undefined. Deterministic for a given edge order. */
export function findLockup(edges: readonly WaitEdge[], stuck: readonly StuckNode[]): Lockup | undefined {
	const out = new Map<string, WaitEdge[]>();
	for (const e of edges) {
		const list = out.get(e.from);
		if (list) list.push(e);
		else out.set(e.from, [e]);
	}
	const chain = findCycle(out) ?? findChainToStuck(out, stuck);
	if (!chain) return undefined;
	const {path, terminal} = chain;
	const inChain = new Set(path.map((e) => e.from));
	if (terminal) inChain.add(terminal.node);
	// Everything that waits, directly or not, on the chain is locked up with it.
	const involved = new Set(inChain);
	let grew = true;
	while (grew) {
		grew = false;
		for (const e of edges) {
			if (involved.has(e.to) && !involved.has(e.from)) {
				involved.add(e.from);
				grew = true;
			}
		}
	}
	const cpus = [...involved].map(cpuOf).filter((c): c is number => c !== undefined).sort((a, b) => a - b);
	const parts = path.map((e) => e.text);
	if (terminal) parts.push(terminal.text);
	const others = edges.filter((e) => involved.has(e.from) && !inChain.has(e.from)).map((e) => e.text);
	let explanation = parts.join('; ');
	if (others.length > 0) explanation += ` (also stuck behind it: ${others.join('; ')})`;
	const at = Math.max(...path.map((e) => e.since), terminal?.since ?? 0);
	const tasks = new Map<number, {comm: string; pid: number}>();
	for (const e of edges) if (e.task && involved.has(e.from) && e.from.startsWith('task:')) tasks.set(e.task.pid, {comm: e.task.comm, pid: e.task.pid});
	const kind = terminal ? 'stuck' : path.length === 1 && path[0]!.from === path[0]!.to ? 'self-deadlock' : 'deadlock';
	return {at, cpus, explanation, chain: [...path.map((e) => e.from), ...(terminal ? [terminal.node] : [])], tasks: [...tasks.values()].sort((a, b) => a.pid - b.pid), kind};
}

function findCycle(out: Map<string, WaitEdge[]>): {path: WaitEdge[]; terminal?: undefined} | undefined {
	const nodes = [...out.keys()].sort(compareNodes);
	const state = new Map<string, 1 | 2>();
	const stack: WaitEdge[] = [];
	const visit = (node: string): WaitEdge[] | undefined => {
		state.set(node, 1);
		for (const e of out.get(node) ?? []) {
			const s = state.get(e.to);
			if (s === 1) {
				const start = stack.findIndex((x) => x.from === e.to);
				return [...stack.slice(start === -1 ? stack.length : start), e];
			}
			if (s === undefined) {
				stack.push(e);
				const found = visit(e.to);
				if (found) return found;
				stack.pop();
			}
		}
		state.set(node, 2);
		return undefined;
	};
	for (const n of nodes) {
		if (state.has(n)) continue;
		const cycle = visit(n);
		if (cycle) return {path: rotateToLowest(cycle)};
	}
	return undefined;
}

function findChainToStuck(out: Map<string, WaitEdge[]>, stuck: readonly StuckNode[]): {path: WaitEdge[]; terminal: StuckNode} | undefined {
	const first = [...stuck].sort((a, b) => compareNodes(a.node, b.node))[0];
	if (!first) return undefined;
	// Longest simple chain ending at the stuck node, found by walking edges backwards.
	const into = new Map<string, WaitEdge[]>();
	for (const list of out.values()) for (const e of list) (into.get(e.to) ?? into.set(e.to, []).get(e.to)!).push(e);
	const path: WaitEdge[] = [];
	const seen = new Set([first.node]);
	let at = first.node;
	for (;;) {
		const prev = (into.get(at) ?? []).filter((e) => !seen.has(e.from)).sort((a, b) => compareNodes(a.from, b.from))[0];
		if (!prev) break;
		path.unshift(prev);
		seen.add(prev.from);
		at = prev.from;
	}
	return {path, terminal: first};
}

function rotateToLowest(cycle: WaitEdge[]): WaitEdge[] {
	let best = 0;
	for (let i = 1; i < cycle.length; i++) if (compareNodes(cycle[i]!.from, cycle[best]!.from) < 0) best = i;
	return [...cycle.slice(best), ...cycle.slice(0, best)];
}

function compareNodes(a: string, b: string): number {
	const ca = cpuOf(a);
	const cb = cpuOf(b);
	if (ca !== undefined && cb !== undefined) return ca - cb;
	if (ca !== undefined) return -1;
	if (cb !== undefined) return 1;
	return a < b ? -1 : a > b ? 1 : 0;
}

/** Edges of the current wait-for graph: who cannot progress until whom. */
export function waitFor(k: Kernel): {edges: WaitEdge[]; stuck: StuckNode[]} {
	const s = k.s;
	const edges: WaitEdge[] = [];
	const stuck: StuckNode[] = [];
	for (const cpu of s.cpus) {
		const a = cpu.activity;
		const rw = a.kind === 'spin' ? s.locks.get(a.lock) : undefined;
		if (rw?.kind === 'rwlock') rwlockWaits(k, cpu, rw, edges, stuck);
		else if (a.kind === 'spin') {
			const lock = s.locks.get(a.lock) as Spinlock | undefined;
			// Handed the lock by its last holder (spin_unlock), about to go on: not waiting any more.
			if (lock && lock.holder === cpu.id && !lock.waiters.includes(cpu.id)) continue;
			const nmiText = lock && lock.holder === cpu.id ? nmiSelfSpinText(k, cpu, a.lock) : undefined;
			if (nmiText) stuck.push({node: cpuNode(cpu.id), since: cpu.since, text: nmiText});
			else if (lock && lock.holder === cpu.id && cpu.ctx === 'hardirq' && cpu.irqStack.length > 0) {
				// The interrupt came in on the holder's own CPU: the holder is the code it interrupted.
				const r = s.devIrq.running[cpu.id];
				const line = r ? k.config.irqs?.[r.line] : undefined;
				const handler = line ? `CPU${cpu.id}'s irq ${line.irq} (${line.name}) handler ${line.handler}` : `CPU${cpu.id}'s interrupt handler`;
				const task = cpu.current ? `${cpu.current.comm} (pid ${cpu.current.pid})` : 'the code';
				stuck.push({
					node: cpuNode(cpu.id),
					since: cpu.since,
					text: `${handler} spins with IRQs off on lock ${a.lock}, which ${task} holds on CPU${cpu.id}, interrupted by that very handler: it cannot run again to release it`,
				});
			} else if (lock && lock.holder === cpu.id && softirqSelfSpin(k, cpu, a.lock) !== undefined) {
				stuck.push({node: cpuNode(cpu.id), since: cpu.since, text: softirqSelfSpin(k, cpu, a.lock)!});
			} else if (lock && lock.holder === cpu.id) {
				// AA: the CPU spins on a lock it holds itself, a cycle of one that nothing can break.
				const t = cpu.current;
				edges.push({
					from: cpuNode(cpu.id),
					to: cpuNode(cpu.id),
					since: cpu.since,
					task: t ? {comm: t.comm, pid: t.pid} : undefined,
					text: `CPU${cpu.id}${t ? ` (${t.comm}, pid ${t.pid})` : ''} ${cpu.ctx === 'nmi' ? '(NMI) spins' : `spins with IRQs ${cpu.irqsOn ? 'on' : 'off'}`} on lock ${a.lock}, which it already holds itself: it can never get it (AA self-deadlock)`,
				});
			} else if (lock && lock.holder >= 0) {
				edges.push({
					from: cpuNode(cpu.id),
					to: cpuNode(lock.holder),
					since: cpu.since,
					text: calledSpinText(k, cpu, a.lock, lock.holder) ?? `CPU${cpu.id} ${cpu.ctx === 'nmi' ? '(NMI) spins' : `spins with IRQs ${cpu.irqsOn ? 'on' : 'off'}`} on lock ${a.lock} held by CPU${lock.holder}`,
				});
			}
		} else if (a.kind === 'xcall-wait' && a.csd !== undefined) {
			const t = a.csd;
			const target = s.cpus[t]!;
			if (isPending(a.call, t) && !canService(k, target, a.call.vector)) {
				edges.push({
					from: cpuNode(cpu.id),
					to: cpuNode(t),
					since: Math.max(cpu.since, target.irqOffSince),
					text: `CPU${cpu.id} waits in csd_lock for CPU${t} to run its earlier cross-call (${a.call.via})`,
				});
			}
		} else if (a.kind === 'xcall-wait') {
			for (const t of a.call.targets) {
				const target = s.cpus[t]!;
				if (!isPending(a.call, t) || canService(k, target, a.call.vector)) continue;
				const running = runningCall(k, t, a.call);
				edges.push({
					from: cpuNode(cpu.id),
					to: cpuNode(t),
					since: Math.max(cpu.since, target.irqOffSince),
					text: running ? `CPU${cpu.id} waits for CPU${t} to finish ${running}, its cross-call (${a.call.via})` : `CPU${cpu.id} waits for CPU${t} to run its cross-call (${a.call.via})`,
				});
			}
		} else if (a.kind === 'stuck') {
			stuck.push({node: cpuNode(cpu.id), since: cpu.since, text: `CPU${cpu.id} ${a.reason}`});
		}
	}
	for (const lock of s.locks.values()) {
		if (lock.kind !== 'mutex' || lock.owner === undefined) continue;
		const owner = lock.owner;
		const ownerCpu = s.cpus.find((c) => c.current === owner);
		for (const w of lock.waiters) {
			edges.push({
				from: `task:${w.pid}`,
				to: ownerCpu ? cpuNode(ownerCpu.id) : `task:${owner.pid}`,
				// The edge exists from when the waiter went to sleep on it (or the owner took it, if later).
				since: Math.max(lock.heldSince, w.blockedSince),
				task: {comm: w.comm, pid: w.pid},
				text: `${w.comm} (pid ${w.pid}) sleeps on mutex ${lock.name} held by ${owner.comm} (pid ${owner.pid})${ownerCpu ? ` on CPU${ownerCpu.id}` : ''}`,
			});
		}
	}
	consoleWaits(k, stuck);
	stopMachineWaits(k, edges, stuck);
	rcuWaitFor(k, edges, stuck);
	for (const ext of k.extensions) ext.waitFor?.(k, edges, stuck);
	return {edges, stuck};
}

/** The jiffy's look at the graph: the first lockup found stays, its report may grow. */
export function detect(k: Kernel): void {
	const s = k.s;
	k.q.push(s.now + k.jiffyNs, EV_DETECT, 0);
	if (s.lockup && s.lockup.over === undefined) {
		// Keep the first detection time, but let the report grow as more CPUs get stuck behind
		// it; a look that finds no lockup at all ends it.
		if (k.jiffies % 100 !== 0) return;
		const {edges, stuck} = waitFor(k);
		const now = findLockup(edges, stuck);
		s.lockup = now ? {...now, at: Math.min(now.at, s.lockup.at)} : {...s.lockup, over: s.now};
		return;
	}
	let blocked = false;
	for (const c of s.cpus) {
		const kind = c.activity.kind;
		if (kind === 'spin' || kind === 'xcall-wait' || kind === 'stuck' || kind === 'busy-wait') {
			blocked = true;
			break;
		}
	}
	if (!blocked) for (const lock of s.locks.values()) if (lock.kind === 'mutex' && lock.waiters.length > 0) blocked = true;
	if (!blocked && k.config.console && consoleOwnerStuck(k)) blocked = true;
	if (s.rcu.sleepers > 0) blocked = true;
	if (!blocked) return;
	const {edges, stuck} = waitFor(k);
	s.lockup = findLockup(edges, stuck) ?? s.lockup;
}

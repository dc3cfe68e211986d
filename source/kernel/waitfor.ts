// The wait-for graph that explains a lockup. Nodes are CPUs (`cpu3`) and sleeping tasks
// (`task:4711`); an edge means "cannot make progress until the other end does something
// it currently cannot". A cycle, or a chain ending at a node that can never progress
// (a CPU stuck for good), is a lockup; the explanation walks it in words.

export interface WaitEdge {
	readonly from: string;
	readonly to: string;
	/** Virtual time from which the edge has held. */
	readonly since: number;
	readonly text: string;
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
	readonly kind: 'deadlock' | 'stuck';
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
	return {at, cpus, explanation, chain: [...path.map((e) => e.from), ...(terminal ? [terminal.node] : [])], kind: terminal ? 'stuck' : 'deadlock'};
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

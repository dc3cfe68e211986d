// The event heap, ordered by (time, sequence). Keys live in heap order in typed arrays so a
// comparison touches no other memory; the rest of an event lives in a slot found through
// `slots`. The hot loop allocates nothing; `payload` holds the rare events that carry data.
// The heap itself is plain data (QueueState: typed arrays, numbers and plain payloads), so a
// checkpoint copies it exactly; EventQueue is only a handle over it that also holds the
// fields of the event most recently popped.

export interface QueueState {
	// Heap-ordered keys and slot numbers.
	hTime: Float64Array;
	hSeq: Float64Array;
	hSlot: Int32Array;
	// Slot data.
	kinds: Uint8Array;
	cpus: Int32Array;
	args: Float64Array;
	/** Plain records only (no functions): they are copied with the rest of the state. */
	payloads: unknown[];
	free: Int32Array;
	freeTop: number;
	size: number;
	capacity: number;
	nextSeq: number;
}

export function makeQueueState(initialCapacity = 1024): QueueState {
	const free = new Int32Array(initialCapacity);
	for (let i = 0; i < initialCapacity; i++) free[i] = initialCapacity - 1 - i;
	return {
		hTime: new Float64Array(initialCapacity),
		hSeq: new Float64Array(initialCapacity),
		hSlot: new Int32Array(initialCapacity),
		kinds: new Uint8Array(initialCapacity),
		cpus: new Int32Array(initialCapacity),
		args: new Float64Array(initialCapacity),
		payloads: [],
		free,
		freeTop: initialCapacity,
		size: 0,
		capacity: initialCapacity,
		nextSeq: 0,
	};
}

export class EventQueue {
	readonly s: QueueState;

	// Fields of the event most recently popped (not state: read right after pop()).
	time = 0;
	seq = 0;
	kind = 0;
	cpu = 0;
	arg = 0;
	payload: unknown = undefined;

	/** A handle over `state`, or over a new empty heap of that capacity. */
	constructor(state: QueueState | number = 1024) {
		this.s = typeof state === 'number' ? makeQueueState(state) : state;
	}

	get length(): number {
		return this.s.size;
	}

	/** Time of the earliest event, or Infinity when empty. */
	peekTime(): number {
		const s = this.s;
		return s.size === 0 ? Number.POSITIVE_INFINITY : s.hTime[0]!;
	}

	push(time: number, kind: number, cpu: number, arg = 0, payload?: unknown): void {
		const s = this.s;
		if (s.freeTop === 0) grow(s);
		const slot = s.free[--s.freeTop]!;
		s.kinds[slot] = kind;
		s.cpus[slot] = cpu;
		s.args[slot] = arg;
		if (payload !== undefined) s.payloads[slot] = payload;
		const seq = s.nextSeq++;
		// Sift up.
		const hTime = s.hTime;
		const hSeq = s.hSeq;
		const hSlot = s.hSlot;
		let pos = s.size++;
		while (pos > 0) {
			const parent = (pos - 1) >> 1;
			const pt = hTime[parent]!;
			if (pt < time || (pt === time && hSeq[parent]! < seq)) break;
			hTime[pos] = pt;
			hSeq[pos] = hSeq[parent]!;
			hSlot[pos] = hSlot[parent]!;
			pos = parent;
		}
		hTime[pos] = time;
		hSeq[pos] = seq;
		hSlot[pos] = slot;
	}

	/** The earliest event without removing it (for step reports; allocates, keep it off hot paths). */
	peek(): {time: number; kind: number; cpu: number; arg: number; payload: unknown} {
		const s = this.s;
		if (s.size === 0) return {time: Number.POSITIVE_INFINITY, kind: 0, cpu: -1, arg: 0, payload: undefined};
		const slot = s.hSlot[0]!;
		return {time: s.hTime[0]!, kind: s.kinds[slot]!, cpu: s.cpus[slot]!, arg: s.args[slot]!, payload: s.payloads[slot]};
	}

	/** Removes the earliest event into the public fields. Returns false when empty. */
	pop(): boolean {
		const s = this.s;
		if (s.size === 0) return false;
		const hTime = s.hTime;
		const hSeq = s.hSeq;
		const hSlot = s.hSlot;
		const slot = hSlot[0]!;
		this.time = hTime[0]!;
		this.seq = hSeq[0]!;
		this.kind = s.kinds[slot]!;
		this.cpu = s.cpus[slot]!;
		this.arg = s.args[slot]!;
		const payload = s.payloads[slot];
		this.payload = payload;
		if (payload !== undefined) s.payloads[slot] = undefined;
		s.free[s.freeTop++] = slot;
		const n = --s.size;
		if (n === 0) return true;
		// Move the last entry into the hole at the root and sift it down.
		const time = hTime[n]!;
		const seq = hSeq[n]!;
		const moving = hSlot[n]!;
		const half = n >> 1;
		let pos = 0;
		while (pos < half) {
			let child = 2 * pos + 1;
			let ct = hTime[child]!;
			let cs = hSeq[child]!;
			const right = child + 1;
			if (right < n) {
				const rt = hTime[right]!;
				if (rt < ct || (rt === ct && hSeq[right]! < cs)) {
					child = right;
					ct = rt;
					cs = hSeq[right]!;
				}
			}
			if (time < ct || (time === ct && seq < cs)) break;
			hTime[pos] = ct;
			hSeq[pos] = cs;
			hSlot[pos] = hSlot[child]!;
			pos = child;
		}
		hTime[pos] = time;
		hSeq[pos] = seq;
		hSlot[pos] = moving;
		return true;
	}
}

function grow(s: QueueState): void {
	const old = s.capacity;
	const next = old * 2;
	const widen = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
		const b = make(next);
		b.set(a);
		return b;
	};
	s.hTime = widen(s.hTime, (n) => new Float64Array(n));
	s.hSeq = widen(s.hSeq, (n) => new Float64Array(n));
	s.hSlot = widen(s.hSlot, (n) => new Int32Array(n));
	s.kinds = widen(s.kinds, (n) => new Uint8Array(n));
	s.cpus = widen(s.cpus, (n) => new Int32Array(n));
	s.args = widen(s.args, (n) => new Float64Array(n));
	s.free = widen(s.free, (n) => new Int32Array(n));
	for (let i = old; i < next; i++) s.free[s.freeTop++] = next - 1 - (i - old);
	s.capacity = next;
}

// The event heap, ordered by (time, sequence). Keys live in heap order in typed arrays so a
// comparison touches no other memory; the rest of an event lives in a slot found through
// `slots`. The hot loop allocates nothing; `payload` holds the rare events that carry an object.

export class EventQueue {
	// Heap-ordered keys and slot numbers.
	private hTime: Float64Array;
	private hSeq: Float64Array;
	private hSlot: Int32Array;
	// Slot data.
	private kinds: Uint8Array;
	private cpus: Int32Array;
	private args: Float64Array;
	private payloads: unknown[] = [];
	private free: Int32Array;
	private freeTop: number;
	private size = 0;
	private capacity: number;
	private nextSeq = 0;

	// Fields of the event most recently popped.
	time = 0;
	seq = 0;
	kind = 0;
	cpu = 0;
	arg = 0;
	payload: unknown = undefined;

	constructor(initialCapacity = 1024) {
		this.capacity = initialCapacity;
		this.hTime = new Float64Array(initialCapacity);
		this.hSeq = new Float64Array(initialCapacity);
		this.hSlot = new Int32Array(initialCapacity);
		this.kinds = new Uint8Array(initialCapacity);
		this.cpus = new Int32Array(initialCapacity);
		this.args = new Float64Array(initialCapacity);
		this.free = new Int32Array(initialCapacity);
		for (let i = 0; i < initialCapacity; i++) this.free[i] = initialCapacity - 1 - i;
		this.freeTop = initialCapacity;
	}

	get length(): number {
		return this.size;
	}

	/** Time of the earliest event, or Infinity when empty. */
	peekTime(): number {
		return this.size === 0 ? Number.POSITIVE_INFINITY : this.hTime[0]!;
	}

	push(time: number, kind: number, cpu: number, arg = 0, payload?: unknown): void {
		if (this.freeTop === 0) this.grow();
		const slot = this.free[--this.freeTop]!;
		this.kinds[slot] = kind;
		this.cpus[slot] = cpu;
		this.args[slot] = arg;
		if (payload !== undefined) this.payloads[slot] = payload;
		const seq = this.nextSeq++;
		// Sift up.
		const hTime = this.hTime;
		const hSeq = this.hSeq;
		const hSlot = this.hSlot;
		let pos = this.size++;
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
		if (this.size === 0) return {time: Number.POSITIVE_INFINITY, kind: 0, cpu: -1, arg: 0, payload: undefined};
		const slot = this.hSlot[0]!;
		return {time: this.hTime[0]!, kind: this.kinds[slot]!, cpu: this.cpus[slot]!, arg: this.args[slot]!, payload: this.payloads[slot]};
	}

	/** Removes the earliest event into the public fields. Returns false when empty. */
	pop(): boolean {
		if (this.size === 0) return false;
		const hTime = this.hTime;
		const hSeq = this.hSeq;
		const hSlot = this.hSlot;
		const slot = hSlot[0]!;
		this.time = hTime[0]!;
		this.seq = hSeq[0]!;
		this.kind = this.kinds[slot]!;
		this.cpu = this.cpus[slot]!;
		this.arg = this.args[slot]!;
		const payload = this.payloads[slot];
		this.payload = payload;
		if (payload !== undefined) this.payloads[slot] = undefined;
		this.free[this.freeTop++] = slot;
		const n = --this.size;
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

	private grow(): void {
		const old = this.capacity;
		const next = old * 2;
		const widen = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
			const b = make(next);
			b.set(a);
			return b;
		};
		this.hTime = widen(this.hTime, (n) => new Float64Array(n));
		this.hSeq = widen(this.hSeq, (n) => new Float64Array(n));
		this.hSlot = widen(this.hSlot, (n) => new Int32Array(n));
		this.kinds = widen(this.kinds, (n) => new Uint8Array(n));
		this.cpus = widen(this.cpus, (n) => new Int32Array(n));
		this.args = widen(this.args, (n) => new Float64Array(n));
		this.free = widen(this.free, (n) => new Int32Array(n));
		for (let i = old; i < next; i++) this.free[this.freeTop++] = next - 1 - (i - old);
		this.capacity = next;
	}
}

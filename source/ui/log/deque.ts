// Ordinals that keep counting up while old items are dropped are what let a row keep its place
// (and a scrolled-back pane keep its rows) as the ring overwrites the oldest messages.

/** A queue addressed by ordinals that keep counting up as items are added and dropped. */
export class Deque<T> {
	private items: T[] = [];
	private head = 0;
	/** Ordinal of the oldest item. */
	base = 0;

	get end(): number {
		return this.base + this.items.length - this.head;
	}
	get length(): number {
		return this.items.length - this.head;
	}
	at(ord: number): T | undefined {
		return ord < this.base ? undefined : this.items[this.head + ord - this.base];
	}
	first(): T | undefined {
		return this.items[this.head];
	}
	last(): T | undefined {
		return this.length > 0 ? this.items.at(-1) : undefined;
	}
	push(x: T): void {
		this.items.push(x);
	}
	pop(): T | undefined {
		return this.length > 0 ? this.items.pop() : undefined;
	}
	shift(): T | undefined {
		if (this.length === 0) return undefined;
		const x = this.items[this.head]!;
		this.head++;
		this.base++;
		if (this.head > 1024 && this.head * 2 > this.items.length) {
			this.items = this.items.slice(this.head);
			this.head = 0;
		}
		return x;
	}
	/** The smallest ordinal whose item satisfies `p` (monotone: false...false true...true), or end. */
	firstWhere(p: (x: T) => boolean): number {
		let lo = this.head;
		let hi = this.items.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (p(this.items[mid]!)) hi = mid;
			else lo = mid + 1;
		}
		return this.base + lo - this.head;
	}
	*[Symbol.iterator](): Iterator<T> {
		for (let i = this.head; i < this.items.length; i++) yield this.items[i]!;
	}
}

// A rolling 64-bit FNV-1a (two 32-bit lanes) over every dispatched event: two runs with
// the same identity must end with the same value, and any divergence changes it. Plain
// data: it travels in a checkpoint with the rest of the state.

export interface EventHash {
	a: number;
	b: number;
}

export function makeHash(): EventHash {
	return {a: 0x811c9dc5, b: 0x01000193 ^ 0x9e3779b9};
}

export function hashWord(h: EventHash, word: number): void {
	h.a = Math.imul(h.a ^ (word | 0), 0x01000193);
	h.b = Math.imul(h.b ^ ((word | 0) + 0x7f4a7c15), 0x01000193);
}

export function hashTime(h: EventHash, ns: number): void {
	hashWord(h, ns % 0x100000000);
	hashWord(h, Math.floor(ns / 0x100000000));
}

export function hashString(h: EventHash, text: string): void {
	for (let i = 0; i < text.length; i++) hashWord(h, text.charCodeAt(i));
}

export function hashHex(h: EventHash): string {
	return (h.a >>> 0).toString(16).padStart(8, '0') + (h.b >>> 0).toString(16).padStart(8, '0');
}

// A rolling 64-bit FNV-1a (two 32-bit lanes) over every dispatched event: two runs with
// the same identity must end with the same value, and any divergence changes it.

export class EventHash {
	private a = 0x811c9dc5;
	private b = 0x01000193 ^ 0x9e3779b9;

	add(word: number): void {
		this.a = Math.imul(this.a ^ (word | 0), 0x01000193);
		this.b = Math.imul(this.b ^ ((word | 0) + 0x7f4a7c15), 0x01000193);
	}

	addTime(ns: number): void {
		this.add(ns % 0x100000000);
		this.add(Math.floor(ns / 0x100000000));
	}

	addString(text: string): void {
		for (let i = 0; i < text.length; i++) this.add(text.charCodeAt(i));
	}

	hex(): string {
		return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
	}
}

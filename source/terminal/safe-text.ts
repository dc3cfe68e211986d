// Text from files (scenarios, sessions) is text from strangers. Linux lets a task name or
// a printk hold any byte, and ps, top and dmesg show control bytes escaped rather than let
// them reach the terminal; so does xcalltop, at the places where text leaves for a terminal
// or stderr. Escaped: C0 controls, DEL, C1 controls (a UTF-8 terminal may act on U+009B as
// CSI) and the bidirectional overrides that make text display in another order than it reads.

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_KEEP_TAB = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_KEEP_NEWLINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = {'\t': '\\t', '\n': '\\n', '\r': '\\r'};

function escapeOne(c: string): string {
	const named = NAMED[c];
	if (named !== undefined) return named;
	const code = c.codePointAt(0)!;
	return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

// The same classes, unanchored and without /g: a test (stateless) before a replace, since
// nearly all text has nothing to escape and a test is half the cost of a replace that finds nothing.
// eslint-disable-next-line no-control-regex
const HAS_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex
const HAS_UNSAFE_KEEP_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** One line of text with every control character shown escaped (`\x1b`, `\n`). */
export function safeLine(text: string): string {
	return HAS_UNSAFE.test(text) ? text.replace(UNSAFE, escapeOne) : text;
}

/**
 * One line of output, such as a kernel log record: a newline from a file is escaped (it would
 * forge a line of its own), tabs stay (the kernel's own modern RCU reports indent with them).
 */
export function safeRecord(text: string): string {
	return text.replace(UNSAFE_KEEP_TAB, escapeOne);
}

/** Text the program laid out in lines: newlines and tabs stay, every other control character is escaped. */
export function safeText(text: string): string {
	return HAS_UNSAFE_KEEP_NEWLINE.test(text) ? text.replace(UNSAFE_KEEP_NEWLINE, escapeOne) : text;
}

/** Tabs as spaces to the next stop of 8, as a terminal shows them (a screen cell cannot hold a tab). */
export function expandTabs(text: string): string {
	if (!text.includes('\t')) return text;
	let out = '';
	for (const c of text) out += c === '\t' ? ' '.repeat(8 - (out.length % 8)) : c;
	return out;
}

/** safeLine, cut to at most `max` characters (with "..."), for quoting input in a message. */
export function quote(text: string, max = 40): string {
	const safe = safeLine(text);
	return safe.length <= max ? safe : `${safe.slice(0, Math.max(0, max - 3))}...`;
}

const C1 = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON.stringify escapes C0 controls but passes DEL, C1 and the bidi overrides through raw;
 * this escapes those too, as \uXXXX, so the text stays the same JSON value.
 */
export function safeJson(value: unknown): string {
	return JSON.stringify(value).replace(C1, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

/**
 * A copy of plain data (objects and arrays) with every string made safe by `escape`; what
 * needs no escaping keeps its identity, so React and immer see unchanged parts as unchanged.
 * Objects that are not plain (class instances) are passed through as they are.
 */
export function safeData<T>(value: T, escape: (text: string) => string = safeLine): T {
	if (typeof value === 'string') return escape(value) as T;
	if (typeof value !== 'object' || value === null) return value;
	if (Array.isArray(value)) {
		let out: unknown[] | undefined;
		for (let i = 0; i < value.length; i++) {
			const v = safeData(value[i] as unknown, escape);
			if (v !== value[i]) (out ??= value.slice())[i] = v;
		}
		return (out ?? value) as T;
	}
	const proto = Object.getPrototypeOf(value) as unknown;
	if (proto !== Object.prototype && proto !== null) return value;
	let out: Record<string, unknown> | undefined;
	const record = value as Record<string, unknown>;
	for (const key of Object.keys(record)) {
		const v = record[key];
		const safe = safeData(v, escape);
		if (safe !== v) (out ??= {...record})[key] = safe;
	}
	return (out ?? value) as T;
}

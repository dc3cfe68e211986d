// Escaping text from strangers: safeLine and safeText test before they replace; safeData keeps
// the identity of what needs no escaping.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {safeData, safeLine, safeRecord, safeText} from '../source/terminal/safe-text.js';

test('safeLine, safeRecord and safeText escape every control and bidi character, and return safe text as it is', () => {
	const alphabet = ['a', ' ', '…', '\u001b', '\n', '\t', '\r', '\u007f', '\u009b', '\u202e', '\u2066', '\u061c', '\u200f', '\u2028', 'é', '漢'];
	let seed = 99;
	const next = (n: number): number => {
		seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
		return seed % n;
	};
	for (let i = 0; i < 2000; i++) {
		const text = Array.from({length: next(12)}, () => alphabet[next(alphabet.length)]!).join('');
		const line = safeLine(text);
		const multi = safeText(text);
		// eslint-disable-next-line no-control-regex
		assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/, JSON.stringify(text));
		// eslint-disable-next-line no-control-regex
		assert.doesNotMatch(multi, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/, JSON.stringify(text));
		assert.equal(multi.replace(/\n/g, '\\n').replace(/\t/g, '\\t'), line, JSON.stringify(text));
		// A record keeps tabs only: a newline would forge a line.
		assert.equal(safeRecord(text).replace(/\t/g, '\\t'), line, JSON.stringify(text));
		// Twice is the same as once (the test before the replace is stateless).
		assert.equal(safeLine(text), line);
	}
	assert.equal(safeLine('a\u001b[31mb\n'), 'a\\x1b[31mb\\n');
	assert.equal(safeText('a\nb\u202e'), 'a\nb\\u202e');
});

test('safeData copies only what it escapes', () => {
	const clean = {a: 'x', b: [1, 'y', {c: 'z'}], d: undefined};
	assert.equal(safeData(clean), clean);
	const dirty = {a: 'x', b: [1, 'y\u001b', {c: 'z'}], e: {f: 'g'}};
	const safe = safeData(dirty);
	assert.notEqual(safe, dirty);
	assert.deepEqual(safe, {a: 'x', b: [1, 'y\\x1b', {c: 'z'}], e: {f: 'g'}});
	assert.equal(safe.e, dirty.e);
	assert.equal(safe.b[2], dirty.b[2]);
});

// Fitting text into cells: the printable-ASCII shortcut in fit() gives what measuring gives.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import stringWidth from 'string-width';
import {clip, fit} from '../source/ui/text.js';

/** fit() as it measures every string (what it did before printable ASCII skipped measuring). */
function measuredFit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
	if (width <= 0) return '';
	let out = text.length > width * 4 + 16 ? text.slice(0, width * 4 + 16) : text;
	if (stringWidth(out) > width) {
		while (out.length > 0 && stringWidth(out) > width - 1) out = out.slice(0, -1);
		out += '…';
	}
	const pad = ' '.repeat(Math.max(0, width - stringWidth(out)));
	return align === 'left' ? out + pad : pad + out;
}

test('fit() cuts and pads printable ASCII as measuring does, and other text as before', () => {
	let seed = 12345;
	const next = (n: number): number => {
		seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
		return seed % n;
	};
	const others = ['…', '漢', 'é', '\u0301', '👍', '\t'];
	for (let i = 0; i < 3000; i++) {
		const length = next(40);
		const text = Array.from({length}, () => (next(10) === 0 ? others[next(others.length)]! : String.fromCharCode(0x20 + next(95)))).join('');
		const width = next(45) - 2;
		for (const align of ['left', 'right'] as const) assert.equal(fit(text, width, align), measuredFit(text, width, align), JSON.stringify({text, width, align}));
	}
	assert.equal(fit('swapper/12/0', 8), 'swapper…');
	assert.equal(fit('12', 4, 'right'), '  12');
	assert.equal(clip('a long line of words that goes on', 20), 'a long line of …');
});

// Raw terminal input to keys: keys that arrive together in one chunk (typed quickly, or
// while the program was busy) are each decoded, never dropped.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {decode, splitInput} from '../source/ui/keymap.js';

test('a chunk splits into its key sequences', () => {
	assert.deepEqual(splitInput('\u001Bq'), ['\u001B', 'q']);
	assert.deepEqual(splitInput('\u001B[A\u001B[A'), ['\u001B[A', '\u001B[A']);
	assert.deepEqual(splitInput('ab\u001BOPc'), ['ab', '\u001BOP', 'c']);
	assert.deepEqual(splitInput('\u001B[<64;10;5M\u001B[<0;3;4m'), ['\u001B[<64;10;5M', '\u001B[<0;3;4m']);
	assert.deepEqual(splitInput('\u001B[1;5A'), ['\u001B[1;5A']);
});

test('Escape then q, arriving together, are Escape and q (the overlay closes, then the monitor quits)', () => {
	assert.deepEqual(decode('\u001Bq'), [
		{kind: 'key', name: 'escape', ctrl: false, shift: false},
		{kind: 'char', char: 'q'},
	]);
});

test('two arrows and a wheel report in one chunk are all decoded', () => {
	const keys = decode('\u001B[B\u001B[B\u001B[<65;1;1M');
	assert.deepEqual(
		keys.map((k) => (k.kind === 'key' ? k.name : k.kind === 'mouse' ? k.button : k.char)),
		['down', 'down', 'wheel-down'],
	);
});

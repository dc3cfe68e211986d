// Ink's Output.get() as installed (patches/ink+6.8.0.patch makes it cheaper) against a copy of
// the unpatched Ink 6.8.0 code below: the same frame, byte for byte, for random writes of plain,
// styled, wide, combining and emoji text, clipped and not, frame after frame (the patched
// caches outlive a frame), and the assumptions its fast path makes about printable ASCII.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';
import widestLine from 'widest-line';
import {styledCharsFromTokens, styledCharsToString, tokenize, type StyledChar} from '@alcalzone/ansi-tokenize';

type Transformer = (line: string, index: number) => string;
type Clip = {x1: number | undefined; x2: number | undefined; y1: number | undefined; y2: number | undefined};
type Operation = {type: 'write'; x: number; y: number; text: string; transformers: Transformer[]} | {type: 'clip'; clip: Clip} | {type: 'unclip'};
interface OutputLike {
	write(x: number, y: number, text: string, options: {transformers: Transformer[]}): void;
	clip(clip: Clip): void;
	unclip(): void;
	get(): {output: string; height: number};
}

// Output is not among Ink's exports; it is build/output.js next to the entry point.
const {default: Output} = (await import(new URL('./output.js', import.meta.resolve('ink')).href)) as {default: new (options: {width: number; height: number}) => OutputLike};

/** Output.get() of Ink 6.8.0 as published (MIT, Vadim Demedes), caches per call as there. */
function referenceGet(width: number, height: number, operations: Operation[]): {output: string; height: number} {
	const widths = new Map<string, number>();
	const getStringWidth = (text: string): number => {
		let cached = widths.get(text);
		if (cached === undefined) {
			cached = stringWidth(text);
			widths.set(text, cached);
		}
		return cached;
	};
	const getWidestLine = (text: string): number => Math.max(0, ...text.split('\n').map(getStringWidth));
	const output: StyledChar[][] = [];
	for (let y = 0; y < height; y++) {
		const row: StyledChar[] = [];
		for (let x = 0; x < width; x++) row.push({type: 'char', value: ' ', fullWidth: false, styles: []});
		output.push(row);
	}
	const clips: Clip[] = [];
	for (const operation of operations) {
		if (operation.type === 'clip') clips.push(operation.clip);
		if (operation.type === 'unclip') clips.pop();
		if (operation.type !== 'write') continue;
		const {text, transformers} = operation;
		let {x, y} = operation;
		let lines = text.split('\n');
		const clip = clips.at(-1);
		if (clip) {
			const clipHorizontally = typeof clip.x1 === 'number' && typeof clip.x2 === 'number';
			const clipVertically = typeof clip.y1 === 'number' && typeof clip.y2 === 'number';
			if (clipHorizontally) {
				const w = getWidestLine(text);
				if (x + w < clip.x1! || x > clip.x2!) continue;
			}
			if (clipVertically) {
				if (y + lines.length < clip.y1! || y > clip.y2!) continue;
			}
			if (clipHorizontally) {
				lines = lines.map((line) => {
					const from = x < clip.x1! ? clip.x1! - x : 0;
					const w = getStringWidth(line);
					const to = x + w > clip.x2! ? clip.x2! - x : w;
					return sliceAnsi(line, from, to);
				});
				if (x < clip.x1!) x = clip.x1!;
			}
			if (clipVertically) {
				const from = y < clip.y1! ? clip.y1! - y : 0;
				const to = y + lines.length > clip.y2! ? clip.y2! - y : lines.length;
				lines = lines.slice(from, to);
				if (y < clip.y1!) y = clip.y1!;
			}
		}
		let offsetY = 0;
		for (const [index, written] of lines.entries()) {
			let line = written;
			const currentLine = output[y + offsetY];
			if (!currentLine) continue;
			for (const transformer of transformers) line = transformer(line, index);
			let offsetX = x;
			for (const character of styledCharsFromTokens(tokenize(line))) {
				currentLine[offsetX] = character;
				const characterWidth = Math.max(1, getStringWidth(character.value));
				for (let i = 1; i < characterWidth; i++) currentLine[offsetX + i] = {type: 'char', value: '', fullWidth: false, styles: character.styles};
				offsetX += characterWidth;
			}
			offsetY++;
		}
	}
	return {output: output.map((line) => styledCharsToString(line.filter((item) => item !== undefined)).trimEnd()).join('\n'), height: output.length};
}

/** A small seeded generator (xorshift32), so a failure names a frame that replays. */
function generator(seed: number) {
	let s = seed >>> 0 || 1;
	const next = (): number => {
		s ^= s << 13;
		s >>>= 0;
		s ^= s >>> 17;
		s ^= s << 5;
		s >>>= 0;
		return s / 0x100000000;
	};
	const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
	const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
	return {next, int, pick};
}

const sgr = (open: string, close: string): Transformer => (line) => `\u001B[${open}m${line}\u001B[${close}m`;
/** What Ink's <Text> styles and colours make of a line, and escapes the fast path must leave alone. */
const TRANSFORMERS: Transformer[] = [
	sgr('31', '39'),
	sgr('1', '22'),
	sgr('2', '22'),
	sgr('7', '27'),
	sgr('4', '24'),
	sgr('38;5;208', '39'),
	sgr('48;2;10;20;30', '49'),
	sgr('1;3;31', '0'),
	(line, index) => (index % 2 ? sgr('36', '39')(line, index) : line),
	(line) => line.replace(/o/g, '\u001B[32mo\u001B[39m'),
	(line) => `\u001B]8;;https://example.com\u0007${line}\u001B]8;;\u0007`,
	(line) => `\u009B33m${line}\u009B39m`,
	(line) => `\u001B[K${line}`,
	(line) => `\u001B[${line}`,
	(line) => `${line}\u001B[3`,
	(line) => `\u001B[31${line}`,
];
const PIECES = [
	'plain text',
	'  CPU  ctx  IRQ  task',
	'x',
	'',
	' ',
	'0ns    0%',
	'漢字',
	'ｶﾀｶﾅ',
	'e\u0301',
	'👍',
	'🇺🇸',
	'👨‍👩‍👧',
	'✔',
	'…',
	'│─┼',
	'\u001B[1mbold\u001B[22m',
	'\u001B[31mred \u001B[1mand bold\u001B[0m',
	'\u001B[38;2;255;0;0mtrue\u001B[39m',
	'tab\there',
	'\r\n',
	'~!@#$%^&*()_+{}|:"<>?',
	'\u00A0nbsp',
];

function randomText(g: ReturnType<typeof generator>): string {
	const lines = Array.from({length: g.int(1, 3)}, () => Array.from({length: g.int(0, 5)}, () => g.pick(PIECES)).join(g.pick(['', ' ', '  '])));
	return lines.join('\n');
}

function randomFrame(g: ReturnType<typeof generator>, width: number, height: number, texts: string[]): Operation[] {
	const operations: Operation[] = [];
	let depth = 0;
	for (let i = g.int(1, 25); i > 0; i--) {
		const r = g.next();
		if (r < 0.15) {
			const bounded = g.next() < 0.8;
			const x1 = g.int(-2, width);
			const y1 = g.int(-1, height);
			operations.push({type: 'clip', clip: {x1: bounded ? x1 : undefined, x2: bounded ? x1 + g.int(0, width) : undefined, y1: g.next() < 0.7 ? y1 : undefined, y2: y1 + g.int(0, height)}});
			depth++;
		} else if (r < 0.22 && depth > 0) {
			operations.push({type: 'unclip'});
			depth--;
		} else {
			// Mostly text seen before, as a live screen is, so the caches are hit as well as missed.
			const text = g.next() < 0.6 ? g.pick(texts) : randomText(g);
			texts.push(text);
			const transformers = Array.from({length: g.int(0, 2)}, () => g.pick(TRANSFORMERS));
			operations.push({type: 'write', x: g.int(-3, width + 2), y: g.int(-2, height + 1), text, transformers});
		}
	}
	return operations;
}

test('Output.get() gives what unpatched Ink 6.8.0 gives, for 2000 random frames', () => {
	const g = generator(0x1badcafe);
	const texts = [randomText(g)];
	for (let frame = 0; frame < 2000; frame++) {
		const width = g.int(0, 50);
		const height = g.int(0, 8);
		const operations = randomFrame(g, width, height, texts);
		const output = new Output({width, height});
		for (const op of operations) {
			if (op.type === 'write') output.write(op.x, op.y, op.text, {transformers: op.transformers});
			else if (op.type === 'clip') output.clip(op.clip);
			else output.unclip();
		}
		const want = referenceGet(width, height, operations.filter((op) => op.type !== 'write' || op.text !== ''));
		assert.deepEqual(output.get(), want, `frame ${frame} (${width}x${height}): ${JSON.stringify(operations.map((op) => (op.type === 'write' ? {...op, transformers: op.transformers.map((t) => TRANSFORMERS.indexOf(t))} : op)))}`);
	}
});

test('Output.get() gives what unpatched Ink 6.8.0 gives for clipped text with SGR styles, mostly ASCII and one-column characters', () => {
	const g = generator(0x5eed);
	const codes = ['0', '1', '2', '22', '31', '39', '7', '27', '38;5;12', '48;2;1;2;3', '1;4', '', '49', '3'];
	for (let frame = 0; frame < 1500; frame++) {
		const width = g.int(1, 30);
		const text = Array.from({length: g.int(1, 8)}, () => (g.next() < 0.4 ? `\u001B[${g.pick(codes)}m` : g.pick(['abc 12: ,.%', '…│─é×ｶ°', 'ab…', '漢e\u0301👍']).slice(0, g.int(0, 11)))).join('');
		const x1 = g.int(-2, 12);
		const operations: Operation[] = [
			{type: 'clip', clip: {x1, x2: x1 + g.int(0, 20), y1: undefined, y2: undefined}},
			{type: 'write', x: g.int(-5, 15), y: 0, text, transformers: g.next() < 0.5 ? [] : [g.pick(TRANSFORMERS.slice(0, 8))]},
			{type: 'unclip'},
		];
		const output = new Output({width, height: 1});
		for (const op of operations) {
			if (op.type === 'write') output.write(op.x, op.y, op.text, {transformers: op.transformers});
			else if (op.type === 'clip') output.clip(op.clip);
			else output.unclip();
		}
		assert.deepEqual(output.get(), referenceGet(width, 1, operations), `frame ${frame}: ${JSON.stringify(operations)}`);
	}
});

test('a monitor-like frame: the same rows twice, then with one cell changed', () => {
	const rows = Array.from({length: 40}, (_, i) => `   ${String(i).padStart(2)}  idle     on   swapper/${i}/0   idle${' '.repeat(40)}0ns    0%`);
	const draw = (changed: number): string => {
		const output = new Output({width: 120, height: 42});
		output.clip({x1: 0, x2: 100, y1: 0, y2: 41});
		output.write(0, 0, '\u001B[36mxcalltop heavy\u001B[39m 0.000000s x1', {transformers: []});
		for (const [i, row] of rows.entries()) output.write(0, i + 1, i === changed ? row.replace('idle', 'spin') : row, {transformers: i === 3 ? [sgr('7', '27')] : [sgr('1', '22')]});
		output.unclip();
		return output.get().output;
	};
	const first = draw(-1);
	assert.equal(draw(-1), first);
	const third = draw(5);
	assert.notEqual(third, first);
	assert.equal(third.split('\n')[6], '\u001B[1m    5  spin     on   swapper/5/0   idle                                        0ns    0%\u001B[22m');
	assert.deepEqual(third.split('\n').filter((l, i) => l !== first.split('\n')[i]).length, 1);
});

test('printable ASCII and the one-column characters the monitor draws: string-width is the length (SGR sequences apart) and slice-ansi is String#slice (what the fast path assumes)', () => {
	const g = generator(7);
	const others = [...'…—×↑↓▏│─┼°é£§·ｶ'];
	for (let i = 0; i < 2000; i++) {
		const line = Array.from({length: g.int(0, 30)}, () => (g.next() < 0.2 ? g.pick(others) : String.fromCharCode(g.int(0x20, 0x7e)))).join('');
		assert.equal(stringWidth(line), line.length);
		const styled = line.replace(/ /g, () => g.pick([' ', '\u001B[31m ', ' \u001B[1;7m', '\u001B[m ', '\u001B[38;5;3m ']));
		assert.equal(stringWidth(styled), line.length, JSON.stringify(styled));
		const from = g.int(0, 35);
		const to = g.int(0, 35);
		assert.equal(sliceAnsi(line, from, to), line.slice(from, to), JSON.stringify({line, from, to}));
	}
});

test("the patch's caches stay bounded and keep what is in use (Ink's measure-text and wrap-text caches grew without end)", async () => {
	const {BoundedCache} = (await import(new URL('./bounded-cache.js', import.meta.resolve('ink')).href)) as {
		BoundedCache: new (budget?: number) => {get(key: string): unknown; set(key: string, value: unknown): void; current: Map<string, unknown>; previous: Map<string, unknown>};
	};
	const cache = new BoundedCache(1000);
	cache.set('kept', 1);
	for (let i = 0; i < 10_000; i++) {
		cache.set(`line ${i}`, i);
		assert.equal(cache.get('kept'), 1, `the entry in use is still there after ${i} others`);
		assert.ok(cache.current.size + cache.previous.size <= 2 * (1000 / 16), 'at most two generations');
	}
	assert.equal(cache.get('line 9999'), 9999);
	assert.equal(cache.get('line 0'), undefined);
	cache.set('x'.repeat(2000), 1);
	assert.equal(cache.get('x'.repeat(2000)), undefined, 'a key longer than the budget is not kept');
});

test("measureText's width is widest-line's, for plain, styled, wide and clipped-looking text", async () => {
	const {default: measureText} = (await import(new URL('./measure-text.js', import.meta.resolve('ink')).href)) as {default: (text: string) => {width: number; height: number}};
	const g = generator(0xfeed);
	for (let i = 0; i < 3000; i++) {
		let text = randomText(g);
		if (g.next() < 0.5) text = g.pick(TRANSFORMERS)(text, 0);
		const want = text.length === 0 ? {width: 0, height: 0} : {width: widestLine(text), height: text.split('\n').length};
		assert.deepEqual(measureText(text), want, JSON.stringify(text));
		assert.deepEqual(measureText(text), want, 'cached');
	}
});

test("Ink's incremental renderer overwrites a frame shorter than the terminal in place, frame after frame (6.8.0 drew each one a line lower)", async () => {
	const {default: xterm} = await import('@xterm/headless');
	const {default: logUpdate} = (await import(new URL('./log-update.js', import.meta.resolve('ink')).href)) as {default: {create(stream: NodeJS.WritableStream, options: {incremental: boolean}): (text: string) => boolean}};
	const rows = 8;
	// convertEol: a pty's output processing (onlcr) turns each \n into \r\n.
	const term = new xterm.Terminal({cols: 30, rows, allowProposedApi: true, convertEol: true});
	const stream = {write: (data: string) => void term.write(data)} as unknown as NodeJS.WritableStream;
	const log = logUpdate.create(stream, {incremental: true});
	const screen = (): string[] => Array.from({length: rows}, (_, y) => term.buffer.active.getLine(y)!.translateToString(true));
	// rows - 1 lines and a trailing newline, as the monitor draws: only some lines change, and
	// frames grow and shrink.
	const frames = [7, 7, 7, 5, 7, 6, 7].map((height, n) => Array.from({length: height}, (_, i) => (i % 3 === 0 ? `line ${i} frame ${n}` : `line ${i}`)));
	for (const lines of frames) {
		log(lines.join('\n') + '\n');
		await new Promise<void>((resolve) => term.write('', resolve));
		assert.deepEqual(screen(), [...lines, ...Array.from({length: rows - lines.length}, () => '')]);
	}
});

// Scenario and session files are input from strangers. Reading one must never block (a
// FIFO), never read without bound (/dev/zero, a 10 GB file), and never turn bad bytes or
// bad JSON into a stack trace or a message the size of the file: every refusal is one line
// that names the file, the place in it and what was expected.
import {closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats} from 'node:fs';
import {createScanner, parse, ParseErrorCode, ScanError, SyntaxKind, type ParseError} from 'jsonc-parser';
import {quote} from './terminal/safe-text.js';

/** A usage-level error about an input file or flag: the CLI prints its message and exits 2. */
export class InputError extends Error {}

/** The largest input file read: far above any real scenario or session (a few hundred KB). */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** Arrays and objects nested deeper than this are refused before parsing (scenarios need about 8). */
export const MAX_JSON_DEPTH = 64;

const CANNOT: Readonly<Record<string, string>> = {ENOENT: 'no such file', EACCES: 'cannot read: permission denied', EPERM: 'cannot read: permission denied', ELOOP: 'cannot read: too many symbolic links'};

/** What a file that is not a regular one is, in words (`a FIFO`); undefined for a regular file. */
export function whatIs(st: Stats): string | undefined {
	if (st.isFile()) return undefined;
	if (st.isSymbolicLink()) return 'a symbolic link';
	if (st.isFIFO()) return 'a FIFO';
	if (st.isDirectory()) return 'a directory';
	if (st.isCharacterDevice()) return 'a character device';
	if (st.isBlockDevice()) return 'a block device';
	if (st.isSocket()) return 'a socket';
	return 'not a regular file';
}

const notRegular = (shown: string, what: string): InputError => new InputError(`${shown}: is ${what}; expected a regular file`);

const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB`;

/** A size above the limit, in MiB, or in bytes where MiB would round it down to the limit. */
const sizeAbove = (bytes: number): string => (mib(bytes) === mib(MAX_INPUT_BYTES) ? `${bytes} bytes` : mib(bytes));

const tooBig = (shown: string, size: string): InputError => new InputError(`${shown}: is ${size}; expected at most ${mib(MAX_INPUT_BYTES)}`);

/**
 * Reads an input file as UTF-8 text. `shown` names it in errors. Opened non-blocking (a FIFO
 * must not hang the open), checked on the open descriptor (no race with a rename), refused
 * unless a regular file of at most MAX_INPUT_BYTES, and read no further than one byte past
 * the limit (a file under /proc says size 0 and may be longer).
 */
export function readInputFile(file: string, shown: string): string {
	let fd: number;
	try {
		fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code ?? '';
		// A socket cannot be opened at all (ENXIO): say what it is.
		if (code === 'ENXIO') {
			const what = (() => {
				try {
					return whatIs(statSync(file));
				} catch {
					return undefined;
				}
			})();
			if (what) throw notRegular(shown, what);
		}
		throw new InputError(`${shown}: ${CANNOT[code] ?? `cannot read: ${code || quote(String(error), 80)}`}`);
	}
	let bytes: Buffer;
	try {
		const st = fstatSync(fd);
		const what = whatIs(st);
		if (what) throw notRegular(shown, what);
		if (st.size > MAX_INPUT_BYTES) throw tooBig(shown, sizeAbove(st.size));
		let buffer = Buffer.allocUnsafe(Math.max(4096, st.size + 1));
		let total = 0;
		for (;;) {
			if (total === buffer.length) {
				if (total > MAX_INPUT_BYTES) break;
				const bigger = Buffer.allocUnsafe(Math.min(buffer.length * 2, MAX_INPUT_BYTES + 1));
				buffer.copy(bigger, 0, 0, total);
				buffer = bigger;
			}
			const n = readSync(fd, buffer, total, buffer.length - total, null);
			if (n === 0) break;
			total += n;
		}
		if (total > MAX_INPUT_BYTES) throw tooBig(shown, `more than ${mib(MAX_INPUT_BYTES)}`);
		bytes = buffer.subarray(0, total);
	} catch (error) {
		if (error instanceof InputError) throw error;
		throw new InputError(`${shown}: cannot read: ${(error as NodeJS.ErrnoException).code ?? quote(String(error), 80)}`);
	} finally {
		closeSync(fd);
	}
	return decodeText(bytes, shown);
}

/**
 * UTF-16 without a BOM: in its first bytes NULs stand at odd offsets (little-endian ASCII)
 * or at even ones (big-endian), never at both as in other binary data.
 */
function looksUtf16(bytes: Uint8Array): boolean {
	const n = Math.min(bytes.length, 64) & ~1;
	let even = 0;
	let odd = 0;
	for (let i = 0; i < n; i++) {
		if (bytes[i] !== 0) continue;
		if (i % 2 === 0) even++;
		else odd++;
	}
	return n >= 2 && ((odd >= n / 4 && even === 0) || (even >= n / 4 && odd === 0));
}

/** Line and column (1-based; columns in UTF-16 code units, as JavaScript counts) of `offset` in `text`. */
export function lineColumn(text: string, offset: number): {line: number; column: number} {
	let line = 1;
	let start = 0;
	for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
		line++;
		start = i + 1;
	}
	return {line, column: offset - start + 1};
}

/**
 * Decodes UTF-8, refusing what is not text: UTF-16 (a BOM, or NUL every other byte), bytes
 * that are not UTF-8, and NUL bytes (no text file holds one).
 */
export function decodeText(bytes: Uint8Array, shown: string): string {
	if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff) || looksUtf16(bytes)) {
		throw new InputError(`${shown}: expected UTF-8 text, got UTF-16`);
	}
	let text: string | undefined;
	try {
		// The decoder drops a leading UTF-8 BOM (ignoreBOM is false): Windows editors write one,
		// and it is no part of the JSON.
		text = new TextDecoder('utf-8', {fatal: true}).decode(bytes);
	} catch {
		text = undefined;
	}
	if (text !== undefined && !text.includes('\0')) return text;
	const lenient = text ?? new TextDecoder('utf-8').decode(bytes);
	const nul = lenient.indexOf('\0');
	const bad = text === undefined ? firstInvalid(bytes, lenient) : undefined;
	const at = bad === undefined || (nul >= 0 && nul < bad.offset) ? {offset: nul, what: 'a NUL byte'} : bad;
	const {line, column} = lineColumn(lenient, at.offset);
	throw new InputError(`${shown}: line ${line}, column ${column}: expected UTF-8 text, got binary data (${at.what})`);
}

/** Where in `lenient` (the bytes decoded with U+FFFD for bad ones) the first bad byte is, and its value. */
function firstInvalid(bytes: Uint8Array, lenient: string): {offset: number; what: string} {
	let byte = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
	let from = 0;
	// Each U+FFFD stands for bad bytes, unless the file held U+FFFD itself (EF BF BD).
	for (let i = lenient.indexOf('\ufffd'); i >= 0; i = lenient.indexOf('\ufffd', i + 1)) {
		byte += Buffer.byteLength(lenient.slice(from, i));
		from = i;
		if (!(bytes[byte] === 0xef && bytes[byte + 1] === 0xbf && bytes[byte + 2] === 0xbd)) return {offset: i, what: `byte 0x${(bytes[byte] ?? 0).toString(16).padStart(2, '0')}`};
	}
	return {offset: 0, what: 'bytes that are not UTF-8'};
}

/** The result of parsing JSON text: the value, or where and why it is not JSON. */
export type JsonResult = {readonly ok: true; readonly value: unknown} | {readonly ok: false; readonly offset: number; readonly reason: string};

/** Not one of jsonc-parser's codes: nested deeper than MAX_JSON_DEPTH. */
const DEEP = -1 as ParseErrorCode;

/** What jsonc-parser's own parser makes of each scanner error. */
const SCAN_ERROR: Readonly<Record<number, ParseErrorCode>> = {
	[ScanError.UnexpectedEndOfComment]: ParseErrorCode.UnexpectedEndOfComment,
	[ScanError.UnexpectedEndOfString]: ParseErrorCode.UnexpectedEndOfString,
	[ScanError.UnexpectedEndOfNumber]: ParseErrorCode.UnexpectedEndOfNumber,
	[ScanError.InvalidUnicode]: ParseErrorCode.InvalidUnicode,
	[ScanError.InvalidEscapeCharacter]: ParseErrorCode.InvalidEscapeCharacter,
	[ScanError.InvalidCharacter]: ParseErrorCode.InvalidCharacter,
};

/**
 * The first bracket nested deeper than MAX_JSON_DEPTH, as a parse error, or a bad token
 * before it (the parser, which recurses, must not see such text, so the scanner, which does
 * not, finds what it can); undefined when the text nests no deeper than the limit.
 */
function tooDeep(text: string): ParseError | undefined {
	// Cheap first: fewer brackets than the limit cannot nest past it.
	let brackets = 0;
	for (let i = text.indexOf('['); i >= 0 && brackets <= MAX_JSON_DEPTH; i = text.indexOf('[', i + 1)) brackets++;
	for (let i = text.indexOf('{'); i >= 0 && brackets <= MAX_JSON_DEPTH; i = text.indexOf('{', i + 1)) brackets++;
	if (brackets <= MAX_JSON_DEPTH) return undefined;
	const scanner = createScanner(text, false);
	let depth = 0;
	for (let kind = scanner.scan(); kind !== SyntaxKind.EOF; kind = scanner.scan()) {
		const at = {offset: scanner.getTokenOffset(), length: scanner.getTokenLength()};
		const scanError = SCAN_ERROR[scanner.getTokenError()];
		if (scanError !== undefined) return {error: scanError, ...at};
		if (kind === SyntaxKind.LineCommentTrivia || kind === SyntaxKind.BlockCommentTrivia) return {error: ParseErrorCode.InvalidCommentToken, ...at};
		if (kind === SyntaxKind.Unknown) return {error: ParseErrorCode.InvalidSymbol, ...at};
		if (kind === SyntaxKind.OpenBraceToken || kind === SyntaxKind.OpenBracketToken) {
			if (++depth > MAX_JSON_DEPTH) return {error: DEEP, ...at};
		} else if (kind === SyntaxKind.CloseBraceToken || kind === SyntaxKind.CloseBracketToken) depth--;
	}
	return undefined;
}

/** The token at `offset`, shown quoted and cut, or `end` past the end of the text. */
function tokenAt(text: string, offset: number, end: string): string {
	if (offset >= text.length) return end;
	const word = /"(?:[^"\\\n]|\\.)*"?|[\w.+-]+|[\s\S]/y;
	word.lastIndex = offset;
	const token = word.exec(text)![0];
	// A space that is not JSON's (no-break, line separator...) would look like nothing at all.
	if (token.length === 1 && token > '\u007f' && /[\s\p{Cf}]/u.test(token)) return `U+${token.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
	return `'${quote(token, 30)}'`;
}

/** The first index in [from, to) whose character passes `test`, else `from`. */
function find(text: string, from: number, to: number, test: (i: number) => boolean): number {
	for (let i = from; i < to && i < text.length; i++) if (test(i)) return i;
	return from;
}

/** Says what is wrong at a jsonc-parser error, in words, pointing at the offending character. */
function explain(text: string, error: ParseError, end: string): {offset: number; reason: string} {
	const {offset, length} = error;
	const got = (at = offset): string => tokenAt(text, at, end);
	const closing = text[offset] === '}' || text[offset] === ']';
	const before = /[ \t\r\n]*$/.exec(text.slice(Math.max(0, offset - 200), offset))!;
	const comma = offset - before[0].length - 1;
	switch (error.error) {
		case DEEP:
			return {offset, reason: `nested deeper than ${MAX_JSON_DEPTH} arrays and objects`};
		case ParseErrorCode.PropertyNameExpected:
		case ParseErrorCode.ValueExpected:
			if (closing && text[comma] === ',') return {offset: comma, reason: `trailing comma before '${text[offset]}' (JSON allows none)`};
			return {offset, reason: `expected ${error.error === ParseErrorCode.ValueExpected ? 'a value' : 'a property name in double quotes'}, got ${got()}`};
		case ParseErrorCode.InvalidSymbol: {
			const token = got();
			if (/^'[+-]?(NaN|Infinity)'$/.test(token)) return {offset, reason: `got ${token}; JSON has no NaN or Infinity`};
			if (text[offset] === "'") return {offset, reason: `got ${quote(/^'[^'\n]*'?/.exec(text.slice(offset, offset + 40))![0], 30)}; JSON strings take double quotes`};
			return {offset, reason: `unexpected ${token}`};
		}
		case ParseErrorCode.InvalidNumberFormat:
		case ParseErrorCode.UnexpectedEndOfNumber:
			return {offset, reason: `invalid number ${got()}`};
		case ParseErrorCode.ColonExpected:
			return {offset, reason: `expected ':' after the property name, got ${got()}`};
		case ParseErrorCode.CommaExpected:
			if (/\d/.test(text[offset] ?? '') && /(^|[^\d.eE+-])-?0$/.test(text.slice(Math.max(0, offset - 3), offset))) return {offset: offset - 1, reason: `invalid number ${got(offset - 1)}; JSON numbers have no leading zeros`};
			return {offset, reason: `expected ',', got ${got()}`};
		case ParseErrorCode.CloseBraceExpected:
			return {offset, reason: `expected ',' or '}', got ${got()}`};
		case ParseErrorCode.CloseBracketExpected:
			return {offset, reason: `expected ',' or ']', got ${got()}`};
		case ParseErrorCode.EndOfFileExpected:
			return {offset, reason: `unexpected ${got()} after the JSON value`};
		case ParseErrorCode.InvalidCommentToken:
		case ParseErrorCode.UnexpectedEndOfComment:
			return {offset, reason: 'comments are not allowed in JSON'};
		case ParseErrorCode.UnexpectedEndOfString:
			return {offset, reason: 'unterminated string (a string ends on the line it starts on)'};
		case ParseErrorCode.InvalidCharacter: {
			const at = find(text, offset, offset + length, (i) => text.charCodeAt(i) < 0x20);
			return {offset: at, reason: `control character ${quote(text[at] ?? '')} in a string; write it as an escape`};
		}
		case ParseErrorCode.InvalidEscapeCharacter:
		case ParseErrorCode.InvalidUnicode: {
			let at = offset;
			for (let i = offset + 1; i < offset + length - 1; i++) {
				if (text[i] !== '\\') continue;
				const next = text[i + 1] ?? '';
				if (next === 'u' ? !/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6)) : !'"\\/bfnrt'.includes(next)) {
					at = i;
					break;
				}
				i++;
			}
			return {offset: at, reason: `invalid escape '${quote(text.slice(at, at + (text[at + 1] === 'u' ? 6 : 2)), 12)}' in a string`};
		}
		default:
			return {offset, reason: `unexpected ${got()}`};
	}
}

/**
 * Parses JSON, nested at most MAX_JSON_DEPTH deep. On error, where and what, in words that
 * quote at most a few dozen characters of the input, escaped. `end` names the end of the
 * text in messages ("the end of the file", "the end of the line").
 */
export function parseJson(text: string, end = 'the end of the file'): JsonResult {
	const deep = tooDeep(text);
	if (deep !== undefined) return {ok: false, ...explain(text, deep, end)};
	try {
		return {ok: true, value: JSON.parse(text) as unknown};
	} catch (error) {
		// JSON.parse's messages often have no position (NaN, comments): jsonc-parser, told to
		// allow nothing JSON does not, finds where.
		const errors: ParseError[] = [];
		parse(text, errors, {disallowComments: true, allowTrailingComma: false, allowEmptyContent: false});
		if (errors[0]) return {ok: false, ...explain(text, errors[0], end)};
		const message = (error as Error).message;
		const position = /at position (\d+)/.exec(message);
		return {ok: false, offset: position ? Number(position[1]) : 0, reason: quote(message.replace(/ in JSON at position \d+[\s\S]*$/, ''), 80)};
	}
}

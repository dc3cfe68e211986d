// Hostile strings, and the checks that none of their control bytes reach a terminal.
import {cpSync, mkdirSync, readFileSync, symlinkSync} from 'node:fs';
import path from 'node:path';
import {ROOT} from '../helpers.js';

/**
 * OSC 52 (a clipboard write), OSC 0 (the window title), a C1 CSI, a bell, a carriage return,
 * a bidi override, and a newline that would forge a line of output of its own.
 */
export const EVIL = '\u001B]52;c;SGFjaw==\u0007\u001B]0;pwned\u0007\u009B2J\u0007\r\u202E\u001B[31m\nFAKE LINE';
/** Fits a task's 15-character comm. */
export const EVIL_SHORT = 'x\u001B]0;T\u0007\u009Bm\nFAKE';

/**
 * The demo scenario with every string a file can carry made hostile: names (comm, locks,
 * functions), printk text, release, description, source, the mitigation and a timeline note.
 * The timeline turns safe mode off at 1 s, so the lockup's messages name the hostile locks.
 */
export function hostileScenario(): Record<string, unknown> {
	const demo = JSON.parse(readFileSync(path.join(ROOT, 'scenarios/demo.json'), 'utf8')) as Record<string, unknown>;
	const rename = (name: string): string => `${name}${EVIL}`;
	const walk = (v: unknown, key?: string): unknown => {
		if (Array.isArray(v)) return v.map((x) => walk(x));
		if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
		if (typeof v !== 'string') return v;
		if (key === 'comm') return EVIL_SHORT;
		if (key === 'name' || key === 'lock' || key === 'fn' || key === 'describe' || key === 'description' || key === 'source') return rename(v);
		return v;
	};
	const s = walk(demo) as Record<string, unknown> & {tasks: {steps: unknown[]}[]};
	delete s['tour'];
	s.tasks[0]!.steps.push({op: 'printk', text: `hello ${EVIL}`});
	return {...s, release: `3.10.0${EVIL}`, timeline: [{at: '1s', action: 'safe-mode', note: `note ${EVIL}`}]};
}

/** Control characters other than a newline: nothing from a file may put one on stdout or stderr. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

export function firstControl(text: string): string | undefined {
	const m = CONTROL.exec(text);
	return m ? JSON.stringify(text.slice(Math.max(0, m.index - 20), m.index + 20)) : undefined;
}

// What the monitor itself writes: SGR colours, cursor moves and erases (Ink), and the private
// modes it sets and resets (cursor, alternate screen, mouse reporting, bracketed paste, synchronized output).
// eslint-disable-next-line no-control-regex
const SEQUENCE = /\u001B\[([0-9;]*)([A-HJKfm])|\u001B\[\?(25|1049|1000|1006|2004|2026)([hl])|\r|\n/y;

/** The first byte sequence in screen output that the program does not write itself, with context. */
export function foreignSequence(output: string): string | undefined {
	for (let i = 0; i < output.length; ) {
		const c = output.charCodeAt(i);
		const control = c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
		if (!control) {
			i++;
			continue;
		}
		SEQUENCE.lastIndex = i;
		const m = SEQUENCE.exec(output);
		if (!m) return JSON.stringify(output.slice(Math.max(0, i - 30), i + 30));
		i += m[0].length;
	}
	return undefined;
}

/** A copy of the built program in `dir` (its scenarios/ can be added to); returns its cli.js. */
export function copyInstall(dir: string): {cli: string; scenarios: string} {
	mkdirSync(path.join(dir, 'dist'), {recursive: true});
	cpSync(path.join(ROOT, 'dist/source'), path.join(dir, 'dist/source'), {recursive: true});
	cpSync(path.join(ROOT, 'scenarios'), path.join(dir, 'scenarios'), {recursive: true});
	cpSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
	symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
	return {cli: path.join(dir, 'dist/source/cli.js'), scenarios: path.join(dir, 'scenarios')};
}

/** A copy of the package as it ships (dist/bundle with its scenario catalog, scenarios/, package.json) for tests that edit scenarios/. */
export function copyShipped(dir: string): {cli: string; scenarios: string} {
	mkdirSync(path.join(dir, 'dist'), {recursive: true});
	cpSync(path.join(ROOT, 'dist/bundle'), path.join(dir, 'dist/bundle'), {recursive: true});
	cpSync(path.join(ROOT, 'scenarios'), path.join(dir, 'scenarios'), {recursive: true});
	cpSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
	return {cli: path.join(dir, 'dist/bundle/xcalltop.js'), scenarios: path.join(dir, 'scenarios')};
}

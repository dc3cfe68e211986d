// Keys as data: each command has its keys and a description; the help overlay, the status
// line and the readme's key table come from this table. Raw terminal input (one escape
// sequence or character at a time, as Ink's input parser splits it) is decoded here too,
// because Ink's useInput does not report F-keys or mouse reports.

export type Command =
	| 'safe-mode'
	| 'ctrl-c'
	| 'kill-9'
	| 'timer'
	| 'mitigation'
	| 'start-consumer'
	| 'pause'
	| 'step-event'
	| 'step-ms'
	| 'speed-up'
	| 'speed-down'
	| 'cpu-prev'
	| 'cpu-next'
	| 'cpu-select'
	| 'focus-next'
	| 'focus-prev'
	| 'focus'
	| 'scroll-up'
	| 'scroll-down'
	| 'page-up'
	| 'page-down'
	| 'scroll-home'
	| 'scroll-end'
	| 'zoom'
	| 'rates'
	| 'log-detail'
	| 'log-filter'
	| 'log-search'
	| 'search-next'
	| 'search-prev'
	| 'tour'
	| 'mouse'
	| 'redraw'
	| 'help'
	| 'quit';

export type Group = 'kernel' | 'time' | 'view' | 'log';

export interface Binding {
	readonly command: Command;
	readonly keys: string;
	readonly describe: string;
	readonly group: Group;
	/** Its word on the status line, where it has one. */
	readonly hint?: string;
}

export const BINDINGS: readonly Binding[] = [
	{command: 'safe-mode', keys: 's', describe: 'DTrace safe mode on / off', group: 'kernel', hint: 'safe'},
	{command: 'ctrl-c', keys: 'Ctrl-C', describe: '^C dtrace (none alive: twice quits)', group: 'kernel', hint: 'stop'},
	{command: 'kill-9', keys: 'K', describe: 'kill -9 dtrace', group: 'kernel', hint: 'kill'},
	{command: 'timer', keys: 't', describe: 'fire the pending timer on the selected CPU', group: 'kernel', hint: 'timer'},
	{command: 'mitigation', keys: 'm', describe: "flip the scenario's mitigation", group: 'kernel', hint: 'mitigate'},
	{command: 'start-consumer', keys: 'd', describe: 'start dtrace when none runs', group: 'kernel', hint: 'dtrace'},
	{command: 'pause', keys: 'space', describe: 'pause / resume', group: 'time', hint: 'pause'},
	{command: 'step-event', keys: '.', describe: 'step one kernel event (pauses)', group: 'time', hint: 'step'},
	{command: 'step-ms', keys: ',', describe: 'step 1 ms of virtual time (pauses)', group: 'time'},
	{command: 'speed-up', keys: '+', describe: 'faster: x0.1 ... x100, max', group: 'time', hint: 'speed'},
	{command: 'speed-down', keys: '-', describe: 'slower', group: 'time'},
	{command: 'tour', keys: 'i', describe: "the scenario's story: what to press, what to watch", group: 'view', hint: 'story'},
	{command: 'focus-next', keys: 'Tab', describe: 'focus the next pane (Shift-Tab: previous)', group: 'view', hint: 'pane'},
	{command: 'zoom', keys: 'z', describe: 'zoom the focused pane to the whole screen', group: 'view', hint: 'zoom'},
	{command: 'cpu-prev', keys: 'Left', describe: 'previous CPU', group: 'view'},
	{command: 'cpu-next', keys: 'Right', describe: 'next CPU', group: 'view'},
	{command: 'cpu-select', keys: '0-9', describe: 'select CPU n (type 12 quickly for CPU12)', group: 'view'},
	{command: 'scroll-up', keys: 'Up', describe: 'scroll the focused pane back', group: 'view'},
	{command: 'scroll-down', keys: 'Down', describe: 'scroll it forward', group: 'view'},
	{command: 'page-up', keys: 'PgUp', describe: 'a page back', group: 'view'},
	{command: 'page-down', keys: 'PgDn', describe: 'a page forward', group: 'view'},
	{command: 'scroll-home', keys: 'Home g', describe: 'to the oldest / first line', group: 'view'},
	{command: 'scroll-end', keys: 'End G', describe: 'to the newest / last line', group: 'view'},
	{command: 'rates', keys: 'r', describe: 'interrupts: rates per second / totals', group: 'view'},
	{command: 'mouse', keys: 'M', describe: 'mouse on / off (off: select text)', group: 'view'},
	{command: 'redraw', keys: 'Ctrl-L', describe: 'redraw the screen', group: 'view'},
	{command: 'help', keys: '? h F1', describe: 'this help (any key closes it)', group: 'view', hint: 'help'},
	{command: 'quit', keys: 'q F10', describe: 'quit', group: 'view', hint: 'quit'},
	{command: 'log-detail', keys: 'f', describe: 'headlines / full text with stack dumps', group: 'log', hint: 'full'},
	{command: 'log-filter', keys: 'l', describe: 'filter: all, problems (WARN, BUG, lockups), RCU', group: 'log', hint: 'filter'},
	{command: 'log-search', keys: '/', describe: 'search (Enter: go, Esc: cancel)', group: 'log', hint: 'search'},
	{command: 'search-next', keys: 'n', describe: 'next match (older)', group: 'log'},
	{command: 'search-prev', keys: 'N', describe: 'previous match (newer)', group: 'log'},
];

/** A decoded key press or mouse report. */
export type KeyEvent =
	| {readonly kind: 'key'; readonly name: string; readonly ctrl: boolean; readonly shift: boolean}
	| {readonly kind: 'char'; readonly char: string}
	| {readonly kind: 'mouse'; readonly button: 'left' | 'wheel-up' | 'wheel-down' | 'other'; readonly row: number; readonly col: number; readonly release: boolean};

/** Escape sequences of xterm, rxvt, the Linux console and tmux, by key name. */
const SEQUENCES: Readonly<Record<string, string>> = {
	'\u001B[A': 'up',
	'\u001B[B': 'down',
	'\u001B[C': 'right',
	'\u001B[D': 'left',
	'\u001BOA': 'up',
	'\u001BOB': 'down',
	'\u001BOC': 'right',
	'\u001BOD': 'left',
	'\u001B[H': 'home',
	'\u001B[F': 'end',
	'\u001BOH': 'home',
	'\u001BOF': 'end',
	'\u001B[1~': 'home',
	'\u001B[4~': 'end',
	'\u001B[7~': 'home',
	'\u001B[8~': 'end',
	'\u001B[5~': 'pageup',
	'\u001B[6~': 'pagedown',
	'\u001B[Z': 'shift-tab',
	'\u001BOP': 'f1',
	'\u001B[11~': 'f1',
	'\u001B[[A': 'f1',
	'\u001B[21~': 'f10',
	'\u001B': 'escape',
	'\t': 'tab',
	'\r': 'return',
	'\n': 'return',
	'\u007F': 'backspace',
	'\b': 'backspace',
};

/** Decodes one input event as Ink's parser delivers it: a sequence, or typed characters. */
/**
 * Splits a chunk of terminal input into key sequences: CSI (ESC [ ... final byte), SS3
 * (ESC O x), a lone ESC, and everything else. Keys pressed in quick succession, or while the
 * program was busy, arrive as one chunk: ESC then q must stay two keys, and two arrows two.
 */
export function splitInput(data: string): string[] {
	const out: string[] = [];
	let plain = '';
	const flush = (): void => {
		if (plain) out.push(plain);
		plain = '';
	};
	for (let i = 0; i < data.length; ) {
		if (data[i] !== '\u001B') {
			plain += data[i++];
			continue;
		}
		flush();
		let end = i + 1;
		if (data[end] === '[') {
			end++;
			while (end < data.length && !/[@-~]/.test(data[end]!)) end++;
			end = Math.min(data.length, end + 1);
		} else if (data[end] === 'O' && end + 1 < data.length) end += 2;
		out.push(data.slice(i, end));
		i = end;
	}
	flush();
	return out;
}

export function decode(data: string): KeyEvent[] {
	const parts = splitInput(data);
	return parts.length === 1 ? decodeOne(data) : parts.flatMap(decodeOne);
}

function decodeOne(data: string): KeyEvent[] {
	const named = SEQUENCES[data];
	if (named) return [{kind: 'key', name: named, ctrl: false, shift: named === 'shift-tab'}];
	// SGR mouse report: ESC [ < button ; column ; row (M press, m release), 1-based.
	// eslint-disable-next-line no-control-regex -- terminal reports start with ESC
	const mouse = /^\u001B\[<(\d+);(\d+);(\d+)([Mm])$/.exec(data);
	if (mouse) {
		const b = Number(mouse[1]);
		const button = b === 64 ? 'wheel-up' : b === 65 ? 'wheel-down' : (b & 3) === 0 && b < 32 ? 'left' : 'other';
		return [{kind: 'mouse', button, col: Number(mouse[2]) - 1, row: Number(mouse[3]) - 1, release: mouse[4] === 'm'}];
	}
	if (data.startsWith('\u001B')) {
		// Modified arrows and the like (ESC [ 1 ; 5 A): the key without its modifier.
		// eslint-disable-next-line no-control-regex -- terminal reports start with ESC
		const modified = /^\u001B\[1;(\d)([A-DHF])$/.exec(data);
		if (modified) {
			const base = SEQUENCES[`\u001B[${modified[2]}`]!;
			return [{kind: 'key', name: base, ctrl: modified[1] === '5', shift: modified[1] === '2'}];
		}
		return [];
	}
	const out: KeyEvent[] = [];
	// Keys typed quickly, or pasted, arrive as one chunk: one character at a time.
	for (const ch of data) {
		const code = ch.codePointAt(0)!;
		if (SEQUENCES[ch]) out.push({kind: 'key', name: SEQUENCES[ch], ctrl: false, shift: false});
		else if (code < 32) out.push({kind: 'key', name: String.fromCodePoint(code + 96), ctrl: true, shift: false});
		else out.push({kind: 'char', char: ch});
	}
	return out;
}

/** Plain characters and the commands they give (= and _ spare the shift key). */
const CHARACTER_KEYS: Readonly<Record<string, Command>> = {
	s: 'safe-mode',
	K: 'kill-9',
	t: 'timer',
	m: 'mitigation',
	d: 'start-consumer',
	' ': 'pause',
	'.': 'step-event',
	',': 'step-ms',
	'+': 'speed-up',
	'=': 'speed-up',
	'-': 'speed-down',
	_: 'speed-down',
	i: 'tour',
	z: 'zoom',
	r: 'rates',
	f: 'log-detail',
	l: 'log-filter',
	'/': 'log-search',
	n: 'search-next',
	N: 'search-prev',
	M: 'mouse',
	g: 'scroll-home',
	G: 'scroll-end',
	'?': 'help',
	h: 'help',
	q: 'quit',
};

const NAMED_KEYS: Readonly<Record<string, Command>> = {
	tab: 'focus-next',
	'shift-tab': 'focus-prev',
	left: 'cpu-prev',
	right: 'cpu-next',
	up: 'scroll-up',
	down: 'scroll-down',
	pageup: 'page-up',
	pagedown: 'page-down',
	home: 'scroll-home',
	end: 'scroll-end',
	f1: 'help',
	f10: 'quit',
};

/** Maps a key press to a command and its argument (the CPU for cpu-select). */
export function commandFor(k: KeyEvent): {command: Command; arg?: string} | undefined {
	if (k.kind === 'mouse') return undefined;
	if (k.kind === 'key') {
		if (k.ctrl) return k.name === 'c' ? {command: 'ctrl-c'} : k.name === 'l' ? {command: 'redraw'} : undefined;
		const command = NAMED_KEYS[k.name];
		return command ? {command} : undefined;
	}
	if (/^[0-9]$/.test(k.char)) return {command: 'cpu-select', arg: k.char};
	const command = CHARACTER_KEYS[k.char];
	return command ? {command} : undefined;
}

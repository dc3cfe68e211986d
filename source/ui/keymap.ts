// Keys as data: each command has its keys and a description; the help overlay and the
// status line are generated from this table.

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
	| 'scroll-up'
	| 'scroll-down'
	| 'page-up'
	| 'page-down'
	| 'scroll-end'
	| 'rates'
	| 'log-detail'
	| 'help'
	| 'quit';

export interface Binding {
	readonly command: Command;
	readonly keys: string;
	readonly describe: string;
	readonly group: 'kernel' | 'time' | 'view';
}

export const BINDINGS: readonly Binding[] = [
	{command: 'safe-mode', keys: 's', describe: 'safe mode on / off', group: 'kernel'},
	{command: 'ctrl-c', keys: 'Ctrl-C', describe: '^C dtrace (none alive: twice quits)', group: 'kernel'},
	{command: 'kill-9', keys: 'K', describe: 'kill -9 dtrace', group: 'kernel'},
	{command: 'timer', keys: 't', describe: 'fire a timer on the selected CPU', group: 'kernel'},
	{command: 'mitigation', keys: 'm', describe: "flip the scenario's mitigation", group: 'kernel'},
	{command: 'start-consumer', keys: 'd', describe: 'start dtrace when none runs', group: 'kernel'},
	{command: 'pause', keys: 'space', describe: 'pause / resume', group: 'time'},
	{command: 'step-event', keys: '.', describe: 'step one kernel event', group: 'time'},
	{command: 'step-ms', keys: ',', describe: 'step 1 ms of virtual time', group: 'time'},
	{command: 'speed-up', keys: '+', describe: 'faster (x0.1 ... x100, max)', group: 'time'},
	{command: 'speed-down', keys: '-', describe: 'slower', group: 'time'},
	{command: 'cpu-prev', keys: 'Left', describe: 'previous CPU', group: 'view'},
	{command: 'cpu-next', keys: 'Right', describe: 'next CPU', group: 'view'},
	{command: 'cpu-select', keys: '0-9', describe: 'select CPU n', group: 'view'},
	{command: 'focus-next', keys: 'Tab', describe: 'focus the next pane', group: 'view'},
	{command: 'scroll-up', keys: 'Up', describe: 'scroll back', group: 'view'},
	{command: 'scroll-down', keys: 'Down', describe: 'scroll forward', group: 'view'},
	{command: 'page-up', keys: 'PgUp', describe: 'page back', group: 'view'},
	{command: 'page-down', keys: 'PgDn', describe: 'page forward', group: 'view'},
	{command: 'scroll-end', keys: 'End', describe: 'back to the newest lines', group: 'view'},
	{command: 'rates', keys: 'r', describe: 'interrupts: rates / totals', group: 'view'},
	{command: 'log-detail', keys: 'f', describe: 'kernel log: headlines / full text', group: 'view'},
	{command: 'help', keys: '?', describe: 'this help (any key closes it)', group: 'view'},
	{command: 'quit', keys: 'q', describe: 'quit', group: 'view'},
];

/** What Ink's useInput reports, reduced to what the keymap needs. */
export interface KeyPress {
	readonly input: string;
	readonly ctrl: boolean;
	readonly tab: boolean;
	readonly leftArrow: boolean;
	readonly rightArrow: boolean;
	readonly upArrow: boolean;
	readonly downArrow: boolean;
	readonly pageUp: boolean;
	readonly pageDown: boolean;
}

/** Maps a key press to a command and its argument (the CPU for cpu-select). */
export function commandFor(k: KeyPress): {command: Command; arg?: string} | undefined {
	if (k.ctrl && k.input === 'c') return {command: 'ctrl-c'};
	if (k.tab) return {command: 'focus-next'};
	if (k.leftArrow) return {command: 'cpu-prev'};
	if (k.rightArrow) return {command: 'cpu-next'};
	if (k.upArrow) return {command: 'scroll-up'};
	if (k.downArrow) return {command: 'scroll-down'};
	if (k.pageUp) return {command: 'page-up'};
	if (k.pageDown) return {command: 'page-down'};
	if (k.ctrl) return undefined;
	if (/^[0-9]$/.test(k.input)) return {command: 'cpu-select', arg: k.input};
	const command = CHARACTER_KEYS[k.input];
	return command ? {command} : undefined;
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
	r: 'rates',
	f: 'log-detail',
	'?': 'help',
	h: 'help',
	q: 'quit',
	G: 'scroll-end',
};

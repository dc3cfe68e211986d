// The pieces of an asciicast export that do not need Ink: marker labels in words, frames
// encoded as the lines that changed, the idle limit, and writing the outputs all or nothing.
import stringWidth from 'string-width';
import type {Controller} from '../ui/controller.js';
import {BINDINGS, type Command} from '../ui/keymap.js';
import {speedLabel} from '../ui/ui-state.js';
import type {Stamp} from './replay.js';

// --- markers -------------------------------------------------------------------------------

/**
 * Kernel messages that get a marker, and its label. A message is its head record and the
 * records after it; the first rule that matches any of its lines names it, so the specific
 * rules come before the catch-alls. Messages no rule matches (probe output, ratelimit notes,
 * scenario chatter) get no marker.
 */
const WARNINGS: readonly (readonly [RegExp, (m: RegExpMatchArray, lines: readonly string[]) => string])[] = [
	[/Kernel panic - not syncing: (.*)/, (m) => `Kernel panic: ${warningLabel([m[1]!]) ?? m[1]!}`],
	[/hard LOCKUP on cpu (\d+)/, (m) => `hard LOCKUP cpu ${m[1]}`],
	[/soft lockup - CPU#(\d+) stuck for (\d+)s/, (m) => `soft lockup CPU#${m[1]} ${m[2]}s`],
	[/detected stalls on CPUs\/tasks:(?: \{([\d ]*)\})?/, (m, lines) => `RCU stall on CPUs {${(m[1] ?? modernStallCpus(lines)).trim()}}`],
	[/self-detected stall on CPU(?: \{ (\d+)\})?/, (m, lines) => `RCU self-detected stall CPU ${m[1] ?? modernStallCpus(lines)}`],
	[/Stall ended before state dump start/, () => 'RCU stall ended'],
	[/suspicious RCU usage/, () => 'suspicious RCU usage'],
	[/^BUG: scheduling while atomic/, () => 'BUG: scheduling while atomic'],
	[/^WARNING: (?:CPU: \d+ PID: \d+ )?at \S+ (\w+)/, (m) => `WARN ${m[1]}`],
	[/^(?:\w+: )?((?:BUG|WARNING|INFO): .*)/, (m) => m[1]!],
];

/** The CPUs a modern-format stall report lists, one per line (`rcu: \t1-....: ...`). */
function modernStallCpus(lines: readonly string[]): string {
	return lines.flatMap((l) => /^rcu: \t(\d+)-/.exec(l)?.[1] ?? []).join(' ');
}

const MAX_LABEL = 72;
const clip = (text: string): string => (text.length > MAX_LABEL ? text.slice(0, MAX_LABEL - 3) + '...' : text);

/** A short label in words for a kernel message (its lines, head first), or undefined when it is no warning. */
export function warningLabel(lines: readonly string[]): string | undefined {
	for (const [re, label] of WARNINGS) {
		for (const line of lines) {
			const m = re.exec(line);
			if (m) return clip(label(m, lines));
		}
	}
	return undefined;
}

const BINDING = new Map(BINDINGS.map((b) => [b.command, b]));

/** Commands that get a marker: kernel inputs and time controls. View commands change no state worth a chapter. */
export function marksCommand(command: Command): boolean {
	const group = BINDING.get(command)?.group;
	return group === 'kernel' || group === 'time';
}

/**
 * A command's marker: its key and what it did, in the words of the status-line message it
 * put up (`before` and `after` are the messages on the screen around it; a kernel input
 * always says something, even the same words twice). Commands that say nothing get a name
 * from the state they left.
 */
export function commandLabel(command: Command, before: string | undefined, after: string | undefined, controller: Controller): string {
	const binding = BINDING.get(command);
	const said = after !== undefined && (after !== before || binding?.group === 'kernel') ? after : undefined;
	const ui = controller.ui;
	const own: Partial<Record<Command, string>> = {
		pause: ui.paused ? 'paused' : 'resumed',
		'step-event': 'step one event',
		'step-ms': 'step 1 ms',
		'speed-up': `speed ${speedLabel(ui.speedIndex)}`,
		'speed-down': `speed ${speedLabel(ui.speedIndex)}`,
	};
	return clip(`key ${binding?.keys ?? command}: ${said ?? own[command] ?? binding?.describe ?? command}`);
}

// --- wall time ------------------------------------------------------------------------------

/**
 * The wall position (ms) at which virtual time reaches `ns` between two recorded points: the
 * inverse of replay's virtualAt. Where virtual time stands still (a pause), the earlier point.
 */
export function wallAt(prev: Stamp, upcoming: Stamp, ns: number): number {
	const dv = upcoming.at - prev.at;
	if (dv <= 0) return prev.wall;
	const fraction = Math.min(1, Math.max(0, (ns - prev.at) / dv));
	return prev.wall + fraction * (upcoming.wall - prev.wall);
}

export type CastEvent = [ms: number, code: 'o' | 'm', data: string];

/**
 * Sorts events by time (a stable sort keeps same-time order), drops a warning marker that
 * repeats the marker just before it, and shortens every gap between events to `limitMs`
 * (0: no limit), as asciinema's idle_time_limit does when it plays.
 */
export function finishEvents(events: readonly (CastEvent & {warning?: boolean})[], limitMs: number): CastEvent[] {
	const sorted = [...events].sort((a, b) => a[0] - b[0]);
	const out: CastEvent[] = [];
	let lastMarker: string | undefined;
	let lastIn = 0;
	let lastOut = 0;
	for (const e of sorted) {
		if (e[1] === 'm') {
			if (e.warning && e[2] === lastMarker) continue;
			lastMarker = e[2];
		}
		const gap = e[0] - lastIn;
		lastIn = e[0];
		lastOut += limitMs > 0 ? Math.min(gap, limitMs) : gap;
		out.push([lastOut, e[1], e[2]]);
	}
	return out;
}

// --- frames ---------------------------------------------------------------------------------

const HIDE_CURSOR = '\u001B[?25l';
const CLEAR = '\u001B[H\u001B[2J';
const ERASE_LINE_END = '\u001B[K';

/**
 * What to write to turn a terminal showing `previous` (undefined: anything) into one showing
 * `next`: the first frame clears and writes every line; later frames rewrite only the lines
 * that changed, each from column 1, erased to the end of the line unless it fills the width
 * (a terminal waiting to wrap may erase the last column). Lines are self-contained (Ink
 * closes every colour it opens), so each can be written on its own.
 */
export function encodeFrame(previous: readonly string[] | undefined, next: readonly string[], cols: number): string {
	if (previous === undefined) return HIDE_CURSOR + CLEAR + next.join('\r\n');
	let out = '';
	for (let i = 0; i < Math.max(previous.length, next.length); i++) {
		const line = next[i] ?? '';
		if (line === (previous[i] ?? '')) continue;
		out += `\u001B[${i + 1};1H${line}${stringWidth(line) < cols ? ERASE_LINE_END : ''}`;
	}
	return out;
}

// --- output files ---------------------------------------------------------------------------

// Writing them all or nothing, regular files only: output-file.ts (the monitor's --record uses it too).
export {OutputError, writeAll, type Output} from './output-file.js';

// The session file: JSON lines. Line 1 is the header (format version, program version, the
// scenario's full text, seed, options, terminal size); every further line is one command
// with the virtual time it was applied at and the wall time since the start; the last line
// of a finished session carries the event-log hash.
import type {Command} from '../ui/keymap.js';

export const SESSION_FORMAT = 1;

export interface SessionHeader {
	readonly 'xcalltop-session': number;
	readonly version: string;
	readonly scenario: {readonly name: string; readonly content: string};
	readonly seed: number;
	readonly options: {readonly mitigated: boolean; readonly speedIndex: number; readonly paused: boolean; readonly fps: number};
	readonly terminal: {readonly cols: number; readonly rows: number};
}

export interface CommandLine {
	/** Virtual ns at which it was applied. */
	readonly at: number;
	/** Wall ms since the session started: the pace a replay keeps. */
	readonly wall: number;
	readonly command: Command;
	readonly arg?: string;
}

export interface EndLine {
	readonly at: number;
	readonly wall: number;
	readonly end: true;
	/** The kernel's event-log hash when the session ended. */
	readonly hash: string;
	readonly events: number;
}

export type SessionLine = CommandLine | EndLine;

export function isEnd(line: SessionLine): line is EndLine {
	return 'end' in line;
}

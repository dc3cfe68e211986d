import React from 'react';
import {Box, Text} from 'ink';
import {tone, type Theme} from '../theme.js';
import {fitSegments, fit, stringWidth, wrap} from '../text.js';
import {BINDINGS, type Command} from '../keymap.js';

/** In a replay the time keys drive the playback, and say so. */
export const REPLAY_WORDS: Partial<Record<Command, {hint?: string; describe: string}>> = {
	pause: {hint: 'pause', describe: 'pause / resume the playback'},
	'step-event': {hint: 'next command', describe: 'apply the next recorded command now'},
	'step-ms': {describe: 'apply the next recorded command now'},
	'speed-up': {hint: 'playback speed', describe: 'faster playback: x0.25 ... x16'},
	'speed-down': {describe: 'slower playback'},
};

/** The first key of a binding as the status line writes it. */
function keyWord(keys: string): string {
	const first = keys.split(' ')[0]!;
	return first === 'Ctrl-C' ? '^C' : first === '+' ? '+/-' : first;
}

/** Key hints for what this scenario and mode offer; most needed first, a narrow terminal cuts the end. */
function hints(available: readonly Command[], replay: boolean): string {
	const order: Command[] = ['help', 'quit', 'safe-mode', 'ctrl-c', 'kill-9', 'timer', 'mitigation', 'start-consumer', 'pause', 'step-event', 'speed-up', 'tour', 'focus-next', 'zoom', 'log-detail', 'log-filter', 'log-search'];
	return fitSegments(
		order
			.filter((c) => available.includes(c))
			.map((c) => {
				const b = BINDINGS.find((x) => x.command === c)!;
				return `${keyWord(b.keys)} ${(replay ? REPLAY_WORDS[c]?.hint : undefined) ?? b.hint}`;
			}),
		Number.POSITIVE_INFINITY,
	);
}

/** Lines a status message needs at this width (the layout gives it two when one is not enough). */
export function statusLines(message: string | undefined, width: number): number {
	return message !== undefined && stringWidth(message) > width - 1 ? 2 : 1;
}

/** Memoized: its props change when a key is pressed or a message comes, not with each frame. */
export const StatusLine = React.memo(function StatusLine({message, prompt, available, replay, width, theme}: {message: string | undefined; prompt: string | undefined; available: readonly Command[]; replay: boolean; width: number; theme: Theme}): React.JSX.Element {
	if (prompt !== undefined) return <Text>{fit(prompt, width - 1)}</Text>;
	if (message === undefined) return <Text color={tone(theme, 'dim')}>{fit(fitSegments(hints(available, replay).split('  '), width - 1), width - 1)}</Text>;
	const lines = wrap(message, width - 1).slice(0, statusLines(message, width));
	return (
		<Box flexDirection="column">
			{lines.map((l, i) => (
				<Text key={i} color={tone(theme, 'warn')} inverse>
					{fit(i === lines.length - 1 && lines.length < wrap(message, width - 1).length ? `${l.slice(0, -1)}…` : l, width - 1)}
				</Text>
			))}
		</Box>
	);
});

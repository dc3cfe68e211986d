import React from 'react';
import {Text} from 'ink';
import {tone, type Theme} from '../theme.js';
import {fitSegments, fit} from '../text.js';
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

export function StatusLine({message, prompt, available, replay, width, theme}: {message: string | undefined; prompt: string | undefined; available: readonly Command[]; replay: boolean; width: number; theme: Theme}): React.JSX.Element {
	if (prompt !== undefined) return <Text>{fit(prompt, width - 1)}</Text>;
	const text = message ?? fitSegments(hints(available, replay).split('  '), width - 1);
	return (
		<Text color={message ? tone(theme, 'warn') : tone(theme, 'dim')} inverse={message !== undefined}>
			{fit(text, width - 1)}
		</Text>
	);
}

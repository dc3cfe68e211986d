import React from 'react';
import {Box, Text} from 'ink';
import type {ViewModel} from '../view-model.js';
import {tone, type Theme} from '../theme.js';
import {clip} from '../text.js';
import {Title} from './Title.js';

/** Lock holders and waiters, then the wait-for chain in words. */
export const Locks = React.memo(function Locks({locks, height, width, scroll, focused, theme}: {locks: ViewModel['locks']; height: number; width: number; scroll: number; focused: boolean; theme: Theme}): React.JSX.Element {
	const lines: {text: string; bad?: boolean}[] = [];
	for (const l of locks.rows) {
		const held = l.holder === '-' ? 'free' : `${l.holder} ${l.heldFor}`;
		lines.push({text: `${l.name} ${held}${l.waiters === '-' ? '' : ` <- ${l.waiters}`}`});
	}
	if (locks.lockup) for (const part of wrap(`LOCKUP: ${locks.lockup}`, width - 1)) lines.push({text: part, bad: true});
	else if (locks.chain.length > 0) for (const c of locks.chain) for (const part of wrap(`waits: ${c}`, width - 1)) lines.push({text: part});
	const body = height - 1;
	const first = Math.min(scroll, Math.max(0, lines.length - body));
	const shown = lines.slice(first, first + body);
	return (
		<Box height={height} width={width} flexDirection="column" overflow="hidden">
			<Title text="Locks and wait-for" focused={focused} width={width} theme={theme} />
			{shown.map((l, i) => (
				<Text key={i} color={l.bad ? tone(theme, 'bad') : undefined}>
					{clip(l.text, width - 1)}
				</Text>
			))}
		</Box>
	);
});

/** Word-wraps text to lines of at most `width` columns. */
export function wrap(text: string, width: number): string[] {
	const out: string[] = [];
	let line = '';
	for (const word of text.split(' ')) {
		if (line && line.length + 1 + word.length > width) {
			out.push(line);
			line = `  ${word}`;
		} else line = line ? `${line} ${word}` : word;
	}
	if (line) out.push(line);
	return out;
}

import React from 'react';
import {Box, Text} from 'ink';
import {CompactTable, type Row} from '../CompactTable.js';
import type {ViewModel} from '../view-model.js';
import {tone, type Theme, type Tone} from '../theme.js';
import {clip, fit} from '../text.js';
import {Title} from './Title.js';

const COLUMNS = [{key: 'lock'}, {key: 'holder'}, {key: 'held', align: 'right' as const}, {key: 'waiters'}];

/** Lock holders and waiters (scrollable), then the wait-for chain that explains a lockup, in words. */
export const Locks = React.memo(function Locks({locks, height, width, scroll, focused, theme}: {locks: ViewModel['locks']; height: number; width: number; scroll: number; focused: boolean; theme: Theme}): React.JSX.Element {
	const words: {text: string; bad?: boolean}[] = [];
	if (locks.lockup) for (const part of wrap(`LOCKUP: ${locks.lockup}`, width - 1)) words.push({text: part, bad: true});
	else for (const c of locks.chain) for (const part of wrap(`waits: ${c}`, width - 1)) words.push({text: part});
	const body = height - 2;
	// The explanation matters more than the list: it gets the room it needs, the table the rest.
	const tableRows = Math.max(1, Math.min(locks.rows.length, body - Math.min(words.length, body - 1)));
	const first = Math.min(scroll, Math.max(0, locks.rows.length - tableRows));
	const inner = Math.max(20, width - 1 - COLUMNS.length * 2);
	const widths = {lock: Math.min(14, Math.floor(inner * 0.34)), holder: Math.min(16, Math.floor(inner * 0.34)), held: 5, waiters: 0};
	widths.waiters = Math.max(4, inner - widths.lock - widths.holder - widths.held);
	const data: Row[] = locks.rows.slice(first, first + tableRows).map((l) => ({
		lock: fit(l.name, widths.lock),
		holder: fit(l.holder === '-' ? 'free' : l.holder, widths.holder),
		held: fit(l.heldFor, widths.held, 'right'),
		waiters: fit(l.waiters, widths.waiters),
	}));
	const toneOf = (text: string, column: number): Tone | undefined => (column === 3 && text !== '-' ? 'warn' : undefined);
	return (
		<Box height={height} width={width} flexDirection="column" overflow="hidden">
			<Title text="Locks and wait-for" focused={focused} width={width} theme={theme} />
			<CompactTable data={data} columns={COLUMNS} widths={widths} theme={theme} toneOf={toneOf} />
			{words.slice(0, body - tableRows).map((l, i) => (
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

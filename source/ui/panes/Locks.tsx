import React from 'react';
import {Box, Text} from 'ink';
import {CompactTable, type Row} from '../CompactTable.js';
import type {LockRow, ViewModel} from '../view-model.js';
import {tone, type Theme, type Tone} from '../theme.js';
import {allocate, clip, fit, wrap} from '../text.js';
import {Title} from './Title.js';

const COLUMNS = [{key: 'lock'}, {key: 'holder'}, {key: 'held', align: 'right' as const}, {key: 'waiters'}];

type Line = {kind: 'lock'; lock: LockRow} | {kind: 'words'; text: string; bad: boolean};

/**
 * What the pane scrolls over, most telling first: locks someone holds or waits for, the
 * explanation (a lockup, or the wait-for edges) wrapped to the pane, then free locks.
 */
function lockLines(locks: ViewModel['locks'], width: number): Line[] {
	const words: Line[] = locks.lockup ? wrap(`LOCKUP: ${locks.lockup}`, width).map((text) => ({kind: 'words', text, bad: true})) : locks.chain.flatMap((c) => wrap(`waits: ${c}`, width).map((text): Line => ({kind: 'words', text, bad: false})));
	const busy = locks.rows.filter((l) => l.holder !== '-' || l.waiters !== '-');
	const free = locks.rows.filter((l) => l.holder === '-' && l.waiters === '-');
	return [...busy.map((lock): Line => ({kind: 'lock', lock})), ...words, ...free.map((lock): Line => ({kind: 'lock', lock}))];
}

/** Lines of the body that matter at the pane's width: busy locks and the explanation (the layout makes room for them), not free locks. */
export function locksBodyLines(locks: ViewModel['locks'], width: number): number {
	return lockLines(locks, width - 1).filter((l) => l.kind === 'words' || l.lock.holder !== '-' || l.lock.waiters !== '-').length;
}

/** Lines past what the body shows. */
export function locksMaxScroll(locks: ViewModel['locks'], width: number, height: number): number {
	return Math.max(0, lockLines(locks, width - 1).length - (height - 2));
}

/** Lock holders and waiters and the wait-for chain that explains a lockup, as one scrollable list. */
export const Locks = React.memo(function Locks({locks, height, width, scroll, focused, theme}: {locks: ViewModel['locks']; height: number; width: number; scroll: number; focused: boolean; theme: Theme}): React.JSX.Element {
	const lines = lockLines(locks, width - 1);
	const body = height - 2;
	const first = Math.max(0, Math.min(scroll, lines.length - body));
	// Names, holders and hold times whole; waiters take the rest.
	const widest = (pick: (l: LockRow) => string): number => Math.max(4, ...locks.rows.map((l) => pick(l).length));
	const w = allocate(
		[
			{key: 'lock', min: 6, want: widest((l) => l.name)},
			{key: 'holder', min: 6, want: widest((l) => (l.holder === '-' ? 'free' : l.holder))},
			{key: 'waiters', min: 5, want: widest((l) => l.waiters)},
		],
		Math.max(17, width - 1 - 6 - COLUMNS.length * 2),
		'waiters',
	);
	const widths = {lock: w['lock']!, holder: w['holder']!, held: 6, waiters: w['waiters']!};
	const row = (l: LockRow): Row => ({
		lock: fit(l.name, widths.lock),
		holder: fit(l.holder === '-' ? 'free' : l.holder, widths.holder),
		held: fit(l.heldFor, widths.held, 'right'),
		waiters: fit(l.waiters, widths.waiters),
	});
	const toneOf = (text: string, column: number): Tone | undefined => (column === 3 && text !== '-' ? 'warn' : undefined);
	// Runs of lock rows render as tables (one line each) in the same columns; words as text.
	const shown = lines.slice(first, first + body);
	const blocks: React.JSX.Element[] = [];
	for (let i = 0; i < shown.length; ) {
		const start = i;
		if (shown[i]!.kind === 'lock') {
			const run: Row[] = [];
			while (i < shown.length && shown[i]!.kind === 'lock') run.push(row((shown[i++] as {lock: LockRow}).lock));
			blocks.push(<CompactTable key={start} data={run} columns={COLUMNS} widths={widths} theme={theme} toneOf={toneOf} headless />);
		} else {
			const l = shown[i++] as {text: string; bad: boolean};
			blocks.push(
				<Text key={start} color={l.bad ? tone(theme, 'bad') : undefined}>
					{clip(l.text, width - 1)}
				</Text>,
			);
		}
	}
	const more = lines.length > body ? ` (${first > 0 ? '↑' : ''}${first + body < lines.length ? '↓' : ''} z: all)` : '';
	return (
		<Box height={height} width={width} flexDirection="column" overflow="hidden">
			<Title text={`Locks and wait-for${more}`} focused={focused} width={width} theme={theme} />
			<CompactTable data={[]} columns={COLUMNS} widths={widths} theme={theme} headings={{waiters: widths.waiters >= 7 ? 'waiters' : 'waits'}} />
			{blocks}
		</Box>
	);
});

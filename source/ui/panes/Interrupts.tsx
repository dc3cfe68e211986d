import React from 'react';
import {Box} from 'ink';
import {CompactTable, type Row} from '../CompactTable.js';
import type {ViewModel} from '../view-model.js';
import type {Theme, Tone} from '../theme.js';
import {compactNumber} from '../format.js';
import {fit, fitSegments} from '../text.js';
import {Title} from './Title.js';

/** A count in six columns (never cut: 1.3k, 12M) and the change mark. */
const CELL = 7;

export const Interrupts = React.memo(function Interrupts({irq, height, width, rows, selected, focused, zoomed, theme}: {irq: ViewModel['interrupts']; height: number; width: number; rows: number; selected: number; focused: boolean; zoomed: boolean; theme: Theme}): React.JSX.Element {
	const cpuCount = irq.rows[0]?.values.length ?? 0;
	// Zoomed, the rows' names are spelled out, but never at the cost of a CPU column.
	const fullLabel = Math.min(58, Math.max(...irq.rows.map((r) => r.label.length)));
	const labelWidth = zoomed && Math.max(5, 2 + Math.max(3, ...irq.rows.map((r) => r.tag.length))) + cpuCount * (CELL + 2) + fullLabel + 2 <= width - 1 ? fullLabel : 0;
	// The tag column: NMI, LOC... or FreeBSD's longer counter names (timer, rendezvous).
	const tagWidth = Math.max(3, ...irq.rows.map((r) => r.tag.length));
	const room = width - 1 - (tagWidth + 2) - (labelWidth ? labelWidth + 2 : 0);
	const fitCount = Math.max(1, Math.floor(room / (CELL + 2)));
	// Scroll sideways so the selected CPU is always in view.
	const first = Math.max(0, Math.min(selected - Math.floor(fitCount / 2), cpuCount - fitCount));
	const shown = Array.from({length: Math.min(fitCount, cpuCount)}, (_, i) => first + i);
	const columns = [{key: 'irq'}, ...shown.map((c) => ({key: `CPU${c}`, align: 'right' as const})), ...(labelWidth ? [{key: 'label'}] : [])];
	const widths: Record<string, number> = {irq: tagWidth, label: labelWidth};
	for (const c of shown) widths[`CPU${c}`] = CELL;
	const data: Row[] = irq.rows.slice(0, Math.max(0, Math.min(rows, height - 2))).map((r) => {
		const row: Row = {irq: r.tag, label: fit(r.label, labelWidth)};
		// A changed cell carries a trailing '*': visible without colour.
		for (const c of shown) row[`CPU${c}`] = fit(compactNumber(r.values[c]!, CELL - 1) + (r.changed[c] ? '*' : ' '), CELL, 'right');
		return row;
	});
	const mode = irq.rates ? `Interrupts/s (${irq.interval || '1s'})` : 'Interrupts, totals';
	const more = cpuCount > shown.length ? ` CPU${first}${shown.length > 1 ? `-${first + shown.length - 1}` : ''} of ${cpuCount}` : '';
	const toneOf = (text: string): Tone | undefined => (text.endsWith('*') ? 'accent' : undefined);
	return (
		<Box height={height} width={width} flexDirection="column" overflow="hidden">
			<Title text={fitSegments([mode, more.trim()], width - 5, ', ')} focused={focused} width={width} theme={theme} right="r" />
			<CompactTable data={data} columns={columns} widths={widths} theme={theme} toneOf={toneOf} />
		</Box>
	);
});

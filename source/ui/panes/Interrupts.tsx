import React from 'react';
import {Box} from 'ink';
import {CompactTable, type Row} from '../CompactTable.js';
import type {ViewModel} from '../view-model.js';
import type {Theme, Tone} from '../theme.js';
import {compactNumber, fit} from '../text.js';
import {Title} from './Title.js';

const CELL = 8;

export const Interrupts = React.memo(function Interrupts({irq, height, width, rows, selected, focused, theme}: {irq: ViewModel['interrupts']; height: number; width: number; rows: number; selected: number; focused: boolean; theme: Theme}): React.JSX.Element {
	const cpuCount = irq.rows[0]?.values.length ?? 0;
	const fitCount = Math.max(1, Math.floor((width - 6) / (CELL + 2)));
	// Scroll sideways so the selected CPU is always in view.
	const first = Math.max(0, Math.min(selected - Math.floor(fitCount / 2), cpuCount - fitCount));
	const shown = Array.from({length: Math.min(fitCount, cpuCount)}, (_, i) => first + i);
	const columns = [{key: 'irq'}, ...shown.map((c) => ({key: `CPU${c}`, align: 'right' as const}))];
	const widths: Record<string, number> = {irq: 3};
	for (const c of shown) widths[`CPU${c}`] = CELL;
	const wanted = ['NMI', 'LOC', 'RES', 'CAL', 'TLB', 'XCL', 'PMI', 'SPU'].slice(0, rows);
	const data: Row[] = irq.rows
		.filter((r) => wanted.includes(r.tag))
		.sort((a, b) => wanted.indexOf(a.tag) - wanted.indexOf(b.tag))
		.map((r) => {
			const row: Row = {irq: r.tag};
			// A changed cell carries a trailing '*': visible without colour.
			for (const c of shown) row[`CPU${c}`] = fit(compactNumber(r.values[c]!) + (r.changed[c] ? '*' : ' '), CELL, 'right');
			return row;
		});
	const mode = irq.rates ? `per s over ${irq.interval || '1s'}` : 'totals';
	const more = cpuCount > shown.length ? `, CPU${first}-${first + shown.length - 1}/${cpuCount}` : '';
	const toneOf = (text: string): Tone | undefined => (text.endsWith('*') ? 'accent' : undefined);
	return (
		<Box height={height} width={width} flexDirection="column" overflow="hidden">
			<Title text={`Interrupts, ${mode}${more}`} focused={focused} width={width} theme={theme} right="r" />
			<CompactTable data={data} columns={columns} widths={widths} theme={theme} toneOf={toneOf} />
		</Box>
	);
});

import React from 'react';
import {Box} from 'ink';
import {CompactTable, type Row} from '../CompactTable.js';
import type {CpuRow} from '../view-model.js';
import type {Theme, Tone} from '../theme.js';
import {fit} from '../text.js';

const COLUMNS = [
	{key: 'CPU', align: 'right' as const},
	{key: 'ctx'},
	{key: 'IRQ'},
	{key: 'task'},
	{key: 'doing'},
	{key: 'for', align: 'right' as const},
	{key: 'irq%', align: 'right' as const},
	{key: 'flags'},
];

function toneOf(text: string): Tone | undefined {
	if (text === 'OFF' || text.includes('SOFT') || text.includes('HARD')) return 'bad';
	if (text === 'hardirq' || text === 'nmi' || text.startsWith('spin') || text.includes('wait')) return 'warn';
	return undefined;
}

export const CpuStrip = React.memo(function CpuStrip({cpus, height, width, selected, scroll, focused, theme}: {cpus: readonly CpuRow[]; height: number; width: number; selected: number; scroll: number; focused: boolean; theme: Theme}): React.JSX.Element {
	const visible = height - 1;
	// Keep the selected CPU in view; scrolling moves the window too.
	let first = Math.min(scroll, Math.max(0, cpus.length - visible));
	if (selected < first) first = selected;
	if (selected >= first + visible) first = selected - visible + 1;
	const fixed = {CPU: 3, ctx: 7, IRQ: 3, task: width >= 120 ? 20 : 13, for: 6, 'irq%': 4};
	const used = Object.values(fixed).reduce((a, b) => a + b, 0) + COLUMNS.length * 2;
	const rest = Math.max(10, width - used - 1);
	const flagsWidth = Math.min(24, Math.max(7, Math.floor(rest * 0.25)));
	// Past ~56 columns a wider "doing" only adds blank space between the numbers.
	const widths = {...fixed, doing: Math.min(56, rest - flagsWidth), flags: flagsWidth};
	const data: Row[] = cpus.slice(first, first + visible).map((c) => ({
		CPU: fit(`${c.id === selected ? '>' : ''}${c.id}`, widths.CPU, 'right'),
		ctx: fit(c.ctx, widths.ctx),
		IRQ: c.irqsOff ? 'OFF' : 'on',
		task: fit(c.task, widths.task),
		doing: fit(c.doing, widths.doing),
		for: fit(c.forText, widths.for, 'right'),
		'irq%': fit(`${c.irqLoad}%`, widths['irq%'], 'right'),
		flags: fit(c.flags, widths.flags),
	}));
	return (
		<Box height={height} width={width} flexDirection="column" overflow="hidden">
			<CompactTable data={data} columns={COLUMNS} widths={widths} theme={theme} toneOf={toneOf} selected={selected - first} focused={focused} />
		</Box>
	);
});

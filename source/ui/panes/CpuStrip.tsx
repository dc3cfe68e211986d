import React from 'react';
import {Box, Text} from 'ink';
import {CompactTable, type Row} from '../CompactTable.js';
import type {CpuRow} from '../view-model.js';
import type {Theme, Tone} from '../theme.js';
import {allocate, fit, stringWidth, wrap} from '../text.js';
import {tone} from '../theme.js';

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

/** The first CPU row shown: the scroll position, moved so the selected CPU stays in view. */
export function cpuWindow(count: number, visible: number, selected: number, scroll: number): number {
	let first = Math.min(scroll, Math.max(0, count - visible));
	if (selected < first) first = selected;
	if (selected >= first + visible) first = selected - visible + 1;
	return first;
}

export const CpuStrip = React.memo(function CpuStrip({cpus, height, width, selected, scroll, focused, zoomed, theme}: {cpus: readonly CpuRow[]; height: number; width: number; selected: number; scroll: number; focused: boolean; zoomed: boolean; theme: Theme}): React.JSX.Element {
	const visible = Math.max(1, height - 1);
	const first = cpuWindow(cpus.length, visible, selected, scroll);
	const shown = cpus.slice(first, first + visible);
	const widest = (pick: (c: CpuRow) => string): number => Math.max(0, ...cpus.map((c) => stringWidth(pick(c))));
	// Room for '>' before the heading (focus) and before the selected CPU's number.
	const idWidth = Math.max(4, String(cpus.length - 1).length + 1);
	const fixed = idWidth + 7 + 3 + 6 + 4 + COLUMNS.length * 2 + 1;
	// Task, flags and what the CPU does share the rest: task and flags whole when they can be.
	const w = allocate(
		[
			// Flags are short words read at a glance: whole before anything else grows.
			{key: 'flags', min: 5, want: widest((c) => c.flags)},
			{key: 'doing', min: 10, want: 22},
			{key: 'task', min: 8, want: Math.min(zoomed ? 40 : 20, widest((c) => c.task))},
		],
		Math.max(23, width - fixed),
		'doing',
	);
	// Past ~56 columns a wider "doing" only adds blank space between the numbers.
	if (!zoomed && w['doing']! > 56) w['doing'] = 56;
	const widths = {CPU: idWidth, ctx: 7, IRQ: 3, task: w['task']!, doing: w['doing']!, for: 6, 'irq%': 4, flags: w['flags']!};
	const data: Row[] = shown.map((c) => ({
		CPU: fit(`${c.id === selected ? '>' : ''}${c.id}`, widths.CPU, 'right'),
		ctx: fit(c.ctx, widths.ctx),
		IRQ: c.irqsOff ? 'OFF' : 'on',
		task: fit(c.task, widths.task),
		doing: fit(c.doing, widths.doing),
		for: fit(c.forText, widths.for, 'right'),
		'irq%': fit(`${c.irqLoad}%`, widths['irq%'], 'right'),
		flags: fit(c.flags, widths.flags),
	}));
	const hidden = cpus.length - shown.length;
	// The strip says what it leaves out, in the widest heading.
	const range = `CPU${first}-${first + shown.length - 1}`;
	const doing = hidden > 0 ? ([`doing  [${range} of ${cpus.length}, ${hidden} more]`, `doing [${range} of ${cpus.length}]`, `[${range} of ${cpus.length}]`, `[+${hidden} CPUs]`].find((t) => t.length <= widths.doing) ?? `+${hidden}`) : 'doing';
	if (zoomed) {
		// Zoomed: every CPU, each with what it does in full on the lines under its row.
		const columns = COLUMNS.filter((c) => c.key !== 'doing');
		const zw = {...widths, task: Math.max(4, widest((c) => c.task)), flags: Math.max(5, widest((c) => c.flags)), doing: 0};
		const lines: React.JSX.Element[] = [];
		cpus.forEach((c, i) => {
			const row: Row = {CPU: fit(`${c.id === selected ? '>' : ''}${c.id}`, zw.CPU, 'right'), ctx: fit(c.ctx, zw.ctx), IRQ: c.irqsOff ? 'OFF' : 'on', task: fit(c.task, zw.task), for: fit(c.forText, zw.for, 'right'), 'irq%': fit(`${c.irqLoad}%`, zw['irq%'], 'right'), flags: fit(c.flags, zw.flags)};
			lines.push(<CompactTable key={`r${i}`} data={[row]} columns={columns} widths={zw} theme={theme} toneOf={toneOf} selected={c.id === selected ? 0 : undefined} headless />);
			for (const [j, text] of wrap(c.doing, width - 8, '  ').entries()) lines.push(<Text key={`d${i}.${j}`} color={tone(theme, toneOf(c.doing))}>{`      ${text}`}</Text>);
		});
		const start = Math.max(0, Math.min(scroll, lines.length - visible));
		return (
			<Box height={height} width={width} flexDirection="column" overflow="hidden">
				<CompactTable data={[]} columns={columns} widths={zw} theme={theme} focused={focused} headings={{CPU: focused ? '>CPU' : 'CPU'}} />
				{lines.slice(start, start + visible)}
			</Box>
		);
	}
	return (
		<Box height={height} width={width} flexDirection="column" overflow="hidden">
			<CompactTable data={data} columns={COLUMNS} widths={widths} theme={theme} toneOf={toneOf} selected={selected - first} focused={focused} headings={{doing, CPU: focused ? '>CPU' : 'CPU'}} />
		</Box>
	);
});

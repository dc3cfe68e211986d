import React from 'react';
import {Box, Text} from 'ink';
import {BINDINGS, type Command, type Group} from '../keymap.js';
import {fit, wrap} from '../text.js';
import {tone, type Theme} from '../theme.js';
import {REPLAY_WORDS} from './StatusLine.js';

const GROUPS: Readonly<Record<Group, string>> = {kernel: 'Kernel inputs (stamped in virtual time)', time: 'Time', view: 'View', log: 'Kernel log'};

/** What the marks and words on the screen mean. */
const LEGEND = [
	'flags  rcu: owes RCU a quiescent state  SOFT/HARD: soft/hard lockup reported',
	'       probe: inside a DTrace probe.  ctx hardirq/nmi: inside a handler now',
	'rows   NMI non-maskable  LOC local timer  RES reschedule IPI  CAL function call',
	'       IPI  TLB TLB shootdown  XCL dtrace_xcall IPI (0xd9, not in /proc)',
	'       PMI perf counter  SPU spurious.  12.3k: thousands, never cut',
	'*      the value changed since the last frame',
	'trace  "1.5 #2 4711:" 1.5 s after the first dtrace_printf (the port\'s clock,',
	'       not boot time), CPU2, pid 4711, IRQs on; "4711-": written with IRQs off',
];

type Line = {text: string; head?: boolean};

function section(group: Group, available: readonly Command[], replay: boolean): Line[] {
	const rows = BINDINGS.filter((b) => b.group === group && available.includes(b.command));
	if (rows.length === 0) return [];
	return [{text: GROUPS[group], head: true}, ...rows.map((b) => ({text: ` ${b.keys.padEnd(7)} ${(replay ? REPLAY_WORDS[b.command]?.describe : undefined) ?? b.describe}`})), {text: ''}];
}

/** Every key this scenario offers and the legend, in columns as the width allows, scrolled to the height. */
export function helpLines(width: number, available: readonly Command[], replay: boolean, mitigation: string | undefined): Line[] {
	const groups = (['kernel', 'time', 'view', 'log'] as const).map((g) => section(g, available, replay));
	const legend: Line[] = [{text: 'What the screen shows', head: true}, ...LEGEND.map((text) => ({text}))];
	const tail: Line[] = mitigation ? [{text: ''}, ...wrap(`Mitigation (m): ${mitigation}`, width - 1).map((text) => ({text}))] : [];
	const top: Line[] = [{text: replay ? 'xcalltop keys while replaying (any key closes this)' : 'xcalltop keys (any key closes this)', head: true}, {text: ''}];
	if (width < 120) return [...top, ...groups.flat(), ...legend, ...tail];
	// Wide: keys in two columns side by side, then the legend.
	const left = [...groups[0]!, ...groups[1]!, ...groups[3]!];
	const right = groups[2]!;
	const half = Math.floor(width / 2);
	const rows = Math.max(left.length, right.length);
	const merged: Line[] = Array.from({length: rows}, (_, i) => ({text: fit(left[i]?.text ?? '', half) + (right[i]?.text ?? ''), head: (left[i]?.head ?? false) || (right[i]?.head ?? false)}));
	return [...top, ...merged, ...legend, ...tail];
}

export function Help({width, height, theme, lines, scroll}: {width: number; height: number; theme: Theme; lines: readonly Line[]; scroll: number}): React.JSX.Element {
	const first = Math.max(0, Math.min(scroll, lines.length - height));
	const shown = lines.slice(first, first + height);
	const more = lines.length > height ? (first + height < lines.length ? '  (↓ more: Down/PgDn)' : '') : '';
	return (
		<Box height={height} width={width} flexDirection="column" overflow="hidden">
			{shown.map((l, i) => (
				<Text key={i} bold={l.head} color={l.head ? tone(theme, 'accent') : undefined}>
					{fit(l.text + (i === 0 ? more : ''), width - 1)}
				</Text>
			))}
		</Box>
	);
}

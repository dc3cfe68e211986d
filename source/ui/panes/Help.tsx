import React from 'react';
import {Box, Text} from 'ink';
import {BINDINGS} from '../keymap.js';
import {fit} from '../text.js';
import type {Theme} from '../theme.js';
import {tone} from '../theme.js';

const GROUPS = {kernel: 'Kernel inputs (stamped in virtual time)', time: 'Time', view: 'View'} as const;

type Line = {text: string; head?: boolean};

function section(group: keyof typeof GROUPS): Line[] {
	return [{text: GROUPS[group], head: true}, ...BINDINGS.filter((x) => x.group === group).map((b) => ({text: `  ${b.keys.padEnd(7)} ${b.describe}`})), {text: ''}];
}

/** All keys; in two columns when one does not fit the height. */
export function Help({width, height, theme, mitigation}: {width: number; height: number; theme: Theme; mitigation: string | undefined}): React.JSX.Element {
	const top: Line[] = [{text: 'xcalltop keys (any key closes this)', head: true}, {text: ''}];
	const left = [...section('kernel'), ...section('time')];
	const right = section('view');
	const tail: Line[] = mitigation ? [{text: `This scenario's mitigation (m): ${mitigation}`}] : [];
	const oneColumn = top.length + left.length + right.length + tail.length <= height;
	const columns = oneColumn ? [[...left, ...right]] : [left, right];
	const colWidth = Math.floor(width / columns.length);
	const body = height - top.length - tail.length;
	const show = (l: Line, key: string, w: number): React.JSX.Element => (
		<Text key={key} bold={l.head} color={l.head ? tone(theme, 'accent') : undefined}>
			{fit(l.text, w - 1)}
		</Text>
	);
	return (
		<Box height={height} width={width} flexDirection="column" overflow="hidden">
			{top.map((l, i) => show(l, `t${i}`, width))}
			<Box height={body} flexDirection="row">
				{columns.map((col, c) => (
					<Box key={c} width={colWidth} flexDirection="column">
						{col.slice(0, body).map((l, i) => show(l, `${c}-${i}`, colWidth))}
					</Box>
				))}
			</Box>
			{tail.map((l, i) => show(l, `m${i}`, width))}
		</Box>
	);
}

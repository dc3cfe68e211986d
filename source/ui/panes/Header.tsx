import React from 'react';
import {Box, Text} from 'ink';
import type {ViewModel} from '../view-model.js';
import {tone, type Theme, type Tone} from '../theme.js';
import {stringWidth} from '../text.js';

interface Part {
	readonly key: string;
	readonly text: string;
	readonly tone?: Tone | undefined;
	readonly inverse?: boolean;
}

/** The parts that fit, most important first; a part is shown whole or not at all. */
function headerParts(h: ViewModel['header'], width: number): Part[] {
	const parts: Part[] = [
		{key: 'name', text: `xcalltop ${h.scenario}`, tone: 'accent'},
		{key: 'time', text: h.time},
		...(h.replay ? [{key: 'replay', text: ` ${h.replay} `, tone: 'accent' as const, inverse: true}] : [{key: 'speed', text: h.speed + (h.lagging ? ` (${h.lagging})` : ''), tone: h.lagging ? ('warn' as const) : undefined}]),
		...(h.paused ? [{key: 'paused', text: ' PAUSED ', tone: 'warn' as const, inverse: true}] : []),
		...(h.lockup ? [{key: 'lockup', text: ` ${h.lockup} `, tone: 'bad' as const, inverse: true}] : []),
		...(h.safeMode === undefined ? [] : [{key: 'safe', text: `safe:${h.safeMode ? 'ON' : 'OFF'}`, tone: h.safeMode ? ('good' as const) : ('bad' as const)}]),
		...(h.mitigation ? [{key: 'mit', text: `mitigation:${h.mitigation.on ? 'on' : 'off'}`}] : []),
		...(h.consumer ? [{key: 'consumer', text: h.consumer}] : []),
	];
	const out: Part[] = [];
	let used = 0;
	for (const p of parts) {
		const w = stringWidth(p.text) + (out.length > 0 ? 1 : 0);
		if (used + w > width) continue;
		out.push(p);
		used += w;
	}
	return out;
}

export const Header = React.memo(function Header({h, width, theme}: {h: ViewModel['header']; width: number; theme: Theme}): React.JSX.Element {
	const parts = headerParts(h, width - 1);
	return (
		<Box height={1} width={width} overflow="hidden">
			<Text>
				{parts.map((p, i) => (
					<Text key={p.key}>
						{i > 0 ? ' ' : ''}
						<Text color={tone(theme, p.tone)} inverse={p.inverse} bold={p.inverse}>
							{p.text}
						</Text>
					</Text>
				))}
			</Text>
		</Box>
	);
});

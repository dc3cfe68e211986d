import React from 'react';
import {Box, Text} from 'ink';
import type {ViewModel} from '../view-model.js';
import {tone, type Theme, type Tone} from '../theme.js';
import {fit, stringWidth} from '../text.js';

/** A scenario's name is a file name, maybe a long one: the parts after it must still fit. */
const NAME_MAX = 40;

interface Part {
	readonly key: string;
	/** Lower goes first when the width runs out: the lockup outlives safe mode and the consumer. */
	readonly rank: number;
	readonly text: string;
	/** Shorter forms, tried in order when `text` does not fit: the lockup is cut before it is dropped. */
	readonly shorter?: readonly string[];
	readonly tone?: Tone | undefined;
	readonly inverse?: boolean;
}

/** The parts that fit, most important first; a part is shown whole or not at all. */
function headerParts(h: ViewModel['header'], width: number): Part[] {
	const parts: Part[] = [
		{key: 'name', rank: 0, text: `xcalltop ${fit(h.scenario, Math.min(NAME_MAX, width - 9)).trimEnd()}`, tone: 'accent'},
		{key: 'time', rank: 1, text: h.time},
		...(h.replay ? [{key: 'replay', rank: 4, text: ` ${h.replay} `, tone: 'accent' as const, inverse: true}] : [{key: 'speed', rank: 4, text: h.speed + (h.lagging ? ` (${h.lagging})` : ''), tone: h.lagging ? ('warn' as const) : undefined}]),
		...(h.paused ? [{key: 'paused', rank: 3, text: ' PAUSED ', tone: 'warn' as const, inverse: true}] : []),
		...(h.lockup ? [{key: 'lockup', rank: 2, text: ` ${h.lockup.text} `, shorter: h.lockup.shorter.map((t) => ` ${t} `), tone: h.lockup.ongoing ? ('bad' as const) : ('warn' as const), inverse: h.lockup.ongoing}] : []),
		...(h.safeMode === undefined ? [] : [{key: 'safe', rank: 5, text: `safe:${h.safeMode ? 'ON' : 'OFF'}`, tone: h.safeMode ? ('good' as const) : ('bad' as const)}]),
		...(h.mitigation ? [{key: 'mit', rank: 7, text: `mitigation:${h.mitigation.on ? 'on' : 'off'}`}] : []),
		...(h.consumer ? [{key: 'consumer', rank: 6, text: h.consumer}] : []),
	];
	// Take parts by rank while they fit, then show them in their reading order.
	const kept = new Map<string, Part>();
	let used = 0;
	for (const p of [...parts].sort((a, b) => a.rank - b.rank)) {
		const gap = kept.size > 0 ? 1 : 0;
		const text = [p.text, ...(p.shorter ?? [])].find((t) => used + gap + stringWidth(t) <= width);
		if (text === undefined) continue;
		kept.set(p.key, {...p, text});
		used += gap + stringWidth(text);
	}
	return parts.filter((p) => kept.has(p.key)).map((p) => kept.get(p.key)!);
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

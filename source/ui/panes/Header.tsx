import React from 'react';
import {Box, Text} from 'ink';
import type {ViewModel} from '../view-model.js';
import {tone, type Theme} from '../theme.js';
import {fit} from '../text.js';

export const Header = React.memo(function Header({h, width, theme}: {h: ViewModel['header']; width: number; theme: Theme}): React.JSX.Element {
	const parts: React.JSX.Element[] = [];
	const push = (key: string, text: string, color?: string, inverse = false): void => {
		parts.push(
			<Text key={key} color={color} inverse={inverse} bold={inverse}>
				{text}
			</Text>,
		);
		parts.push(<Text key={`${key}-sp`}> </Text>);
	};
	push('name', `xcalltop ${h.scenario}`, tone(theme, 'accent'));
	if (h.banner) push('banner', ` ${h.banner} `, tone(theme, 'accent'), true);
	push('time', h.time);
	push('speed', h.speed + (h.lagging ? ` (${h.lagging})` : ''), h.lagging ? tone(theme, 'warn') : undefined);
	if (h.paused) push('paused', ' PAUSED ', tone(theme, 'warn'), true);
	if (h.lockup) push('lockup', ` ${h.lockup} `, tone(theme, 'bad'), true);
	if (h.safeMode !== undefined) push('safe', `safe:${h.safeMode ? 'ON' : 'OFF'}`, tone(theme, h.safeMode ? 'good' : 'bad'));
	if (h.mitigation) push('mit', `mitigation:${h.mitigation.on ? 'on' : 'off'}`);
	if (h.consumer) push('consumer', h.consumer);
	return (
		<Box height={1} width={width} overflow="hidden">
			<Text wrap="truncate-end">{parts}</Text>
			<Text>{fit('', 0)}</Text>
		</Box>
	);
});

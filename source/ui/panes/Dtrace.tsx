import React from 'react';
import {Box, Text} from 'ink';
import type {ViewModel} from '../view-model.js';
import {formatDuration} from '../../kernel/time.js';
import {tone, type Theme} from '../theme.js';
import {bar, clip, compactNumber} from '../text.js';

/** Two lines: the port's counters, then teardown progress when a teardown has started. */
export const Dtrace = React.memo(function Dtrace({d, width, theme}: {d: NonNullable<ViewModel['dtrace']>; width: number; theme: Theme}): React.JSX.Element {
	const t = d.teardown;
	let second = 'teardown: none yet (Ctrl-C or K starts one)';
	if (t) {
		const done = t.total - t.left;
		const head = `teardown ${compactNumber(t.left)}/${compactNumber(t.total)} left`;
		const tail = ` syncs ${compactNumber(t.syncs)} xcalls ${compactNumber(t.xcalls)} ${compactNumber(Math.round(t.rate))}/s ${t.done ? `done in ${formatDuration(t.elapsedNs)}` : `ETA ${t.etaNs === undefined ? '?' : formatDuration(t.etaNs)}`} last ack ${t.lastAck}`;
		const barWidth = Math.max(10, Math.min(30, width - head.length - tail.length - 4));
		second = `${head} [${bar(t.total === 0 ? 1 : done / t.total, barWidth)}]${tail}`;
	}
	return (
		<Box height={2} width={width} flexDirection="column" overflow="hidden">
			<Text color={tone(theme, 'dim')}>{clip(`dtrace: ${d.line}`, width - 1)}</Text>
			<Text color={t && !t.done ? tone(theme, 'warn') : undefined}>{clip(second, width - 1)}</Text>
		</Box>
	);
});

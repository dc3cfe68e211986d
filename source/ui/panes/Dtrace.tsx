import React from 'react';
import {Box, Text} from 'ink';
import type {TeardownView, ViewModel} from '../view-model.js';
import {tone, type Theme} from '../theme.js';
import {compactNumber, shortDuration} from '../format.js';
import {bar, clip, fitSegments, stringWidth, wrap} from '../text.js';

/** The teardown line: probes left, a bar, then figures in order of use, whole ones only. */
function teardownLine(t: TeardownView, width: number): string {
	const done = t.total - t.left;
	const head = `teardown ${compactNumber(t.left)}/${compactNumber(t.total)} probes left`;
	const figures = [
		t.done ? `done in ${shortDuration(t.elapsedNs)}` : `ETA ${t.etaNs === undefined ? '?' : shortDuration(t.etaNs)}`,
		`${compactNumber(Math.round(t.rate))} syncs/s`,
		`${compactNumber(t.syncs)} syncs`,
		`${compactNumber(t.acks)} acks`,
		t.done ? (t.slowestCpu === undefined ? '' : `slowest to ack: CPU${t.slowestCpu}`) : t.lastAckCpu === undefined ? '' : `last ack: CPU${t.lastAckCpu}`,
	].filter(Boolean);
	const tail = fitSegments(figures, Math.max(0, width - head.length - 14), ', ');
	const barWidth = Math.max(6, Math.min(30, width - head.length - tail.length - 5));
	return `${head} [${bar(t.total === 0 ? 1 : done / t.total, barWidth)}] ${tail}`;
}

/** Two lines: the consumer and the port's counters, then teardown progress or where the consumer is. */
export const Dtrace = React.memo(function Dtrace({d, width, theme}: {d: NonNullable<ViewModel['dtrace']>; width: number; theme: Theme}): React.JSX.Element {
	const t = d.teardown;
	let first = `dtrace: ${fitSegments([`probes ${d.probes}`, d.xcalls], width - 9, '; ')}`;
	let second = t ? teardownLine(t, width - 1) : d.consumer;
	// A consumer that is stuck matters more than the counters: where it is gets both lines.
	if (!t && stringWidth(d.consumer) > width - 1 && /stuck/.test(d.consumer)) [first, second] = wrap(d.consumer, width - 1) as [string, string];
	return (
		<Box height={2} width={width} flexDirection="column" overflow="hidden">
			<Text color={tone(theme, 'dim')}>{clip(first, width - 1)}</Text>
			<Text color={t && !t.done ? tone(theme, 'warn') : undefined}>{clip(second, width - 1)}</Text>
		</Box>
	);
});

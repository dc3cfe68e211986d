import React from 'react';
import {Box, Text} from 'ink';
import type {ViewModel} from '../view-model.js';
import {tone, type Theme, type Tone} from '../theme.js';
import {clip} from '../text.js';
import {Title} from './Title.js';

const LEVEL_TONE: Partial<Record<string, Tone>> = {emerg: 'bad', alert: 'bad', crit: 'bad', err: 'bad', warn: 'warn'};

/** The kernel log, newest last; scrolled back, the title counts what arrived since. */
export const LogPane = React.memo(function LogPane({log, height, width, scroll, focused, theme, hint, full}: {log: ViewModel['log']; height: number; width: number; scroll: number; focused: boolean; theme: Theme; hint?: string; full: boolean}): React.JSX.Element {
	const body = height - 1;
	const end = Math.max(0, log.lines.length - scroll);
	const shown = log.lines.slice(Math.max(0, end - body), end);
	const where = scroll > 0 ? `${scroll} lines back, ${log.newCount} new (End: newest)` : '';
	const lost = log.lost > 0 ? `${log.lost} messages lost: logbuf_lock is never released` : '';
	return (
		<Box height={height} width={width} flexDirection="column" overflow="hidden">
			<Title text={[full ? 'Kernel log (full, f: headlines)' : 'Kernel log (headlines, f: full)', where, lost].filter(Boolean).join(' | ')} focused={focused} width={width} theme={theme} right={hint} />
			{shown.length === 0 && <Text color={tone(theme, 'dim')}>(no kernel messages yet: stalls, lockups, WARN and BUG land here)</Text>}
			{shown.map((l) => (
				<Text key={l.seq} color={tone(theme, LEVEL_TONE[l.level])}>
					{clip(l.text, width - 1)}
				</Text>
			))}
		</Box>
	);
});

export const TracePane = React.memo(function TracePane({trace, height, width, scroll, focused, theme, hint}: {trace: ViewModel['trace']; height: number; width: number; scroll: number; focused: boolean; theme: Theme; hint?: string}): React.JSX.Element {
	const body = height - 1;
	const end = Math.max(0, trace.lines.length - scroll);
	const shown = trace.lines.slice(Math.max(0, end - body), end);
	const where = scroll > 0 ? ` | ${scroll} lines back` : '';
	return (
		<Box height={height} width={width} flexDirection="column" overflow="hidden">
			<Title text={`/proc/dtrace/trace (${trace.written} ${trace.written === 1 ? 'line' : 'lines'} written)${where}`} focused={focused} width={width} theme={theme} right={hint} />
			{shown.map((l, i) => (
				<Text key={i}>{clip(l, width - 1)}</Text>
			))}
		</Box>
	);
});

import React from 'react';
import {Box, Text} from 'ink';
import type {ViewModel} from '../view-model.js';
import {tone, type Theme, type Tone} from '../theme.js';
import stringWidth from 'string-width';
import {clip, wrap} from '../text.js';
import {Title} from './Title.js';

const LEVEL_TONE: Partial<Record<string, Tone>> = {emerg: 'bad', alert: 'bad', crit: 'bad', err: 'bad', warn: 'warn'};

/** One line of a row: cut to the width, keeping a fold count whole (it says when the first one came). */
function cut(text: string, tail: string | undefined, width: number): string {
	if (!tail) return clip(text, width);
	const tailWidth = stringWidth(tail);
	if (stringWidth(text) + tailWidth <= width || tailWidth > width / 2) return clip(text + tail, width);
	return clip(text, width - tailWidth) + tail;
}

interface Shown {
	readonly key: string;
	readonly text: string;
	readonly tone: Tone | undefined;
}

/**
 * The lines of a window over `items` that ends `scroll` items back from the newest, `body`
 * lines tall; zoomed, long lines wrap instead of being cut.
 */
function windowLines<T>(items: readonly T[], scroll: number, body: number, width: number, wrapLines: boolean, render: (item: T) => {key: string; text: string; tail?: string | undefined; tone?: Tone | undefined}): Shown[] {
	const end = Math.max(0, items.length - scroll);
	const out: Shown[] = [];
	for (let i = end - 1; i >= 0 && out.length < body; i--) {
		const r = render(items[i]!);
		const parts = wrapLines ? wrap(r.text + (r.tail ?? ''), width) : [cut(r.text, r.tail, width)];
		for (let p = parts.length - 1; p >= 0 && out.length < body; p--) out.push({key: `${r.key}.${p}`, text: parts[p]!, tone: r.tone});
	}
	out.reverse();
	// Scrolled to the oldest, the window fills from the top rather than leaving blank lines.
	if (out.length < body && end < items.length) return windowLines(items, Math.max(0, scroll - 1), body, width, wrapLines, render);
	return out;
}

/** The first `body` lines of `items`, oldest first. */
function topLines<T>(items: readonly T[], body: number, width: number, wrapLines: boolean, render: (item: T) => {key: string; text: string; tail?: string | undefined; tone?: Tone | undefined}): Shown[] {
	const out: Shown[] = [];
	for (let i = 0; i < items.length && out.length < body; i++) {
		const r = render(items[i]!);
		const parts = wrapLines ? wrap(r.text + (r.tail ?? ''), width) : [cut(r.text, r.tail, width)];
		for (let p = 0; p < parts.length && out.length < body; p++) out.push({key: `${r.key}.${p}`, text: parts[p]!, tone: r.tone});
	}
	return out;
}

/** The log buffer wrapped: how much is gone, and how many problem reports went with it. */
export function overwrittenNote(log: Pick<ViewModel['log'], 'overwritten' | 'overwrittenReports' | 'reportsAtLeast'>): string {
	if (log.overwritten === 0) return '';
	const n = log.overwrittenReports;
	const reports = n > 0 ? ` (${log.reportsAtLeast ? '≥' : ''}${n} problem ${n === 1 ? 'report' : 'reports'})` : '';
	return `${log.overwritten} old lines overwritten${reports}`;
}

/** The kernel log, newest last; scrolled back, the title counts the messages that arrived since. */
export const LogPane = React.memo(function LogPane({log, height, width, scroll, focused, zoomed, theme, hint}: {log: ViewModel['log']; height: number; width: number; scroll: number; focused: boolean; zoomed: boolean; theme: Theme; hint?: string | undefined}): React.JSX.Element {
	const body = height - 1;
	// The entries are already the window; zoomed, long ones wrap and the newest keep the room,
	// except scrolled to the oldest, where the oldest do.
	const render = (e: ViewModel['log']['entries'][number]): {key: string; text: string; tail: string | undefined; tone: Tone | undefined} => ({key: e.key, text: e.text, tail: e.tail, tone: e.match ? 'accent' : LEVEL_TONE[e.level]});
	const lines = scroll > 0 && log.older === 0 ? topLines(log.entries, body, width - 1, zoomed, render) : windowLines(log.entries, 0, body, width - 1, zoomed, render);
	const mode = log.full ? 'full' : 'headlines';
	const filter = log.filter === 'all' ? '' : `, ${log.filter} only`;
	const search = log.search ? `, /${log.search}: ${log.matches} ${log.matches === 1 ? 'match' : 'matches'}` : '';
	const where = scroll > 0 ? `${log.newer} newer (End: newest)` : '';
	const lost = log.lost > 0 ? `${log.lost} lost: logbuf_lock never released` : '';
	return (
		<Box height={height} width={width} flexDirection="column" overflow="hidden">
			<Title text={[`Kernel log (${mode}${filter}${search})`, where, lost, overwrittenNote(log)].filter(Boolean).join(' | ')} focused={focused} width={width} theme={theme} right={hint} />
			{lines.length === 0 && <Text color={tone(theme, 'dim')}>{clip(log.empty ?? '', width - 1)}</Text>}
			{lines.map((l) => (
				<Text key={l.key} color={tone(theme, l.tone)}>
					{l.text}
				</Text>
			))}
		</Box>
	);
});

export const TracePane = React.memo(function TracePane({trace, height, width, scroll, focused, zoomed, theme, hint}: {trace: ViewModel['trace']; height: number; width: number; scroll: number; focused: boolean; zoomed: boolean; theme: Theme; hint?: string | undefined}): React.JSX.Element {
	const body = height - 1;
	const lines = windowLines(trace.lines, scroll, body, width - 1, zoomed, (l) => ({key: l, text: l}));
	const where = scroll > 0 ? ` | ${scroll} lines back (End: newest)` : '';
	return (
		<Box height={height} width={width} flexDirection="column" overflow="hidden">
			<Title text={`/proc/dtrace/trace (${trace.written} ${trace.written === 1 ? 'line' : 'lines'} written)${where}`} focused={focused} width={width} theme={theme} right={hint} />
			{lines.map((l, i) => (
				<Text key={i}>{l.text}</Text>
			))}
		</Box>
	);
});

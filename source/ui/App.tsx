// The monitor's root: lays the panes out for the terminal size it is given (tests pass
// the size in; the shell passes the real one) and turns keys and mouse reports into
// controller commands.
import React, {useEffect, useEffectEvent, useRef, useState, useSyncExternalStore} from 'react';
import {Box, Text, useApp, useStdin, useStdout} from 'ink';
import type {Controller, Viewport} from './controller.js';
import {commandFor, decode, type Command, type KeyEvent} from './keymap.js';
import {layout, MIN_COLS, MIN_ROWS, paneAt, tooSmall, type Layout, type Rect} from './layout.js';
import type {Theme} from './theme.js';
import {PANES, type PaneId} from './ui-state.js';
import type {ViewModel} from './view-model.js';
import {wrap} from './text.js';
import {Header} from './panes/Header.js';
import {CpuStrip, cpuWindow} from './panes/CpuStrip.js';
import {Interrupts} from './panes/Interrupts.js';
import {Locks, locksBodyLines, locksMaxScroll} from './panes/Locks.js';
import {LogPane, TracePane} from './panes/LogPane.js';
import {Dtrace} from './panes/Dtrace.js';
import {StatusLine, statusLines} from './panes/StatusLine.js';
import {Help, helpLines} from './panes/Help.js';
import {storyLines} from './panes/Story.js';

export interface AppProps {
	readonly controller: Controller;
	readonly cols: number;
	readonly rows: number;
	readonly theme: Theme;
	/** Gets first look at each command (a replay takes pause, step and speed); true if handled. */
	readonly intercept?: (command: Command, arg: string | undefined) => boolean;
}

/** How many items from the oldest fill `body` lines, each `lines(item)` tall. */
function oldestFill<T>(items: readonly T[], body: number, lines: (item: T) => number): number {
	let used = 0;
	let n = 0;
	while (n < items.length && used + lines(items[n]!) <= body) used += lines(items[n++]!);
	return Math.max(1, n);
}

/** How far each pane scrolls and its page, for the layout on screen now. */
function viewportOf(view: ViewModel, l: Layout): Viewport {
	const h = (p: PaneId): number => l.rects[p]?.height ?? 10;
	const w = (p: PaneId): number => l.rects[p]?.width ?? 80;
	const zoomed = (p: PaneId): boolean => l.zoomed === p;
	const body = (p: PaneId): number => Math.max(1, h(p) - 1);
	const backMax = <T,>(items: readonly T[], p: PaneId, text: (item: T) => string): number => Math.max(0, items.length - (zoomed(p) ? oldestFill(items, body(p), (i) => wrap(text(i), w(p) - 1).length) : body(p)));
	return {
		// Zoomed, each CPU takes its row and the lines of what it does.
		cpus: {page: body('cpus'), max: Math.max(0, (zoomed('cpus') ? view.cpus.reduce((n, c) => n + 1 + wrap(c.doing, w('cpus') - 8).length, 0) : view.cpus.length) - body('cpus'))},
		interrupts: {page: 1, max: 0},
		locks: {page: Math.max(1, h('locks') - 2), max: locksMaxScroll(view.locks, w('locks'), h('locks'))},
		log: {page: body('log'), max: view.log.maxScroll},
		trace: {page: Math.max(1, body('trace') - 1), max: backMax(view.trace.lines, 'trace', (t) => t)},
	};
}


/** The panes' rectangles for a view at a terminal size. */
export function layoutOf(view: ViewModel, cols: number, rows: number): Layout {
	const ui = view.ui;
	return layout(cols, rows, {cpuCount: view.cpus.length, irqRowCount: view.interrupts.rows.length, irqTagWidth: Math.max(3, ...view.interrupts.rows.map((r) => r.tag.length)), hasDtrace: view.dtrace !== undefined, focus: ui.focus, zoom: ui.zoom, statusLines: statusLines(view.message, cols), locksLines: (width) => locksBodyLines(view.locks, width)});
}

export function App({controller, cols, rows, theme, intercept}: AppProps): React.JSX.Element {
	const view = useSyncExternalStore(controller.subscribe, controller.getView);
	const {exit} = useApp();
	const {internal_eventEmitter: events, isRawModeSupported, setRawMode} = useStdin();
	const [prompt, setPromptState] = useState<string | undefined>(undefined);
	// Keys that arrive in one chunk are handled before React re-renders: they read this, not `prompt`.
	const promptNow = useRef<string | undefined>(undefined);
	const setPrompt = (text: string | undefined): void => {
		promptNow.current = text;
		setPromptState(text);
	};
	const [overlayScroll, setOverlayScroll] = useState(0);
	const small = tooSmall(cols, rows);
	const ui = view.ui;
	const l = small ? undefined : layoutOf(view, cols, rows);
	if (l) controller.setViewport(viewportOf(view, l));
	const overlayLines = ui.help ? helpLines(cols, view.available, view.header.replay !== undefined, view.header.mitigation?.describe) : ui.tour && view.story ? storyLines(view.story, cols) : undefined;

	// Everything a key or click does goes through here; an effect event always sees this render's state.
	const onKey = useEffectEvent((e: KeyEvent): void => {
		const run = (command: Command, arg?: string): void => {
			if (!intercept?.(command, arg)) controller.dispatch(command, arg);
			if (controller.quitRequested) exit();
		};
		const prompt = promptNow.current;
		const now = controller.getView().ui;
		const overlay = now.help || now.tour;
		if (prompt !== undefined) {
			// The search prompt takes the keys until Enter or Esc.
			if (e.kind === 'char') setPrompt(prompt + e.char);
			else if (e.kind === 'key' && e.name === 'backspace') setPrompt(prompt.slice(0, -1));
			else if (e.kind === 'key' && e.name === 'escape') setPrompt(undefined);
			else if (e.kind === 'key' && e.name === 'return') {
				setPrompt(undefined);
				run('log-search', prompt);
			} else if (e.kind === 'key' && e.ctrl && e.name === 'c') setPrompt(undefined);
			return;
		}
		if (e.kind === 'mouse') {
			if (!l || e.release || overlay) return;
			const area = paneAt(l, e.row, e.col);
			if (!area || !(PANES as readonly string[]).includes(area)) return;
			const pane = area as PaneId;
			if (e.button === 'wheel-up' || e.button === 'wheel-down') {
				const back = e.button === 'wheel-up';
				run(back === (pane === 'log' || pane === 'trace') ? 'scroll-up' : 'scroll-down', pane);
				return;
			}
			if (e.button !== 'left') return;
			if (pane === 'cpus') {
				const rect = l.rects.cpus!;
				const first = cpuWindow(view.cpus.length, rect.height - 1, ui.selectedCpu, ui.scroll.cpus);
				const cpu = first + e.row - rect.top - 1;
				if (e.row > rect.top && cpu < view.cpus.length) run('cpu-select', String(cpu));
			}
			if (pane !== ui.focus) run('focus', pane);
			return;
		}
		if (overlay) {
			// Help and the story scroll with the arrows and pages; any other key closes them (as in htop).
			const name = e.kind === 'key' ? e.name : '';
			const step = {up: -1, down: 1, pageup: -(rows - 4), pagedown: rows - 4}[name];
			if (step !== undefined) setOverlayScroll(Math.max(0, Math.min(overlayScroll + step, (overlayLines?.length ?? 0) - (rows - 3))));
			else {
				setOverlayScroll(0);
				run(now.help ? 'help' : 'tour');
			}
			return;
		}
		const hit = commandFor(e);
		if (!hit) return;
		if (hit.command === 'log-search') {
			setPrompt('');
			return;
		}
		if (hit.command === 'cpu-select') {
			run('cpu-select', controller.cpuFromDigit(hit.arg!));
			return;
		}
		run(hit.command, hit.arg);
	});

	// Ctrl-L: Ink's own stdout write erases its frame, writes ours (a clear) and draws the frame whole again.
	const {write} = useStdout();
	useEffect(() => {
		controller.setRedraw(() => write('\u001B[2J\u001B[H'));
		return () => controller.setRedraw(undefined);
	}, [controller, write]);

	useEffect(() => {
		if (!isRawModeSupported) return;
		setRawMode(true);
		const onInput = (data: string): void => {
			for (const e of decode(data)) onKey(e);
		};
		events.on('input', onInput);
		return () => {
			events.off('input', onInput);
			setRawMode(false);
		};
	}, [events, isRawModeSupported, setRawMode]);

	if (small || !l) {
		return (
			<Box height={Math.max(1, rows - 1)} width={cols} flexDirection="column">
				<Text>{`terminal too small: ${cols}×${rows}, need ${MIN_COLS}×${MIN_ROWS}`}</Text>
				<Text>q quits</Text>
			</Box>
		);
	}

	const status = <StatusLine message={view.message} prompt={prompt === undefined ? undefined : `search the kernel log: /${prompt}▏ (Enter: search, Esc: cancel)`} available={view.available} replay={view.header.replay !== undefined} width={cols} theme={theme} />;
	if (overlayLines) {
		return (
			<Box height={l.height} width={cols} flexDirection="column">
				<Header h={view.header} width={cols} theme={theme} />
				<Help width={cols} height={l.height - 1 - l.rects.status!.height} theme={theme} lines={overlayLines} scroll={overlayScroll} />
				{status}
			</Box>
		);
	}
	const r = l.rects;
	const sharedHint = l.bottomMode === 'shared' ? (ui.focus === 'trace' ? 'Tab: log' : 'Tab: trace') : undefined;
	const zoomHint = l.zoomed ? 'z: back' : undefined;
	const at = (rect: Rect | undefined): {height: number; width: number} => ({height: rect?.height ?? 0, width: rect?.width ?? 0});
	const pane = (id: PaneId): React.JSX.Element | undefined => {
		const rect = r[id];
		if (!rect) return undefined;
		const common = {...at(rect), focused: ui.focus === id, zoomed: l.zoomed === id, theme};
		switch (id) {
			case 'cpus':
				return <CpuStrip key={id} cpus={view.cpus} selected={ui.selectedCpu} scroll={ui.scroll.cpus} {...common} />;
			case 'interrupts':
				return <Interrupts key={id} irq={view.interrupts} rows={l.irqRows} selected={ui.selectedCpu} {...common} />;
			case 'locks':
				return <Locks key={id} locks={view.locks} scroll={ui.scroll.locks} {...at(rect)} focused={common.focused} theme={theme} />;
			case 'log':
				return <LogPane key={id} log={view.log} scroll={ui.scroll.log} hint={zoomHint ?? sharedHint} {...common} />;
			case 'trace':
				return <TracePane key={id} trace={view.trace} scroll={ui.scroll.trace} hint={zoomHint ?? sharedHint} {...common} />;
		}
	};
	if (l.zoomed) {
		return (
			<Box height={l.height} width={cols} flexDirection="column">
				<Header h={view.header} width={cols} theme={theme} />
				{pane(l.zoomed)}
				{status}
			</Box>
		);
	}
	return (
		<Box height={l.height} width={cols} flexDirection="column">
			<Header h={view.header} width={cols} theme={theme} />
			{pane('cpus')}
			<Box height={r.interrupts!.height} flexDirection="row">
				{pane('interrupts')}
				{pane('locks')}
			</Box>
			{view.dtrace && <Dtrace d={view.dtrace} width={cols} theme={theme} />}
			<Box height={(r.log ?? r.trace)!.height + (l.bottomMode === 'stack' ? r.trace!.height : 0)} flexDirection={l.bottomMode === 'side' ? 'row' : 'column'}>
				{pane('log')}
				{pane('trace')}
			</Box>
			{status}
		</Box>
	);
}

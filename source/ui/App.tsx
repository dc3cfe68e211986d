// The monitor's root: lays the panes out for the terminal size it is given (tests pass
// the size in; the shell passes the real one) and turns keys into controller commands.
import React, {useSyncExternalStore} from 'react';
import {Box, Text, useApp, useInput, useStdin} from 'ink';
import type {Controller} from './controller.js';
import {commandFor, type Command} from './keymap.js';
import {layout, MIN_COLS, MIN_ROWS, tooSmall} from './layout.js';
import type {Theme} from './theme.js';
import {Header} from './panes/Header.js';
import {CpuStrip} from './panes/CpuStrip.js';
import {Interrupts} from './panes/Interrupts.js';
import {Locks} from './panes/Locks.js';
import {LogPane, TracePane} from './panes/LogPane.js';
import {Dtrace} from './panes/Dtrace.js';
import {StatusLine} from './panes/StatusLine.js';
import {Help} from './panes/Help.js';

export interface AppProps {
	readonly controller: Controller;
	readonly cols: number;
	readonly rows: number;
	readonly theme: Theme;
	/** Gets first look at each command (a replay takes pause, step and speed); true if handled. */
	readonly intercept?: (command: Command, arg: string | undefined) => boolean;
}

export function App({controller, cols, rows, theme, intercept}: AppProps): React.JSX.Element {
	const view = useSyncExternalStore(controller.subscribe, controller.getView);
	const {exit} = useApp();
	const {isRawModeSupported} = useStdin();
	useInput(
		(input, key) => {
			// Keys typed quickly arrive as one chunk: take plain characters one at a time.
			const presses = input.length > 1 && !key.ctrl && !key.meta && !input.startsWith('\u001B') ? [...input] : [input];
			for (const one of presses) {
				// Like htop: with the help open, any key just closes it.
				if (controller.getView().ui.help) {
					controller.dispatch('help');
					continue;
				}
				const hit = commandFor({
					input: one,
					ctrl: key.ctrl,
					tab: key.tab,
					leftArrow: key.leftArrow,
					rightArrow: key.rightArrow,
					upArrow: key.upArrow,
					downArrow: key.downArrow,
					pageUp: key.pageUp,
					pageDown: key.pageDown,
				});
				if (!hit) continue;
				if (!intercept?.(hit.command, hit.arg)) controller.dispatch(hit.command, hit.arg);
				if (controller.quitRequested) {
					exit();
					return;
				}
			}
		},
		{isActive: isRawModeSupported === true},
	);

	if (tooSmall(cols, rows)) {
		return (
			<Box height={Math.max(1, rows - 1)} width={cols} flexDirection="column">
				<Text>{`terminal too small: ${cols}×${rows}, need ${MIN_COLS}×${MIN_ROWS}`}</Text>
				<Text>q quits</Text>
			</Box>
		);
	}

	const cpuCount = view.cpus.length;
	const l = layout(cols, rows, cpuCount, view.dtrace !== undefined);
	const ui = view.ui;
	if (ui.help) {
		return (
			<Box height={l.height} width={cols} flexDirection="column">
				<Header h={view.header} width={cols} theme={theme} />
				<Help width={cols} height={l.height - 2} theme={theme} mitigation={view.header.mitigation?.describe} />
				<StatusLine message={view.message} width={cols} theme={theme} />
			</Box>
		);
	}
	const showTrace = l.bottomMode !== 'shared' || ui.focus === 'trace';
	const showLog = l.bottomMode !== 'shared' || ui.focus !== 'trace';
	const sharedHint = l.bottomMode === 'shared' ? (ui.focus === 'trace' ? 'Tab: log' : 'Tab: trace') : undefined;
	return (
		<Box height={l.height} width={cols} flexDirection="column">
			<Header h={view.header} width={cols} theme={theme} />
			<CpuStrip cpus={view.cpus} height={l.cpus} width={cols} selected={ui.selectedCpu} scroll={ui.scroll.cpus} focused={ui.focus === 'cpus'} theme={theme} />
			<Box height={l.mid} flexDirection="row">
				<Interrupts irq={view.interrupts} height={l.mid} width={l.irqWidth} rows={l.irqRows} selected={ui.selectedCpu} focused={ui.focus === 'interrupts'} theme={theme} />
				<Locks locks={view.locks} height={l.mid} width={l.lockWidth} scroll={ui.scroll.locks} focused={ui.focus === 'locks'} theme={theme} />
			</Box>
			{view.dtrace && <Dtrace d={view.dtrace} width={cols} theme={theme} />}
			<Box height={l.bottom} flexDirection={l.bottomMode === 'side' ? 'row' : 'column'}>
				{showLog && <LogPane log={view.log} height={l.logHeight} width={l.logWidth} scroll={ui.scroll.log} focused={ui.focus === 'log'} theme={theme} hint={sharedHint} full={ui.fullLog} />}
				{showTrace && (
					<TracePane
						trace={view.trace}
						height={l.bottomMode === 'stack' ? l.bottom - l.logHeight : l.bottom}
						width={l.bottomMode === 'side' ? cols - l.logWidth : cols}
						scroll={ui.scroll.trace}
						focused={ui.focus === 'trace'}
						theme={theme}
						hint={sharedHint}
					/>
				)}
			</Box>
			<StatusLine message={view.message} width={cols} theme={theme} />
		</Box>
	);
}

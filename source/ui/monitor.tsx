// The full-screen shell around the App: alternate screen, the tick once per frame, and putting the
// terminal back (main screen, cursor, cooked mode) on quit, on an uncaught error and on
// SIGTERM/SIGHUP/SIGINT.
import React from 'react';
import {render} from 'ink';
import {performance} from 'node:perf_hooks';
import {App} from './App.js';
import {SLICE_MS, frameMs, workMs} from './pacer.js';
import {Controller, type CommandRecord} from './controller.js';
import {useTerminalSize} from './hooks/useTerminalSize.js';
import {ClockStoppedError, type Kernel} from '../kernel/kernel.js';
import type {Story} from './view-model.js';
import type {Theme} from './theme.js';
import {InputError} from '../scenario/load.js';
import {reportError} from '../terminal/report.js';
import type {Command} from './keymap.js';
import {KERNEL_KEYS} from './kernel-keys.js';
import type {Recorder} from '../session/recorder.js';
import type {Player} from '../session/replay.js';

const ENTER_ALT = '\u001B[?1049h';
const LEAVE_ALT = '\u001B[?1049l';
const SHOW_CURSOR = '\u001B[?25h';
const CLEAR = '\u001B[2J\u001B[H';
// Button presses and the wheel (1000), reported in SGR form (1006) so columns past 223 work.
const MOUSE_ON = '\u001B[?1000h\u001B[?1006h';
const MOUSE_OFF = '\u001B[?1006l\u001B[?1000l';

export interface MonitorOptions {
	readonly theme: Theme;
	readonly paused?: boolean;
	readonly speedIndex?: number;
	readonly onCommand?: (record: CommandRecord) => void;
	/** Frames per second (1-20, default 5): the kernel moves on and the screen is drawn once per frame. Ink lays the whole screen out on every frame, so this is the CPU knob. */
	readonly fps?: number;
	/** Opens the recording once the monitor owns the terminal (a refused start touches no file). */
	readonly recorder?: (() => Recorder) | undefined;
	/** Start with mouse reporting off (the terminal selects text as usual). */
	readonly noMouse?: boolean;
	/** The scenario's description and tour, for the story overlay (i). */
	readonly story?: Story | undefined;
	/** The headless command that does what this monitor would, for the no-terminal message. */
	readonly headless?: string | undefined;
	/** Plays a recorded session instead of pacing the kernel by the speed keys. */
	readonly replay?: ((controller: Controller) => Player) | undefined;
}


/** During a replay: pause, step and speed drive the playback; kernel keys would make it diverge. */
function replayKeys(player: Player, controller: Controller): (command: Command) => boolean {
	let lastCtrlC = Number.NEGATIVE_INFINITY;
	return (command) => {
		switch (command) {
			case 'pause':
				player.paused = !player.paused;
				return true;
			case 'step-event':
			case 'step-ms':
				player.paused = true;
				player.step();
				return true;
			case 'speed-up':
			case 'speed-down':
				player.speed = Math.min(16, Math.max(0.25, command === 'speed-up' ? player.speed * 2 : player.speed / 2));
				controller.notify(`playback x${player.speed}`);
				return true;
			default:
				if (!KERNEL_KEYS.has(command)) return false;
				if (command === 'ctrl-c') {
					// As in the live monitor with no consumer: a second ^C within a second quits.
					const wall = performance.now();
					if (wall - lastCtrlC < 1000) controller.quitRequested = true;
					else controller.notify('replaying: ^C again within 1 s quits (q quits; kernel keys are off)');
					lastCtrlC = wall;
					return true;
				}
				controller.notify('replaying: kernel keys are off (they would change the recording); q quits');
				return true;
		}
	};
}

function bannerOf(player: Player): string {
	const state = player.done ? 'end' : player.paused ? 'paused' : `x${player.speed}`;
	return `REPLAY ${player.progress} ${state}`;
}

function Root({controller, theme, intercept}: {controller: Controller; theme: Theme; intercept?: (command: Command) => boolean}): React.JSX.Element {
	const {cols, rows} = useTerminalSize();
	return <App controller={controller} cols={cols} rows={rows} theme={theme} intercept={intercept} />;
}

/** Runs the monitor until the person quits. Resolves with the exit code. */
export async function runMonitor(kernel: Kernel, opts: MonitorOptions): Promise<number> {
	if (!process.stdin.isTTY || !process.stdout.isTTY) {
		throw new InputError(`the monitor needs a terminal; for scripts and pipes use: ${opts.headless ?? `xcalltop run ${kernel.config.name}`}`);
	}
	const recorder = opts.recorder?.();
	const controller = new Controller(kernel, {
		clock: () => performance.now(),
		paused: opts.paused,
		speedIndex: opts.speedIndex,
		paced: opts.replay === undefined,
		story: opts.story,
		onCommand: (r) => {
			recorder?.command(r);
			opts.onCommand?.(r);
		},
	});
	controller.mouse = !opts.noMouse;
	let mouseOn = false;
	const syncMouse = (): void => {
		if (controller.mouse === mouseOn) return;
		mouseOn = controller.mouse;
		process.stdout.write(mouseOn ? MOUSE_ON : MOUSE_OFF);
	};
	// A recording that cannot be written stops; the monitor goes on, and says so now and after it quits.
	if (recorder) recorder.onFailure = () => controller.notify(recorder.statusMessage()!);
	const player = opts.replay?.(controller);
	if (player) {
		// The badge is there from the first frame.
		controller.replay = bannerOf(player);
		controller.refresh();
	}
	let restored = false;
	/** The terminal first, whatever else fails; then the recording's end line, and what went wrong with it. */
	const restore = (): void => {
		if (restored) return;
		restored = true;
		try {
			if (process.stdin.isTTY) process.stdin.setRawMode(false);
		} catch {
			// The terminal is gone (a hang-up): nothing to restore.
		}
		try {
			// Cleared before leaving: after a resize some terminals (tmux) carry the alternate
			// screen's lines over to the main screen.
			process.stdout.write(MOUSE_OFF + CLEAR + SHOW_CURSOR + LEAVE_ALT);
		} catch {
			// As above.
		}
		if (!recorder) return;
		try {
			recorder.end(kernel);
		} catch {
			// The recorder reports its own failures (below) and never throws; nothing escapes restore.
		}
		const failed = recorder.failureMessage();
		try {
			if (failed !== undefined) reportError(failed);
		} catch {
			// No stderr to tell: the exit status still says it.
		}
	};
	const onSignal = (code: number) => (): void => {
		restore();
		process.exit(code);
	};
	const signals: [NodeJS.Signals, number][] = [
		['SIGTERM', 143],
		['SIGHUP', 129],
		['SIGINT', 130],
	];
	const handlers = signals.map(([s, code]) => [s, onSignal(code)] as const);
	for (const [s, h] of handlers) process.once(s, h);
	process.once('exit', restore);
	const onError = (error: unknown): void => {
		restore();
		// A scenario whose clock stopped is the scenario's fault, said as such; anything else is ours.
		reportError(error instanceof ClockStoppedError ? error.message : `internal error: ${error instanceof Error ? error.message : String(error)}`);
		process.exit(1);
	};
	process.once('uncaughtException', onError);

	process.stdout.write(ENTER_ALT);
	syncMouse();
	const instance = render(<Root controller={controller} theme={opts.theme} intercept={player ? replayKeys(player, controller) : undefined} />, {
		exitOnCtrlC: false,
		patchConsole: false,
		// Only the lines that changed are written (a running clock changes a few). Ink 6.8 drew
		// each frame shorter than the terminal one row lower than the last; patches/ fixes it.
		incrementalRendering: true,
		maxFps: 20,
	});
	let lastWall = performance.now();
	// Virtual time starts with the first frame on screen, not a frame later.
	controller.tick(false);
	const budget = workMs(opts.fps);
	// A frame's kernel work runs in slices with the event loop in between, so a key pressed at
	// max speed is handled after one slice, not after the frame's whole budget.
	let slices: NodeJS.Immediate | undefined;
	const timer = setInterval(() => {
		try {
			clearImmediate(slices);
			const wall = performance.now();
			if (player) {
				player.tick(wall - lastWall, budget);
				controller.replay = bannerOf(player);
			}
			lastWall = wall;
			const finish = (): void => {
				controller.frame();
				syncMouse();
				if (controller.quitRequested) instance.unmount();
			};
			const more = (): void => {
				try {
					if (performance.now() - wall < budget - SLICE_MS && controller.catchUp(SLICE_MS)) slices = setImmediate(more);
					else finish();
				} catch (error) {
					onError(error);
				}
			};
			if (controller.tick(false, SLICE_MS)) slices = setImmediate(more);
			else finish();
		} catch (error) {
			onError(error);
		}
	}, frameMs(opts.fps));
	try {
		await instance.waitUntilExit();
	} finally {
		clearInterval(timer);
		clearImmediate(slices);
		for (const [s, h] of handlers) process.off(s, h);
		process.off('uncaughtException', onError);
		restore();
	}
	return recorder?.failure ? 1 : 0;
}

// Drives the kernel in real time for the monitor: paces virtual time against the wall
// clock at the chosen speed, publishes a view model at most every tick (the shell ticks
// at 20 Hz), and applies every command — kernel inputs stamped with the virtual time,
// and view actions — in one place, so a recorder can see them all.
import type {Kernel} from '../kernel/kernel.js';
import type {DtracePort} from '../kernel/dtrace/port.js';
import {NS_PER_MS} from '../kernel/time.js';
import type {Command} from './keymap.js';
import {initialUi, PANES, SPEEDS, update, type PaneId, type UiState} from './ui-state.js';
import {buildView, sample, type Sample, type ViewModel} from './view-model.js';

/** One applied command, as a recorder stores it. */
export interface CommandRecord {
	/** Virtual ns at which it was applied. */
	readonly at: number;
	readonly command: Command;
	readonly arg?: string | undefined;
}

export interface ControllerOptions {
	readonly paused?: boolean;
	readonly speedIndex?: number;
	/** Wall clock in ms (performance.now in the shell; a fake one in tests). */
	readonly clock: () => number;
	/** Called after each applied command (recording). */
	readonly onCommand?: (record: CommandRecord) => void;
	/** No screen: commands apply but views are only built on refresh() (headless replay). */
	readonly headless?: boolean;
	/** False when something else moves virtual time (a replay): tick() then only redraws. */
	readonly paced?: boolean;
}

/** Wall-clock work per tick; past it the kernel falls behind and the header says so. */
const TICK_BUDGET_MS = 30;
const KERNEL_INPUTS = new Set<Command>(['safe-mode', 'ctrl-c', 'kill-9', 'timer', 'mitigation', 'start-consumer']);
const HISTORY = 64;

export class Controller {
	ui: UiState;
	quitRequested = false;
	private view: ViewModel | undefined;
	private readonly listeners = new Set<() => void>();
	private lastWall: number | undefined;
	private effective = 1;
	private readonly history: Sample[] = [];
	private message: {text: string; wall: number; at: number} | undefined;
	private ctrlCWall = Number.NEGATIVE_INFINITY;
	private readonly port: DtracePort | undefined;

	constructor(
		readonly kernel: Kernel,
		private readonly opts: ControllerOptions,
	) {
		this.ui = initialUi({paused: opts.paused, speedIndex: opts.speedIndex});
		this.port = kernel.extension<DtracePort>('dtrace');
		this.publish(true);
	}

	// --- the external store React reads ------------------------------------------------------

	subscribe = (listener: () => void): (() => void) => {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	};

	getView = (): ViewModel => this.view!;

	/** Builds the view now (headless controllers only build one when asked). */
	refresh(): void {
		this.publish(true);
	}

	/** A line for the header while a session plays back (REPLAY 3/12 x1). */
	banner: string | undefined;

	private publish(force = false): void {
		if (this.opts.headless && !force) return;
		const k = this.kernel;
		const last = this.history.at(-1);
		if (!last || last.t !== k.now) {
			this.history.push(sample(k, this.port));
			if (this.history.length > HISTORY) this.history.shift();
		}
		const wall = this.opts.clock();
		// A message lasts 4 s; in a replay or export the wall clock stands still, so virtual time counts.
		const m = this.message;
		const message = m && wall - m.wall < 4000 && (this.opts.paced !== false && !this.opts.headless ? true : k.now - m.at < 4e9) ? m.text : undefined;
		const target = SPEEDS[this.ui.speedIndex]!;
		// Lag only means something when the wall clock drives virtual time.
		const paced = this.opts.paced !== false && !this.opts.headless;
		const lagging = paced && !this.ui.paused && target !== Number.POSITIVE_INFINITY && this.effective < 0.9 * target ? `lagging x${this.effective.toPrecision(2)}` : undefined;
		this.view = buildView(k, this.ui, this.history.slice(0, -1), this.view, {lagging, message, banner: this.banner});
		for (const l of this.listeners) l();
	}

	// --- time ----------------------------------------------------------------------------

	/**
	 * Advances virtual time by the wall time since the last tick times the speed, then
	 * publishes a frame unless told not to (the shell paces the kernel faster than it draws).
	 */
	tick(publish = true): void {
		const wall = this.opts.clock();
		const dtWall = this.lastWall === undefined ? 0 : Math.min(wall - this.lastWall, 250);
		this.lastWall = wall;
		const k = this.kernel;
		if (this.opts.paced !== false && !this.ui.paused && dtWall > 0 && k.panicked === undefined) {
			const speed = SPEEDS[this.ui.speedIndex]!;
			const before = k.now;
			const target = speed === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : before + Math.round(dtWall * speed * NS_PER_MS);
			// Advance in small virtual slices so the wall budget is checked often.
			const slice = speed >= 10 ? 10 * NS_PER_MS : NS_PER_MS;
			const deadline = wall + TICK_BUDGET_MS;
			while (k.now < target && this.opts.clock() < deadline && k.panicked === undefined) k.advance(Math.min(target, k.now + slice));
			this.effective = (k.now - before) / (dtWall * NS_PER_MS);
		}
		if (publish) this.publish();
	}

	// --- commands --------------------------------------------------------------------------

	/** Shows a transient message on the status line. */
	notify(text: string): void {
		this.say(text);
		this.publish();
	}

	/** Applies a command (from a key, or from a recording being replayed). */
	dispatch(command: Command, arg?: string): void {
		const at = this.kernel.now;
		// The timer goes to the selected CPU: record which, so a replay fires the same one.
		const resolved = command === 'timer' && arg === undefined ? String(this.ui.selectedCpu) : arg;
		if (this.apply(command, resolved)) this.opts.onCommand?.({at, command, ...(resolved === undefined ? {} : {arg: resolved})});
		this.publish();
	}

	private say(text: string): void {
		this.message = {text, wall: this.opts.clock(), at: this.kernel.now};
	}

	private setUi(recipe: (d: {-readonly [K in keyof UiState]: UiState[K]} & {scroll: Record<PaneId, number>}) => void): void {
		this.ui = update(this.ui, recipe);
	}

	/** Returns whether anything happened (only effective commands are recorded). */
	private apply(command: Command, arg: string | undefined): boolean {
		const k = this.kernel;
		if (KERNEL_INPUTS.has(command)) return this.kernelInput(command, arg);
		switch (command) {
			case 'pause':
				this.setUi((d) => void (d.paused = !d.paused));
				this.lastWall = undefined;
				return true;
			case 'step-event':
				this.setUi((d) => void (d.paused = true));
				if (!k.step()) this.say('nothing left to run');
				return true;
			case 'step-ms':
				this.setUi((d) => void (d.paused = true));
				k.advance(k.now + NS_PER_MS);
				return true;
			case 'speed-up':
			case 'speed-down': {
				const next = Math.max(0, Math.min(SPEEDS.length - 1, this.ui.speedIndex + (command === 'speed-up' ? 1 : -1)));
				if (next === this.ui.speedIndex) return false;
				this.setUi((d) => void (d.speedIndex = next));
				return true;
			}
			case 'cpu-prev':
			case 'cpu-next':
			case 'cpu-select': {
				const n = k.cpus.length;
				const cpu = command === 'cpu-select' ? Number(arg) : (this.ui.selectedCpu + (command === 'cpu-next' ? 1 : n - 1)) % n;
				if (!Number.isInteger(cpu) || cpu < 0 || cpu >= n) {
					this.say(`there is no CPU${arg ?? ''}: this machine has CPU0-CPU${n - 1}`);
					return false;
				}
				this.setUi((d) => void (d.selectedCpu = cpu));
				return true;
			}
			case 'focus-next':
				this.setUi((d) => void (d.focus = PANES[(PANES.indexOf(d.focus) + 1) % PANES.length]!));
				return true;
			case 'scroll-up':
			case 'scroll-down':
			case 'page-up':
			case 'page-down':
			case 'scroll-end':
				return this.scroll(command);
			case 'rates':
				this.setUi((d) => void (d.rates = !d.rates));
				return true;
			case 'log-detail':
				this.setUi((d) => void (d.fullLog = !d.fullLog));
				return true;
			case 'help':
				this.setUi((d) => void (d.help = !d.help));
				return true;
			case 'quit':
				this.quitRequested = true;
				return true;
			default:
				return false;
		}
	}

	private scroll(command: Command): boolean {
		const pane = this.ui.focus;
		const page = 10;
		const delta = {'scroll-up': 1, 'scroll-down': -1, 'page-up': page, 'page-down': -page}[command as 'scroll-up'] ?? 0;
		// Log and trace count back from the newest line; the other panes down from the top.
		const backwards = pane === 'log' || pane === 'trace';
		const before = this.ui.scroll[pane];
		const next = command === 'scroll-end' ? 0 : Math.max(0, before + (backwards ? delta : -delta));
		if (next === before) return false;
		const newest = this.kernel.log.nextSequence;
		this.setUi((d) => {
			d.scroll[pane] = next;
			if (pane === 'log' && (before === 0 || next === 0)) d.logSeen = newest;
		});
		return true;
	}

	private kernelInput(command: Command, arg: string | undefined): boolean {
		const k = this.kernel;
		const port = this.port;
		const has = (action: string): boolean => k.actions().has(action);
		switch (command) {
			case 'ctrl-c': {
				const alive = port?.consumer !== undefined && port.consumer.state !== 'gone';
				if (alive) {
					k.apply('ctrl-c');
					this.say(port!.consumer!.state === 'tearing down' ? 'dtrace is tearing down: ^C has no effect in the kernel' : `^C sent to dtrace ${port!.consumer!.pid}`);
					return true;
				}
				const wall = this.opts.clock();
				if (wall - this.ctrlCWall < 1000) {
					this.quitRequested = true;
					return false;
				}
				this.ctrlCWall = wall;
				this.say(port ? 'no dtrace consumer alive: press ^C again within 1 s to quit (d starts one)' : 'no dtrace consumer in this scenario: press ^C again within 1 s to quit');
				return false;
			}
			case 'kill-9':
				if (!port?.consumer || port.consumer.state === 'gone') return this.refuse('no dtrace consumer alive to kill (d starts one)');
				k.apply('kill-9');
				this.say(`kill -9 sent to dtrace ${port.consumer.pid}`);
				return true;
			case 'start-consumer':
				if (!has('start-consumer')) return this.refuse('this scenario has no DTrace port');
				if (port?.consumer && port.consumer.state !== 'gone') return this.refuse(`dtrace ${port.consumer.pid} is still ${port.consumer.state}`);
				k.apply('start-consumer');
				this.say(`started dtrace ${port!.consumer!.pid}`);
				return true;
			case 'safe-mode':
				if (!has('safe-mode')) return this.refuse('this scenario has no DTrace port');
				k.apply('safe-mode');
				this.say(`safe mode ${port!.options.safeMode ? 'ON' : 'OFF'}`);
				return true;
			case 'mitigation':
				if (!has('mitigation')) return this.refuse('this scenario declares no mitigation');
				k.apply('mitigation');
				this.say(`mitigation ${k.mitigated ? 'on' : 'off'}: ${k.config.mitigation!.describe}`);
				return true;
			case 'timer': {
				if (!has('timer')) return this.refuse('this scenario has no timers to fire');
				k.apply('timer', arg);
				this.say(`timer fired on CPU${arg}`);
				return true;
			}
			default:
				return false;
		}
	}

	private refuse(text: string): boolean {
		this.say(text);
		return false;
	}
}

// Drives the kernel in real time for the monitor: paces virtual time against the wall
// clock at the chosen speed, publishes a view model at most once a frame (the shell ticks
// once per frame, see pacer.ts), and applies every command — kernel inputs stamped with the
// virtual time, and view actions — in one place, so a recorder can see them all.
import type {Kernel} from '../kernel/kernel.js';
import type {DtracePort} from '../kernel/dtrace/port.js';
import {BINDINGS, type Command} from './keymap.js';
import {applyKernelKey, KERNEL_KEYS, refusal} from './kernel-keys.js';
import {LogPaneModel} from './log-pane-view.js';
import {SLICE_MS} from './pacer.js';
import {Pacing} from './pacing.js';
import {NS_PER_MS} from '../kernel/time.js';
import {initialUi, LOG_FILTERS, PANES, speedLabel, SPEEDS, update, type PaneId, type UiState} from './ui-state.js';
import {buildView, sample, type Sample, type Story, type ViewModel} from './view-model.js';

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
	/** The scenario's description and tour, for the story overlay. */
	readonly story?: Story | undefined;
}

/** How far each pane can scroll and how long its page is, as the screen last laid it out. */
export type Viewport = Readonly<Record<PaneId, {readonly page: number; readonly max: number}>>;

/** Wall-clock work per tick; past it the kernel falls behind and the header says so. */
export const TICK_BUDGET_MS = 30;
export {EVENTS_PER_CALL} from './pacing.js';
const HISTORY = 64;
/** Digits typed within this many wall ms make one CPU number. */
const DIGIT_MS = 700;
/** A status message stays this long (wall ms; in a replay or export, virtual ns count instead). */
const MESSAGE_MS = 4000;

export class Controller {
	ui: UiState;
	quitRequested = false;
	/** The REPLAY badge while a session plays back (REPLAY 3/12 x2); the monitor sets it. */
	get replay(): string | undefined {
		return this.replayBadge;
	}

	set replay(badge: string | undefined) {
		if (badge === this.replayBadge) return;
		this.replayBadge = badge;
		this.dirty = true;
	}

	private replayBadge: string | undefined;
	/** Called for Ctrl-L (the screen clears the terminal and draws the whole frame again). */
	private onRedraw: (() => void) | undefined;

	setRedraw(redraw: (() => void) | undefined): void {
		this.onRedraw = redraw;
	}
	/** Mouse reporting is wanted (M toggles it; --no-mouse starts with it off). */
	mouse = true;
	private view: ViewModel | undefined;
	private readonly listeners = new Set<() => void>();
	private readonly pacing: Pacing;
	private readonly history: Sample[] = [];
	private message: {text: string; wall: number; at: number} | undefined;
	private ctrlCWall = Number.NEGATIVE_INFINITY;
	private readonly port: DtracePort | undefined;
	private readonly log: LogPaneModel;
	private viewport: Viewport = Object.fromEntries(PANES.map((p) => [p, {page: 10, max: Number.POSITIVE_INFINITY}])) as unknown as Viewport;
	private dirty = true;

	constructor(
		readonly kernel: Kernel,
		private readonly opts: ControllerOptions,
	) {
		this.ui = initialUi({paused: opts.paused, speedIndex: opts.speedIndex});
		this.port = kernel.extension<DtracePort>('dtrace');
		this.pacing = new Pacing(kernel, opts.clock);
		this.log = new LogPaneModel(kernel.log, () => kernel.lostMessages, kernel.config.watchdogs ? undefined : '(no kernel messages: this kernel has no RCU stall or lockup detectors)');
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

	/** The screen tells how far each pane scrolls, so scrolling stops at the content's ends. */
	setViewport(v: Viewport): void {
		// The log window is cut to the pane's height: a new height needs a new view.
		if (v.log.page !== this.viewport.log.page) this.dirty = true;
		this.viewport = v;
	}

	/** Lines of entries the log pane shows. */
	private logHeight(): number {
		return this.viewport.log.page;
	}

	/** Commands this scenario offers, in the key table's order (the status line and help show only these). */
	available(): Command[] {
		const actions = this.kernel.actions();
		const kernelHas: Partial<Record<Command, boolean>> = {
			'safe-mode': actions.has('safe-mode'),
			'ctrl-c': this.port !== undefined,
			'kill-9': actions.has('kill-9'),
			timer: actions.has('timer'),
			mitigation: actions.has('mitigation'),
			'start-consumer': actions.has('start-consumer'),
		};
		return BINDINGS.map((b) => b.command).filter((c) => {
			if (this.replay !== undefined && KERNEL_KEYS.has(c)) return false;
			if (c === 'tour') return this.opts.story?.tour !== undefined || this.opts.story !== undefined;
			return kernelHas[c] ?? true;
		});
	}

	/** The status message if it is still showing (a replay or export counts virtual time). */
	private currentMessage(): string | undefined {
		const m = this.message;
		if (!m) return undefined;
		const live = this.opts.paced !== false && !this.opts.headless;
		return (live ? this.opts.clock() - m.wall < MESSAGE_MS : this.kernel.now - m.at < MESSAGE_MS * 1e6) ? m.text : undefined;
	}

	private publish(force = false): void {
		if (this.opts.headless && !force) return;
		const k = this.kernel;
		const last = this.history.at(-1);
		const moved = !last || last.t !== k.now;
		const message = this.currentMessage();
		// Nothing moved, nothing was pressed, no message came or went: the frame would be the same.
		if (!moved && !this.dirty && !force && message === this.view?.message) return;
		this.dirty = false;
		if (moved) {
			this.history.push(sample(k, this.port));
			if (this.history.length > HISTORY) this.history.shift();
		}
		// Scrolled back, the log holds still while new messages arrive below.
		const grew = this.log.growth(this.ui);
		if (grew > 0 && this.ui.scroll.log > 0) this.setUi((d) => void (d.scroll.log += grew));
		const live = this.opts.paced !== false && !this.opts.headless;
		const pace = this.pacing.pace;
		// Lag only means something when the wall clock drives virtual time.
		const lagging = live && !this.ui.paused && pace && pace.speed !== Number.POSITIVE_INFINITY && pace.effective < 0.9 * pace.speed ? `lagging x${pace.effective.toPrecision(2)}` : undefined;
		this.view = buildView(k, this.ui, this.history.slice(0, -1), this.view, {
			lagging,
			message,
			replay: this.replay,
			available: this.available(),
			log: this.log.view(this.ui, this.logHeight()),
			story: this.opts.story,
		});
		this.renders++;
		for (const l of this.listeners) l();
	}

	/** Views built so far (the benchmark counts them: a still, paused screen builds none). */
	renders = 0;

	// --- time ----------------------------------------------------------------------------

	/**
	 * Advances virtual time by the wall time since the last tick times the speed, for at most
	 * `budgetMs` of wall time, then publishes a frame unless told not to (the shell paces the
	 * kernel faster than it draws). Returns whether it is still behind (see catchUp).
	 */
	tick(publish = true, budgetMs = TICK_BUDGET_MS): boolean {
		const behind = this.pacing.tick(this.ui.speedIndex, this.opts.paced !== false && !this.ui.paused, budgetMs);
		this.announceTimeline();
		if (publish) this.publish();
		return behind;
	}

	/** Publishes a frame if anything on it changed (after a tick and its slices). */
	frame(): void {
		this.announceTimeline();
		this.publish();
	}

	/**
	 * Goes on toward the virtual time the last tick asked for, for at most `budgetMs` of wall
	 * time; whether it is still behind. The shell runs the rest of a tick's budget in slices
	 * like this with the event loop in between, so a key pressed at max speed is handled
	 * within a slice, not after the whole budget.
	 */
	catchUp(budgetMs: number): boolean {
		return !this.ui.paused && this.pacing.catchUp(this.ui.speedIndex, budgetMs);
	}

	/** Inputs from the scenario's own timeline are announced like keys. */
	private announceTimeline(): void {
		const feed = this.kernel.inputFeed;
		if (feed.nextSequence === this.timelineSeen) return;
		for (const i of feed.since(this.timelineSeen).records) if (i.source !== 'user') this.say(i.line);
		this.timelineSeen = feed.nextSequence;
	}

	private timelineSeen = 0;

	/** A digit typed soon after another extends the CPU number while such a CPU exists (1, 2: CPU12). */
	cpuFromDigit(digit: string): string {
		const wall = this.opts.clock();
		const joined = this.digits.text + digit;
		const text = wall - this.digits.wall < DIGIT_MS && Number(joined) < this.kernel.cpus.length ? joined : digit;
		this.digits = {text, wall};
		return String(Number(text));
	}

	private digits = {text: '', wall: Number.NEGATIVE_INFINITY};

	// --- commands --------------------------------------------------------------------------

	/** Shows a transient message on the status line. */
	notify(text: string): void {
		this.say(text);
		this.publish();
	}

	/** Applies a command (from a key, or from a recording being replayed). */
	dispatch(command: Command, arg?: string): void {
		// A key for the kernel lands at the virtual time of the wall clock now, not of the last
		// frame (up to a second ago at --fps 1).
		if (KERNEL_KEYS.has(command) && this.opts.paced !== false && !this.opts.headless && SPEEDS[this.ui.speedIndex] !== Number.POSITIVE_INFINITY) this.tick(false, SLICE_MS);
		const at = this.kernel.now;
		// The timer goes to the selected CPU: record which, so a replay fires the same one.
		const resolved = command === 'timer' && arg === undefined ? String(this.ui.selectedCpu) : arg;
		if (this.apply(command, resolved)) this.opts.onCommand?.({at, command, ...(resolved === undefined ? {} : {arg: resolved})});
		this.dirty = true;
		this.announceTimeline();
		this.publish();
	}

	private say(text: string): void {
		this.message = {text, wall: this.opts.clock(), at: this.kernel.now};
		this.dirty = true;
	}

	private setUi(recipe: (d: {-readonly [K in keyof UiState]: UiState[K]} & {scroll: Record<PaneId, number>}) => void): void {
		this.ui = update(this.ui, recipe);
	}

	/** Returns whether anything happened (only effective commands are recorded). */
	private apply(command: Command, arg: string | undefined): boolean {
		const k = this.kernel;
		if (KERNEL_KEYS.has(command)) return this.kernelInput(command, arg);
		switch (command) {
			case 'pause':
				this.setUi((d) => void (d.paused = !d.paused));
				this.pacing.restart();
				return true;
			case 'step-event': {
				this.setUi((d) => void (d.paused = true));
				const ran = k.step();
				this.say(ran ? `step ${(ran.at / 1e9).toFixed(6)}s: ${ran.text}` : 'nothing left to run');
				return true;
			}
			case 'step-ms': {
				this.setUi((d) => void (d.paused = true));
				const before = k.events;
				k.advance(k.now + NS_PER_MS);
				const n = k.events - before;
				this.say(`step 1 ms: ${n} ${n === 1 ? 'event' : 'events'} ran, now ${(k.now / 1e9).toFixed(6)}s`);
				return true;
			}
			case 'speed-up':
			case 'speed-down': {
				const next = Math.max(0, Math.min(SPEEDS.length - 1, this.ui.speedIndex + (command === 'speed-up' ? 1 : -1)));
				if (next === this.ui.speedIndex) return this.refuse(`speed ${speedLabel(next)} is already the ${command === 'speed-up' ? 'fastest' : 'slowest'}`);
				this.setUi((d) => void (d.speedIndex = next));
				this.say(`speed ${speedLabel(next)}`);
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
			case 'focus-prev':
			case 'focus': {
				const shown = this.focusable();
				const i = shown.indexOf(this.ui.focus);
				const next = command === 'focus' ? (arg as PaneId) : shown[(i + (command === 'focus-next' ? 1 : shown.length - 1)) % shown.length]!;
				if (!shown.includes(next) || next === this.ui.focus) return false;
				this.setUi((d) => void (d.focus = next));
				return true;
			}
			case 'scroll-up':
			case 'scroll-down':
			case 'page-up':
			case 'page-down':
			case 'scroll-home':
			case 'scroll-end':
				return this.scroll(command, (arg as PaneId | undefined) ?? this.ui.focus);
			case 'zoom':
				this.setUi((d) => void (d.zoom = !d.zoom));
				return true;
			case 'rates':
				this.setUi((d) => void (d.rates = !d.rates));
				return true;
			case 'log-detail':
				this.setUi((d) => {
					d.fullLog = !d.fullLog;
					d.scroll.log = 0;
				});
				return true;
			case 'log-filter': {
				const next = LOG_FILTERS[(LOG_FILTERS.indexOf(this.ui.logFilter) + 1) % LOG_FILTERS.length]!;
				this.setUi((d) => {
					d.logFilter = next;
					d.scroll.log = 0;
				});
				this.say(`kernel log: ${{all: 'every message', problems: 'WARN, BUG, lockups, stalls and panics only', rcu: 'RCU messages only'}[next]}`);
				return true;
			}
			case 'log-search':
				return this.search(arg);
			case 'search-next':
			case 'search-prev':
				return this.jumpToMatch(command === 'search-next' ? 1 : -1);
			case 'tour':
				if (!this.opts.story) return this.refuse('this scenario has no story to show');
				this.setUi((d) => void (d.tour = !d.tour));
				return true;
			case 'help':
				this.setUi((d) => {
					d.help = !d.help;
					d.tour = false;
				});
				return true;
			case 'mouse':
				this.mouse = !this.mouse;
				this.say(this.mouse ? 'mouse on: the wheel scrolls the pane under it, a click focuses a pane or selects a CPU' : 'mouse off: the terminal selects text again (M turns the mouse back on)');
				return false;
			case 'redraw':
				this.onRedraw?.();
				return false;
			case 'quit':
				this.quitRequested = true;
				return true;
			default:
				return false;
		}
	}

	/** Panes on screen now: the trace only with a DTrace port. */
	private focusable(): PaneId[] {
		return PANES.filter((p) => p !== 'trace' || this.port !== undefined);
	}

	private scroll(command: Command, pane: PaneId): boolean {
		const {page} = this.viewport[pane];
		const max = pane === 'log' ? (this.view?.log.maxScroll ?? 0) : this.viewport[pane].max;
		const delta = {'scroll-up': 1, 'scroll-down': -1, 'page-up': page, 'page-down': -page}[command as 'scroll-up'] ?? 0;
		// Log and trace count back from the newest line; the other panes down from the top.
		const backwards = pane === 'log' || pane === 'trace';
		const before = Math.min(this.ui.scroll[pane], max);
		const home = backwards ? max : 0;
		const end = backwards ? 0 : max;
		const wanted = command === 'scroll-home' ? home : command === 'scroll-end' ? end : before + (backwards ? delta : -delta);
		const next = Math.max(0, Math.min(max, wanted));
		if (next === this.ui.scroll[pane]) return false;
		this.setUi((d) => void (d.scroll[pane] = next));
		return true;
	}

	private search(query: string | undefined): boolean {
		const q = query?.trim() || undefined;
		this.setUi((d) => void (d.search = q));
		if (q === undefined) {
			this.say('search cleared');
			return true;
		}
		if (!this.jumpToMatch(1, true)) this.say(`no kernel message matches "${q}"`);
		return true;
	}

	/** Scrolls the log so the next match (older: +1, newer: -1) is at the bottom of the pane. */
	private jumpToMatch(direction: 1 | -1, fromEnd = false): boolean {
		const q = this.ui.search;
		if (q === undefined) return this.refuse('no search yet: / starts one');
		const target = this.log.matchScroll(this.ui, q, fromEnd ? -1 : this.ui.scroll.log, direction, this.logHeight());
		if (target === undefined) return this.refuse(`no ${direction === 1 ? 'older' : 'newer'} match for "${q}"`);
		this.setUi((d) => {
			d.focus = 'log';
			d.scroll.log = target.scroll;
		});
		this.say(`match ${target.index + 1} of ${target.count} for "${q}"`);
		return true;
	}

	private kernelInput(command: Command, arg: string | undefined): boolean {
		const why = refusal(this.kernel, command);
		if (why === undefined) {
			this.say(applyKernelKey(this.kernel, command, arg));
			return true;
		}
		// ^C with no consumer: the second one within a second quits, as in a shell.
		if (command === 'ctrl-c') {
			const wall = this.opts.clock();
			if (wall - this.ctrlCWall < 1000) this.quitRequested = true;
			this.ctrlCWall = wall;
		}
		return this.refuse(why);
	}

	private refuse(text: string): boolean {
		this.say(text);
		return false;
	}
}

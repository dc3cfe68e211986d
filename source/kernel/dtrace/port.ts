// The DTrace port (dtrace4linux) as far as the seed lockups need it: a consumer process,
// fbt/pid probes with safe mode, dtrace_xcall on the private vector, teardown on ^C and
// kill -9, the driver's spinning mutex, and timeout() as an hrtimer or a workqueue item.
import {V_DTRACE} from '../apic.js';
import type {Cpu, CrossCall, Task} from '../cpu.js';
import {LOGBUF_LOCK, type Input, type InputDefinition, type Kernel, type KernelExtension} from '../kernel.js';
import * as msg from '../messages.js';
import {queuedFrom} from '../step-report.js';
import {secNsec} from '../time.js';
import type {StuckNode, WaitEdge} from '../waitfor.js';
import {PORT_TIMING, type DtraceConfig, type DtraceOptions, type ProbeSite} from './config.js';
import {DtraceStats, STAT} from './stats.js';
import {consumerStatus, consumerWait, cyclicFired, mutexWait, noSuchCpu, nothingPending, registerLabels, timeoutDispatched, timeoutFired, type PortLabels} from './status.js';

const IPI1 = STAT.ipi1;
const XCALL1 = STAT.xcall1;
const XCALL2 = STAT.xcall2;
const XCALL5 = STAT['xcall5(spinlock)'];
const XCALL6 = STAT['xcall6(ack_waits)'];
const XCALL7 = STAT['xcall7(fast)'];

export type ConsumerState = 'starting' | 'running' | 'stopping' | 'tearing down' | 'killed' | 'gone';

export interface Consumer {
	readonly pid: number;
	readonly cpu: number;
	task: Task | undefined;
	state: ConsumerState;
	stopRequested: boolean;
	killRequested: boolean;
	/** Where the driver is in its work (see consumerStep). */
	phase: 'enable' | 'sleep' | 'switch' | 'stop' | 'close' | 'done';
	switchCpu: number;
	startedAt: number;
}

export interface TeardownProgress {
	readonly total: number;
	left: number;
	syncs: number;
	/** Targets that ran a teardown cross-call. */
	xcalls: number;
	readonly startedAt: number;
	doneAt: number | undefined;
	lastAckCpu: number;
	readonly lastAckCounts: number[];
	/** (virtual ns, syncs) samples for the rate. */
	readonly samples: {t: number; syncs: number}[];
	/** Where the loop is: 'start' sync, per-probe syncs, 'done' sync. */
	stage: 'lock' | 'disorderly' | 'start' | 'probes' | 'final' | 'unlock' | 'finished';
	syncsLeftForProbe: number;
	readonly disorderly: boolean;
}

export interface PortMutex {
	readonly name: string;
	owner: {task: Task | undefined; cpu: number; ctx: string; since: number} | undefined;
	readonly spinners: Cpu[];
}

export interface PendingTimeout {
	readonly id: number;
	readonly fn: string;
	readonly armedOn: number;
	readonly at: number;
	fired: boolean;
	/** Reports only: the CPU it fired on (hrtimer) or was handed to (kworker). */
	firedOn?: number;
}

const SYNC_FUNC = 'dtrace_sync_func';

const XCALL_FRAMES = ['dtrace_xcall2', 'dtrace_xcall1', 'dtrace_xcall'];
const CLOSE_FRAMES = ['dtrace_state_destroy', 'dtrace_close', 'dtracedrv_release', '__fput', 'do_exit'];
/** What a waiting dtrace_sync shows in a stack dump, per caller. */
const SYNC_FRAMES = {
	dtrace_state_stop: [...XCALL_FRAMES, 'dtrace_sync', 'dtrace_state_stop', 'dtrace_ioctl', 'SyS_ioctl'],
	dtrace_state_destroy: [...XCALL_FRAMES, 'dtrace_sync', ...CLOSE_FRAMES],
	dtrace_ecb_destroy: [...XCALL_FRAMES, 'dtrace_sync', 'dtrace_ecb_destroy', ...CLOSE_FRAMES],
};
const MUTEX_SPIN_NS = 25;
const SPINS_PER_SCHEDULE = 2000;
const SPINS_PER_SLOW_MESSAGE = 500 * 1000 * 1000;
const HARDIRQ_OFFSET = 0x10000;

export class DtracePort implements KernelExtension {
	readonly name = 'dtrace';
	readonly stats = new DtraceStats();
	readonly options: DtraceOptions;
	consumer: Consumer | undefined;
	teardown: TeardownProgress | undefined;
	lockTeardown = -1;
	shutdown = false;
	/** fasttrap probes waiting for their cleanup callback. */
	fasttrapProbes = 0;
	readonly timeouts: PendingTimeout[] = [];
	readonly mutexes: Map<string, PortMutex> = new Map([
		['cpu_lock', {name: 'cpu_lock', owner: undefined, spinners: []}],
		['dtrace_lock', {name: 'dtrace_lock', owner: undefined, spinners: []}],
	]);
	private k!: Kernel;
	private probeLevel!: Int32Array;
	private mailbox!: CrossCall[][];
	private mailboxHead!: Int32Array;
	/** Private-vector interrupts taken, per CPU (the port only keeps the total, ipi1). */
	private ipisByCpu!: Float64Array;
	/** Made once: every cross-call passes them, so they must not be allocated per call. */
	private readonly enqueue = (target: number, call: CrossCall): void => void this.mailbox[target]!.push(call);
	private readonly onAck = (call: CrossCall, target: number): void => this.acked(call, target);
	private buffers!: Float64Array;
	/** The function whose probe each CPU is inside, while it is. */
	private readonly currentProbe: (string | undefined)[] = [];
	private readonly sites = new Map<string, ProbeSite>();
	private nextPid: number;
	private nextTimeoutId = 1;
	private schedBugWindow = {start: -Infinity, printed: 0, suppressed: 0};
	rcuSplats = 0;
	/** Every schedule() from atomic context, printed or suppressed. */
	schedAtomic = 0;
	rcuGuarded = 0;
	inTracingStops = 0;
	/** Callback describers for step reports (see Kernel.at), registered at boot. */
	private labels: PortLabels = {start: 0, spinTick: 0, work: 0, handover: new Map()};

	readonly inputs = {
		'safe-mode': {describe: 'toggle DTrace safe mode (probes at IRQs-off sites do not fire)', arg: 'none', handle: (_k: Kernel, _i: Input) => this.toggleSafeMode()},
		'ctrl-c': {describe: '^C the dtrace consumer: it stops and tears its probes down', arg: 'none', handle: () => this.ctrlC()},
		'kill-9': {describe: 'kill -9 the dtrace consumer: close path with the driver mutexes held', arg: 'none', handle: () => this.kill9()},
		timer: {describe: 'fire a pending timeout()/cyclic now (timer:CPU picks the CPU)', arg: 'cpu', handle: (_k: Kernel, i: Input) => this.injectTimer(i.arg)},
		'start-consumer': {describe: 'start a dtrace consumer when none runs', arg: 'none', handle: () => this.startConsumerInput()},
	} satisfies Record<string, InputDefinition>;

	constructor(readonly config: DtraceConfig) {
		this.options = {...config.options};
		for (const site of config.sites) this.sites.set(site.fn, site);
		this.nextPid = config.consumer?.pid ?? 4711;
	}

	boot(k: Kernel): void {
		this.k = k;
		const n = k.cpus.length;
		this.probeLevel = new Int32Array(n);
		this.mailbox = Array.from({length: n}, () => []);
		this.mailboxHead = new Int32Array(n);
		this.ipisByCpu = new Float64Array(n);
		this.buffers = new Float64Array(n);
		this.stats.set('dtrace_safe', this.options.safeMode ? 1 : 0);
		k.modules.unshift('dtracedrv(PO)');
		k.taint.add('P');
		k.taint.add('O');
		this.printf(k.cpus[0]!, `dtracedrv loaded: /dev/dtrace available, dtrace_here=0 nr_cpus=${n}`);
		this.labels = registerLabels(k, this, SPINS_PER_SCHEDULE);
		const c = this.config.consumer;
		if (c) k.at(c.startAt, () => this.startConsumer(), this.labels.start, c.cpu ?? 0);
	}

	// --- options ---------------------------------------------------------------------------

	setOption(name: string, value: unknown): boolean {
		if (!(name in this.options)) return false;
		(this.options as unknown as Record<string, unknown>)[name] = value;
		this.stats.set('dtrace_safe', this.options.safeMode ? 1 : 0);
		return true;
	}

	option(name: string): unknown {
		return (this.options as unknown as Record<string, unknown>)[name];
	}

	private toggleSafeMode(): string {
		this.setOption('safeMode', !this.options.safeMode);
		return `safe mode ${this.options.safeMode ? 'ON' : 'OFF'}`;
	}

	// --- the port's own printing ---------------------------------------------------------

	/** dtrace_printf (the ring, never blocks) or, when the scenario says so, the kernel's printk. */
	printf(cpu: Cpu, text: string): void {
		const {pid} = cpu.current ?? {pid: 0};
		if (this.options.printf === 'dtrace_printf') {
			this.k.trace.printf(this.k.now, cpu.id, pid, !cpu.irqsOn || cpu.ctx === 'hardirq' || cpu.ctx === 'nmi', text);
		} else if (cpu.ctx === 'nmi') {
			this.printkFromNmi(cpu, text);
		} else {
			this.k.printk(cpu.id, 'warn', text);
		}
	}

	/**
	 * printk in NMI context (3.x): vprintk_emit spins on logbuf_lock. If the NMI interrupted
	 * this very CPU while it held the lock (console_unlock copying a record), it can never
	 * get it: the CPU hangs in the NMI.
	 */
	private printkFromNmi(cpu: Cpu, text: string): void {
		const k = this.k;
		const frames = ['_raw_spin_lock', 'vprintk_emit', 'printk', 'dtrace_probe', 'fbt_invop', 'dtrace_int3_handler', 'do_int3', 'int3', 'perf_event_nmi_handler', 'nmi_handle', 'do_nmi', 'end_repeat_nmi'];
		const got = k.spinFromNmi(cpu, LOGBUF_LOCK);
		if (got === 'taken') {
			k.printk(cpu.id, 'warn', text);
			k.releaseSpin(cpu, LOGBUF_LOCK);
			return;
		}
		if (got === 'self') {
			const holder = cpu.current ? `${cpu.current.comm} (pid ${cpu.current.pid})` : 'the idle task';
			k.blockInHandler(
				cpu,
				{kind: 'stuck', fn: '_raw_spin_lock', doing: `spin logbuf_lock (CPU${cpu.id}, itself)`, reason: `(NMI: probe ${this.probeName('perf_event_nmi_handler')} calls printk) spins on logbuf_lock, which CPU${cpu.id} itself holds in printk from ${holder}`},
				frames,
				true,
			);
			return;
		}
		k.blockInHandler(cpu, {kind: 'spin', lock: LOGBUF_LOCK}, frames, true);
		cpu.resumeHook = () => {
			k.printk(cpu.id, 'warn', text);
			k.releaseSpin(cpu, LOGBUF_LOCK);
			k.returnFromInterrupt(cpu);
		};
	}

	/** A perf NMI runs perf_event_nmi_handler: its probe, if enabled, fires in NMI context. */
	onNmi(k: Kernel, cpu: Cpu): void {
		if (!this.active) return;
		const site = this.sites.get('perf_event_nmi_handler') ?? (this.config.traceAll ? {fn: 'perf_event_nmi_handler', action: 'trace' as const} : undefined);
		if (site) this.fire(k, cpu, site, 0);
	}

	// --- consumer ------------------------------------------------------------------------

	private startConsumer(): void {
		if (this.consumer && this.consumer.state !== 'gone') return;
		const cpu = this.config.consumer?.cpu ?? 0;
		const pid = this.nextPid++;
		this.shutdown = false;
		this.stats.set('shutdown', 0);
		this.teardown = undefined;
		this.consumer = {pid, cpu, task: undefined, state: 'starting', stopRequested: false, killRequested: false, phase: 'enable', switchCpu: 0, startedAt: this.k.now};
		this.consumer.task = this.k.spawn(cpu, 'dtrace', pid, (c) => this.consumerStep(c));
	}

	private startConsumerInput(): string {
		const c = this.consumer;
		if (c && c.state !== 'gone') return `dtrace ${c.pid} is still ${c.state}; no new consumer started`;
		this.startConsumer();
		return `started dtrace ${this.consumer!.pid} on CPU${this.consumer!.cpu}`;
	}

	private ctrlC(): string {
		const c = this.consumer;
		if (!c || c.state === 'gone') return '^C: no dtrace consumer alive; nothing happened';
		if (c.state === 'killed') return `^C: dtrace ${c.pid} was already killed; nothing changes`;
		if (c.state === 'tearing down') return `^C: dtrace ${c.pid} is tearing down; ^C has no effect in the kernel`;
		const again = c.stopRequested;
		c.stopRequested = true;
		if (c.state === 'running') c.state = 'stopping';
		if (c.task) this.k.wakeTask(c.task, this.k.cpus[c.cpu]!);
		return `^C sent to dtrace ${c.pid}${again ? ' again' : ''}${this.signalWait()}`;
	}

	private kill9(): string {
		const c = this.consumer;
		if (!c || c.state === 'gone') return 'kill -9: no dtrace consumer alive; nothing happened';
		if (c.state === 'tearing down') return `kill -9: dtrace ${c.pid} is already tearing down; nothing changes`;
		c.killRequested = true;
		c.state = 'killed';
		if (c.task) this.k.wakeTask(c.task, this.k.cpus[c.cpu]!);
		return `kill -9 sent to dtrace ${c.pid}${this.signalWait()}`;
	}

	/** `; it acts on it only when ...` when a signal just sent cannot be acted on yet. */
	private signalWait(): string {
		const w = consumerWait(this.k, this);
		return w ? `; it acts on it only when it returns from the kernel: ${w}` : '';
	}

	/** Probes fire while the enabling is live. */
	private get active(): boolean {
		const s = this.consumer?.state;
		return s === 'running' || s === 'stopping';
	}

	/** The consumer's work, resumed whenever its task gets the CPU or a wait ends. */
	private consumerStep(cpu: Cpu): void {
		const c = this.consumer!;
		const k = this.k;
		for (;;) {
			if (c.killRequested && c.phase !== 'close' && c.phase !== 'done') {
				this.beginClose(true);
				continue;
			}
			switch (c.phase) {
				case 'enable':
					c.phase = 'sleep';
					c.state = 'running';
					k.startTimed(cpu, {kind: 'run', mode: 'kernel', fn: 'dtrace_ioctl', until: 0}, this.config.probes * PORT_TIMING.enablePerProbe);
					if (this.config.provider === 'pid') this.fasttrapProbes = this.config.probes;
					return;
				case 'sleep':
					if (c.stopRequested) {
						c.phase = 'stop';
						continue;
					}
					c.phase = 'switch';
					c.switchCpu = 0;
					k.sleepCurrent(cpu, this.config.switchRate);
					return;
				case 'switch': {
					// DTRACEIOC_BUFSNAP: dtrace_buffer_switch on each CPU in turn.
					if (c.stopRequested) {
						c.phase = 'stop';
						continue;
					}
					while (c.switchCpu < k.cpus.length) {
						const target = c.switchCpu++;
						if (this.xcall(cpu, [target], 'dtrace_buffer_switch', [...XCALL_FRAMES, 'dtrace_buffer_switch', 'dtrace_ioctl', 'SyS_ioctl'])) return;
					}
					c.phase = 'sleep';
					k.startTimed(cpu, {kind: 'run', mode: 'user', fn: undefined, until: 0}, PORT_TIMING.consume);
					return;
				}
				case 'stop':
					// DTRACEIOC_STOP: dtrace_state_stop() syncs once, then the consumer closes.
					c.state = 'stopping';
					c.phase = 'close';
					this.beginClose(false);
					if (this.sync(cpu, 'dtrace_state_stop')) return;
					continue;
				case 'close':
					if (this.teardownStep(cpu)) return;
					c.phase = 'done';
					continue;
				case 'done':
					c.state = 'gone';
					c.task = undefined;
					k.exitCurrent(cpu);
					return;
			}
		}
	}

	// --- teardown ------------------------------------------------------------------------

	private beginClose(disorderly: boolean): void {
		const c = this.consumer!;
		c.phase = 'close';
		c.state = disorderly ? 'killed' : 'stopping';
		if (this.teardown) return;
		this.teardown = {
			total: this.config.probes,
			left: this.config.probes,
			syncs: 0,
			xcalls: 0,
			startedAt: this.k.now,
			doneAt: undefined,
			lastAckCpu: -1,
			lastAckCounts: new Array<number>(this.k.cpus.length).fill(0),
			samples: [{t: this.k.now, syncs: 0}],
			stage: 'lock',
			syncsLeftForProbe: 0,
			disorderly,
		};
	}

	/**
	 * dtracedrv_release -> dtrace_close -> dtrace_state_destroy, one dtrace_sync at a time.
	 * Returns true when the CPU is now waiting (cross-call, mutex, or a batch of local work).
	 */
	private teardownStep(cpu: Cpu): boolean {
		const t = this.teardown!;
		const c = this.consumer!;
		const k = this.k;
		let localWork = 0;
		/** Moves on to `next` once a dtrace_sync from `from` is done; true while it waits. */
		const syncThen = (next: TeardownProgress['stage'], from: 'dtrace_state_destroy'): boolean => {
			t.stage = next;
			return this.sync(cpu, from);
		};
		const flushLocal = (): boolean => {
			if (localWork === 0) return false;
			k.startTimed(cpu, {kind: 'run', mode: 'kernel', fn: 'dtrace_ecb_destroy', until: 0}, localWork);
			return true;
		};
		for (;;) {
			switch (t.stage) {
				case 'lock':
					if (this.mutexEnter(cpu, 'cpu_lock', c.task) || this.mutexEnter(cpu, 'dtrace_lock', c.task)) return true;
					c.state = 'tearing down';
					if (this.config.provider === 'pid' && this.fasttrapProbes > 0) this.timeout(cpu, 'fasttrap_pid_cleanup_cb');
					t.stage = t.disorderly ? 'disorderly' : 'start';
					continue;
				case 'disorderly':
					// "disorderly shutdown of a consumer": the state was still active.
					if (syncThen('start', 'dtrace_state_destroy')) return true;
					continue;
				case 'start':
					this.printf(cpu, `teardown start xcalls=${this.stats.get('xcall1')} probes=${t.left}`);
					t.syncsLeftForProbe = this.config.syncsPerProbe;
					if (syncThen('probes', 'dtrace_state_destroy')) return true;
					continue;
				case 'probes': {
					if (t.left === 0) {
						if (flushLocal()) return true;
						this.lockTeardown = -1;
						this.printf(cpu, `teardown done ${secNsec(k.now - t.startedAt)} xcalls=${this.stats.get('xcall1')} probes=0`);
						t.stage = 'final';
						continue;
					}
					if (this.lockTeardown === -1) this.lockTeardown = cpu.id;
					if (t.syncsLeftForProbe === 0) {
						t.left--;
						t.syncsLeftForProbe = this.config.syncsPerProbe;
						const freed = t.total - t.left;
						if (freed % 10000 === 0) this.printf(cpu, `kmem_free cnt=${freed}`);
						if (t.left % 500 === 0) t.samples.push({t: k.now, syncs: t.syncs});
						if (t.samples.length > 64) t.samples.shift();
						continue;
					}
					t.syncsLeftForProbe--;
					// Local work done so far delays the next IPIs: it goes in as extra latency.
					if (this.sync(cpu, 'dtrace_ecb_destroy', (ns) => (localWork += ns), localWork)) return true;
					if (localWork >= 200 * PORT_TIMING.localSync && flushLocal()) return true;
					continue;
				}
				case 'final':
					if (syncThen('unlock', 'dtrace_state_destroy')) return true;
					continue;
				case 'unlock':
					t.doneAt = k.now;
					t.samples.push({t: k.now, syncs: t.syncs});
					this.mutexExit('dtrace_lock');
					this.mutexExit('cpu_lock');
					this.buffers.fill(0);
					t.stage = 'finished';
					return false;
				case 'finished':
					return false;
			}
		}
	}

	/** Syncs per second over the last stretch of the teardown. */
	teardownRate(): number {
		const t = this.teardown;
		if (!t || t.samples.length < 2) return 0;
		const last = t.samples.at(-1)!;
		const now = this.k.now;
		const cut = (t.doneAt ?? now) - 1_000_000_000;
		const first = t.samples.find((s) => s.t >= cut) ?? t.samples[0]!;
		const end = t.doneAt === undefined ? {t: now, syncs: t.syncs} : last;
		const dt = end.t - first.t;
		return dt > 0 ? ((end.syncs - first.syncs) * 1e9) / dt : 0;
	}

	// --- cross-calls ---------------------------------------------------------------------

	/** dtrace_sync(): dtrace_xcall(DTRACE_CPUALL, dtrace_sync_func). */
	private sync(cpu: Cpu, from: 'dtrace_state_stop' | 'dtrace_state_destroy' | 'dtrace_ecb_destroy', local?: (ns: number) => void, pendingLocal = 0): boolean {
		const t = this.teardown;
		if (t) t.syncs++;
		return this.xcall(cpu, this.k.othersOf(cpu), SYNC_FUNC, SYNC_FRAMES[from], local, pendingLocal);
	}

	/**
	 * dtrace_xcall from task context. Returns true when the caller now waits for acks
	 * (the consumer's driver is resumed when they are in).
	 */
	private xcall(cpu: Cpu, targets: readonly number[], func: string, frames: readonly string[], local?: (ns: number) => void, pendingLocal = 0): boolean {
		const call = this.startXcall(cpu, targets, func, frames, pendingLocal);
		if (call === undefined) {
			local?.(PORT_TIMING.localSync);
			return false;
		}
		cpu.preempt++;
		this.k.setActivity(cpu, {kind: 'xcall-wait', call});
		this.pollMailbox(cpu);
		return true;
	}

	/**
	 * Sends a dtrace_xcall. Returns the call when the caller has to wait, or undefined when
	 * it completed at once (self only, shutdown, or every target skipped on the fast path).
	 */
	private startXcall(cpu: Cpu, targets: readonly number[], func: string, frames: readonly string[], extraLatency = 0, via?: string): CrossCall | undefined {
		const v = this.stats.v;
		v[XCALL1]!++;
		if (this.shutdown) return undefined;
		let remote = targets === this.k.othersOf(cpu) ? targets : targets.filter((t) => t !== cpu.id);
		if (remote.length === 0) return undefined;
		if (func === SYNC_FUNC && this.options.fastSync) {
			const skipped = remote.filter((t) => this.probeLevel[t] === 0);
			v[XCALL7]! += skipped.length;
			remote = remote.filter((t) => this.probeLevel[t] !== 0);
			if (remote.length === 0) return undefined;
		}
		v[XCALL2]!++;
		const k = this.k;
		const name = via ?? 'dtrace_xcall';
		if (this.options.xcall === 'smp_call_function') {
			// orig_dtrace_xcall: preempt_disable(); smp_call_function(func, arg, TRUE); func(arg);
			// The callers' frames start with the new path's dtrace_xcall2/1: swap them for orig_dtrace_xcall.
			const below = ['orig_dtrace_xcall', ...frames.slice(frames[0] === XCALL_FRAMES[0] ? 2 : 0)];
			if (!cpu.irqsOn || cpu.ctx !== 'task') k.warnOnce(cpu, msg.SMP_CALL_FUNCTION_MANY_WARN, undefined, ['smp_call_function', ...below]);
			return k.crossCall(cpu, remote, `${name} via smp_call_function`, func, {extraLatency, frames: ['smp_call_function_many', 'smp_call_function', ...below], onAck: this.onAck});
		}
		return k.crossCall(cpu, remote, name, func, {
			vector: V_DTRACE,
			extraLatency: extraLatency + (this.teardown?.stage === 'probes' ? PORT_TIMING.perSync : 0),
			queue: this.enqueue,
			frames,
			onAck: this.onAck,
		});
	}

	/** Bookkeeping when a target has run one of our cross-calls. */
	private acked(call: CrossCall, target: number): void {
		const polls = Math.max(1, Math.ceil((this.k.now - call.started) / PORT_TIMING.ackPoll));
		const v = this.stats.v;
		v[XCALL6]! += polls;
		if (polls > v[XCALL5]!) v[XCALL5] = polls;
		const t = this.teardown;
		if (t && t.doneAt === undefined && call.caller === this.consumer?.cpu) {
			t.xcalls++;
			if (call.remaining === 0) {
				t.lastAckCpu = target;
				t.lastAckCounts[target]!++;
			}
		}
	}

	/** The private vector's handler: dtrace_int_ipi -> xcall_slave -> xcall_slave2 -> EOI. */
	vector(k: Kernel, cpu: Cpu, vector: number): boolean {
		if (vector !== V_DTRACE) return false;
		this.stats.v[IPI1]!++;
		this.ipisByCpu[cpu.id]!++;
		// An IPI costs what the machine's cross-call handler costs, plus xcall_slave2's work.
		k.charge(cpu, k.config.timing.callHandler + PORT_TIMING.ipiHandler);
		this.serviceMailbox(cpu);
		return true;
	}

	/** xcall_slave2(): run every request waiting in this CPU's mailbox and ack it. */
	private serviceMailbox(cpu: Cpu): void {
		const box = this.mailbox[cpu.id]!;
		const n = box.length;
		let i = this.mailboxHead[cpu.id]!;
		if (i === n) return;
		// Acks never queue work synchronously, so the mailbox does not grow under us.
		for (; i < n; i++) {
			const call = box[i]!;
			box[i] = undefined!;
			if (call.func === 'dtrace_buffer_switch') this.buffers[cpu.id] = 0;
			this.k.ack(call, cpu.id);
		}
		this.mailboxHead[cpu.id] = n;
		if (n >= 256) {
			box.length = 0;
			this.mailboxHead[cpu.id] = 0;
		}
	}

	/** Whether the CPU is in one of the port's loops that call xcall_slave2() while they wait. */
	private polling(cpu: Cpu): boolean {
		const a = cpu.activity;
		return (a.kind === 'xcall-wait' && a.call.vector === V_DTRACE) || (a.kind === 'busy-wait' && this.mutexes.has(a.on));
	}

	private pollMailbox(cpu: Cpu): void {
		if (this.polling(cpu)) this.serviceMailbox(cpu);
	}

	ipiMasked(_k: Kernel, cpu: Cpu): void {
		this.pollMailbox(cpu);
	}

	services(_k: Kernel, target: Cpu, vector: number): boolean {
		return vector === V_DTRACE && this.polling(target);
	}

	// --- probes --------------------------------------------------------------------------

	/** A `call` step enters `fn`: fire its probe if one is enabled there. */
	onCall(k: Kernel, cpu: Cpu, _task: Task, fn: string, body: number): boolean {
		if (!this.active) return false;
		const site = this.sites.get(fn) ?? (this.config.traceAll ? {fn, action: 'trace' as const} : undefined);
		if (!site) return false;
		return this.fire(k, cpu, site, body);
	}

	/** dtrace_probe(): the Linux wrapper's checks, then the enabling's action. */
	private fire(k: Kernel, cpu: Cpu, site: ProbeSite, body: number): boolean {
		const s = this.stats;
		s.inc('probes');
		s.inc('int3_1');
		s.inc('int1');
		if (this.shutdown) return false;
		const irqsOff = !cpu.irqsOn || cpu.ctx === 'hardirq' || cpu.ctx === 'nmi';
		if (irqsOff) {
			if (this.options.safeMode) {
				s.inc('probe_safe');
				return false;
			}
			s.inc('probe_noint');
		}
		if (this.lockTeardown === cpu.id) return false;
		if (this.probeLevel[cpu.id]! > 0) {
			this.recursion(cpu, this.probeId(this.currentProbe[cpu.id] ?? site.fn), this.probeId(site.fn));
			return false;
		}
		this.buffers[cpu.id]! += this.config.recordSize;
		// A full buffer drops the record (DTrace counts drops; nothing here shows them yet).
		if (this.buffers[cpu.id]! > this.config.bufSize) this.buffers[cpu.id] = this.config.bufSize;
		if (cpu.rcuIdle) this.rcuUse(cpu, site);
		if (this.config.actionRecurses) this.selfProbe(cpu, site);
		if (site.action === 'printf') this.printf(cpu, `${this.probeName(site.fn)} fired on cpu ${cpu.id}`);
		if (site.action !== 'xcall') return false;
		// The enabling cross-calls every CPU from probe context, as the seed describes.
		this.probeLevel[cpu.id]!++;
		this.currentProbe[cpu.id] = site.fn;
		const frames = [...XCALL_FRAMES, 'dtrace_sync', 'dtrace_probe', 'fbt_invop', 'dtrace_int3_handler', 'do_int3', 'int3', site.fn];
		const call = this.startXcall(cpu, k.othersOf(cpu), SYNC_FUNC, frames, 0, `dtrace_xcall from probe ${this.probeName(site.fn)}`);
		if (!call) {
			this.probeLevel[cpu.id]!--;
			return false;
		}
		cpu.preempt++;
		k.setActivity(cpu, {kind: 'xcall-wait', call});
		cpu.resumeHook = () => {
			cpu.preempt--;
			this.probeLevel[cpu.id]!--;
			k.startTimed(cpu, {kind: 'run', mode: 'kernel', fn: site.fn, until: 0}, body);
		};
		this.pollMailbox(cpu);
		return true;
	}

	probeName(fn: string): string {
		return `${this.config.provider}::${fn}:entry`;
	}

	/** The action calls a function that is itself probed (ktime_get for the timestamp). */
	private selfProbe(cpu: Cpu, site: ProbeSite): void {
		if (this.options.inTracingFlag) {
			// The per-stack in-tracing flag is set: the nested probe is not even entered.
			this.inTracingStops++;
			return;
		}
		this.stats.inc('probes');
		this.recursion(cpu, this.probeId(site.fn), this.probeId('ktime_get'));
	}

	/** The port's per-CPU probe level caught a probe inside a probe. */
	private recursion(cpu: Cpu, old: number, id: number): void {
		this.stats.inc('probe_recursion');
		const n = this.stats.get('probe_recursion');
		if (n < 10) this.printf(cpu, `dtrace_probe: re-entrancy: old=${old} this=${id} [#${n}]`);
	}

	/** A stable probe id for a function (ids are what dtrace -l numbers). */
	probeId(fn: string): number {
		let h = 0x811c9dc5;
		for (let i = 0; i < fn.length; i++) h = Math.imul(h ^ fn.charCodeAt(i), 0x01000193);
		return 1 + ((h >>> 0) % Math.max(1, this.config.probes));
	}

	/** The probe touches RCU-protected state while RCU is not watching this CPU. */
	private rcuUse(cpu: Cpu, site: ProbeSite): void {
		if (this.options.rcuWatchingGuard) {
			// rcu_is_watching() is false: rcu_irq_enter_irqson() first, exit after.
			this.rcuGuarded++;
			return;
		}
		this.rcuSplats++;
		if (this.rcuSplats > 1) return; // lockdep turns debug_locks off after the first splat
		const {comm, pid} = cpu.current ?? {comm: `swapper/${cpu.id}`, pid: 0};
		const k = this.k;
		const lines = msg.suspiciousRcu(k.config.formats, {
			file: 'driver/dtrace.c',
			line: 1387,
			what: 'suspicious rcu_dereference_check() usage',
			idle: true,
			release: k.config.release,
			tainted: msg.taintString(k.taint, k.config.formats),
			holder: `${comm}/${pid}`,
		});
		const frames = ['dump_stack', 'lockdep_rcu_suspicious', 'dtrace_probe', 'fbt_invop', 'dtrace_int3_handler', 'do_int3', 'int3', site.fn, ...k.baseFrames(cpu)];
		k.printLines(cpu.id, [...lines, ...msg.dumpStack({...k.stackContext(cpu), frames})]);
		k.warnings.warn++;
	}

	// --- the driver's mutex --------------------------------------------------------------

	/**
	 * mutex_enter/dmutex_enter (driver/mutex.c): returns true when the CPU now spins. The
	 * spinner services cross-calls every 100 spins and calls schedule() every 2000.
	 */
	private mutexEnter(cpu: Cpu, name: string, task: Task | undefined): boolean {
		const m = this.mutexes.get(name)!;
		// Handed over while we spun: it is ours now.
		if (m.owner !== undefined && m.owner.cpu === cpu.id && m.owner.task === task && !m.spinners.includes(cpu)) return false;
		const atomic = cpu.ctx !== 'task';
		this.stats.inc(atomic ? 'mtx1' : 'mtx2');
		if (m.owner === undefined) {
			m.owner = {task, cpu: cpu.id, ctx: cpu.ctx, since: this.k.now};
			return false;
		}
		m.spinners.push(cpu);
		this.k.setActivity(cpu, {kind: 'busy-wait', on: name, fn: atomic ? 'dmutex_enter' : 'mutex_enter', describe: `spin mutex ${name}`});
		this.pollMailbox(cpu);
		this.scheduleSpinTick(cpu, 0);
		return true;
	}

	private mutexExit(name: string): void {
		const m = this.mutexes.get(name)!;
		m.owner = undefined;
		const next = m.spinners.shift();
		if (!next) return;
		const task = next.ctx === 'task' ? next.current : undefined;
		m.owner = {task, cpu: next.id, ctx: next.ctx, since: this.k.now};
		const token = next.token;
		this.k.at(
			this.k.now + MUTEX_SPIN_NS,
			() => {
				if (next.token !== token) return;
				const hook = next.resumeHook;
				next.resumeHook = undefined;
				if (hook) hook();
				else this.k.run(next);
			},
			this.labels.handover.get(name),
			next.id,
		);
	}

	/** Every 2000 spins the spinner calls schedule(); from atomic context that is a BUG. */
	private scheduleSpinTick(cpu: Cpu, spins: number): void {
		const token = cpu.token;
		this.k.at(
			this.k.now + SPINS_PER_SCHEDULE * MUTEX_SPIN_NS,
			() => {
				if (cpu.token !== token || cpu.activity.kind !== 'busy-wait') return;
				const total = spins + SPINS_PER_SCHEDULE;
				if (Math.floor(total / SPINS_PER_SLOW_MESSAGE) > Math.floor(spins / SPINS_PER_SLOW_MESSAGE)) {
					this.printf(cpu, `mutex_enter: taking a long time to grab lock mtx3=${this.stats.get('mtx3')}`);
					this.stats.inc('mtx3');
				}
				if (cpu.ctx !== 'task') this.schedulingWhileAtomic(cpu);
				this.scheduleSpinTick(cpu, total);
			},
			this.labels.spinTick,
			cpu.id,
		);
	}

	/** __schedule_bug, printed at most 10 times per 5 s like printk_ratelimited. */
	private schedulingWhileAtomic(cpu: Cpu): void {
		const k = this.k;
		const w = this.schedBugWindow;
		this.schedAtomic++;
		if (k.now - w.start >= 5_000_000_000) {
			if (w.suppressed > 0) k.printk(cpu.id, 'warn', `__schedule_bug: ${w.suppressed} callbacks suppressed`);
			w.start = k.now;
			w.printed = 0;
			w.suppressed = 0;
		}
		if (w.printed >= 10) {
			w.suppressed++;
			return;
		}
		w.printed++;
		k.warnings.bug++;
		k.taint.add('W');
		const frame = cpu.irqStack.at(-1);
		const interrupted = frame?.activity;
		const preempt = HARDIRQ_OFFSET + (interrupted?.kind === 'xcall-wait' ? 1 : 0);
		const ctx = k.stackContext(cpu);
		k.printLines(cpu.id, [
			{level: 'err', text: msg.schedulingWhileAtomic(ctx.comm, ctx.pid, preempt)},
			{level: 'warn', text: `Modules linked in: ${ctx.modules}`},
			...msg.dumpStack({...ctx, frames: ['dump_stack', '__schedule_bug', '__schedule', 'schedule', ...ctx.frames]}),
		]);
	}

	// --- timeout() -----------------------------------------------------------------------

	/** timeout(fn, arg, 1): an hrtimer on this CPU, or a delayed work item. */
	private timeout(cpu: Cpu, fn: string): void {
		const k = this.k;
		const t: PendingTimeout = {id: this.nextTimeoutId++, fn, armedOn: cpu.id, at: k.now + k.jiffyNs, fired: false};
		this.timeouts.push(t);
		this.stats.inc('timer_add');
		if (this.options.timeouts === 'hrtimer') k.armHrtimer(cpu.id, t.at, {name: fn, describe: `${fn} (dtrace timeout())`, fn: (c) => this.runTimeout(t, c)});
		else k.at(t.at, () => void this.dispatchWork(t), this.labels.work, cpu.id);
	}

	/** The hrtimer flavour: runs in hardirq on the CPU it fires on. Returns true if it blocked. */
	private runTimeout(t: PendingTimeout, cpu: Cpu): boolean {
		if (t.fired) return false;
		t.fired = true;
		t.firedOn = cpu.id;
		this.stats.inc('timer1');
		const frames = ['fasttrap_pid_cleanup_cb', '__run_hrtimer', 'hrtimer_interrupt', 'local_apic_timer_interrupt', 'smp_apic_timer_interrupt', 'apic_timer_interrupt'];
		const m = this.mutexes.get('dtrace_lock')!;
		if (m.owner === undefined) {
			this.cleanupFasttrap(cpu);
			return false;
		}
		this.stats.inc('mtx1');
		m.spinners.push(cpu);
		this.k.blockInHandler(cpu, {kind: 'busy-wait', on: 'dtrace_lock', fn: 'dmutex_enter', describe: 'hardirq: spin mutex dtrace_lock'}, frames);
		cpu.resumeHook = () => {
			this.cleanupFasttrap(cpu);
			this.mutexExit('dtrace_lock');
			this.k.returnFromInterrupt(cpu);
		};
		this.pollMailbox(cpu);
		this.scheduleSpinTick(cpu, 0);
		return true;
	}

	/** The workqueue flavour: a kworker thread that may sleep and lets the holder finish. */
	private dispatchWork(t: PendingTimeout): Task | undefined {
		if (t.fired) return undefined;
		t.fired = true;
		const k = this.k;
		const n = k.cpus.length;
		let target = (t.armedOn + 1) % n;
		for (let i = 0; i < n; i++) {
			const c = k.cpus[(t.armedOn + 1 + i) % n]!;
			if (c.current === undefined) {
				target = c.id;
				break;
			}
		}
		t.firedOn = target;
		let stage: 'lock' | 'work' = 'lock';
		return k.spawn(target, 'kworker/u8:1', 37, (cpu) => {
			if (stage === 'lock') {
				stage = 'work';
				this.stats.inc('timer1');
				if (this.mutexEnter(cpu, 'dtrace_lock', cpu.current)) return;
			}
			this.cleanupFasttrap(cpu);
			this.mutexExit('dtrace_lock');
			k.exitCurrent(cpu);
		});
	}

	private cleanupFasttrap(cpu: Cpu): void {
		const n = this.fasttrapProbes;
		this.fasttrapProbes = 0;
		const idx = this.timeouts.findIndex((t) => t.fired);
		if (idx >= 0) this.timeouts.splice(idx, 1);
		this.stats.inc('timer_remove');
		this.printf(cpu, `fasttrap_pid_cleanup_cb: ${n} probes cleaned up`);
	}

	/**
	 * Input `timer[:CPU]`: fire a pending timeout now, or the consumer's cyclic. Returns what
	 * fired where, or that nothing was pending (then nothing happens).
	 */
	private injectTimer(arg: string | undefined): string {
		const k = this.k;
		const pending = this.timeouts.find((t) => !t.fired);
		const cpuId = arg === undefined ? (pending?.armedOn ?? this.consumer?.cpu ?? 0) : Number(arg);
		if (!Number.isInteger(cpuId) || cpuId < 0 || cpuId >= k.cpus.length) return noSuchCpu(k, arg);
		const cpu = k.cpus[cpuId]!;
		const depth = cpu.irqStack.length;
		if (pending) {
			const probes = this.fasttrapProbes;
			if (this.options.timeouts === 'hrtimer') {
				k.fireHrtimer(cpuId, {name: pending.fn, describe: `${pending.fn} (dtrace timeout())`, fn: (c) => this.runTimeout(pending, c)});
				return timeoutFired(k, pending, cpu, depth, probes);
			}
			return timeoutDispatched(k, pending, this.dispatchWork(pending)!, arg === undefined ? undefined : cpuId, probes);
		}
		if (!this.active) return nothingPending(this, cpuId);
		// The state's cyclic (dtrace_state_clean): hrtimer -> tasklet -> dtrace_sync().
		const timer = {name: 'dtrace_state_clean', describe: 'dtrace_state_clean (the dtrace cyclic)', fn: (c: Cpu) => this.cyclicClean(c)};
		k.fireHrtimer(cpuId, timer);
		return cyclicFired(k, cpu, cpu.pendingTimers.includes(timer), depth);
	}

	private cyclicClean(cpu: Cpu): boolean {
		this.stats.inc('timer1');
		const frames = ['dtrace_sync', 'dtrace_state_clean', 'cyclic_tasklet_func', 'tasklet_action', '__do_softirq', 'irq_exit', 'smp_apic_timer_interrupt'];
		const call = this.startXcall(cpu, this.k.othersOf(cpu), SYNC_FUNC, [...XCALL_FRAMES, ...frames], 0, 'dtrace_xcall from the dtrace_state_clean cyclic');
		if (!call) return false;
		this.k.blockInHandler(cpu, {kind: 'xcall-wait', call}, frames.slice(1));
		cpu.resumeHook = () => this.k.returnFromInterrupt(cpu);
		this.pollMailbox(cpu);
		return true;
	}

	// --- explanation -----------------------------------------------------------------------

	waitFor(_k: Kernel, edges: WaitEdge[], _stuck: StuckNode[]): void {
		for (const m of this.mutexes.values()) {
			const owner = m.owner;
			if (!owner) continue;
			for (const spinner of m.spinners) {
				const where = spinner.ctx === 'task' ? '' : ` (${spinner.ctx}: ${spinner.irqStack.at(-1)?.frames[0] ?? 'interrupt'})`;
				const ownerName = owner.task ? `${owner.task.comm} (pid ${owner.task.pid})` : `CPU${owner.cpu}`;
				const interrupted = spinner.irqStack.some((f) => f.activity !== undefined) && owner.cpu === spinner.id && owner.task !== undefined && spinner.ctx !== 'task';
				if (interrupted && owner.task) {
					const taskNode = `task:${owner.task.pid}`;
					edges.push({from: `cpu${spinner.id}`, to: taskNode, since: spinner.since, text: `CPU${spinner.id}${where} spins on mutex ${m.name} held by ${ownerName}, the task it interrupted`});
					edges.push({from: taskNode, to: `cpu${spinner.id}`, since: spinner.since, text: `${ownerName} cannot run until that interrupt returns on CPU${spinner.id}`});
				} else {
					edges.push({from: `cpu${spinner.id}`, to: `cpu${owner.cpu}`, since: spinner.since, text: `CPU${spinner.id}${where} spins on mutex ${m.name} held by ${ownerName} on CPU${owner.cpu}`});
				}
			}
		}
	}

	// --- reports (words in status.ts) ----------------------------------------------------

	/** Step reports: who queued the dtrace_xcall requests a CPU is about to take. */
	describeIpi(_k: Kernel, cpu: Cpu, vector: number): string | undefined {
		return vector === V_DTRACE ? queuedFrom(this.mailbox[cpu.id]!, this.mailboxHead[cpu.id]!) : undefined;
	}

	/** Step reports and the consumer line: the wait on one of the driver's mutexes, in words. */
	describeWait(_k: Kernel, cpu: Cpu): string | undefined {
		return mutexWait(this, cpu);
	}

	/** One line on the consumer: its state, where it is and what holds it (see status.ts). */
	consumerStatus(): string {
		return consumerStatus(this.k, this);
	}

	// --- views ---------------------------------------------------------------------------

	ipiCount(cpu: number): number {
		return this.ipisByCpu[cpu]!;
	}

	isProbeContext(cpu: number): boolean {
		return this.probeLevel[cpu]! > 0;
	}

}

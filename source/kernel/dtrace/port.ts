// The DTrace port (dtrace4linux) as far as the seed lockups need it: a consumer process,
// fbt/pid probes with safe mode, dtrace_xcall on the private vector, teardown on ^C and
// kill -9, the driver's spinning mutex, and timeout() as an hrtimer or a workqueue item.
// This file is the binding to the kernel (the KernelExtension: hooks, inputs, the functions
// its continuations name); the driver's work is in the files named after dtrace4linux's
// driver/ (dtrace_linux, probe, x_call, mutex, taskq, fasttrap, printf, teardown), over the
// plain state in state.ts.
import {V_DTRACE} from '../apic.js';
import type {Cpu, Task} from '../cpu.js';
import {queuedFrom} from '../describe.js';
import type {Input, InputDefinition, Kernel, KernelExtension} from '../kernel.js';
import type {CrossCall} from '../smp.js';
import type {StuckNode, WaitEdge} from '../waitfor.js';
import {INSMOD_PID, type DtraceConfig, type DtraceOptions, type ProbeSite} from './config.js';
import {consumerDriver, ctrlC, kill9, startConsumer, startConsumerInput} from './dtrace_linux.js';
import {handOver, handOverText, mutexWaitFor, spinTick, spinTickText} from './mutex.js';
import {nmiPrintkDone} from './printf.js';
import {fire, probeResume} from './probe.js';
import {makeDtraceState, type DtraceState, type PendingTimeout} from './state.js';
import {DtraceStats} from './stats.js';
import {consumerStatus, mutexWait} from './status.js';
import {cyclicClean, cyclicDone, dispatchWork, injectTimer, kworker, runTimeout, timeoutDone} from './taskq.js';
import {teardownRate} from './teardown.js';
import {acked, dtraceIntIpi, polling, pollMailbox} from './x_call.js';

export type {ConsumerState, Consumer, TeardownProgress, PortMutex, PendingTimeout, DtraceState} from './state.js';

/** Ids of the functions the port's continuations name (Kernel.define), made at attach. */
export interface PortFns {
	readonly start: number;
	readonly consumer: number;
	readonly nmiPrintk: number;
	readonly probeResume: number;
	readonly acked: number;
	readonly handOver: number;
	readonly spinTick: number;
	readonly timeout: number;
	readonly timeoutDone: number;
	readonly work: number;
	readonly kworker: number;
	readonly cyclic: number;
	readonly cyclicDone: number;
}

export class DtracePort implements KernelExtension {
	readonly name = 'dtrace';
	/** Probe sites by function. */
	readonly sites = new Map<string, ProbeSite>();
	k!: Kernel;
	/** The port's state, in the kernel's (kernel.s.ext.dtrace). */
	st!: DtraceState;
	stats!: DtraceStats;
	fn!: PortFns;
	/** Made once: every cross-call passes it, so it must not be allocated per call. */
	readonly enqueue = (target: number, call: CrossCall): void => void this.st.mailbox[target]!.push(call);

	readonly inputs = {
		'safe-mode': {describe: 'toggle DTrace safe mode (probes at IRQs-off sites do not fire)', arg: 'none', handle: (_k: Kernel, _i: Input) => this.toggleSafeMode()},
		'ctrl-c': {describe: '^C the dtrace consumer: it stops and tears its probes down', arg: 'none', handle: () => ctrlC(this)},
		'kill-9': {describe: 'kill -9 the dtrace consumer: close path with the driver mutexes held', arg: 'none', handle: () => kill9(this)},
		timer: {describe: 'fire a pending timeout()/cyclic now (timer:CPU picks the CPU)', arg: 'cpu', handle: (_k: Kernel, i: Input) => injectTimer(this, i.arg)},
		'start-consumer': {describe: 'start a dtrace consumer when none runs', arg: 'none', handle: () => startConsumerInput(this)},
	} satisfies Record<string, InputDefinition>;

	constructor(readonly config: DtraceConfig) {
		for (const site of config.sites) this.sites.set(site.fn, site);
	}

	fork(): DtracePort {
		return new DtracePort(this.config);
	}

	attach(k: Kernel): void {
		this.k = k;
		this.st = (k.s.ext[this.name] ??= makeDtraceState(this.config, k.s.cpus.length)) as DtraceState;
		this.stats = new DtraceStats(this.st.stats);
		this.fn = {
			start: k.define('dtrace.consumer-start', () => startConsumer(this), () => `dtrace consumer starts (dtrace ${this.st.consumer?.pid ?? '?'})`),
			consumer: k.define('dtrace.consumer', (_k, cpu) => consumerDriver(this, cpu)),
			nmiPrintk: k.define('dtrace.nmi-printk', (_k, cpu, text: string) => nmiPrintkDone(this, cpu, text)),
			probeResume: k.define('dtrace.probe-resume', (_k, cpu, d: {fn: string; body: number}) => probeResume(this, cpu, d.fn, d.body)),
			acked: k.define('dtrace.xcall-acked', (_k, cpu, call: CrossCall) => acked(this, call, cpu.id)),
			handOver: k.define('dtrace.mutex-handover', (_k, cpu, d: {name: string; token: number}) => handOver(this, cpu, d.token), (_k, cpu, d) => handOverText(this, k.s.cpus[cpu]!, d.name)),
			spinTick: k.define('dtrace.mutex-spin', (_k, cpu, d: {token: number; spins: number}) => spinTick(this, cpu, d.token, d.spins), (_k, cpu) => spinTickText(this, k.s.cpus[cpu]!)),
			timeout: k.define('dtrace.timeout', (_k, cpu, t: PendingTimeout) => runTimeout(this, t, cpu)),
			timeoutDone: k.define('dtrace.timeout-done', (_k, cpu) => timeoutDone(this, cpu)),
			work: k.define('dtrace.timeout-work', (_k, _cpu, t: PendingTimeout) => void dispatchWork(this, t), () => 'dtrace timeout() expires: delayed work queued for a kworker'),
			kworker: k.define('dtrace.kworker', (_k, cpu, d: {stage: 'lock' | 'work'}) => kworker(this, cpu, d)),
			cyclic: k.define('dtrace.cyclic', (_k, cpu) => cyclicClean(this, cpu)),
			cyclicDone: k.define('dtrace.cyclic-done', (_k, cpu) => cyclicDone(this, cpu)),
		};
	}

	boot(k: Kernel): void {
		const n = k.s.cpus.length;
		this.stats.set('dtrace_safe', this.st.options.safeMode ? 1 : 0);
		k.s.modules.unshift('dtracedrv(PO)');
		k.s.taint.add('P');
		k.s.taint.add('O');
		// printk(KERN_WARNING "dtracedrv loaded: ...") in dtracedrv_init goes through the module's
		// own printk() override (driver/printf.c) into the ring, not dmesg: the level's two bytes
		// "\0014" stay in the text, and the line carries insmod's pid.
		k.trace.printf(k.s.now, 0, INSMOD_PID, false, `\x014dtracedrv loaded: /dev/dtrace available, dtrace_here=0 nr_cpus=${n}`);
		const c = this.config.consumer;
		if (c) k.at(c.startAt, this.fn.start, c.cpu ?? 0);
	}

	// --- options ---------------------------------------------------------------------------

	setOption(name: string, value: unknown): boolean {
		if (!(name in this.st.options)) return false;
		(this.st.options as unknown as Record<string, unknown>)[name] = value;
		this.stats.set('dtrace_safe', this.st.options.safeMode ? 1 : 0);
		return true;
	}

	option(name: string): unknown {
		return ((this.st?.options ?? this.config.options) as unknown as Record<string, unknown>)[name];
	}

	private toggleSafeMode(): string {
		this.setOption('safeMode', !this.st.options.safeMode);
		return `safe mode ${this.st.options.safeMode ? 'ON' : 'OFF'}`;
	}

	// --- kernel hooks --------------------------------------------------------------------

	/** A `call` step enters `fn`: fire its probe if one is enabled there. */
	onCall(_k: Kernel, cpu: Cpu, _task: Task, fn: string, body: number): boolean {
		if (!this.active) return false;
		const site = this.sites.get(fn) ?? (this.config.traceAll ? {fn, action: 'trace' as const} : undefined);
		if (!site) return false;
		return fire(this, cpu, site, body);
	}

	/** A perf NMI runs perf_event_nmi_handler: its probe, if enabled, fires in NMI context. */
	onNmi(_k: Kernel, cpu: Cpu): void {
		if (!this.active) return;
		const site = this.sites.get('perf_event_nmi_handler') ?? (this.config.traceAll ? {fn: 'perf_event_nmi_handler', action: 'trace' as const} : undefined);
		if (site) fire(this, cpu, site, 0);
	}

	vector(_k: Kernel, cpu: Cpu, vector: number): boolean {
		if (vector !== V_DTRACE) return false;
		dtraceIntIpi(this, cpu);
		return true;
	}

	ipiMasked(_k: Kernel, cpu: Cpu): void {
		pollMailbox(this, cpu);
	}

	services(_k: Kernel, target: Cpu, vector: number): boolean {
		return vector === V_DTRACE && polling(this, target);
	}

	waitFor(_k: Kernel, edges: WaitEdge[], _stuck: StuckNode[]): void {
		mutexWaitFor(this, edges);
	}

	/** Step reports: who queued the dtrace_xcall requests a CPU is about to take. */
	describeIpi(_k: Kernel, cpu: Cpu, vector: number): string | undefined {
		return vector === V_DTRACE ? queuedFrom(this.st.mailbox[cpu.id]!, this.st.mailboxHead[cpu.id]!) : undefined;
	}

	/** Step reports and the consumer line: the wait on one of the driver's mutexes, in words. */
	describeWait(_k: Kernel, cpu: Cpu): string | undefined {
		return mutexWait(this, cpu);
	}

	// --- views ---------------------------------------------------------------------------

	/** Probes fire while the enabling is live. */
	get active(): boolean {
		const s = this.st.consumer?.state;
		return s === 'running' || s === 'stopping';
	}

	get options(): DtraceOptions {
		return this.st.options;
	}

	get consumer(): DtraceState['consumer'] {
		return this.st.consumer;
	}

	get teardown(): DtraceState['teardown'] {
		return this.st.teardown;
	}

	get mutexes(): DtraceState['mutexes'] {
		return this.st.mutexes;
	}

	get timeouts(): DtraceState['timeouts'] {
		return this.st.timeouts;
	}

	get lockTeardown(): number {
		return this.st.lockTeardown;
	}

	get shutdown(): boolean {
		return this.st.shutdown;
	}

	get fasttrapProbes(): number {
		return this.st.fasttrapProbes;
	}

	get rcuSplats(): number {
		return this.st.rcuSplats;
	}

	/** Every schedule() from atomic context, printed or suppressed. */
	get schedAtomic(): number {
		return this.st.schedAtomic;
	}

	get rcuGuarded(): number {
		return this.st.rcuGuarded;
	}

	get inTracingStops(): number {
		return this.st.inTracingStops;
	}

	/** One line on the consumer: its state, where it is and what holds it (see status.ts). */
	consumerStatus(): string {
		return consumerStatus(this.k, this);
	}

	/** Syncs per second over the last stretch of the teardown. */
	teardownRate(): number {
		return teardownRate(this);
	}

	ipiCount(cpu: number): number {
		return this.st.ipisByCpu[cpu]!;
	}

	isProbeContext(cpu: number): boolean {
		return this.st.probeLevel[cpu]! > 0;
	}

	probeName(fn: string): string {
		return `${this.config.provider}::${fn}:entry`;
	}

	/** A stable probe id for a function (ids are what dtrace -l numbers). */
	probeId(fn: string): number {
		let h = 0x811c9dc5;
		for (let i = 0; i < fn.length; i++) h = Math.imul(h ^ fn.charCodeAt(i), 0x01000193);
		return 1 + ((h >>> 0) % Math.max(1, this.config.probes));
	}
}

// What plugs into the kernel: stamped inputs and the subsystems (the DTrace port, FreeBSD's
// smp_rendezvous) that hook its interrupts, steps and explanations.
import type {Cpu, Task} from './cpu.js';
import type {Kernel} from './kernel.js';
import type {StuckNode, WaitEdge} from './waitfor.js';

/** A stamped input: keys, scenario timeline entries and --input flags all become these. */
export interface Input {
	/** Virtual ns at which it is applied. */
	readonly at: number;
	/** `ctrl-c`, `kill-9`, `safe-mode`, `timer`, ... */
	readonly action: string;
	/** Optional argument after a colon: `timer:2` has arg "2". */
	readonly arg?: string | undefined;
}

/**
 * Applies an input. It may return what it did, one short sentence for the status line
 * (`^C sent to dtrace 4711`); the kernel records that in its input feed.
 */
export type InputHandler = (kernel: Kernel, input: Input) => string | void;

/**
 * What an input takes after its colon: `none`, or `cpu`, a CPU number below the machine's
 * count that may be left out (`timer` alone picks the pending timer's CPU). Scenario
 * timelines and --input flags are checked against it before the kernel boots.
 */
export type InputArg = 'none' | 'cpu';

/** An input action an extension (or the kernel) understands. */
export interface InputDefinition {
	/** One line, for help. */
	readonly describe: string;
	readonly arg: InputArg;
	readonly handle: InputHandler;
}

/**
 * A subsystem (the DTrace port, a FreeBSD rendezvous model...) plugged into the kernel. The
 * object is code and configuration bound to one kernel; everything it changes as the machine
 * runs lives in the kernel's state under `kernel.s.ext[name]`, as plain data, so that it is
 * checkpointed with the rest.
 */
export interface KernelExtension {
	readonly name: string;
	/** Input actions this extension understands, with a one-line description each. */
	readonly inputs: Readonly<Record<string, InputDefinition>>;
	/**
	 * Binds the extension to `kernel`: defines the functions its continuations name
	 * (Kernel.define) and finds its state in kernel.s.ext, making it when there is none yet.
	 * Called before boot, and again on a kernel restored from a checkpoint: it must define
	 * the same names in the same order, and change nothing else.
	 */
	attach?(kernel: Kernel): void;
	/** Called once at boot after the CPUs exist (not again on a restored kernel). */
	boot?(kernel: Kernel): void;
	/** A new instance with the same configuration, not yet attached: Kernel.clone gives it to the copy. */
	fork(): KernelExtension;
	/** Extra wait-for edges and stuck nodes for lockup explanations. */
	waitFor?(kernel: Kernel, edges: WaitEdge[], stuck: StuckNode[]): void;
	/** Handler for the private dtrace IPI vector and similar. */
	vector?(kernel: Kernel, cpu: Cpu, vector: number): boolean;
	/**
	 * A task's `call` step enters `fn` (a probe site). Return true when the extension took
	 * the CPU over (a probe action that waits); it must then resume the step itself.
	 */
	onCall?(kernel: Kernel, cpu: Cpu, task: Task, fn: string, body: number): boolean;
	/** A perf NMI on `cpu` ran perf_event_nmi_handler (a probe site for the DTrace port). */
	onNmi?(kernel: Kernel, cpu: Cpu): void;
	/**
	 * Reporting only: who sent the IPIs now pending for `vector` on `cpu`, before it takes
	 * them (`from CPU0 (dtrace_sync_func)`), for vectors the extension owns.
	 */
	describeIpi?(kernel: Kernel, cpu: Cpu, vector: number): string | undefined;
	/** Reporting only: what `cpu` waits for, as a verb phrase, when the wait is the extension's own (its mutexes). */
	describeWait?(kernel: Kernel, cpu: Cpu): string | undefined;
	/** Whether `target` can run a cross-call on `vector` right now, when the kernel alone would say no. */
	services?(kernel: Kernel, target: Cpu, vector: number): boolean;
	/** An IPI reached a CPU that has interrupts off (a polling loop may still see it). */
	ipiMasked?(kernel: Kernel, target: Cpu, vector: number): void;
	/** Options a scenario's mitigation or an input may flip. */
	setOption?(name: string, value: unknown): boolean;
	option?(name: string): unknown;
}

// The event engine: the virtual clock, the event heap and dispatch. A pending event is plain
// data (a kind, a CPU, a number and at most a plain payload); dispatch() maps the kind to
// the subsystem that handles it, and kernel-internal callbacks name a function registered
// with Kernel.define, so the heap holds no code and is checkpointed with the rest.
// The modules of the kernel import each other in a cycle through this dispatcher: none may
// use another's exports at its top level (constants that must be, like the vectors in
// apic.ts, live in modules that import nothing).
import type {Callback, Task} from './cpu.js';
import {hashTime, hashWord} from './hash.js';
import type {Input} from './extension.js';
import {inputSource} from './input-feed.js';
import {onIpi} from './ipi.js';
import type {Kernel} from './kernel.js';
import {onHrtimer} from './hrtimer.js';
import {onPerfNmi} from './nmi.js';
import {onResume, onStepDone, onTaskWake} from './sched.js';
import {describeStep, takeBefore, type StepReport} from './step-report.js';
import {onTick} from './tick.js';
import {formatSeconds} from './time.js';
import {quote} from '../terminal/safe-text.js';
import {detect} from './waitfor.js';
import {onHungTaskCheck} from './hung_task.js';
import {onWatchdogNmi, onWatchdogTimer} from './watchdog.js';
import type {HrtimerCallback} from './cpu.js';

// Event kinds (step-report.ts names them in this order).
export const EV_TICK = 1;
export const EV_WD_TIMER = 2;
export const EV_WD_NMI = 3;
export const EV_STEP_DONE = 4;
export const EV_RESUME = 5;
export const EV_IPI = 6;
export const EV_INPUT = 7;
export const EV_TASK_WAKE = 8;
export const EV_DETECT = 9;
export const EV_CALLBACK = 10;
export const EV_IPI_MANY = 11;
export const EV_HRTIMER = 12;
export const EV_PERF_NMI = 13;
export const EV_HUNG_TASK = 14;

export class KernelError extends Error {}

/**
 * Virtual time stopped: the events at one instant never end (a task looping over steps that
 * take no time). A runtime error with a one-line message naming the CPU and the task.
 */
export class ClockStoppedError extends KernelError {}

/** This many events in a row at one instant means time will never move again. */
export const CLOCK_STOPPED_EVENTS = 1_000_000;

/**
 * Runs every event up to and including `toNs`, then sets the clock to `toNs`. With
 * `maxEvents`, stops after that many (the clock stays at the last event's time) so a
 * caller can give the event loop its turn; returns whether `toNs` was reached.
 */
export function advance(k: Kernel, toNs: number, maxEvents: number): boolean {
	const s = k.s;
	const q = k.q;
	for (let n = 0; s.panicked === undefined && q.peekTime() <= toNs; n++) {
		if (n >= maxEvents) return false;
		dispatch(k);
	}
	if (toNs > s.now) s.now = toNs;
	return true;
}

/** Runs exactly one event and says which, in one line; undefined when there is nothing left to run. */
export function step(k: Kernel): StepReport | undefined {
	const q = k.q;
	if (k.s.panicked !== undefined || q.length === 0) return undefined;
	const next = q.peek();
	const before = takeBefore(k, next.kind, next.cpu, next.arg, next.payload);
	dispatch(k);
	return describeStep(k, before);
}

/** Says which event keeps repeating at this instant, in the words of a step report, and stops. */
function clockStopped(k: Kernel): never {
	// The describing step below must not trip the check again.
	k.s.stillEvents = Number.NEGATIVE_INFINITY;
	const at = formatSeconds(k.s.now);
	const ran = step(k);
	throw new ClockStoppedError(`virtual time stopped at ${at}: ${CLOCK_STOPPED_EVENTS} events in a row without time passing; the last: ${quote(ran?.text ?? 'none', 120)}. Some step, period or handler in the scenario takes no time in a loop`);
}

function dispatch(k: Kernel): void {
	const s = k.s;
	const q = k.q;
	// Checked before the pop, so that the event named is the one that keeps coming back.
	if (q.peekTime() !== s.now) s.stillEvents = 0;
	else if (++s.stillEvents >= CLOCK_STOPPED_EVENTS) clockStopped(k);
	q.pop();
	const now = q.time;
	s.now = now;
	s.events++;
	const kind = q.kind;
	const cpuId = q.cpu;
	const h = s.hash;
	hashWord(h, (kind << 16) | (cpuId & 0xffff));
	hashTime(h, now);
	switch (kind) {
		case EV_TICK:
			onTick(k);
			break;
		case EV_STEP_DONE:
			onStepDone(k, cpuId, q.arg);
			break;
		case EV_IPI:
			onIpi(k, cpuId, q.arg);
			break;
		case EV_IPI_MANY: {
			// One heap entry, but each arrival at a CPU is an event of its own.
			const targets = q.payload as readonly number[];
			const vector = q.arg;
			s.events += targets.length - 1;
			for (const t of targets) {
				hashWord(h, (EV_IPI << 16) | t);
				onIpi(k, t, vector);
			}
			break;
		}
		case EV_RESUME:
			onResume(k, cpuId, q.arg);
			break;
		case EV_WD_TIMER:
			onWatchdogTimer(k, cpuId);
			break;
		case EV_WD_NMI:
			onWatchdogNmi(k, cpuId);
			break;
		case EV_TASK_WAKE:
			onTaskWake(k, q.payload as Task, q.arg);
			break;
		case EV_DETECT:
			detect(k);
			break;
		case EV_INPUT:
			k.runInput(q.payload as Input, inputSource(q.arg));
			break;
		case EV_CALLBACK: {
			const cb = q.payload as Callback;
			k.invoke(cb, s.cpus[cb.cpu]!);
			break;
		}
		case EV_HRTIMER:
			onHrtimer(k, cpuId, q.payload as HrtimerCallback);
			break;
		case EV_PERF_NMI:
			onPerfNmi(k);
			break;
		case EV_HUNG_TASK:
			onHungTaskCheck(k);
			break;
	}
}

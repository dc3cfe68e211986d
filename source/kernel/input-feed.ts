// What each applied input did, in words, for the monitor's status line. Why: a key press
// or a scenario timeline entry (^C at 3 s, kill -9 at 2 s) changes the machine, and the
// person watching must be told what happened, including "nothing" (no timer pending, no
// consumer alive). Inputs are rare (people and timelines), so this costs nothing per event.
// The feed is plain data (FeedState) inside the kernel's state; InputFeed is a handle over it.

/**
 * Where an applied input came from: a key or a replayed recording (`user`), the scenario's
 * own timeline (`timeline`), a `--input AT:ACTION` flag (`cli`), or `--mitigated` (`mitigated`).
 */
export type InputSource = 'user' | 'timeline' | 'cli' | 'mitigated';

export interface AppliedInput {
	/** Monotonic number; a reader resumes from the next one it has not seen. */
	readonly seq: number;
	/** Virtual ns at which it was applied. */
	readonly at: number;
	readonly action: string;
	readonly arg: string | undefined;
	readonly source: InputSource;
	/** What it did, one short sentence: `^C sent to dtrace 4711`, `no timer pending on CPU2; nothing fired`. */
	readonly result: string;
	/** The result as the status line shows it: with `(scenario timeline)` or `(--input)` unless a key did it. */
	readonly line: string;
}

const SOURCE_SUFFIX: Readonly<Record<InputSource, string>> = {user: '', timeline: ' (scenario timeline)', cli: ' (--input)', mitigated: ' (--mitigated)'};

/** How a scheduled input's source rides in its queue event's (unhashed) arg. */
const SCHEDULED: readonly InputSource[] = ['timeline', 'cli', 'mitigated'];

export function sourceArg(source: Exclude<InputSource, 'user'>): number {
	return SCHEDULED.indexOf(source);
}

export function inputSource(arg: number): InputSource {
	return SCHEDULED[arg]!;
}

export interface FeedState {
	readonly ring: AppliedInput[];
	nextSeq: number;
	readonly capacity: number;
}

export function makeFeedState(capacity = 64): FeedState {
	return {ring: [], nextSeq: 0, capacity};
}

/** The newest applied inputs, bounded: a reader that falls behind learns how many it lost. */
export class InputFeed {
	readonly s: FeedState;

	constructor(state: FeedState | number = 64) {
		this.s = typeof state === 'number' ? makeFeedState(state) : state;
	}

	/**
	 * Records an input that has just been applied and returns the record. `said` is what its
	 * handler returned; a handler that says nothing gets `timer:2 applied`.
	 */
	push(at: number, input: {readonly action: string; readonly arg?: string | undefined}, source: InputSource, said: string | void): AppliedInput {
		const s = this.s;
		const {action, arg} = input;
		const result = said ?? `${action}${arg === undefined ? '' : `:${arg}`} applied`;
		const record: AppliedInput = {seq: s.nextSeq++, at, action, arg, source, result, line: result + SOURCE_SUFFIX[source]};
		s.ring.push(record);
		if (s.ring.length > s.capacity) s.ring.shift();
		return record;
	}

	/** Records with seq >= from, oldest first, and how many of those were already dropped. */
	since(from: number): {records: readonly AppliedInput[]; lost: number} {
		const ring = this.s.ring;
		const first = ring[0];
		if (!first) return {records: [], lost: 0};
		const lost = Math.max(0, first.seq - from);
		return {records: ring.slice(Math.max(0, from - first.seq)), lost};
	}

	/** The most recent record, if any. */
	get last(): AppliedInput | undefined {
		return this.s.ring.at(-1);
	}

	/** The seq the next record will get: poll with since(nextSequence) next time. */
	get nextSequence(): number {
		return this.s.nextSeq;
	}
}

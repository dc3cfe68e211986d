// What the kernel reports about itself for the monitor: what an input did (the `t` timer
// above all), the input feed with timeline inputs, one line per single-stepped event, where
// the dtrace consumer is stuck, and handler time that counts handlers still blocked.
// All on the shipped scenarios, with exact texts.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {loadScenario} from '../source/scenario/load.js';
import {buildKernel, type MachineOptions} from '../source/scenario/machine.js';
import type {Kernel, StepReport, EventName} from '../source/kernel/kernel.js';
import type {DtracePort} from '../source/kernel/dtrace/port.js';
import {irqTimeNs} from '../source/kernel/cpu.js';
import {snapshot} from '../source/kernel/snapshot.js';
import {MS, S} from './helpers.js';

const boot = (name: string, opts: MachineOptions = {}): Kernel => buildKernel(loadScenario(name), opts);
const port = (k: Kernel): DtracePort => k.extension<DtracePort>('dtrace')!;

/** kill9-timeout just after kill -9, when the close path has armed fasttrap's timeout() (1 jiffy). */
function kill9WithTimeoutPending(opts: MachineOptions = {}): Kernel {
	const k = boot('kill9-timeout', opts);
	k.advance(2 * S);
	while (!port(k).timeouts.some((t) => !t.fired)) assert.ok(k.step());
	assert.equal(k.now, 2_001_784_463);
	return k;
}

// --- 1. the timer input says what fired --------------------------------------------------

test('t with fasttrap timeout() pending fires it as an hrtimer on the chosen CPU, and says so', () => {
	const k = kill9WithTimeoutPending();
	const r = k.apply('timer', '1');
	assert.equal(r.result, 'dtrace timeout() fasttrap_pid_cleanup_cb fired as an hrtimer on CPU1 (hardirq) and spins on dtrace_lock, which dtrace 4711 itself holds');
	assert.equal(r.line, r.result, 'a key gets no source suffix');
	assert.equal(r.source, 'user');
	// CPU1 spins in a polling loop, so the teardown goes on and hands it the lock: no lockup.
	k.advance(k.now + S);
	assert.equal(port(k).consumerStatus(), 'dtrace 4711 exited after tearing down 2000 probes in 0.016s');
	assert.equal(k.lockup, undefined);
});

test('t on the CPU that holds dtrace_lock makes the seed lockup at once', () => {
	const k = kill9WithTimeoutPending();
	assert.equal(k.apply('timer').result, 'dtrace timeout() fasttrap_pid_cleanup_cb fired as an hrtimer on CPU0 (hardirq) and spins on dtrace_lock, which dtrace 4711 itself holds (the task it interrupted)');
	k.advance(k.now + 10 * MS);
	assert.deepEqual(k.lockup?.cpus, [0]);
});

test('t with timeout() running already, or nothing armed, says nothing fired and changes nothing', () => {
	const k = boot('kill9-timeout');
	k.advance(2.5 * S);
	const events = k.events;
	const doing = k.cpus.map((c) => k.describe(c));
	assert.equal(k.apply('timer').result, 'no timer pending on CPU0 (timeout() fasttrap_pid_cleanup_cb already fired on CPU0 and has not finished); nothing fired');
	assert.equal(k.apply('timer', '3').result, 'no timer pending on CPU3 (timeout() fasttrap_pid_cleanup_cb already fired on CPU0 and has not finished); nothing fired');
	assert.equal(k.apply('timer', '7').result, 'there is no CPU7 (CPU0-CPU3); nothing fired');
	assert.equal(k.events, events);
	assert.deepEqual(
		k.cpus.map((c) => k.describe(c)),
		doing,
	);
	const before = boot('kill9-timeout');
	before.advance(100 * MS);
	assert.equal(before.apply('timer', '2').result, 'no timer pending on CPU2 (no dtrace consumer, no timeout() armed); nothing fired');
});

test('t with the workqueue mitigation hands timeout() to a kworker, wherever the CPU key pointed', () => {
	const k = kill9WithTimeoutPending({mitigated: true});
	assert.equal(k.apply('timer', '2').result, 'dtrace timeout() fasttrap_pid_cleanup_cb dispatched to the workqueue: kworker/u8:1 on CPU1 (the workqueue picks the CPU, not CPU2) is runnable, waiting for CPU1 (postgres/2210: user code)');
	k.advance(k.now + S);
	assert.equal(k.lockup, undefined);
	assert.equal(port(k).consumerStatus(), 'dtrace 4711 exited after tearing down 2000 probes in 0.016s');
});

test('t while a consumer runs fires the dtrace_state_clean cyclic, whose dtrace_sync may wait', () => {
	const demo = boot('demo');
	demo.advance(3 * S);
	assert.equal(demo.apply('timer', '2').result, 'dtrace_state_clean cyclic (dtrace_sync) fired on CPU2 (hardirq): it waits for CPU0, CPU1, CPU3');
	const k = boot('safe-xcall');
	k.advance(2 * S);
	assert.equal(k.apply('timer', '1').result, 'dtrace_state_clean cyclic (dtrace_sync) queued as an hrtimer on CPU1: it fires when CPU1 takes interrupts (IRQs off)');
	assert.equal(k.apply('timer').result, 'dtrace_state_clean cyclic (dtrace_sync) fired on CPU3 (hardirq): it waits for CPU0, CPU1 (IRQs off: spin A (CPU0)), CPU2');
});

test('the other inputs say what they did too', () => {
	const k = boot('demo');
	k.advance(0.5 * S);
	assert.equal(k.apply('ctrl-c').result, '^C: no dtrace consumer alive; nothing happened');
	assert.equal(k.apply('kill-9').result, 'kill -9: no dtrace consumer alive; nothing happened');
	assert.equal(k.apply('start-consumer').result, 'started dtrace 4711 on CPU2');
	assert.equal(k.apply('start-consumer').result, 'dtrace 4711 is still starting; no new consumer started');
	k.advance(k.now + 100 * MS);
	assert.equal(k.apply('ctrl-c').result, '^C sent to dtrace 4711');
	k.advance(k.now + 50 * MS);
	assert.equal(k.apply('ctrl-c').result, '^C: dtrace 4711 is tearing down; ^C has no effect in the kernel');
	assert.equal(k.apply('kill-9').result, 'kill -9: dtrace 4711 is already tearing down; nothing changes');
	assert.equal(k.apply('safe-mode').result, 'safe mode OFF');
	assert.equal(k.apply('safe-mode').result, 'safe mode ON');
	assert.equal(k.apply('mitigation').result, `mitigation on: ${k.config.mitigation!.describe}`);
	assert.equal(k.apply('mitigation').result, `mitigation off: ${k.config.mitigation!.describe}`);
});

// --- 2. the input feed ---------------------------------------------------------------------

test('timeline inputs are announced in the feed with their source', () => {
	const k = boot('teardown-storm');
	k.advance(3.5 * S);
	assert.deepEqual(k.inputFeed.since(0), {
		records: [{seq: 0, at: 3 * S, action: 'ctrl-c', arg: undefined, source: 'timeline', result: '^C sent to dtrace 4711', line: '^C sent to dtrace 4711 (scenario timeline)'}],
		lost: 0,
	});
	assert.equal(k.inputFeed.nextSequence, 1);
	const kill = boot('kill9-timeout');
	kill.advance(3 * S);
	assert.equal(kill.inputFeed.last?.line, 'kill -9 sent to dtrace 4711 (scenario timeline)');
	// A key after it comes next, without a suffix; a --input flag says so.
	kill.apply('safe-mode');
	kill.schedule({at: 4 * S, action: 'timer', arg: '2'}, 'cli');
	kill.advance(5 * S);
	const later = kill.inputFeed.since(1).records.map((r) => [r.seq, r.source, r.line]);
	assert.deepEqual(later, [
		[1, 'user', 'safe mode OFF'],
		[2, 'cli', 'no timer pending on CPU2 (timeout() fasttrap_pid_cleanup_cb already fired on CPU0 and has not finished); nothing fired (--input)'],
	]);
});

test('a --input flag given to buildKernel is fed as (--input), the scenario timeline as (scenario timeline)', () => {
	// What xcalltop run --input 3.5s:safe-mode does: the flag comes in as MachineOptions.inputs.
	const k = boot('teardown-storm', {inputs: [{at: 3.5 * S, action: 'safe-mode'}]});
	k.advance(4 * S);
	assert.deepEqual(
		k.inputFeed.since(0).records.map((r) => [r.at / S, r.action, r.source, r.line]),
		[
			[3, 'ctrl-c', 'timeline', '^C sent to dtrace 4711 (scenario timeline)'],
			[3.5, 'safe-mode', 'cli', 'safe mode OFF (--input)'],
		],
	);
});

test('--mitigated is fed as (--mitigated), not as the scenario timeline', () => {
	const k = boot('demo', {mitigated: true});
	k.advance(1);
	const first = k.inputFeed.since(0).records[0]!;
	assert.equal(first.source, 'mitigated');
	assert.match(first.line, /^mitigation on: .* \(--mitigated\)$/);
});

test('the feed is bounded: a reader that fell behind learns how many it lost', () => {
	const k = boot('demo');
	for (let i = 0; i < 70; i++) k.apply('safe-mode');
	const {records, lost} = k.inputFeed.since(0);
	assert.equal(lost, 6);
	assert.equal(records.length, 64);
	assert.equal(records[0]!.seq, 6);
	assert.equal(k.inputFeed.since(70).records.length, 0);
	assert.equal(k.applied.length, 70, 'the full input list stays for the summary');
});

// --- 3. step reports -------------------------------------------------------------------------

/** Steps until `until` virtual ns, returning every report. */
function stepTo(k: Kernel, until: number): StepReport[] {
	const out: StepReport[] = [];
	while (k.nextEventAt <= until) out.push(k.step()!);
	return out;
}

test('single steps of the IPI deadlock say which event ran and what came of it', () => {
	const k = boot('ipi-irqs-off');
	const texts = stepTo(k, 3 * MS).map((r) => `${(r.at / MS).toFixed(3)} ${r.event} ${r.text}`);
	assert.deepEqual(texts, [
		'0.000 task-wake CPU0: ipi_sender/1201 starts, runs: user code',
		'0.000 task-wake CPU1: irq_worker/1202 starts, runs: user code',
		'1.000 tick all CPUs: local timer tick (jiffies 1)',
		'1.000 detect wait-for check: nothing waits',
		'1.207 step-done CPU1: irq_worker/1202 user code goes on 2.00us longer (time taken by interrupts)',
		'1.209 step-done CPU1: irq_worker/1202 done with user code, now kernel drain_rx_ring',
		'2.000 tick all CPUs: local timer tick (jiffies 2); LOC pending on CPU1 (IRQs off)',
		'2.000 detect wait-for check: nothing waits',
		'2.100 step-done CPU0: ipi_sender/1201 user code goes on 4.00us longer (time taken by interrupts)',
		'2.104 step-done CPU0: ipi_sender/1201 done with user code, now kernel update_shared_state',
		'2.176 step-done CPU1: irq_worker/1202 done with kernel drain_rx_ring, now spin A (CPU0)',
		'2.404 step-done CPU0: ipi_sender/1201 done with kernel update_shared_state, now xcall wait CPU1 (smp_call_function)',
		'2.405 ipi CPU1: CAL IPI (call function) from CPU0 (sync_remote_state) pending (IRQs off)',
		'3.000 tick all CPUs: local timer tick (jiffies 3); LOC pending on CPU1 (IRQs off)',
		'3.000 detect wait-for check: LOCKUP CPU0,CPU1 found (CPU0 waits for CPU1 to run its cross-call (smp_call_function); CPU1 spins with IRQs off on lock A held by CPU0)',
	]);
	// Once found, the check looks again every 100 jiffies only.
	assert.equal(stepTo(k, 4 * MS).find((r) => r.event === 'detect')!.text, 'wait-for check: LOCKUP CPU0,CPU1 already found (looked at again every 100 jiffies)');
	k.advance(100 * MS - 1);
	assert.equal(stepTo(k, 100 * MS).find((r) => r.event === 'detect')!.text, 'wait-for check: LOCKUP CPU0,CPU1 still there');
});

test('the wait-for check says what waits when there is no cycle, and when the lockup grows', () => {
	const detect = (name: string, at: number): string => {
		const k = boot(name);
		k.advance(at - 1);
		return stepTo(k, at).find((r) => r.event === 'detect')!.text;
	};
	assert.equal(detect('teardown-storm', 1.245 * S), 'wait-for check: no cycle (CPU0 waits for CPU3 to run its cross-call (dtrace_xcall))');
	assert.equal(detect('demo', 4.728 * S), 'wait-for check: no cycle (make (pid 3301) sleeps on mutex i_mutex held by postgres (pid 2210) on CPU2)');
	assert.equal(detect('demo', 1340 * MS), 'wait-for check: no cycle (CPU0 waits in flush_tlb_others (flush_tlb_func) for CPU1, CPU2, CPU3)', 'waiting, but on CPUs that can answer');
	assert.equal(detect('safe-xcall', 1.6 * S), 'wait-for check: LOCKUP grows to CPU0,CPU1,CPU3 (CPU3 now stuck behind it)');
});

test('events that change nothing say so in kernel terms', () => {
	/** The first report of `event` within a microsecond of `t`. */
	const at = (name: string, t: number, event: EventName): string => {
		const k = boot(name);
		k.advance(t - 1000);
		return stepTo(k, t + 1000).find((r) => r.event === event)!.text;
	};
	assert.equal(at('teardown-storm', 3.265083 * S, 'task-wake'), "CPU0: dtrace/4711's sleep timeout expires, but it left that sleep already; nothing happens");
	assert.equal(at('printk-recursion', 4.723237 * S, 'step-done'), 'CPU2: nothing happens (the work it would end was cut short before); still make/3301 spin logbuf_lock (CPU1)');
	assert.equal(at('kill9-timeout', 2.002785 * S, 'resume'), 'CPU0: nothing happens (the wait it would end was already over or cut short); still hardirq: spin mutex dtrace_lock');
});

test('step reports name hrtimers, NMIs, timeline inputs and blocked handlers', () => {
	const first = (k: Kernel, until: number, event: EventName): string => stepTo(k, until).find((r) => r.event === event)!.text;
	const kill = boot('kill9-timeout');
	kill.advance(2 * S - 1);
	assert.equal(first(kill, 2 * S, 'input'), 'input kill-9: kill -9 sent to dtrace 4711 (scenario timeline)');
	assert.equal(first(kill, 2.003 * S, 'hrtimer'), 'CPU0: hrtimer fasttrap_pid_cleanup_cb (dtrace timeout()) expires, runs in hardirq and spins on dtrace_lock, which dtrace 4711 itself holds (the task it interrupted)');
	assert.equal(first(kill, 2.01 * S, 'callback'), 'CPU0: dmutex_enter spins on dtrace_lock, which dtrace 4711 itself holds (the task it interrupted): 2000 more spins, schedule() from hardirq context: BUG: scheduling while atomic; logged "BUG: scheduling while atomic: dtrace/4711/0x00010001"');
	const nmi = boot('printk-recursion');
	nmi.advance(4.72 * S - 1);
	assert.equal(
		first(nmi, 4.72 * S, 'perf-nmi'),
		'all CPUs: perf NMI (perf_event_nmi_handler); the handler on CPU0,CPU2,CPU3 spins on logbuf_lock, held by CPU1; the handler on CPU1 spins on logbuf_lock, which CPU1 itself holds in printk from kworker/1:1 (pid 61)',
	);
	assert.equal(first(nmi, 4.8 * S, 'perf-nmi'), 'all CPUs: perf NMI (perf_event_nmi_handler); CPU0,CPU1,CPU2,CPU3 still inside an NMI, skipped');
	nmi.advance(10 * S);
	assert.equal(first(nmi, 10.001 * S, 'watchdog-nmi'), 'CPU0: NMI watchdog (hard-lockup check) skipped: CPU0 is still inside an NMI');
	const rv = boot('rendezvous-race');
	assert.equal(first(rv, MS, 'ipi-many'), 'CPU0,CPU2: IPI_RENDEZVOUS (Xrendezvous) from CPU1 (rendezvous #1): delivered; the handler spins: rendezvous #1: action on CPU0,CPU2');
});

test('every event kind gets a report of its own, and stepping runs the same events as advancing', () => {
	const seen = new Set<EventName>();
	for (const name of ['demo', 'kill9-timeout', 'printk-recursion', 'rendezvous-race', 'ipi-irqs-off']) {
		const k = boot(name);
		const ref = boot(name);
		for (const t of [0, 1, 1.9999, 2.0027, 3.9999, 4.7, 9.9999]) {
			k.advance(t * S);
			for (let i = 0; i < 400; i++) {
				const r = k.step();
				if (!r) break;
				seen.add(r.event);
				assert.doesNotMatch(r.text, /undefined|NaN|kernel callback|\[object/, r.text);
				assert.ok(r.text.length < 400, r.text);
			}
		}
		// Finish the instant the last step was in, then both have run every event up to now.
		while (k.nextEventAt === k.now) k.step();
		ref.advance(k.now);
		assert.equal(k.eventHash, ref.eventHash, name);
		assert.equal(k.events, ref.events, name);
	}
	assert.deepEqual([...seen].sort(), ['callback', 'detect', 'hrtimer', 'input', 'ipi', 'ipi-many', 'perf-nmi', 'resume', 'step-done', 'task-wake', 'tick', 'watchdog-hrtimer', 'watchdog-nmi']);
});

// --- 4. where the consumer is --------------------------------------------------------------

test('the consumer line says where a stopped or killed consumer is stuck and what it waits for', () => {
	const k = boot('safe-xcall');
	k.advance(0.6 * S);
	assert.equal(port(k).consumerStatus(), 'dtrace 4711 running: asleep between buffer snapshots (CPU3)');
	k.advance(2 * S);
	assert.equal(port(k).consumerStatus(), 'dtrace 4711 running: stuck in dtrace_xcall (dtrace_buffer_switch) on CPU3, waiting for CPU1 (IRQs off: spin A (CPU0))');
	assert.equal(
		k.apply('ctrl-c').result,
		'^C sent to dtrace 4711; it acts on it only when it returns from the kernel: stuck in dtrace_xcall (dtrace_buffer_switch) on CPU3, waiting for CPU1 (IRQs off: spin A (CPU0))',
	);
	assert.equal(port(k).consumerStatus(), 'dtrace 4711 stopping: ^C delivered, not acted on until it returns from the kernel; stuck in dtrace_xcall (dtrace_buffer_switch) on CPU3, waiting for CPU1 (IRQs off: spin A (CPU0))');
	k.apply('kill-9');
	k.advance(3 * S);
	assert.equal(port(k).consumerStatus(), 'dtrace 4711 killed: kill -9 delivered, not acted on until it returns from the kernel; stuck in dtrace_xcall (dtrace_buffer_switch) on CPU3, waiting for CPU1 (IRQs off: spin A (CPU0))');
	assert.equal(port(k).teardown, undefined, 'this is the "teardown: none yet" case');
	assert.equal(snapshot(k).dtraceConsumer, port(k).consumerStatus());
});

test('the consumer line on the other dtrace scenarios', () => {
	const at = (name: string, t: number): string => {
		const k = boot(name);
		k.advance(t * S);
		return port(k).consumerStatus();
	};
	assert.equal(at('kill9-timeout', 0.1), 'no dtrace consumer yet (starts at 0.200s)');
	assert.equal(
		at('kill9-timeout', 2.5),
		'dtrace 4711 killed, tearing down (127/2000 probes freed): stuck on CPU0: a hardirq handler (fasttrap_pid_cleanup_cb) interrupted it and spins on dtrace_lock, which dtrace 4711 itself holds (the task it interrupted); it cannot run until that handler returns',
	);
	assert.equal(at('teardown-storm', 5), 'dtrace 4711 tearing down (2909/40000 probes freed): in dtrace_xcall (dtrace_sync_func) on CPU0, waiting for CPU3 (IRQs off: kernel serial8250_console_write)');
	assert.equal(at('printk-recursion', 8), 'dtrace 4711 running: runnable, but CPU3 is stuck in an NMI handler (perf_event_nmi_handler) that spins on logbuf_lock, held by CPU1');
	assert.equal(at('demo', 1), 'dtrace 4711 starting: runnable, waiting for CPU2 (postgres/2210: user code)');
	const k = boot('demo');
	k.advance(1.01 * S);
	while (!/ on CPU2/.test(port(k).consumerStatus())) assert.ok(k.step());
	assert.equal(port(k).consumerStatus(), 'dtrace 4711 running on CPU2, in the kernel (dtrace_ioctl)');
	for (let i = 0; i < 10_000 && port(k).consumerStatus() !== 'dtrace 4711 running on CPU2'; i++) assert.ok(k.step());
	assert.equal(port(k).consumerStatus(), 'dtrace 4711 running on CPU2', 'in user code, consuming');
});

// --- 5. handler time ---------------------------------------------------------------------------

/** irq% of each CPU between two virtual times, from irqTimeNs. */
function irqPercent(k: Kernel, from: number, to: number): number[] {
	k.advance(from);
	const a = k.cpus.map((c) => irqTimeNs(c, k.now));
	k.advance(to);
	return k.cpus.map((c, i) => Math.round((100 * (irqTimeNs(c, k.now) - a[i]!)) / (to - from)));
}

test('a CPU spinning in a hardirq handler is 100% interrupt time (kill9-timeout)', () => {
	const k = boot('kill9-timeout');
	assert.deepEqual(irqPercent(k, 3 * S, 8 * S), [100, 0, 0, 0]);
	assert.equal(k.cpus[0]!.irqStack.length, 1, 'still inside the handler');
	assert.ok(irqTimeNs(k.cpus[0]!, k.now) - k.cpus[0]!.irqNs > 5.9 * S, 'the open stretch is counted from when the handler blocked');
	assert.equal(irqTimeNs(k.cpus[1]!, k.now), k.cpus[1]!.irqNs, 'no handler open: the counter alone');
});

test('CPUs hung inside the perf NMI handler are 100% interrupt time (printk-recursion)', () => {
	const k = boot('printk-recursion');
	assert.deepEqual(irqPercent(k, 5 * S, 10 * S), [100, 100, 100, 100]);
	assert.ok(k.cpus.every((c) => c.ctx === 'nmi'));
	assert.ok(snapshot(k).cpus.every((c) => c.irqNs === irqTimeNs(k.cpus[c.id]!, k.now)));
});

test('a handler that blocked and returned has its whole stretch in irqNs', () => {
	const k = kill9WithTimeoutPending();
	const before = k.cpus[1]!.irqNs;
	k.apply('timer', '1');
	const entered = k.now;
	assert.equal(k.cpus[1]!.irqStack.length, 1);
	k.advance(k.now + S);
	assert.equal(k.cpus[1]!.irqStack.length, 0, 'the handler got dtrace_lock and returned');
	const spent = k.cpus[1]!.irqNs - before;
	assert.ok(spent > 15 * MS && spent < 20 * MS, `CPU1 spent ${spent} ns in the handler from ${entered}`);
});

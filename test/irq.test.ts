// Device interrupts (source/kernel/irq.ts): lines raised on their CPU, handlers running
// steps in hardirq context, their /proc/interrupts rows, the static checks on handlers, and
// the classic lockup: spin_lock() in process context against the same lock in a handler.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {deviceIrqRows} from '../source/kernel/irq.js';
import {renderProcInterrupts} from '../source/kernel/procfs.js';
import {loadScenario, parseScenario} from '../source/scenario/load.js';
import {buildKernel} from '../source/scenario/machine.js';
import {kernelFor, logTexts, MS, S} from './helpers.js';
import {Controller} from '../source/ui/controller.js';

const base = {
	description: 'device irq test',
	cpus: 2,
	locks: [{name: 'L', kind: 'spinlock'}],
	tasks: [{cpu: 1, comm: 'busy', pid: 100, steps: [{op: 'run', for: '1ms'}]}],
};

test('a line raised every 1ms on CPU1 counts once per interrupt on CPU1, and its handler prints', () => {
	const k = kernelFor({...base, irqs: [{irq: 19, name: 'eth0', cpu: 1, every: '1ms', steps: [{op: 'printk', text: 'eth0: rx'}]}]});
	k.advance(10 * MS + 1);
	const rows = deviceIrqRows(k);
	assert.deepEqual(rows, [{irq: 19, chip: 'IO-APIC', handler: 'fasteoi', action: 'eth0', perCpu: [0, 10]}]);
	assert.equal(logTexts(k).filter((t) => t === 'eth0: rx').length, 10);
	assert.equal(k.lockup, undefined);
});

test('an affinity list takes the interrupts in turn', () => {
	const k = kernelFor({...base, irqs: [{irq: 40, name: 'nvme0q1', chip: 'PCI-MSI-edge', affinity: [0, 1], every: '1ms', steps: [{op: 'run', for: '2us'}]}]});
	k.advance(10 * MS + 1);
	assert.deepEqual(deviceIrqRows(k)[0]!.perCpu, [5, 5]);
});

test('kernel/irq/proc.c show_interrupts: "%*d: ", "%10u " per CPU, " %8s" chip, "-%-8s" flow, "  %s" action; rows by number, above NMI', () => {
	const k = kernelFor({
		...base,
		irqs: [
			{irq: 40, name: 'nvme0q1', chip: 'PCI-MSI-edge', cpu: 0, every: '1ms', steps: [{op: 'run', for: '2us'}]},
			{irq: 19, name: 'eth0', cpu: 1, every: '2ms', steps: [{op: 'run', for: '2us'}]},
		],
	});
	k.advance(10 * MS + 1);
	const lines = renderProcInterrupts(k.cpus, 0, 0, deviceIrqRows(k)).split('\n');
	const i19 = lines.findIndex((l) => l.startsWith(' 19:'));
	assert.equal(lines[i19], ' 19:          0          5   IO-APIC-fasteoi   eth0');
	assert.equal(lines[i19 + 1], ' 40:         10          0   PCI-MSI-edge      nvme0q1');
	assert.ok(lines[i19 - 1]!.startsWith(' 12:'));
	assert.ok(lines[i19 + 2]!.startsWith('NMI:'));
});

test('a handler runs with IRQs off: the CPU is in hardirq context for its run step, and the interrupted task finishes later by as much', () => {
	const k = kernelFor({...base, tasks: [], irqs: [{irq: 19, name: 'eth0', cpu: 1, every: '1ms', steps: [{op: 'run', for: '300us'}]}]});
	k.advance(1 * MS + 100_000);
	const cpu = k.cpus[1]!;
	assert.equal(cpu.ctx, 'hardirq');
	assert.equal(cpu.irqsOn, false);
	assert.deepEqual(k.framesOf(cpu).slice(0, 3), ['eth0_interrupt', 'handle_irq_event_percpu', 'handle_irq_event']);
	k.advance(1 * MS + 400_000);
	assert.equal(cpu.ctx, 'idle');
	assert.equal(cpu.irqsOn, true);
});

test('a handler on another CPU waits for the lock and gets it when the task lets go: no lockup', () => {
	const k = kernelFor({
		...base,
		tasks: [{cpu: 0, comm: 'owner', pid: 100, steps: [{op: 'spin_lock', lock: 'L'}, {op: 'call', fn: 'work', for: '500us'}, {op: 'spin_unlock', lock: 'L'}, {op: 'idle', for: '1ms'}]}],
		irqs: [{irq: 19, name: 'eth0', cpu: 1, every: '300us', steps: [{op: 'spin_lock', lock: 'L'}, {op: 'run', for: '5us'}, {op: 'spin_unlock', lock: 'L'}]}],
	});
	k.advance(100 * MS);
	assert.equal(k.lockup, undefined);
	assert.ok(k.locks.get('L')!.contentions > 0, 'the handler did have to wait');
	assert.ok(deviceIrqRows(k)[0]!.perCpu[1]! > 300);
});

test('irq-lock-inversion: the handler spins on the lock its own CPU holds: LOCKUP at the first interrupt in the locked stretch, hard LOCKUP, RCU stall on CPU0', () => {
	const k = buildKernel(loadScenario('irq-lock-inversion'));
	k.advance(30 * S);
	assert.ok(k.lockup);
	assert.deepEqual(k.lockup.cpus, [0]);
	assert.ok(k.lockup.at < 5 * MS, `at ${k.lockup.at}`);
	assert.equal(
		k.lockup.explanation,
		"CPU0's irq 19 (eth0) handler nic_interrupt spins with IRQs off on lock nic_lock, which nic_reset (pid 1301) holds on CPU0, interrupted by that very handler: it cannot run again to release it",
	);
	const texts = logTexts(k);
	assert.deepEqual(texts.filter((t) => /hard LOCKUP/.test(t)), ['Watchdog detected hard LOCKUP on cpu 0']);
	assert.equal(texts.filter((t) => /^INFO: rcu_sched detected stalls on CPUs\/tasks: \{ 0\} \(detected by 1, t=21002 jiffies, g=\d+, c=\d+, q=\d+\)$/.test(t)).length, 1);
	// CPU0's timer cannot get in: its LOC and its irq 19 count stop.
	assert.ok(k.cpus[0]!.loc < 10);
	assert.equal(deviceIrqRows(k)[0]!.perCpu[0], 1);
});

test('irq-lock-inversion mitigated: spin_lock becomes spin_lock_irqsave, the interrupt waits for spin_unlock, nothing hangs', () => {
	const k = buildKernel(loadScenario('irq-lock-inversion'), {mitigated: true});
	k.advance(30 * S);
	assert.equal(k.lockup, undefined);
	assert.equal(k.warnings.hardLockup + k.warnings.rcuStall + k.warnings.softLockup, 0);
	const n = deviceIrqRows(k)[0]!.perCpu[0]!;
	assert.ok(n > 20_000 && n <= 30 * S / (1300 * 1000), `irq 19 on CPU0: ${n}`);
	assert.equal(k.cpus[0]!.savedIrq.size <= 1, true);
});

test('static checks: a handler may not sleep, unlocks only what it took, returns holding nothing', () => {
	const cases: [object[], string][] = [
		[[{op: 'mutex_lock', lock: 'M'}, {op: 'mutex_unlock', lock: 'M'}], '$.irqs[0].steps[0]: mutex_lock can sleep, and an interrupt handler (hardirq context) may not sleep; take a spinlock instead, or defer the work to a task'],
		[[{op: 'run', for: '1us'}, {op: 'spin_unlock', lock: 'L'}], '$.irqs[0].steps[1]: spin_unlock of "L", which this handler does not hold here'],
		[[{op: 'run', for: '1us'}, {op: 'spin_lock', lock: 'L'}], '$.irqs[0].steps[1]: the handler returns still holding spinlock "L", taken here'],
	];
	for (const [steps, want] of cases) {
		const bad = {...base, locks: [...base.locks, {name: 'M', kind: 'mutex'}], irqs: [{irq: 19, name: 'eth0', cpu: 0, every: '1ms', steps}]};
		assert.throws(() => parseScenario(JSON.stringify(bad), 'bad.json'), (e: Error) => e.message.includes(`bad.json: ${want}`), want);
	}
});

test('schema: cpu or affinity, CPUs that exist, declared spinlocks, one line per number, irqsave needs irqs', () => {
	const cases: [object, string][] = [
		[{irqs: [{irq: 19, name: 'eth0', every: '1ms', steps: [{op: 'run', for: '1us'}]}]}, '$.irqs[0]: expected either "cpu"'],
		[{irqs: [{irq: 19, name: 'eth0', cpu: 2, every: '1ms', steps: [{op: 'run', for: '1us'}]}]}, '$.irqs[0].cpu: expected a CPU below 2'],
		[{irqs: [{irq: 19, name: 'eth0', cpu: 0, every: '1ms', steps: [{op: 'spin_lock', lock: 'X'}, {op: 'spin_unlock', lock: 'X'}]}]}, '$.irqs[0].steps[0].lock: lock "X" is not declared'],
		[{irqs: [1, 2].map(() => ({irq: 19, name: 'eth0', cpu: 0, every: '1ms', steps: [{op: 'run', for: '1us'}]}))}, '$.irqs[1].irq: irq 19 is declared twice'],
		[{mitigation: {describe: 'x', option: 'irqsave', value: true}}, '"irqsave" needs device interrupts'],
	];
	for (const [extra, want] of cases) {
		assert.throws(() => parseScenario(JSON.stringify({...base, ...extra}), 'x.json'), (e: Error) => e.message.includes(want), want);
	}
});

test('device interrupts are plain data: a checkpoint in the middle of a blocked handler runs on as the original', () => {
	const k = buildKernel(loadScenario('irq-lock-inversion'));
	k.advance(3 * MS);
	const copy = k.clone();
	k.advance(12 * S);
	copy.advance(12 * S);
	assert.equal(copy.eventHash, k.eventHash);
});

test('3.10 counts TLB per flush_tlb_func() call and prints CAL as irq_call_count - irq_tlb_count ("%10u "): two shootdowns merged into one interrupt wrap CAL', () => {
	const flusher = (cpu: number) => ({cpu, comm: `munmap${cpu}`, pid: 200 + cpu, repeat: 1, steps: [{op: 'run', for: '100us', mode: 'kernel'}, {op: 'tlb_flush'}, {op: 'idle', for: '1s'}]});
	const k = kernelFor({
		description: 'two shootdowns reach CPU2 while its IRQs are off',
		cpus: 3,
		tasks: [flusher(0), flusher(1), {cpu: 2, comm: 'irqoff', pid: 300, repeat: 1, steps: [{op: 'irq_disable'}, {op: 'run', for: '1ms', mode: 'kernel'}, {op: 'irq_enable'}, {op: 'idle', for: '1s'}]}],
	});
	k.advance(5 * MS);
	const cpu2 = k.cpus[2]!;
	assert.equal(cpu2.call, 1, 'one CALL_FUNCTION interrupt: the second IPI merged into the pending one');
	assert.equal(cpu2.tlb, 2, 'flush_tlb_func ran twice in it');
	const lines = renderProcInterrupts(k.cpus).split('\n');
	const cal = lines.find((l) => l.startsWith('CAL:'))!;
	const tlb = lines.find((l) => l.startsWith('TLB:'))!;
	assert.equal(cal.slice(5, 5 + 33), '         0          0 4294967295 ');
	assert.equal(tlb.slice(5, 5 + 33), '         1          1          2 ');
	// The monitor's interrupts pane, in totals mode (r), shows the same unsigned value.
	const c = new Controller(k, {clock: () => 0, paused: true});
	if (c.ui.rates) c.dispatch('rates');
	assert.deepEqual(c.getView().interrupts.rows.find((r) => r.tag === 'CAL')!.values, [0, 0, 4294967295]);
});

test('single steps say what a device interrupt did', () => {
	const k = buildKernel(loadScenario('irq-lock-inversion'));
	k.advance(1300 * 1000 - 1);
	assert.equal(k.step()!.text, 'CPU0: irq 19 (eth0) raised; taken: spin nic_lock (CPU0)');
	// The task's work that the interrupt cut short would have ended now: the handler is what spins.
	assert.equal(k.step()!.text, 'CPU0: nothing happens (the work it would end was cut short before); still irq 19 (eth0) handler nic_interrupt: spin nic_lock (CPU0)');
});

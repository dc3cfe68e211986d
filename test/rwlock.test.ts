// Reader-writer locks (source/kernel/rwlock.ts, x86 3.10: RW_LOCK_BIAS counter, no queueing)
// and spin_trylock: readers pass a spinning writer, hand-over on unlock, the _irq/_irqsave
// variants, the reader-in-IRQ vs writer deadlock and its mitigation, the static checks.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {deviceIrqRows} from '../source/kernel/irq.js';
import type {Rwlock} from '../source/kernel/rwlock.js';
import {snapshot} from '../source/kernel/snapshot.js';
import {loadScenario, parseScenario} from '../source/scenario/load.js';
import {buildKernel} from '../source/scenario/machine.js';
import {kernelFor, logTexts, MS, S} from './helpers.js';

const US = 1_000;
const rw = (k: ReturnType<typeof kernelFor>, name = 'R'): Rwlock => k.locks.get(name) as Rwlock;

/** A task that takes R for `mode` at `startAt`, holds it for `hold`, then sleeps. */
const holder = (cpu: number, mode: 'read' | 'write', startAt: string, hold: string, extra: object = {}) => ({
	cpu,
	comm: `${mode}er${cpu}`,
	pid: 100 + cpu,
	repeat: 1,
	startAt,
	steps: [{op: `${mode}_lock`, lock: 'R', ...extra}, {op: 'call', fn: `${mode}_work`, for: hold}, {op: `${mode}_unlock`, lock: 'R'}, {op: 'idle', for: '1s'}],
});

const base = {description: 'rwlock test', cpus: 3, locks: [{name: 'R', kind: 'rwlock'}]};

test('arch/x86/lib/rwlock.S: a spinning writer holds nothing, so a reader that comes later gets in past it', () => {
	const k = kernelFor({...base, tasks: [holder(0, 'read', '0s', '1ms'), holder(1, 'write', '100us', '100us'), holder(2, 'read', '200us', '1ms')]});
	k.advance(300 * US);
	const lock = rw(k);
	assert.deepEqual(lock.readers, [0, 2], 'CPU2 read past the spinning writer');
	assert.deepEqual(lock.waiters, [{cpu: 1, write: true}]);
	assert.equal(k.describe(k.cpus[1]!), 'write_lock R (CPU0,CPU2 read)');
	assert.deepEqual(k.framesOf(k.cpus[1]!).slice(0, 2), ['__write_lock_failed', '_raw_write_lock']);
	// A writer waits for every holder; the late reader waits for nobody.
	assert.deepEqual(
		k.waitFor().edges.map((e) => e.text),
		['CPU1 spins with IRQs on in write_lock on rwlock R held for reading by CPU0', 'CPU1 spins with IRQs on in write_lock on rwlock R held for reading by CPU2'],
	);
	// CPU0 lets go at 1 ms: CPU2 still reads, the writer keeps spinning.
	k.advance(1100 * US);
	assert.equal(lock.writer, -1);
	assert.deepEqual(lock.readers, [2]);
	// The last reader lets go at 1.2 ms: the writer is handed the lock.
	k.advance(1250 * US);
	assert.equal(lock.writer, 1);
	assert.equal(k.lockup, undefined);
});

test('readers spin only while a writer holds it; write_unlock lets every spinning reader in at once', () => {
	const k = kernelFor({...base, tasks: [holder(0, 'write', '0s', '1ms'), holder(1, 'read', '100us', '500us'), holder(2, 'read', '200us', '500us')]});
	k.advance(300 * US);
	const lock = rw(k);
	assert.deepEqual(lock.waiters, [{cpu: 1, write: false}, {cpu: 2, write: false}]);
	const edges = k.waitFor().edges.map((e) => e.text);
	assert.deepEqual(edges, ['CPU1 spins with IRQs on in read_lock on rwlock R held for writing by CPU0', 'CPU2 spins with IRQs on in read_lock on rwlock R held for writing by CPU0']);
	k.advance(1010 * US);
	assert.equal(lock.writer, -1);
	assert.deepEqual(lock.readers, [1, 2]);
	assert.equal(lock.contentions, 2);
	const row = snapshot(k).locks.find((l) => l.name === 'R')!;
	assert.equal(row.holder, 'CPU1,CPU2 (read)');
});

test('write_unlock hands over to the waiter that has spun longest when it is a writer; the readers behind it keep spinning', () => {
	const k = kernelFor({...base, tasks: [holder(0, 'write', '0s', '1ms'), holder(1, 'write', '100us', '1ms'), holder(2, 'read', '200us', '100us')]});
	k.advance(1050 * US);
	const lock = rw(k);
	assert.equal(lock.writer, 1);
	assert.deepEqual(lock.waiters, [{cpu: 2, write: false}]);
	k.advance(2100 * US);
	assert.equal(lock.writer, -1);
	assert.equal(k.lockup, undefined);
});

test('write_lock_irq turns IRQs off and write_unlock_irq back on; write_lock_irqsave restores what it saved', () => {
	const k = kernelFor({
		...base,
		cpus: 1,
		tasks: [
			{
				cpu: 0,
				comm: 'w',
				pid: 100,
				repeat: 1,
				steps: [
					{op: 'write_lock', lock: 'R', irq: true},
					{op: 'call', fn: 'a', for: '100us'},
					{op: 'write_unlock', lock: 'R', irq: true},
					{op: 'irq_disable'},
					{op: 'read_lock', lock: 'R', irqsave: true},
					{op: 'call', fn: 'b', for: '100us'},
					{op: 'read_unlock', lock: 'R'},
					{op: 'call', fn: 'c', for: '100us'},
					{op: 'irq_enable'},
					{op: 'idle', for: '1s'},
				],
			},
		],
	});
	const cpu = k.cpus[0]!;
	k.advance(50 * US);
	assert.equal(cpu.irqsOn, false, 'in write_lock_irq');
	k.advance(150 * US);
	assert.equal(cpu.irqsOn, false, 'irq_disable, then read_lock_irqsave');
	k.advance(250 * US);
	assert.equal(cpu.irqsOn, false, 'read_unlock_irqrestore gave back "off"');
	k.advance(350 * US);
	assert.equal(cpu.irqsOn, true);
});

test('read_lock then write_lock of the same rwlock on one task: AA, explained as such', () => {
	const k = kernelFor({...base, cpus: 1, tasks: [{cpu: 0, comm: 'upgrade', pid: 100, steps: [{op: 'read_lock', lock: 'R'}, {op: 'write_lock', lock: 'R'}, {op: 'write_unlock', lock: 'R'}, {op: 'read_unlock', lock: 'R'}, {op: 'idle', for: '1ms'}]}]});
	k.advance(10 * MS);
	assert.ok(k.lockup);
	assert.equal(k.lockup.kind, 'self-deadlock');
	assert.equal(k.lockup.explanation, 'CPU0 (upgrade, pid 100) spins with IRQs on in write_lock on rwlock R, which it already holds for reading itself: it can never get it (AA self-deadlock)');
});

test('two readers each wanting to write what the other reads: a cycle through both read holds', () => {
	const task = (cpu: number, mine: string, theirs: string) => ({cpu, comm: `rw${cpu}`, pid: 100 + cpu, steps: [{op: 'read_lock', lock: mine}, {op: 'call', fn: 'scan', for: '100us'}, {op: 'write_lock', lock: theirs}, {op: 'write_unlock', lock: theirs}, {op: 'read_unlock', lock: mine}, {op: 'idle', for: '1ms'}]});
	const k = kernelFor({...base, cpus: 2, locks: [{name: 'R', kind: 'rwlock'}, {name: 'S', kind: 'rwlock'}], tasks: [task(0, 'R', 'S'), task(1, 'S', 'R')]});
	k.advance(10 * MS);
	assert.ok(k.lockup);
	assert.equal(k.lockup.kind, 'deadlock');
	assert.equal(k.lockup.explanation, 'CPU0 spins with IRQs on in write_lock on rwlock S held for reading by CPU1; CPU1 spins with IRQs on in write_lock on rwlock R held for reading by CPU0');
});

test('a handler that takes for writing what the task it interrupted reads: stuck, waiting for a read_unlock that never comes', () => {
	const k = kernelFor({
		...base,
		cpus: 1,
		tasks: [{cpu: 0, comm: 'reader', pid: 100, steps: [{op: 'read_lock', lock: 'R'}, {op: 'call', fn: 'walk', for: '500us'}, {op: 'read_unlock', lock: 'R'}, {op: 'idle', for: '100us'}]}],
		irqs: [{irq: 11, name: 'dev', cpu: 0, every: '1ms', steps: [{op: 'write_lock', lock: 'R'}, {op: 'run', for: '2us'}, {op: 'write_unlock', lock: 'R'}]}],
	});
	k.advance(20 * MS);
	assert.ok(k.lockup);
	assert.equal(k.lockup.explanation, "CPU0's irq 11 (dev) handler dev_interrupt spins with IRQs off in write_lock on rwlock R, which reader (pid 100) holds for reading on CPU0, interrupted by that very handler: it cannot run again to read_unlock it");
});

test('spin_trylock takes a free lock and runs the body; on a held lock it goes on at once, skipping `skip` steps', () => {
	const k = kernelFor({
		description: 'trylock',
		cpus: 2,
		locks: [{name: 'L', kind: 'spinlock'}],
		tasks: [
			{cpu: 0, comm: 'owner', pid: 100, repeat: 1, startAt: '1ms', steps: [{op: 'spin_lock', lock: 'L'}, {op: 'call', fn: 'hold', for: '2ms'}, {op: 'spin_unlock', lock: 'L'}, {op: 'idle', for: '1s'}]},
			{
				cpu: 1,
				comm: 'poller',
				pid: 101,
				repeat: 3,
				steps: [{op: 'spin_trylock', lock: 'L', skip: 3}, {op: 'printk', text: 'poller: got L'}, {op: 'call', fn: 'work', for: '10us'}, {op: 'spin_unlock', lock: 'L'}, {op: 'printk', text: 'poller: pass done'}, {op: 'idle', for: '2ms'}],
			},
		],
	});
	k.advance(8 * MS);
	const texts = logTexts(k);
	// Passes start at 0, about 2.2 and 4.4 ms; the owner holds L from 1 to 3 ms: the middle pass finds it held.
	assert.equal(texts.filter((t) => t === 'poller: pass done').length, 3);
	assert.equal(texts.filter((t) => t === 'poller: got L').length, 2);
	assert.equal(k.locks.get('L')!.contentions, 0, 'a failed trylock is not a contention: it never waits');
	// `skip` counts the file's steps; the printk in the body expands to seven, and the failure path skips them all.
	assert.equal(k.warnings.bug, 0);
	assert.equal(k.locks.get('L')!.acquisitions, 3);
	assert.equal(k.lockup, undefined);
});

test('rwlock-irq-reader: the handler spins in read_lock on the lock its own CPU holds for writing: LOCKUP, hard LOCKUP on cpu 0, RCU stall, the reader on CPU1 stuck behind', () => {
	const k = buildKernel(loadScenario('rwlock-irq-reader'));
	k.advance(30 * S);
	assert.ok(k.lockup);
	assert.deepEqual(k.lockup.cpus, [0, 1]);
	assert.ok(k.lockup.at < 50 * MS, `at ${k.lockup.at}`);
	assert.equal(
		k.lockup.explanation,
		"CPU1 spins with IRQs on in read_lock on rwlock filter_lock held for writing by CPU0; CPU0's irq 19 (eth0) handler nic_interrupt spins with IRQs off in read_lock on rwlock filter_lock, which iptables-restor (pid 2210) holds for writing on CPU0, interrupted by that very handler: it cannot run again to write_unlock it",
	);
	const texts = logTexts(k);
	// kernel/watchdog.c watchdog_overflow_callback: WARN(1, "Watchdog detected hard LOCKUP on cpu %d", this_cpu).
	assert.deepEqual(texts.filter((t) => /hard LOCKUP/.test(t)), ['Watchdog detected hard LOCKUP on cpu 0']);
	// kernel/rcutree.c print_cpu_stall: "INFO: %s self-detected stall on CPU {" ... "}  (t=%lu jiffies g=%lu c=%lu q=%lu)\n":
	// CPU1's reader owes the grace period too, and its own tick reports it; CPU0 has IRQs off.
	assert.equal(texts.filter((t) => /^INFO: rcu_sched self-detected stall on CPU \{ 1\} {2}\(t=21000 jiffies g=\d+ c=\d+ q=\d+\)$/.test(t)).length, 1);
	// kernel/watchdog.c: "BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]\n": netperf spins in read_lock with preemption off.
	assert.equal(texts.filter((t) => /^BUG: soft lockup - CPU#1 stuck for 2\ds! \[netperf:2211\]$/.test(t)).length, 1);
	assert.deepEqual(k.framesOf(k.cpus[0]!).slice(0, 3), ['__read_lock_failed', '_raw_read_lock', 'nic_interrupt']);
	assert.equal(deviceIrqRows(k)[0]!.perCpu[0]! < 40, true);
});

test('rwlock-irq-reader mitigated: write_lock_irqsave in process context; readers still pass the spinning writer, nothing hangs', () => {
	const k = buildKernel(loadScenario('rwlock-irq-reader'), {mitigated: true});
	k.advance(30 * S);
	assert.equal(k.lockup, undefined);
	assert.equal(k.warnings.hardLockup + k.warnings.rcuStall + k.warnings.softLockup, 0);
	const n = deviceIrqRows(k)[0]!.perCpu[0]!;
	assert.ok(n > 20_000, `irq 19 on CPU0: ${n}`);
	assert.ok(rw(k, 'filter_lock').contentions > 1000, 'the writer did spin while netperf read');
	assert.ok(k.tasks[0]!.iteration > 5000, `iptables-restor passes: ${k.tasks[0]!.iteration}`);
});

test('rwlocks are plain data: a checkpoint with a handler spinning in read_lock runs on as the original', () => {
	const k = buildKernel(loadScenario('rwlock-irq-reader'));
	k.advance(40 * MS);
	const copy = k.clone();
	k.advance(12 * S);
	copy.advance(12 * S);
	assert.equal(copy.eventHash, k.eventHash);
	const again = buildKernel(loadScenario('rwlock-irq-reader'));
	again.advance(12 * S);
	assert.equal(again.eventHash, k.eventHash, 'same scenario and seed, same run');
});

test('static checks: rwlock kinds, unlocks of what the path holds, a trylock skip that ends at its spin_unlock', () => {
	const task = (steps: object[]) => ({...base, locks: [...base.locks, {name: 'L', kind: 'spinlock'}], tasks: [{cpu: 0, comm: 't', pid: 100, steps: [...steps, {op: 'idle', for: '1ms'}]}]});
	const cases: [object, string][] = [
		[task([{op: 'read_lock', lock: 'L'}, {op: 'read_unlock', lock: 'L'}]), '$.tasks[0].steps[0].lock: "L" is a spinlock, but read_lock needs an rwlock'],
		[task([{op: 'spin_lock', lock: 'R'}]), '$.tasks[0].steps[0].lock: "R" is an rwlock, but spin_lock needs a spinlock'],
		[task([{op: 'write_lock', lock: 'R'}, {op: 'read_unlock', lock: 'R'}, {op: 'write_unlock', lock: 'R'}]), '$.tasks[0].steps[2]: write_unlock of "R", which this task does not hold here'],
		[task([{op: 'spin_trylock', lock: 'L', skip: 1}, {op: 'run', for: '1us', mode: 'kernel'}, {op: 'spin_unlock', lock: 'L'}]), '$.tasks[0].steps[0].skip: 1 ends at run; expected the number of steps up to and including the spin_unlock of "L"'],
		[task([{op: 'spin_trylock', lock: 'L', skip: 5}, {op: 'spin_unlock', lock: 'L'}]), '$.tasks[0].steps[0].skip: 5 runs past the end of the task\'s steps'],
		[task([{op: 'spin_trylock', lock: 'L'}]), '$.tasks[0].steps[0].skip: missing'],
	];
	for (const [bad, want] of cases) assert.throws(() => parseScenario(JSON.stringify(bad), 'bad.json'), (e: Error) => e.message.includes(`bad.json: ${want}`), `${want}\n`);
	const handler = {...base, cpus: 1, irqs: [{irq: 19, name: 'eth0', cpu: 0, every: '1ms', steps: [{op: 'read_lock', lock: 'R'}]}]};
	assert.throws(() => parseScenario(JSON.stringify(handler), 'h.json'), /h\.json: \$\.irqs\[0\]\.steps\[0\]: the handler returns still holding rwlock "R", taken here/);
	// A recursive read is legal; a trylock whose body ends at its unlock passes.
	parseScenario(JSON.stringify(task([{op: 'read_lock', lock: 'R'}, {op: 'read_lock', lock: 'R'}, {op: 'read_unlock', lock: 'R'}, {op: 'read_unlock', lock: 'R'}, {op: 'spin_trylock', lock: 'L', skip: 1}, {op: 'spin_unlock', lock: 'L'}])), 'ok.json');
});

// printk's console (source/kernel/console.ts, kernel/printk.c 3.10): the CPU that gets
// console_sem writes every record to the console, those other CPUs print meanwhile included,
// with IRQs off for the whole drain; each record takes 10 bits per character at the baud
// rate; serial8250_console_write touches the NMI watchdog, so a storm shows as an RCU stall.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {backlog, consoleNs, recordChars} from '../source/kernel/console.js';
import {loadScenario, parseScenario} from '../source/scenario/load.js';
import {buildKernel} from '../source/scenario/machine.js';
import {kernelFor, logTexts, MS, S} from './helpers.js';

const US = 1_000;
const LINE = 'x'.repeat(63); // 15 + 63 + 2 = 80 characters on the console

const printer = (cpu: number, pid: number, startAt: string, text: string, after: object[] = [{op: 'idle', for: '1s'}]) => ({cpu, comm: `p${cpu}`, pid, repeat: 1, startAt, steps: [{op: 'printk', text}, ...after]});

test('a record takes 10 bits per character at the baud rate: "[%5lu.%06lu] " + text + "\\r\\n", with IRQs off all along', () => {
	const k = kernelFor({description: 'one printk', cpus: 1, console: {baud: 9600}, tasks: [printer(0, 100, '0s', LINE, [{op: 'call', fn: 'after', for: '1s'}])]});
	assert.equal(recordChars({seq: 0, ns: 0, level: 'info', cpu: 0, text: LINE, head: true}), 80);
	const write = consoleNs(9600, 80);
	assert.equal(write, 83_333_334, '800 bits at 9600 baud, rounded up');
	k.advance(50 * MS);
	const cpu = k.cpus[0]!;
	assert.equal(k.s.console.owner, 0);
	assert.equal(cpu.irqsOn, false);
	assert.equal(k.describe(cpu), 'kernel serial8250_console_write (console_unlock, 0 behind)');
	// The write ends 2 us (the record's copy) + 83.33 ms after the printk began; then the task's next step runs.
	const start = cpu.since;
	k.advance(start + write + 2 * US - 1);
	assert.equal(k.describe(cpu), 'kernel serial8250_console_write (console_unlock, 0 behind)');
	k.advance(start + write + 2 * US + 1);
	assert.equal(k.describe(cpu), 'kernel after');
	assert.equal(cpu.irqsOn, true);
	assert.equal(k.s.console.owner, -1);
	assert.equal(k.s.console.written, 1);
	assert.equal(k.s.console.chars, 80);
});

test('console_trylock fails on a second CPU: it stores its record and goes on at once; the owner writes it too', () => {
	const k = kernelFor({
		description: 'two printers',
		cpus: 2,
		console: {baud: 9600},
		tasks: [printer(0, 100, '0s', LINE), printer(1, 101, '10ms', LINE, [{op: 'call', fn: 'after', for: '1s'}])],
	});
	k.advance(11 * MS);
	assert.equal(k.s.console.owner, 0);
	assert.equal(k.describe(k.cpus[1]!), 'kernel after', 'CPU1 returned from printk without writing');
	assert.equal(k.cpus[1]!.irqsOn, true);
	assert.equal(backlog(k), 1, "CPU1's record waits behind the one CPU0 is writing");
	assert.equal(k.describe(k.cpus[0]!), 'kernel serial8250_console_write (console_unlock, 1 behind)');
	// CPU0 writes its own record, then CPU1's: two records' worth of console time.
	k.advance(2 * (consoleNs(9600, 80) + 2 * US) + 10 * US);
	assert.equal(k.s.console.owner, -1);
	assert.equal(k.s.console.written, 2);
	assert.equal(k.cpus[0]!.irqsOn, true);
	assert.deepEqual(logTexts(k), [LINE, LINE]);
});

test('call_console_drivers: a record at or above console_loglevel is stored but not written ("level >= console_loglevel")', () => {
	const k = kernelFor({description: 'loglevel', cpus: 1, console: {baud: 9600, loglevel: 6}, tasks: [printer(0, 100, '0s', LINE, [{op: 'call', fn: 'after', for: '1s'}])]});
	k.advance(1 * MS);
	assert.equal(k.describe(k.cpus[0]!), 'kernel after', 'KERN_INFO (6) is not below 6: only its copy, 2 us');
	assert.equal(k.s.console.written, 0);
	assert.deepEqual(logTexts(k), [LINE]);
});

test('without a console, a printk step writes its own record for its "for", as before', () => {
	const k = kernelFor({description: 'no console', cpus: 1, tasks: [printer(0, 100, '0s', LINE, [{op: 'call', fn: 'after', for: '1s'}])]});
	k.advance(200 * US);
	assert.equal(k.describe(k.cpus[0]!), 'kernel after');
	assert.equal(k.s.console.owner, -1);
});

test('printk-console-storm: CPU0 never gets out of console_unlock; 3.10 reports the RCU stall, no hard or soft lockup (touch_nmi_watchdog per record)', () => {
	const k = buildKernel(loadScenario('printk-console-storm'));
	k.advance(25 * S);
	assert.ok(k.lockup);
	assert.deepEqual(k.lockup.cpus, [0]);
	assert.equal(k.lockup.at, 1 * MS, 'from the printk that took console_sem');
	assert.match(
		k.lockup.explanation,
		/^CPU0 \(NetworkManager, pid 812\) owns console_sem and writes the log to the 9600-baud console in console_unlock with IRQs off, \d+ records behind: CPU1, CPU2, CPU3 printk faster than it can write, so it never gets out$/,
	);
	const texts = logTexts(k);
	// kernel/rcutree.c print_other_cpu_stall, 3.10.
	assert.equal(texts.filter((t) => /^INFO: rcu_sched detected stalls on CPUs\/tasks: \{ 0\} \(detected by [123], t=21002 jiffies, g=\d+, c=\d+, q=\d+\)$/.test(t)).length, 1);
	assert.equal(k.warnings.hardLockup, 0, 'the NMI watchdog was touched by every record');
	assert.equal(k.warnings.softLockup, 0);
	const cpu0 = k.cpus[0]!;
	assert.equal(cpu0.irqsOn, false);
	assert.ok(cpu0.loc < 10, `CPU0's timer stopped: LOC ${cpu0.loc}`);
	assert.deepEqual(k.framesOf(cpu0).slice(3, 8), ['serial8250_console_write', 'call_console_drivers', 'console_unlock', 'vprintk_emit', 'printk']);
	assert.ok(k.cpus[1]!.loc > 20_000);
	// It writes about 15 records a second, and is ever further behind.
	const c = k.s.console;
	assert.ok(c.written > 300 && c.written < 25 * 16, `written ${c.written}`);
	assert.ok(backlog(k) > 1000, `behind ${backlog(k)}`);
});

test('printk-console-storm mitigated (quiet: console_loglevel 4): the lines stay in the log, none reach the console, nothing hangs', () => {
	const k = buildKernel(loadScenario('printk-console-storm'), {mitigated: true});
	k.advance(25 * S);
	assert.equal(k.lockup, undefined);
	assert.equal(k.warnings.rcuStall + k.warnings.hardLockup + k.warnings.softLockup, 0);
	assert.equal(k.s.console.written, 0);
	assert.equal(k.s.console.owner === -1 || k.s.now - k.s.console.since < MS, true);
	assert.ok(k.log.nextSequence > 3000, `records stored: ${k.log.nextSequence}`);
	assert.ok(logTexts(k).slice(-100).every((t) => t.startsWith('mydrv')));
	assert.ok(k.cpus[0]!.loc > 20_000);
});

test('the console is plain data: a checkpoint in the middle of the drain runs on as the original, and the run is the same twice', () => {
	const k = buildKernel(loadScenario('printk-console-storm'));
	k.advance(3 * S + 123);
	const copy = k.clone();
	k.advance(22 * S);
	copy.advance(22 * S);
	assert.equal(copy.eventHash, k.eventHash);
	assert.deepEqual(copy.s.console, k.s.console);
	const again = buildKernel(loadScenario('printk-console-storm'));
	again.advance(22 * S);
	assert.equal(again.eventHash, k.eventHash);
});

test('schema: "quiet" needs a console; baud and loglevel in range', () => {
	const base = {description: 'c', cpus: 1, tasks: [printer(0, 100, '0s', 'hi')]};
	const cases: [object, string][] = [
		[{mitigation: {describe: 'q', option: 'quiet', value: true}}, '$.mitigation.option: "quiet" lowers console_loglevel, but the scenario has no $.console'],
		[{console: {baud: 10}}, '$.console.baud:'],
		[{console: {baud: 9600, loglevel: 9}}, '$.console.loglevel:'],
	];
	for (const [extra, want] of cases) assert.throws(() => parseScenario(JSON.stringify({...base, ...extra}), 'c.json'), (e: Error) => e.message.includes(`c.json: ${want}`), want);
});

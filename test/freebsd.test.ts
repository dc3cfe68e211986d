// rendezvous-race is FreeBSD: its interrupt counters are `vmstat -i`'s, its stacks FreeBSD's.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {loadScenario} from '../source/scenario/load.js';
import {buildKernel} from '../source/scenario/machine.js';
import {renderShow} from '../source/headless/run.js';
import {renderVmstatI} from '../source/kernel/freebsd/vmstat.js';
import {snapshot} from '../source/kernel/snapshot.js';
import {S} from './helpers.js';

const boot = (until: number) => {
	const k = buildKernel(loadScenario('rendezvous-race'));
	k.advance(until);
	return k;
};

test('vmstat -i: "%-*s %20s %10s\\n" header, "%-*s %20lu %10lu\\n" per non-zero counter with 19-character intrnames, "Total" (usr.bin/vmstat/vmstat.c dointr, kern intrcnt_setname)', () => {
	const k = boot(10 * S);
	const c = k.cpus;
	const row = (name: string, n: number) => `${name.padEnd(19, ' ')} ${String(n).padStart(20, ' ')} ${String(Math.floor(n / 10)).padStart(10, ' ')}`;
	const counts: [string, number][] = [
		['cpu0: timer', c[0]!.loc],
		['irq0: clk', 45],
		['irq1: atkbd0', 9],
		['irq8: rtc', 1],
		['irq12: psm0', 132],
		...c.map((cpu): [string, number] => [`cpu${cpu.id}: rendezvous`, cpu.call]).filter(([, n]) => n > 0),
		['cpu1: timer', c[1]!.loc],
		['cpu2: timer', c[2]!.loc],
	];
	const total = counts.reduce((a, [, n]) => a + n, 0);
	assert.equal(renderVmstatI(k), ['interrupt                          total       rate', ...counts.map(([name, n]) => row(name, n)), row('Total', total), ''].join('\n'));
	assert.ok(c[0]!.call > 100, 'the rendezvous IPIs are counted (COUNT_IPIS)');
});

test('vmstat -i before a whole second of uptime: getuptime()\'s errx "time makes no sense; namelist must be wrong" (usr.bin/vmstat/vmstat.c getuptime)', () => {
	assert.equal(renderVmstatI(boot(0.5 * S)), 'vmstat: time makes no sense; namelist must be wrong\n');
});

test('rendezvous-race headless prints vmstat -i, not /proc/interrupts; the monitor\'s rows are cpuN: timer and cpuN: rendezvous', () => {
	const k = boot(2 * S);
	const out = renderShow(k, ['interrupts']);
	assert.ok(out.startsWith('--- vmstat -i at 2.000000s\ninterrupt                          total       rate\n'));
	assert.ok(!/LOC|Local timer|CAL|Function call/.test(out));
	assert.deepEqual(
		snapshot(k).interrupts.map((r) => [r.tag, r.label]),
		[
			['timer', 'cpuN: timer'],
			['rendezvous', 'cpuN: rendezvous'],
		],
	);
});

test('a rendezvous target\'s stack is FreeBSD\'s: smp_rendezvous_action called from the Xrendezvous IDT entry (sys/amd64/amd64/apic_vector.S IDTVEC(rendezvous), sys/kern/subr_smp.c)', () => {
	const k = boot(1 * S);
	const targets = k.cpus.filter((c) => c.irqStack.length > 0);
	assert.ok(targets.length > 0);
	for (const cpu of targets) assert.deepEqual(k.framesOf(cpu), ['smp_rendezvous_action', 'Xrendezvous']);
	const initiator = k.cpus[1]!;
	assert.deepEqual(k.framesOf(initiator), ['smp_rendezvous_action']);
});

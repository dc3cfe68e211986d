// /proc/interrupts in the exact 3.x layout.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {renderProcInterrupts, irqColumnWidth} from '../source/kernel/procfs.js';
import {makeCpu} from '../source/kernel/cpu.js';
import {makeStreams} from '../source/kernel/random.js';

const cpus = (n: number) => {
	const {perCpu} = makeStreams(1, n);
	return perCpu.map((r, i) => makeCpu(i, r));
};

test('header: prec+8 spaces then CPU%-8d per online CPU, trailing spaces kept', () => {
	const lines = renderProcInterrupts(cpus(2)).split('\n');
	assert.equal(lines[0], '           CPU0       CPU1       ');
});

test('numbered rows: %*d: then %10u per CPU, chip, -handler and action', () => {
	const lines = renderProcInterrupts(cpus(2)).split('\n');
	assert.equal(lines[1], '  0:         45          0   IO-APIC-edge      timer');
	assert.equal(lines[4], '  9:          0          0   IO-APIC-fasteoi   acpi');
});

test('arch rows in 3.10 order, three spaces before the label, ERR/MIS single values', () => {
	const list = cpus(2);
	list[0]!.nmi = 3;
	list[1]!.loc = 1234567;
	list[1]!.call = 10;
	list[1]!.tlb = 4;
	const lines = renderProcInterrupts(list).trimEnd().split('\n');
	const tags = lines.slice(6).map((l) => l.slice(0, 4));
	assert.deepEqual(tags, ['NMI:', 'LOC:', 'SPU:', 'PMI:', 'IWI:', 'RTR:', 'RES:', 'CAL:', 'TLB:', 'TRM:', 'THR:', 'MCE:', 'MCP:', 'ERR:', 'MIS:']);
	assert.equal(lines[6], 'NMI:          3          0   Non-maskable interrupts');
	assert.equal(lines[7], 'LOC:          0    1234567   Local timer interrupts');
	// 3.x CAL subtracts the TLB shootdowns that travelled as function calls.
	assert.equal(lines[13], 'CAL:          0          6   Function call interrupts');
	assert.equal(lines[14], 'TLB:          0          4   TLB shootdowns');
	assert.equal(lines.at(-2), 'ERR:          0');
	assert.equal(lines.at(-1), 'MIS:          0');
});

test('the first column widens to 4 once nr_irqs reaches 1000', () => {
	assert.equal(irqColumnWidth(64), 3);
	assert.equal(irqColumnWidth(128), 4);
	const lines = renderProcInterrupts(cpus(128)).split('\n');
	assert.ok(lines[0]!.startsWith(' '.repeat(12) + 'CPU0 '));
	assert.ok(lines.some((l) => l.startsWith(' NMI: ')));
});

// The monitor's screen through ink-testing-library, with the terminal size passed in.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import {render} from 'ink-testing-library';
import {loadScenario, type LoadedScenario} from '../source/scenario/load.js';
import {heavy} from '../source/bench/workloads.js';
import {buildKernel} from '../source/scenario/machine.js';
import {Controller} from '../source/ui/controller.js';
import {App} from '../source/ui/App.js';
import {headerLockup} from '../source/ui/view-model.js';
import {dmesgStamp, formatSeconds} from '../source/kernel/time.js';
import {logHeads} from './helpers.js';

const settle = () => new Promise((r) => setImmediate(r));

async function mount(name: string | LoadedScenario, cols: number, rows: number, seconds = 2) {
	let wall = 0;
	const loaded = typeof name === 'string' ? loadScenario(name) : name;
	const s = loaded.scenario;
	const c = new Controller(buildKernel(loaded), {clock: () => wall, story: {name: s.name, description: s.description, source: s.source, tour: s.tour}});
	c.tick();
	for (let i = 0; i < seconds * 20; i++) {
		wall += 50;
		c.tick();
	}
	const r = render(React.createElement(App, {controller: c, cols, rows, theme: {color: false}}));
	await settle();
	const frame = () => r.lastFrame() ?? '';
	const press = async (keys: string) => {
		r.stdin.write(keys);
		await settle();
	};
	const tick = async (ms: number) => {
		for (let t = 0; t < ms; t += 50) {
			wall += 50;
			c.tick();
		}
		await settle();
	};
	return {c, r, frame, press, tick};
}

test('80x24: every pane in 23 lines, nothing wider than 80 columns', async () => {
	const {frame, r} = await mount('demo', 80, 24);
	const lines = frame().split('\n');
	assert.equal(lines.length, 23);
	assert.ok(lines.every((l) => l.length <= 80), 'no line overflows');
	assert.match(lines[0]!, /^xcalltop demo 2\.0\d{5}s x1 safe:ON mitigation:off dtrace 4711 running/);
	assert.match(lines[1]!, /^ +CPU +ctx +IRQ +task +doing +for +irq% +flags/);
	assert.ok(lines.some((l) => /^ +>0 +(task|idle) +on /.test(l)), 'CPU0 selected');
	assert.ok(lines.some((l) => /Interrupts\/s \(1\.00s\)/.test(l)));
	assert.ok(lines.some((l) => /^ LOC +1000 +1000 +1000 +1000/.test(l)), 'LOC rates, steady: no change marks');
	assert.ok(lines.some((l) => /^ XCL /.test(l)), 'the private dtrace vector has its own row');
	assert.ok(lines.some((l) => /Locks and wait-for/.test(l)));
	assert.ok(lines.some((l) => /^dtrace 4711 running/.test(l)), 'the consumer, on the line a teardown will use');
	assert.match(lines.at(-1)!, /^\? help {2}q quit {2}s safe {2}\^C stop {2}K kill/);
	r.unmount();
});

test('160x50: more CPU rows, the log and the trace side by side', async () => {
	const {frame, r} = await mount('teardown-storm', 160, 50, 4);
	const lines = frame().split('\n');
	assert.equal(lines.length, 49);
	assert.ok(lines.some((l) => /Kernel log.*\/proc\/dtrace\/trace/.test(l)), 'log and trace titles on one line');
	assert.ok(lines.some((l) => /^teardown \d+\/40000 probes left \[[#.]+\] ETA \S+, \S+ syncs\/s, \S+ syncs, \S+ acks/.test(l)), 'the teardown bar');
	r.unmount();
});

test('keys: ? help, s safe mode, space pause, r totals, Tab focus, digits select', async () => {
	const {frame, press, r, c} = await mount('demo', 100, 30);
	await press('?');
	assert.match(frame(), /xcalltop keys \(any key closes this\)/);
	assert.match(frame(), / s +DTrace safe mode on \/ off/);
	await press('x');
	assert.doesNotMatch(frame(), /xcalltop keys/);
	await press('s');
	assert.match(frame().split('\n')[0]!, /safe:OFF/);
	await press(' ');
	assert.match(frame().split('\n')[0]!, / PAUSED /);
	await press('r');
	assert.match(frame(), /Interrupts, totals/);
	assert.doesNotMatch(frame(), /\d\*/, 'paused, nothing changes: no cell is marked');
	await press('2');
	assert.ok(frame().split('\n').some((l) => /^ +>2 /.test(l)));
	await press('\t');
	assert.match(frame(), /> \/proc\/dtrace\/trace/);
	await press('q');
	assert.equal(c.quitRequested, true);
	r.unmount();
});

test('a lockup shows in the header, the CPU strip and the locks pane', async () => {
	const {frame, r} = await mount('safe-xcall', 120, 40, 3);
	const text = frame();
	assert.match(text.split('\n')[0]!, / LOCKUP CPU0,1,3 at 0\.503491s /);
	assert.match(text, /LOCKUP: CPU0 waits for CPU1 to run its cross-call/);
	assert.ok(text.split('\n').some((l) => /^ +1 +task +OFF +irq\/24-eth0\/202 +spin A \(CPU0\)/.test(l)));
	r.unmount();
});

test('at 80 columns a lockup too long for the header is cut, never dropped: the tasks go, then the time', async () => {
	const wide = await mount('mutex-abba', 120, 30, 1);
	assert.match(wide.frame().split('\n')[0]!, / LOCKUP cfg_ioctl:2101,dev_reset:2102 at 0\.17\d{4}s /);
	wide.r.unmount();
	const {frame, r} = await mount('mutex-abba', 80, 24, 1);
	const top = frame().split('\n')[0]!;
	assert.match(top, /^xcalltop mutex-abba \d+\.\d{6}s x1 +LOCKUP at 0\.17\d{4}s +mitigation:off$/);
	r.unmount();
	// Shorter forms keep the word LOCKUP and, over, say so: never an ongoing alarm for one that ended.
	const l = {at: 2_000_302_000, cpus: [0, 1, 2, 3], tasks: [], explanation: '', chain: [], kind: 'stuck' as const};
	assert.deepEqual(headerLockup(l), {text: 'LOCKUP CPU0,1,2,3 at 2.000302s', shorter: ['LOCKUP at 2.000302s', 'LOCKUP'], ongoing: true});
	assert.deepEqual(headerLockup({...l, over: 60_200_000_000}), {text: 'LOCKUP CPU0,1,2,3 at 2.000302s, over by 60.200000s', shorter: ['LOCKUP at 2.000302s, over by 60.200000s', 'LOCKUP over by 60.200000s', 'LOCKUP over'], ongoing: false});
});

test('a terminal below the minimum shows its size and what it needs', async () => {
	const {frame, r} = await mount('demo', 60, 15);
	assert.match(frame(), /^terminal too small: 60×15, need 70×20/);
	r.unmount();
});

test('^C with no consumer alive says so on the status line', async () => {
	const {frame, press, r} = await mount('ipi-irqs-off', 80, 24, 1);
	await press('\u0003');
	assert.match(frame().split('\n').at(-1)!, /^no dtrace consumer in this scenario: press \^C again within 1 s to quit/);
	r.unmount();
});

test('Home, End, g and G move the focused pane to its ends; scrolling stops at the content', async () => {
	const {frame, press, r, c} = await mount('kill9-timeout', 100, 30, 30);
	await press(' ');
	// The full text, with its stack dumps, is longer than the pane.
	await press('f');
	await press('\u001B[H');
	const top = c.ui.scroll.log;
	assert.ok(top > 0, 'Home goes back to the oldest message');
	await press('\u001B[A');
	assert.equal(c.ui.scroll.log, top, 'no scrolling past the oldest message');
	assert.match(frame(), /Kernel log \(full\) \| \d+ newer \(End: newest\)/);
	await press('\u001B[F');
	assert.equal(c.ui.scroll.log, 0, 'End: the newest');
	await press('g');
	assert.equal(c.ui.scroll.log, top);
	await press('G');
	assert.equal(c.ui.scroll.log, 0);
	r.unmount();
});

test('z zooms the focused pane to the whole screen and back; F1 opens help, F10 quits', async () => {
	const {frame, press, r, c} = await mount('safe-xcall', 80, 24, 3);
	await press('\t\t');
	assert.equal(c.ui.focus, 'cpus');
	await press('\t\t');
	assert.equal(c.ui.focus, 'locks');
	await press('z');
	const text = frame();
	assert.match(text.split('\n')[1]!, /^> Locks and wait-for/);
	// The whole explanation, wrapped, nothing cut.
	assert.match(text.replace(/\n +/g, ' '), /LOCKUP: CPU0 waits for CPU1 to run its cross-call.*held by CPU0/);
	assert.doesNotMatch(text, /…/);
	await press('z');
	assert.match(frame().split('\n')[1]!, /^ +CPU +ctx/);
	await press('\u001BOP');
	assert.match(frame(), /xcalltop keys/);
	await press('x');
	await press('\u001B[21~');
	assert.equal(c.quitRequested, true);
	r.unmount();
});

test('a scenario without a DTrace port offers no DTrace keys and no trace pane', async () => {
	const {frame, r} = await mount('ipi-irqs-off', 80, 24, 1);
	const text = frame();
	assert.doesNotMatch(text.split('\n').at(-1)!, / s safe| K kill| d dtrace/);
	assert.doesNotMatch(text, /\/proc\/dtrace\/trace/);
	r.unmount();
});

test('many CPUs: the strip says which it shows, follows the selection, and 1 2 typed quickly selects CPU12', async () => {
	const {frame, press, r, c} = await mount(heavy(16), 80, 24, 1);
	await press(' ');
	assert.match(frame().split('\n')[1]!, /\[CPU0-3 of 16/);
	await press('12');
	assert.equal(c.ui.selectedCpu, 12);
	const lines = frame().split('\n');
	assert.ok(lines.some((l) => /^ +>12 /.test(l)), 'CPU12 in view and marked');
	assert.match(lines[1]!, /\[CPU9-12 of 16/);
	r.unmount();
});

test('mouse: a click focuses a pane and selects a CPU; the wheel scrolls the pane under it', async () => {
	const {press, r, c} = await mount('kill9-timeout', 100, 30, 30);
	await press(' ');
	// SGR reports are 1-based: row 4 is the third CPU row (CPU2), under the header and heading.
	await press('\u001B[<0;10;5M');
	assert.equal(c.ui.selectedCpu, 2);
	assert.equal(c.ui.focus, 'cpus');
	// The kernel log sits at the bottom; full text is longer than the pane.
	await press('f');
	await press('\u001B[<64;10;20M');
	assert.equal(c.ui.scroll.log, 1, 'wheel up over the log scrolls it back, focus or not');
	assert.equal(c.ui.focus, 'cpus');
	await press('\u001B[<65;10;20M');
	assert.equal(c.ui.scroll.log, 0);
	r.unmount();
});

test('i shows the scenario\'s story; any key closes it', async () => {
	const {frame, press, r} = await mount('demo', 80, 24, 1);
	await press('i');
	assert.match(frame(), /demo: the story \(any key closes this\)/);
	assert.match(frame(), /What to press/);
	assert.match(frame(), /^s +Safe mode OFF/m);
	await press('x');
	assert.doesNotMatch(frame(), /the story/);
	r.unmount();
});

test('kernel log: l filters, / searches with n and N, and the title says which', async () => {
	const {frame, press, r, c} = await mount('ipi-irqs-off', 100, 40, 30);
	await press(' ');
	await press('l');
	assert.equal(c.ui.logFilter, 'problems');
	assert.match(frame(), /Kernel log \(headlines, problems only\)/);
	await press('l');
	assert.match(frame(), /Kernel log \(headlines, rcu only\)/);
	assert.match(frame(), /rcu_sched detected stalls/);
	assert.doesNotMatch(frame(), /soft lockup - CPU#0/);
	await press('l');
	await press('/soft lockup\r');
	assert.match(frame(), /\/soft lockup: 1 match/);
	assert.match(frame().split('\n').at(-1)!, /match 1 of 1 for "soft lockup"/);
	await press('n');
	assert.match(frame().split('\n').at(-1)!, /no older match for "soft lockup"/);
	r.unmount();
});

test('kernel log at 80 columns: a folded repeat keeps its count and first time when the message is cut', async () => {
	// irq-lock-inversion's RCU stall repeats at 84 s; its line is wider than 80 columns.
	const k = buildKernel(loadScenario('irq-lock-inversion'));
	k.advance(90 * 1e9);
	const c = new Controller(k, {clock: () => 0, paused: true});
	const r = render(React.createElement(App, {controller: c, cols: 80, rows: 24, theme: {color: false}}));
	await settle();
	const stall = (r.lastFrame() ?? '').split('\n').find((l) => l.includes('rcu_sched detected stalls'));
	assert.ok(stall, r.lastFrame());
	assert.ok(stall.length <= 80, stall);
	const stalls = logHeads(k).filter((h) => h.text.startsWith('INFO: rcu_sched detected stalls'));
	assert.equal(stalls.length, 2);
	assert.ok(stall.startsWith(dmesgStamp(stalls[1]!.ns)), stall);
	assert.ok(stall.endsWith(` …  ×2 since ${formatSeconds(stalls[0]!.ns, 3)}`), stall);
	r.unmount();
});

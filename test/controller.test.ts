// The monitor's controller with a fake wall clock: pacing, pause and step, commands
// stamped with virtual time, the ^C rules.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {loadScenario} from '../source/scenario/load.js';
import {buildKernel} from '../source/scenario/machine.js';
import {Controller, type CommandRecord} from '../source/ui/controller.js';
import {SPEED_ONE} from '../source/ui/ui-state.js';
import {SPEEDS} from '../source/ui/speeds.js';
import {MS} from './helpers.js';

function setup(name = 'demo', opts: {paused?: boolean; speedIndex?: number} = {}) {
	let wall = 1000;
	const records: CommandRecord[] = [];
	const kernel = buildKernel(loadScenario(name));
	const c = new Controller(kernel, {clock: () => wall, onCommand: (r) => records.push(r), ...opts});
	const advanceWall = (ms: number) => {
		wall += ms;
		c.tick();
	};
	return {c, kernel, records, advanceWall, setWall: (ms: number) => (wall = ms)};
}

test('at x1, 50 ms of wall time advances the kernel 50 ms of virtual time', () => {
	const {c, kernel, advanceWall} = setup();
	advanceWall(0);
	advanceWall(50);
	assert.equal(kernel.now, 50 * MS);
	c.dispatch('speed-up');
	advanceWall(50);
	assert.equal(kernel.now, 150 * MS, 'x2 after one speed-up');
	assert.equal(c.getView().header.speed, 'x2');
});

test('paused, time stands still; . steps one event and , steps 1 ms', () => {
	const {c, kernel, advanceWall} = setup('demo', {paused: true});
	advanceWall(0);
	advanceWall(500);
	assert.equal(kernel.now, 0);
	assert.equal(c.getView().header.paused, true);
	c.dispatch('step-event');
	assert.equal(kernel.events >= 1, true);
	const t = kernel.now;
	c.dispatch('step-ms');
	assert.equal(kernel.now, t + MS);
	c.dispatch('pause');
	advanceWall(0);
	advanceWall(20);
	assert.equal(kernel.now, t + 21 * MS);
});

test('every command is recorded with the virtual time it was applied at', () => {
	const {c, records, advanceWall} = setup();
	advanceWall(0);
	advanceWall(40);
	c.dispatch('cpu-select', '2');
	c.dispatch('timer');
	c.dispatch('safe-mode');
	c.dispatch('rates');
	assert.deepEqual(records, [
		{at: 40 * MS, command: 'cpu-select', arg: '2'},
		{at: 40 * MS, command: 'timer', arg: '2'},
		{at: 40 * MS, command: 'safe-mode'},
		{at: 40 * MS, command: 'rates'},
	]);
	assert.deepEqual(
		c.kernel.applied.map((i) => [i.action, i.arg]),
		[
			['timer', '2'],
			['safe-mode', undefined],
		],
	);
});

test('^C goes to the consumer; with none alive it warns, and a second ^C within a second quits', () => {
	// Paused at 0 s, before demo's consumer starts: the keys do not move the kernel on.
	const {c, kernel, advanceWall, setWall} = setup('demo', {paused: true});
	advanceWall(0);
	c.dispatch('ctrl-c');
	assert.match(c.getView().message!, /no dtrace consumer alive: press \^C again within 1 s to quit/);
	assert.equal(c.quitRequested, false);
	setWall(3000);
	c.dispatch('ctrl-c');
	assert.equal(c.quitRequested, false, 'more than a second later it only warns again');
	setWall(3500);
	c.dispatch('ctrl-c');
	assert.equal(c.quitRequested, true);
	// With a consumer alive, ^C stops it instead.
	const other = setup();
	other.advanceWall(0);
	for (let i = 0; i < 30; i++) other.advanceWall(50);
	other.c.dispatch('ctrl-c');
	assert.equal(other.c.quitRequested, false);
	assert.deepEqual(other.kernel.applied.map((i) => i.action), ['ctrl-c']);
	void kernel;
});

test('a machine that cannot keep up is shown lagging', () => {
	let wall = 0;
	const kernel = buildKernel(loadScenario('demo'));
	// Every clock read costs 10 ms of wall time: the tick budget runs out at once.
	const c = new Controller(kernel, {clock: () => (wall += 10), speedIndex: SPEED_ONE + 3});
	c.tick();
	c.tick();
	assert.equal(c.getView().header.lagging, undefined, 'the pace is known once a tick has had its time');
	c.tick();
	assert.match(c.getView().header.lagging ?? '', /^lagging x\d/);
});

test('a machine that keeps up is not shown lagging, however unevenly the ticks come', () => {
	const {c, advanceWall} = setup('demo', {speedIndex: SPEED_ONE + 1});
	advanceWall(0);
	for (const ms of [45, 55, 40, 60, 50, 35, 65]) {
		advanceWall(ms);
		assert.equal(c.getView().header.lagging, undefined, `after a ${ms} ms tick`);
	}
});

test('at max speed a tick stops at its wall budget and catchUp() goes on from there (the shell handles keys in between)', () => {
	let wall = 0;
	const kernel = buildKernel(loadScenario('demo'));
	// Each clock read is 1 ms of wall time.
	const c = new Controller(kernel, {clock: () => (wall += 1), speedIndex: SPEEDS.length - 1});
	c.tick(false);
	assert.equal(c.tick(false, 6), true, 'still behind after a 6 ms slice');
	const first = kernel.now;
	assert.ok(first > 0);
	assert.equal(c.catchUp(6), true);
	assert.ok(kernel.now > first, 'the next slice advanced virtual time');
	c.dispatch('pause');
	assert.equal(c.catchUp(6), false, 'paused: nothing to catch up');
});

test('at x1 a tick reaches its target within one slice', () => {
	const {c, kernel, setWall} = setup();
	c.tick(false, 6);
	setWall(1050);
	assert.equal(c.tick(false, 6), false);
	assert.equal(kernel.now, 50 * MS);
});

test('scrolled back, the log holds still and counts the messages that arrive below', () => {
	const {c, advanceWall} = setup('ipi-irqs-off');
	advanceWall(0);
	for (let i = 0; i < 250; i++) advanceWall(50);
	// 12.5 s: the hard-lockup WARN (10 s) is in.
	assert.ok(c.getView().log.entries.length > 0);
	c.dispatch('scroll-up');
	assert.equal(c.ui.scroll.log, 0, 'nothing older than what fits: scrolling stops at the content');
	c.dispatch('scroll-home');
	const top = c.getView().log.entries[0]!.key;
	for (let i = 0; i < 250; i++) advanceWall(50);
	// 25 s: the RCU stall (21 s) arrived below; the pane still starts with the same entry.
	assert.equal(c.getView().log.entries[0]!.key, top);
	c.dispatch('scroll-end');
	assert.equal(c.getView().log.newer, 0);
	assert.match(c.getView().log.entries.at(-1)!.text, /rcu_sched detected stalls/);
});

test('an unchanged pane keeps its identity from one view to the next', () => {
	const {c, advanceWall} = setup('demo', {paused: true});
	advanceWall(0);
	const before = c.getView();
	c.dispatch('help');
	const after = c.getView();
	assert.notEqual(before.ui, after.ui);
	assert.equal(before.locks, after.locks);
	assert.equal(before.cpus, after.cpus);
});

test('a kernel key lands at the virtual time of the wall clock, not of the last frame (at --fps 1 that is up to a second back)', () => {
	const {c, kernel, records, setWall} = setup();
	c.tick(false);
	setWall(1700);
	c.dispatch('safe-mode');
	assert.equal(records.at(-1)?.at, 700 * MS);
	assert.equal(kernel.now, 700 * MS);
	// View keys do not move the kernel.
	setWall(1900);
	c.dispatch('rates');
	assert.equal(kernel.now, 700 * MS);
});

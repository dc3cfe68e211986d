// What the monitor costs is the frames it draws: at --fps N no more than N views a second are
// built, and a paused, still screen builds and renders none (counted, never timed).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import {render} from 'ink-testing-library';
import {loadScenario} from '../source/scenario/load.js';
import {buildKernel} from '../source/scenario/machine.js';
import {Controller} from '../source/ui/controller.js';
import {App} from '../source/ui/App.js';
import {DEFAULT_FPS, frameMs} from '../source/ui/pacer.js';
import {NS_PER_MS, NS_PER_SEC} from '../source/kernel/time.js';

/** The monitor's loop with a fake wall clock, as monitor.tsx runs it: a tick, then a frame. */
function frame(c: Controller): void {
	c.tick(false);
	c.frame();
}

/** `seconds` of the monitor's loop at --fps N with a fake wall clock. */
function run(opts: {fps?: number; paused?: boolean; seconds: number; speedIndex?: number}) {
	let wall = 0;
	const c = new Controller(buildKernel(loadScenario('demo')), {clock: () => wall, paused: opts.paused, speedIndex: opts.speedIndex});
	const r = render(React.createElement(App, {controller: c, cols: 100, rows: 30, theme: {color: false}}));
	const fps = opts.fps ?? DEFAULT_FPS;
	const tick = (): void => {
		wall += frameMs(fps);
		frame(c);
	};
	// Start-up: the first view and a second of running.
	for (let i = 0; i < fps; i++) tick();
	const views = c.renders;
	const frames = r.frames.length;
	for (let i = 0; i < opts.seconds * fps; i++) tick();
	const out = {views: c.renders - views, frames: r.frames.length - frames, controller: c};
	r.unmount();
	return out;
}

for (const fps of [1, 5, 20]) {
	test(`at --fps ${fps}, running at x1: ${fps} views a second, no more`, () => {
		const {views, controller} = run({fps, seconds: 10});
		// 11 s of frames; the first frame only starts the clock.
		assert.equal(controller.kernel.now, 11 * NS_PER_SEC - frameMs(fps) * NS_PER_MS, 'virtual time kept pace with the wall clock');
		assert.ok(views <= fps * 10, `${views} views in 10 s`);
		assert.ok(views >= fps * 10 - 1, `${views} views in 10 s: every frame shows time moving`);
	});
}

test('paused and still: no view is built and Ink renders no frame', () => {
	const {views, frames} = run({paused: true, seconds: 10});
	assert.equal(views, 0);
	assert.equal(frames, 0);
});

for (const [key, message] of [
	['rates', false],
	['safe-mode', true],
] as const) {
	test(`paused, ${key} redraws at once, ${message ? 'once more when its status message goes, ' : ''}then the screen is still`, () => {
		let wall = 0;
		const c = new Controller(buildKernel(loadScenario('demo')), {clock: () => wall, paused: true});
		const r = render(React.createElement(App, {controller: c, cols: 100, rows: 30, theme: {color: false}}));
		const ticks = (n: number): void => {
			for (let i = 0; i < n; i++) {
				wall += frameMs();
				frame(c);
			}
		};
		ticks(10);
		const before = c.renders;
		c.dispatch(key);
		assert.equal(c.renders, before + 1, 'the key built one view, without waiting for a frame tick');
		assert.equal(c.getView().message !== undefined, message);
		ticks(50);
		assert.equal(c.renders, before + (message ? 2 : 1));
		assert.equal(c.getView().message, undefined);
		r.unmount();
	});
}

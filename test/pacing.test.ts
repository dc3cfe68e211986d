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
import {PACE_MS, Pacer} from '../source/ui/pacer.js';

/** The monitor's loop with a fake wall clock: `seconds` of 50 ms ticks. */
function run(opts: {fps?: number; paused?: boolean; seconds: number; speedIndex?: number}) {
	let wall = 0;
	const c = new Controller(buildKernel(loadScenario('demo')), {clock: () => wall, paused: opts.paused, speedIndex: opts.speedIndex});
	const pacer = new Pacer(opts.fps);
	const r = render(React.createElement(App, {controller: c, cols: 100, rows: 30, theme: {color: false}}));
	const tick = (): void => {
		wall += PACE_MS;
		c.tick(pacer.draws());
	};
	// Start-up: the first view and a second of running.
	for (let i = 0; i < 20; i++) tick();
	const views = c.renders;
	const frames = r.frames.length;
	for (let i = 0; i < (opts.seconds * 1000) / PACE_MS; i++) tick();
	const out = {views: c.renders - views, frames: r.frames.length - frames, controller: c};
	r.unmount();
	return out;
}

for (const fps of [1, 5, 20]) {
	test(`at --fps ${fps}, running at x1: ${fps} views a second, no more`, () => {
		const {views} = run({fps, seconds: 10});
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
		const pacer = new Pacer(5);
		const r = render(React.createElement(App, {controller: c, cols: 100, rows: 30, theme: {color: false}}));
		const ticks = (n: number): void => {
			for (let i = 0; i < n; i++) {
				wall += PACE_MS;
				c.tick(pacer.draws());
			}
		};
		ticks(10);
		const before = c.renders;
		c.dispatch(key);
		assert.equal(c.renders, before + 1, 'the key built one view, without waiting for a frame tick');
		assert.equal(c.getView().message !== undefined, message);
		ticks(200);
		assert.equal(c.renders, before + (message ? 2 : 1));
		assert.equal(c.getView().message, undefined);
		r.unmount();
	});
}

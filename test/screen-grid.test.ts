// What the monitor draws for every shipped session, at every size from the minimum up to
// 240x70: nothing wider than the terminal, every pane's title on its own row where the
// layout put it, and the interrupts pane equal to /proc/interrupts at the same instant.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readdirSync} from 'node:fs';
import path from 'node:path';
import {stripVTControlCharacters} from 'node:util';
import React from 'react';
import {renderOffscreen, settle} from '../source/ui/offscreen.js';
import {App, layoutOf} from '../source/ui/App.js';
import {MIN_COLS, MIN_ROWS, type Area} from '../source/ui/layout.js';
import {loadSession} from '../source/session/load.js';
import {replayHeadless} from '../source/session/replay.js';
import type {Controller} from '../source/ui/controller.js';
import {ROOT, runCli} from './helpers.js';

const SESSIONS = readdirSync(path.join(ROOT, 'scenarios/sessions'))
	.filter((f) => f.endsWith('.jsonl'))
	.map((f) => path.join(ROOT, 'scenarios/sessions', f));

/** The frame the monitor draws for this controller at cols x rows, as plain lines. */
export async function frameAt(controller: Controller, cols: number, rows: number): Promise<string[]> {
	const {instance, out} = renderOffscreen(React.createElement(App, {controller, cols, rows, theme: {color: false}}), cols, rows);
	await settle();
	const frame = out.last;
	instance.unmount();
	return stripVTControlCharacters(frame).replace(/\n$/, '').split('\n');
}

const TITLES: Partial<Record<Area, RegExp>> = {
	header: /^xcalltop /,
	cpus: /^ +>?CPU +ctx +IRQ +task /,
	interrupts: /^(> | {2})Interrupts/,
	locks: /^(> | {2})Locks and wait-for/,
	log: /^(> | {2})Kernel log/,
	trace: /^(> | {2})\/proc\/dtrace\/trace/,
	dtrace: /^dtrace[: ]/,
};

const COLS = [MIN_COLS, MIN_COLS + 1, 80, 100, 139, 140, 200, 240];
const ROWS = [MIN_ROWS, MIN_ROWS + 1, 24, 30, 35, 36, 50, 70];

for (const file of SESSIONS) {
	test(`${path.basename(file)}: the last frame fits every size from ${MIN_COLS}x${MIN_ROWS} to 240x70, each pane's title on its own row`, async () => {
		const {controller} = replayHeadless(loadSession(file));
		for (const zoom of [false, true]) {
			if (zoom) controller.dispatch('zoom');
			for (const cols of COLS) {
				for (const rows of ROWS) {
					controller.refresh();
					const lines = await frameAt(controller, cols, rows);
					const where = `${cols}x${rows}${zoom ? ' zoomed' : ''}`;
					assert.equal(lines.length, rows - 1, `${where}: ${rows - 1} lines`);
					for (const l of lines) assert.ok(l.length <= cols, `${where}: a line of ${l.length} columns:\n${l}`);
					const lay = layoutOf(controller.getView(), cols, rows);
					for (const [area, rect] of Object.entries(lay.rects)) {
						const title = TITLES[area as Area];
						if (!title) continue;
						const text = (lines[rect.top] ?? '').slice(rect.left, rect.left + rect.width);
						assert.match(text, title, `${where}: the ${area} pane's title at row ${rect.top}, column ${rect.left}:\n${lines.join('\n')}`);
					}
				}
			}
		}
	});
}

test('the interrupts pane in totals mode equals /proc/interrupts (vmstat -i for FreeBSD) at the end of every shipped session', async () => {
	for (const file of SESSIONS) {
		const {controller, kernel} = replayHeadless(loadSession(file));
		if (controller.ui.rates) controller.dispatch('rates');
		controller.refresh();
		const proc = runCli(['run', '--session', file, '--quiet']).stdout;
		const vmstat = /^--- vmstat -i at (\S+)s$/m.exec(proc);
		if (vmstat) {
			// FreeBSD (rendezvous-race): the pane's per-CPU rows are vmstat -i's cpuN: <tag> lines.
			assert.equal(vmstat[1], (kernel.now / 1e9).toFixed(6), `${file}: the same instant`);
			const counts = new Map(
				proc
					.split('\n')
					.map((l) => /^(cpu\d+: [a-z]+) +(\d+) +\d+$/.exec(l))
					.filter((m): m is RegExpExecArray => m !== null)
					.map((m) => [m[1]!, Number(m[2])]),
			);
			const rows = controller.getView().interrupts.rows;
			assert.deepEqual(rows.map((r) => r.tag), ['timer', 'rendezvous']);
			for (const row of rows) assert.deepEqual(row.values, kernel.cpus.map((c) => counts.get(`cpu${c.id}: ${row.tag}`) ?? 0), `${path.basename(file)}: ${row.tag}`);
			const lines = await frameAt(controller, 200, 50);
			for (const row of rows) {
				const shown = lines.find((l) => new RegExp(`^ ${row.tag} `).test(l));
				assert.ok(shown, `${row.tag} row on screen`);
				assert.deepEqual(shown.trim().split(/\s+/).slice(1, 1 + kernel.cpus.length).map((c) => Number(c.replace(/\*$/, ''))), [...row.values], `${row.tag} on screen:\n${shown}`);
			}
			continue;
		}
		const at = /^--- \/proc\/interrupts at (\S+)s$/m.exec(proc);
		assert.ok(at, `${file}: run --session prints /proc/interrupts`);
		assert.equal(at[1], (kernel.now / 1e9).toFixed(6), `${file}: the same instant`);
		const procRows = new Map(
			proc
				.split('\n')
				.map((l) => /^ *([A-Z]{3}|\d+): +((?:\d+ +)+)/.exec(l))
				.filter((m): m is RegExpExecArray => m !== null)
				.map((m) => [m[1]!, m[2]!.trim().split(/ +/).map(Number)]),
		);
		for (const row of controller.getView().interrupts.rows) {
			if (row.tag === 'XCL') continue;
			assert.deepEqual(row.values, procRows.get(row.tag), `${path.basename(file)}: ${row.tag}`);
		}
		// And on screen: each row's label is its own (the pane shows rows by tag).
		const lines = await frameAt(controller, 200, 50);
		const cpuCount = kernel.cpus.length;
		for (const tag of ['LOC', 'RES', 'CAL', 'TLB']) {
			const shown = lines.find((l) => new RegExp(`^ ${tag} `).test(l));
			assert.ok(shown, `${tag} row on screen`);
			const cells = shown.slice(5).trim().split(/\s+/).slice(0, cpuCount);
			const want = procRows.get(tag)!.slice(0, cells.length);
			assert.deepEqual(
				cells.map((c) => c.replace(/\*$/, '')),
				want.map((n) => (String(n).length <= 6 ? String(n) : cells[0]!)),
				`${path.basename(file)}: ${tag} on screen`,
			);
		}
	}
});

test('at 80x24 a lockup\'s explanation takes rows from the log (which keeps its title and five lines) rather than be cut', async () => {
	for (const [name, whole] of [['irq-lock-inversion', true], ['ipi-irqs-off', true], ['safe-xcall', false]] as const) {
		const file = path.join(ROOT, 'scenarios/sessions', `${name}.jsonl`);
		const {controller, kernel} = replayHeadless(loadSession(file));
		controller.refresh();
		assert.ok(kernel.lockup, `${name}: the session ends in a lockup`);
		const lines = await frameAt(controller, 80, 24);
		const lay = layoutOf(controller.getView(), 80, 24);
		const locks = lay.rects.locks!;
		const log = lay.rects.log ?? lay.rects.trace!;
		const screen = `\n${lines.join('\n')}`;
		const title = lines[locks.top]!.slice(locks.left, locks.left + locks.width);
		const body = lines.slice(locks.top + 2, locks.top + locks.height).map((l) => l.slice(locks.left).trim()).join(' ');
		const last = kernel.lockup.explanation.split(/\s+/).at(-1)!;
		if (whole) {
			assert.doesNotMatch(title, /z: all/, `${name}: nothing of the locks pane hidden:${screen}`);
			assert.ok(body.includes(last), `${name}: the explanation's last word "${last}" on screen:${screen}`);
		} else {
			// Too long for 80x24 with a DTrace line: the pane takes all the log can give, and says there is more.
			assert.equal(log.height, 6, `${name}: the log gave all it may:${screen}`);
			assert.match(title, /↓ z: all/, `${name}: the title says there is more:${screen}`);
		}
		assert.ok(log.height >= 6, `${name}: the log keeps its title and five lines (${log.height})`);
	}
});

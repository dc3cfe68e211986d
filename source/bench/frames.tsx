// Frame figures for `npm run bench`: building and rendering one monitor frame, the table
// component against plain rows, and the floor: Ink rendering plain lines.
import {performance} from 'node:perf_hooks';
import {Box, Text} from 'ink';
import {renderOffscreen, settle, type OffscreenStdout} from '../ui/offscreen.js';
import {Table} from '@alcalzone/ink-table';
import {buildKernel} from '../scenario/machine.js';
import {Controller} from '../ui/controller.js';
import {App} from '../ui/App.js';
import {CompactTable, type Row} from '../ui/CompactTable.js';
import {heavy} from './workloads.js';
import type {Figure} from './figure.js';


/** Average ms per call; React commits in a microtask, so each call is awaited past it. */
async function timeEach(n: number, fn: () => void): Promise<number> {
	fn();
	await settle();
	const start = performance.now();
	for (let i = 0; i < n; i++) {
		fn();
		await settle();
	}
	return (performance.now() - start) / n;
}

/** Mounts an element in a live Ink instance (rendering every commit, as at 20 Hz). */
function mount(element: React.JSX.Element, cols: number, rows: number): {rerender: (e: React.JSX.Element) => void; unmount: () => void; out: OffscreenStdout} {
	const {instance, out} = renderOffscreen(element, cols, rows);
	return {rerender: instance.rerender, unmount: instance.unmount, out};
}

/**
 * Building and rendering one monitor frame on 64 CPUs: the view model from a fresh kernel
 * snapshot, React, Ink's layout and the write. Advancing the kernel between frames is the
 * engine's work, measured above, and not counted here.
 */
export async function frame64(cols: number, rows: number): Promise<Figure> {
	let wall = 0;
	const c = new Controller(buildKernel(heavy(64)), {clock: () => wall});
	c.tick();
	const m = mount(<App controller={c} cols={cols} rows={rows} theme={{color: true}} />, cols, rows);
	let total = 0;
	const frames = 40;
	for (let i = 0; i < frames; i++) {
		wall += 50;
		c.tick(false);
		await settle();
		const start = performance.now();
		c.tick(true);
		await settle();
		total += performance.now() - start;
	}
	m.unmount();
	const ms = total / frames;
	return {name: `build + render one frame, 64 CPUs, ${cols}x${rows}`, value: ms, unit: 'ms'};
}

/** 40 CPU-strip rows through the original ink-table, the extended one, and plain <Box> rows. */
export async function tables(): Promise<Figure[]> {
	const rows: Row[] = Array.from({length: 40}, (_, i) => ({CPU: String(i), ctx: 'task', IRQ: i % 7 ? 'on' : 'OFF', task: `worker/${i}/${1000 + i}`, doing: 'spin rq_lock (CPU3)', for: '1.2ms', 'irq%': '3%', flags: ''}));
	const columns = Object.keys(rows[0]!).map((key) => ({key}));
	const widths = Object.fromEntries(columns.map((c) => [c.key, 18]));
	// Each update changes one cell per row, as a live CPU strip does.
	const variant = (n: number): Row[] => rows.map((r) => ({...r, for: `${n}.${r.CPU}ms`}));
	const measure = async (view: (data: Row[]) => React.JSX.Element): Promise<number> => {
		const m = mount(view(variant(0)), 200, 60);
		let n = 0;
		const ms = await timeEach(40, () => m.rerender(view(variant(++n))));
		m.unmount();
		return ms;
	};
	const original = await measure((data) => <Table data={data} />);
	const compact = await measure((data) => <CompactTable data={data} columns={columns} widths={widths} theme={{color: true}} />);
	const plain = await measure((data) => (
		<Box flexDirection="column">
			{data.map((r, i) => (
				<Text key={i}>{Object.values(r).map((v) => v.padEnd(18)).join(' ')}</Text>
			))}
		</Box>
	));
	return [
		{name: 'table, 40 rows: @alcalzone/ink-table (rows keyed by index)', value: original, unit: 'ms', note: `${(original / plain).toFixed(1)}x plain rows`},
		{name: 'table, 40 rows: CompactTable (ink-table extended)', value: compact, unit: 'ms', note: `${(compact / plain).toFixed(1)}x plain rows`},
		{name: 'table, 40 rows: plain <Box> rows', value: plain, unit: 'ms'},
	];
}

/**
 * The floor: the same Ink instance rendering `rows` lines of changing numbers, full width,
 * with no view model and no panes. What a frame of the monitor costs above this is ours.
 */
export async function inkFloor(cols: number, rows: number): Promise<Figure> {
	const lines = (n: number): React.JSX.Element => (
		<Box flexDirection="column">
			{Array.from({length: rows - 1}, (_, i) => (
				<Text key={i}>{Array.from({length: Math.floor(cols / 9)}, (_, j) => String((n * 7919 + i * 131 + j * 17) % 1_000_000).padStart(8)).join(' ')}</Text>
			))}
		</Box>
	);
	const m = mount(lines(0), cols, rows);
	let n = 0;
	const ms = await timeEach(40, () => m.rerender(lines(++n)));
	m.unmount();
	return {name: `Ink floor: ${rows - 1} lines of numbers, ${cols}x${rows}`, value: ms, unit: 'ms'};
}

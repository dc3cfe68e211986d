// Ink rendering without a terminal: a stdout of a fixed size that keeps what Ink wrote, and a
// stdin that never sends anything. Export, the benchmarks and the screen tests all render
// the monitor this way, with Ink's debug mode writing every frame whole.
import {EventEmitter} from 'node:events';
import {render, type Instance} from 'ink';
import type React from 'react';

/** A terminal-sized stdout: the last frame written, and how many bytes in all. */
export class OffscreenStdout extends EventEmitter {
	readonly isTTY = true;
	last = '';
	bytes = 0;
	constructor(
		readonly columns: number,
		readonly rows: number,
	) {
		super();
	}

	write(data: string): boolean {
		this.last = data;
		this.bytes += data.length;
		return true;
	}
}

/** Mounts `element` offscreen at cols x rows. */
export function renderOffscreen(element: React.JSX.Element, cols: number, rows: number): {instance: Instance; out: OffscreenStdout} {
	const out = new OffscreenStdout(cols, rows);
	const stdin = Object.assign(new EventEmitter(), {isTTY: false, setRawMode() {}, setEncoding() {}, read: () => null, ref() {}, unref() {}});
	const instance = render(element, {stdout: out as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, debug: true, patchConsole: false, exitOnCtrlC: false});
	return {instance, out};
}

/** Lets React commit and Ink write (React commits in a microtask; Ink writes after). */
export const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

// The one way messages reach stderr: `xcalltop: ` and one line, whatever the message quotes
// from a file or the command line.
import {safeLine} from './safe-text.js';

export function reportError(message: string): void {
	process.stderr.write(`xcalltop: ${safeLine(message)}\n`);
}

export function warn(message: string): void {
	process.stderr.write(`xcalltop: warning: ${safeLine(message)}\n`);
}

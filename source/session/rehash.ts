// `npm run rehash-sessions -- NAME...`: after a kernel change that alters what a shipped
// session's run does on purpose, replay it headless with its recorded inputs and write the
// new event-log hash and event count into its end line. The inputs stay as recorded (a
// remake with `npm run record-sessions` presses the keys again at wall-clock times, which
// moves every later input); say in the commit why the hash changed.
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {loadSession} from './load.js';
import {replayHeadless} from './replay.js';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../scenarios/sessions');

for (const name of process.argv.slice(2)) {
	const file = path.join(DIR, `${name}.jsonl`);
	const {kernel, end} = replayHeadless(loadSession(file));
	if (!end) throw new Error(`${file}: no end line`);
	const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
	const last = JSON.parse(lines.at(-1)!) as {end?: boolean; hash: string; events: number};
	if (!last.end) throw new Error(`${file}: the last line is not the end line`);
	const was = last.hash;
	lines[lines.length - 1] = JSON.stringify({...last, hash: kernel.eventHash, events: kernel.events});
	writeFileSync(file, `${lines.join('\n')}\n`);
	console.log(`${name}: ${was} -> ${kernel.eventHash} (${kernel.events} events)`);
}

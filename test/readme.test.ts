// The readme's screens are exports of shipped sessions: re-export each and compare, so the
// readme never shows a screen the program no longer draws.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {exportSession} from '../source/session/export.js';
import {loadSession} from '../source/session/load.js';
import {ROOT} from './helpers.js';

const README = readFileSync(path.join(ROOT, 'readme.md'), 'utf8');
const SCREENS = [...README.matchAll(/<!-- screen: (\S+) (\d+)x(\d+) -->\n```\n([\s\S]*?)```\n/g)];

test('the readme shows at least one exported screen', () => {
	assert.ok(SCREENS.length >= 1);
});

for (const [, file, cols, rows, shown] of SCREENS) {
	test(`readme: ${file} at ${cols}x${rows} is what export --txt writes`, async () => {
		const txt = path.join(mkdtempSync(path.join(tmpdir(), 'xcalltop-readme-')), 'screen.txt');
		process.env['FORCE_COLOR'] = '1';
		await exportSession(loadSession(path.join(ROOT, file!)), {txt, cols: Number(cols), rows: Number(rows)});
		assert.equal(shown, readFileSync(txt, 'utf8'), `regenerate with: xcalltop export ${file} --txt OUT --cols ${cols} --rows ${rows}`);
	});
}

// Scenario and session files are input from strangers, and so are the --until and --input
// flags scripts pass on. Every bad one below goes through the real CLI and must get exactly
// one line on stderr: "xcalltop: ", the file (or the flag as typed), the place (line and
// column, or a JSON path), short, with no control character of its own, exit 2, nothing on
// stdout, and no hang.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {ROOT, runCli} from '../helpers.js';
import {MAX_INPUT_BYTES, MAX_JSON_DEPTH, readInputFile} from '../../source/input-file.js';
import {MAX_VIRTUAL_NS} from '../../source/kernel/time.js';
import {parseDuration, parseVirtualDuration} from '../../source/scenario/duration.js';
import {parseScenario} from '../../source/scenario/load.js';
import {parseSession} from '../../source/session/load.js';
import {sessionKernel} from '../../source/session/replay.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'xcalltop-inputs-'));
test.after(() => rmSync(dir, {recursive: true, force: true}));

interface Case {
	/** What is wrong with the input. */
	readonly name: string;
	readonly args: readonly string[];
	/** 2 for a usage error (the default). */
	readonly status?: number;
	/** What the one line must contain: the file or flag, and the place and words. */
	readonly says: readonly string[];
}

const cases: Case[] = [];
const ESC = '\u001B';

// --- scenario files --------------------------------------------------------------------

/** A valid scenario with a DTrace port (4 CPUs), to break one field at a time. */
const base = JSON.parse(readFileSync(path.join(ROOT, 'scenarios/demo.json'), 'utf8')) as Record<string, unknown> & {tasks: Record<string, unknown>[]; dtrace: Record<string, unknown>};
delete base['tour'];

let serial = 0;
/** Writes a scenario file; `says` gets the file's name first. */
function scenarioCase(name: string, content: string | Buffer, ...says: string[]): void {
	const file = `s${++serial}.json`;
	writeFileSync(path.join(dir, file), content);
	cases.push({name, args: ['run', file, '--quiet'], says: [`${file}: `, ...says]});
}
const withBase = (patch: Record<string, unknown>): string => JSON.stringify({...base, ...patch}, null, 2);
const task0 = (patch: Record<string, unknown>): Record<string, unknown>[] => [{...base.tasks[0], ...patch}, ...base.tasks.slice(1)];

// Not UTF-8 text.
scenarioCase('UTF-16 LE with a BOM', Buffer.from('\uFEFF{"description": "x", "cpus": 2}', 'utf16le'), 'expected UTF-8 text, got UTF-16');
scenarioCase('UTF-16 BE with a BOM', Buffer.from('\uFEFF{"description": "x", "cpus": 2}', 'utf16le').swap16(), 'expected UTF-8 text, got UTF-16');
scenarioCase('UTF-16 LE without a BOM', Buffer.from('{\n  "description": "x"\n}', 'utf16le'), 'expected UTF-8 text, got UTF-16');
scenarioCase('UTF-16 BE without a BOM', Buffer.from('{\n  "description": "x"\n}', 'utf16le').swap16(), 'expected UTF-8 text, got UTF-16');
scenarioCase('a byte that is never UTF-8', Buffer.concat([Buffer.from('{\n  "description": "'), Buffer.from([0xff]), Buffer.from('"\n}')]), 'line 2, column 19: expected UTF-8 text, got binary data (byte 0xff)');
scenarioCase('a lone continuation byte', Buffer.concat([Buffer.from('{"a": "'), Buffer.from([0x80]), Buffer.from('"}')]), 'line 1, column 8: expected UTF-8 text, got binary data (byte 0x80)');
scenarioCase('an overlong encoding', Buffer.concat([Buffer.from('{"a": "'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]), 'line 1, column 8: expected UTF-8 text, got binary data (byte 0xc0)');
scenarioCase('a UTF-8-encoded surrogate', Buffer.concat([Buffer.from('{"a": "'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]), 'line 1, column 8: expected UTF-8 text, got binary data (byte 0xed)');
scenarioCase('a sequence cut short at the end', Buffer.concat([Buffer.from('{"a": 1}\n'), Buffer.from([0xe2, 0x82])]), 'line 2, column 1: expected UTF-8 text, got binary data (byte 0xe2)');
scenarioCase('a real U+FFFD before a bad byte', Buffer.concat([Buffer.from('{"a": "\uFFFD'), Buffer.from([0xfe]), Buffer.from('"}')]), 'line 1, column 9: expected UTF-8 text, got binary data (byte 0xfe)');
scenarioCase('a NUL byte', Buffer.from('{\n  "description": "x",\n  "cpus": 2\0\n}'), 'line 3, column 12: expected UTF-8 text, got binary data (a NUL byte)');
scenarioCase('an ELF binary', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x3e, 0x00]), 'line 1, column 8: expected UTF-8 text, got binary data (a NUL byte)');
scenarioCase('gzip data', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xab, 0xae, 0x05, 0x00]), 'line 1, column 2: expected UTF-8 text, got binary data (byte 0x8b)');

// Not JSON (Node 20's JSON.parse gives no position for most of these).
scenarioCase('NaN', '{\n  "description": "x",\n  "cpus": NaN\n}', "line 3, column 11: invalid JSON: got 'NaN'; JSON has no NaN or Infinity");
scenarioCase('Infinity', '{"description": "x", "cpus": Infinity}', "line 1, column 30: invalid JSON: got 'Infinity'; JSON has no NaN or Infinity");
scenarioCase('-Infinity', '{"description": "x", "cpus": -Infinity}', "line 1, column 30: invalid JSON: got '-Infinity'; JSON has no NaN or Infinity");
scenarioCase('a line comment', '// the demo\n{"description": "x"}', 'line 1, column 1: invalid JSON: comments are not allowed in JSON');
scenarioCase('a block comment', '{\n  /* CPUs */ "cpus": 2\n}', 'line 2, column 3: invalid JSON: comments are not allowed in JSON');
scenarioCase('an unterminated block comment', '{"cpus": 2} /* and', 'line 1, column 13: invalid JSON: comments are not allowed in JSON');
scenarioCase('a trailing comma in an object', '{\n  "description": "x",\n  "cpus": 2,\n}', "line 3, column 12: invalid JSON: trailing comma before '}' (JSON allows none)");
scenarioCase('a trailing comma in an array', '{"locks": [\n  {"name": "A", "kind": "spinlock"},\n]}', "line 2, column 36: invalid JSON: trailing comma before ']' (JSON allows none)");
scenarioCase('two commas', '{"description": "x",, "cpus": 2}', "line 1, column 21: invalid JSON: expected a property name in double quotes, got ','");
scenarioCase('single quotes', "{'description': 'x'}", "line 1, column 2: invalid JSON: got 'description'; JSON strings take double quotes");
scenarioCase('an unquoted key', '{description: "x"}', "line 1, column 2: invalid JSON: unexpected 'description'");
scenarioCase('a missing colon', '{"description" "x"}', "line 1, column 16: invalid JSON: expected ':' after the property name, got '\"x\"'");
scenarioCase('a missing comma', '{"description": "x"\n "cpus": 2}', "line 2, column 2: invalid JSON: expected ',', got '\"cpus\"'");
scenarioCase('truncated in a string', '{"description": "x", "cp', 'line 1, column 22: invalid JSON: unterminated string (a string ends on the line it starts on)');
scenarioCase('truncated after a colon', '{"description": "x", "cpus":', 'line 1, column 29: invalid JSON: expected a value, got the end of the file');
scenarioCase('truncated in an object', '{"description": "x", "cpus": 2', "line 1, column 31: invalid JSON: expected ',' or '}', got the end of the file");
scenarioCase('truncated in an array', '{"locks": [{"name": "A", "kind": "spinlock"}', "line 1, column 45: invalid JSON: expected ',' or ']', got the end of the file");
scenarioCase('an empty file', '', 'line 1, column 1: invalid JSON: expected a value, got the end of the file');
scenarioCase('only whitespace', '\n\n  \n', 'line 4, column 1: invalid JSON: expected a value, got the end of the file');
scenarioCase('a string across lines', '{"description": "two\nlines"}', 'line 1, column 17: invalid JSON: unterminated string');
scenarioCase('text after the value', '{"description": "x"}\nand more', "line 2, column 1: invalid JSON: unexpected 'and'");
scenarioCase('two values', '{}{}', "line 1, column 3: invalid JSON: unexpected '{'");
scenarioCase('a leading zero', '{"cpus": 04}', "line 1, column 10: invalid JSON: invalid number '04'; JSON numbers have no leading zeros");
scenarioCase('a plus sign', '{"cpus": +4}', "line 1, column 10: invalid JSON: unexpected '+4'");
scenarioCase('a hex number', '{"cpus": 0x4}', "line 1, column 11: invalid JSON: unexpected 'x4'");
scenarioCase('a number cut short', '{"cpus": 4.}', "line 1, column 10: invalid JSON: invalid number '4.'");
scenarioCase('a misspelt literal', '{"watchdogs": ture}', "line 1, column 15: invalid JSON: unexpected 'ture'");
scenarioCase('a bad escape', '{"description": "C:\\qemu"}', "line 1, column 20: invalid JSON: invalid escape '\\q' in a string");
scenarioCase('a bad \\u escape', '{"description": "x\\u12G4"}', "line 1, column 19: invalid JSON: invalid escape '\\u12G4' in a string");
scenarioCase('a raw ESC in a string', `{"description": "red ${ESC}[31m"}`, 'line 1, column 22: invalid JSON: control character \\x1b in a string; write it as an escape');
scenarioCase('a raw ESC between values', `{"cpus": 2${ESC}[2J}`, "line 1, column 11: invalid JSON: unexpected '\\x1b'");
scenarioCase('a raw tab in a key', '{"cp\tus": 2}', 'line 1, column 5: invalid JSON: control character \\t in a string; write it as an escape');
scenarioCase('a no-break space as whitespace', '{"cpus":\u00A02}', "line 1, column 9: invalid JSON: unexpected U+00A0");
scenarioCase('a vertical tab as whitespace', '{"cpus":\u000B2}', "line 1, column 9: invalid JSON: unexpected '\\x0b'");
scenarioCase('a line separator as whitespace', '{"cpus":\u20282}', 'line 1, column 9: invalid JSON: unexpected U+2028');
scenarioCase('a 1 MB bare word', `{"cpus": ${'a'.repeat(1 << 20)}}`, `line 1, column 10: invalid JSON: unexpected '${'a'.repeat(27)}...'`);
scenarioCase(`arrays nested ${1e5} deep`, '['.repeat(1e5) + ']'.repeat(1e5), `line 1, column ${MAX_JSON_DEPTH + 1}: invalid JSON: nested deeper than ${MAX_JSON_DEPTH} arrays and objects`);
scenarioCase(`objects nested ${1e5} deep, cut short`, '{"a":'.repeat(1e5), `line 1, column ${5 * MAX_JSON_DEPTH + 1}: invalid JSON: nested deeper than ${MAX_JSON_DEPTH}`);
scenarioCase('deep nesting under an unknown key', withBase({deep: JSON.parse('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))}), 'invalid JSON: nested deeper than 64');
scenarioCase('CRLF line ends, an error on line 3', '{\r\n  "description": "x",\r\n  "cpus": NaN\r\n}', 'line 3, column 11: invalid JSON: ');

// Valid JSON, not a scenario.
scenarioCase('an array', '[1, 2]', '$: expected an object, got [1,2]');
scenarioCase('a string', '"demo"', '$: expected an object, got "demo"');
scenarioCase('null', 'null', '$: expected an object, got null');
scenarioCase('a 1 MB unknown key', withBase({['k'.repeat(1 << 20)]: 1}), `$: unknown key "${'k'.repeat(37)}..."`);
scenarioCase('a 1 MB value of the wrong type', withBase({cpus: 'x'.repeat(1 << 20)}), `$.cpus: expected a number, got "${'x'.repeat(36)}...`);
scenarioCase('an unknown key with escapes', withBase({[`${ESC}]0;pwned\u0007`]: 1}), '$: unknown key "\\x1b]0;pwned\\x07"');
scenarioCase('an unknown key with C1 and bidi controls', withBase({'\u009B2J\u202Eevil': 1}), '$: unknown key "\\x9b2J\\u202eevil"');
scenarioCase('a value with escapes', withBase({hz: `${ESC}[31m`}), '$.hz: expected a number, got "\\u001b[31m"');
scenarioCase('a lock declared twice, with escapes in its name', withBase({locks: [{name: `L${ESC}c`, kind: 'spinlock'}, {name: `L${ESC}c`, kind: 'mutex'}]}), '$.locks[1].name: lock "L\\x1bc" is declared twice');
scenarioCase('a 1 MB mitigation value', withBase({mitigation: {describe: 'x', option: 'safeMode', value: 'v'.repeat(1 << 20)}}), '$.mitigation.value: expected one of true, false for safeMode, got "vvvv');

// Virtual time is bounded: 30 days.
const tooLong = '50000m';
scenarioCase('until beyond 30 days', withBase({until: tooLong}), `$.until: expected at most 30 days of virtual time (43200m), got "${tooLong}"`);
scenarioCase('until with 400 digits', withBase({until: `${'9'.repeat(400)}s`}), '$.until: expected a duration like "250us", "2ms", "1.5s" or "2m", got "999');
scenarioCase('a step longer than 30 days', withBase({tasks: task0({steps: [{op: 'run', for: '43201m'}]})}), '$.tasks[0].steps[0].for: expected at most 30 days');
scenarioCase('a step whose max is beyond 30 days', withBase({tasks: task0({steps: [{op: 'run', for: {min: '1s', max: `${30 * 24 * 3600 + 1}s`}}]})}), '$.tasks[0].steps[0].for.max: expected at most 30 days');
scenarioCase('a task starting after 30 days', withBase({tasks: task0({startAt: tooLong})}), '$.tasks[0].startAt: expected at most 30 days');
scenarioCase('a timeline entry after 30 days', withBase({timeline: [{at: tooLong, action: 'ctrl-c'}]}), '$.timeline[0].at: expected at most 30 days');
scenarioCase('a DTrace switch rate beyond 30 days', withBase({dtrace: {...base.dtrace, switchRate: tooLong}}), '$.dtrace.switchRate: expected at most 30 days');
scenarioCase('a consumer starting after 30 days', withBase({dtrace: {...base.dtrace, consumer: {pid: 4711, cpu: 0, startAt: tooLong}}}), '$.dtrace.consumer.startAt: expected at most 30 days');
scenarioCase('a timing beyond 30 days', withBase({timing: {ipiLatency: tooLong}}), '$.timing.ipiLatency: expected at most 30 days');

// Timeline actions are checked against the kernel's inputs and what each takes.
scenarioCase('a timer on a CPU the machine lacks', withBase({timeline: [{at: '1s', action: 'timer:99'}]}), '$.timeline[0].action: timer takes a CPU below 4, got "99"');
scenarioCase('a timer on CPU -1', withBase({timeline: [{at: '1s', action: 'timer:-1'}]}), '$.timeline[0].action: timer takes a CPU below 4, got "-1"');
scenarioCase('a timer on CPU "abc"', withBase({timeline: [{at: '1s', action: 'timer:abc'}]}), '$.timeline[0].action: timer takes a CPU below 4, got "abc"');
scenarioCase('safe-mode with an argument', withBase({timeline: [{at: '1s', action: 'ctrl-c'}, {at: '2s', action: 'safe-mode:junk'}]}), '$.timeline[1].action: safe-mode takes no argument, got "junk"');
scenarioCase('mitigation with an argument', withBase({timeline: [{at: '1s', action: 'mitigation:on'}]}), '$.timeline[0].action: mitigation takes no argument, got "on"');
scenarioCase('an unknown action with escapes', withBase({timeline: [{at: '1s', action: `${ESC}[2Jboom`}]}), '$.timeline[0].action: unknown action "\\x1b[2Jboom"; expected one of');

// --- not regular files -----------------------------------------------------------------

const fifo = path.join(dir, 'fifo.json');
assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
cases.push({name: 'a FIFO', args: ['run', 'fifo.json'], says: ['fifo.json: is a FIFO; expected a regular file']});
mkdirSync(path.join(dir, 'folder.json'));
cases.push({name: 'a directory', args: ['run', 'folder.json'], says: ['folder.json: is a directory; expected a regular file']});
cases.push({name: '/dev/zero', args: ['run', '/dev/zero'], says: ['/dev/zero: is a character device; expected a regular file']});
const socket = path.join(dir, 'socket.json');
cases.push({name: 'a socket', args: ['run', 'socket.json'], says: ['socket.json: is a socket; expected a regular file']});
/** Sparse: no disk space, and the CLI must refuse it without reading it. */
function sparse(file: string, size: number): void {
	writeFileSync(path.join(dir, file), '');
	truncateSync(path.join(dir, file), size);
}
sparse('huge.json', 200 * 1024 * 1024);
cases.push({name: 'a 200 MiB file', args: ['run', 'huge.json'], says: ['huge.json: is 200 MiB; expected at most 64 MiB']});
sparse('just-over.json', MAX_INPUT_BYTES + 1);
cases.push({name: 'a file one byte over the limit', args: ['run', 'just-over.json'], says: [`just-over.json: is ${MAX_INPUT_BYTES + 1} bytes; expected at most 64 MiB`]});
sparse('huge.jsonl', 100 * 1024 * 1024);
cases.push({name: 'a 100 MiB session', args: ['replay', 'huge.jsonl'], says: ['huge.jsonl: is 100 MiB; expected at most 64 MiB']});
cases.push({name: 'a FIFO as a session', args: ['replay', 'fifo.json'], says: ['fifo.json: is a FIFO; expected a regular file']});
cases.push({name: 'a directory as a session to export', args: ['export', 'folder.json', '--txt', 'never.txt'], says: ['folder.json: is a directory; expected a regular file']});

// --- flags -----------------------------------------------------------------------------

cases.push({name: '--until beyond 30 days', args: ['run', 'demo', '--until', tooLong], says: [`--until "${tooLong}": expected at most 30 days of virtual time (43200m)`]});
cases.push({name: '--until with 22 digits', args: ['run', 'demo', '--until', '1000000000000000000000s'], says: ['--until "1000000000000000000000s": expected at most 30 days']});
cases.push({name: '--until with escapes', args: ['run', 'demo', '--until', `${ESC}[2J`], says: ['--until "\\x1b[2J": expected a duration like']});
cases.push({name: '--input after 30 days', args: ['run', 'demo', '--input', `${tooLong}:ctrl-c`], says: [`--input "${tooLong}:ctrl-c": AT expected at most 30 days`]});
cases.push({name: '--input timer on a CPU the machine lacks', args: ['run', 'demo', '--input', '2s:timer:99'], says: ['--input "2s:timer:99": timer takes a CPU below 4, got "99"']});
cases.push({name: '--input timer on CPU -1', args: ['run', 'demo', '--input', '2s:timer:-1'], says: ['--input "2s:timer:-1": timer takes a CPU below 4, got "-1"']});
cases.push({name: '--input timer on CPU "abc"', args: ['run', 'demo', '--input', '2s:timer:abc'], says: ['--input "2s:timer:abc": timer takes a CPU below 4, got "abc"']});
cases.push({name: '--input timer with an empty CPU', args: ['run', 'demo', '--input', '2s:timer:'], says: ['--input "2s:timer:": timer takes a CPU below 4, got ""']});
cases.push({name: '--input safe-mode with an argument', args: ['run', 'demo', '--input', '2s:safe-mode:junk'], says: ['--input "2s:safe-mode:junk": safe-mode takes no argument, got "junk"']});
cases.push({name: '--input with escapes in the action', args: ['run', 'demo', '--input', `1s:${ESC}]0;x\u0007`], says: ['--input "1s:\\x1b]0;x\\x07": unknown action "\\x1b]0;x\\x07"']});

// --- session files ---------------------------------------------------------------------

const shipped = readFileSync(path.join(ROOT, 'scenarios/sessions/safe-xcall.jsonl'), 'utf8').split('\n');
const header = JSON.parse(shipped[0]!) as Record<string, unknown> & {scenario: {name: string; content: string}; terminal: Record<string, unknown>; options: Record<string, unknown>};
const command = (patch: Record<string, unknown>): string => JSON.stringify({at: 1_000_000_000, wall: 1000, command: 'pause', ...patch});

/** Writes a session file from its lines (objects or raw text); `says` gets the file's name first. */
function sessionCase(name: string, lines: readonly (string | Buffer)[], ...says: string[]): void {
	const file = `t${++serial}.jsonl`;
	writeFileSync(path.join(dir, file), Buffer.concat(lines.map((l) => Buffer.concat([Buffer.from(l), Buffer.from('\n')]))));
	cases.push({name: `session: ${name}`, args: ['replay', file], says: [`${file}: `, ...says]});
}
const head = (patch: Record<string, unknown>): string => JSON.stringify({...header, ...patch});

sessionCase('terminal 0 columns wide', [head({terminal: {cols: 0, rows: 24}})], 'line 1: not a session header: $.terminal.cols: expected a whole number from 1 to 500, got 0');
sessionCase('terminal 501 columns wide', [head({terminal: {cols: 501, rows: 24}})], 'line 1: not a session header: $.terminal.cols: expected a whole number from 1 to 500, got 501');
sessionCase('terminal a million rows high', [head({terminal: {cols: 80, rows: 1e6}})], 'line 1: not a session header: $.terminal.rows: expected a whole number from 1 to 500, got 1000000');
sessionCase('terminal 80.5 columns wide', [head({terminal: {cols: 80.5, rows: 24}})], 'line 1: not a session header: $.terminal.cols: expected a whole number from 1 to 500, got 80.5');
sessionCase('terminal rows as a string', [head({terminal: {cols: 80, rows: '24'}})], 'line 1: not a session header: $.terminal.rows: expected a number, got "24"');
sessionCase('a format version with escapes', [head({'xcalltop-session': `1${ESC}[2J`})], 'line 1: expected session format 1, got "1\\u001b[2J"');
sessionCase('an unknown header key, 1 MB long', [head({['h'.repeat(1 << 20)]: 1})], 'line 1: not a session header: $: unknown key "hhhh');
sessionCase('a seed beyond 2^31', [head({seed: 2 ** 40})], 'line 1: not a session header: $.seed: ');
sessionCase(
	'a recorded scenario named with escapes, 1 MB long, that does not validate',
	[head({scenario: {name: `${ESC}]0;x\u0007${'n'.repeat(1 << 20)}`, content: '{"cpus": NaN}'}})],
	'line 1: the recorded scenario no longer validates: \\x1b]0;x\\x07nnnn',
	"line 1, column 10: invalid JSON: got 'NaN'",
);
sessionCase(
	'a recorded scenario with a timer on a CPU it lacks',
	[head({scenario: {name: 'safe-xcall', content: JSON.stringify({...JSON.parse(header.scenario.content), timeline: [{at: '1s', action: 'timer:99'}]})}})],
	'line 1: the recorded scenario no longer validates: safe-xcall.json: $.timeline[0].action: timer takes a CPU below 4, got "99"',
);
sessionCase('mitigated, with no mitigation to apply', [head({options: {...header.options, mitigated: true}, scenario: {name: 'x', content: JSON.stringify({description: 'x', cpus: 2})}})], 'line 1: $.options.mitigated: true, but the recorded scenario declares no mitigation');
sessionCase('a header that is not JSON', ['xcalltop session 1'], "line 1, column 1: invalid JSON: unexpected 'xcalltop'");
sessionCase('a header nested 100000 deep', ['['.repeat(1e5)], `line 1, column ${MAX_JSON_DEPTH + 1}: invalid JSON: nested deeper than`);
sessionCase('a time beyond 30 days', [shipped[0]!, command({at: MAX_VIRTUAL_NS + 1})], `line 2: $.at: expected at most ${MAX_VIRTUAL_NS} (30 days of virtual time, in ns), got ${MAX_VIRTUAL_NS + 1}`);
sessionCase('a time of 2^53 - 1', [shipped[0]!, command({}), command({at: Number.MAX_SAFE_INTEGER})], `line 3: $.at: expected at most ${MAX_VIRTUAL_NS}`);
sessionCase('a negative time', [shipped[0]!, command({at: -1})], 'line 2: $.at: expected number to be >=0, got -1');
sessionCase('a wall time beyond 30 days', [shipped[0]!, command({wall: 1e300})], 'line 2: $.wall: expected at most 2592000000 (30 days, in ms), got 1e+300');
sessionCase('an unknown command with escapes', [shipped[0]!, command({command: `${ESC}[2Jlaunch`})], 'line 2: $.command: expected a command of the monitor, such as "ctrl-c" or "cpu-select", got "\\u001b[2Jlaunch"');
sessionCase('a kernel key with an argument it does not take', [shipped[0]!, command({command: 'safe-mode', arg: 'off'})], 'line 2: $.arg: safe-mode takes no argument, got "off"');
sessionCase('ctrl-c with a 1 MB argument', [shipped[0]!, command({command: 'ctrl-c', arg: 'x'.repeat(1 << 20)})], `line 2: $.arg: ctrl-c takes no argument, got "${'x'.repeat(27)}..."`);
sessionCase('a timer on a CPU the machine lacks', [shipped[0]!, command({command: 'timer', arg: '99'})], 'line 2: $.arg: timer takes a CPU below 4, got "99"');
sessionCase('a timer on CPU -1', [shipped[0]!, command({command: 'timer', arg: '-1'})], 'line 2: $.arg: timer takes a CPU below 4, got "-1"');
sessionCase('CPU select out of range', [shipped[0]!, command({}), command({command: 'cpu-select', arg: '4'})], 'line 3: $.arg: cpu-select takes a CPU below 4, got "4"');
sessionCase('CPU select with no CPU', [shipped[0]!, command({command: 'cpu-select'})], 'line 2: $.arg: cpu-select takes a CPU below 4, got nothing');
sessionCase('focus on a pane there is not', [shipped[0]!, command({command: 'focus', arg: `${ESC}[1m`})], 'line 2: $.arg: focus takes a pane ("cpus", "interrupts", "locks", "log", "trace"), got "\\x1b[1m"');
sessionCase('a search query of 1 MB', [shipped[0]!, command({command: 'log-search', arg: 'q'.repeat(1 << 20)})], `line 2: $.arg: log-search takes a query of at most 1000 characters, got ${1 << 20}`);
sessionCase('an arg that is not a string', [shipped[0]!, command({command: 'cpu-select', arg: 2})], 'line 2: $.arg: expected a string, got 2');
sessionCase('a line that is not an object', [shipped[0]!, '[1, 2]'], 'line 2: expected a command line {at, wall, command[, arg]} or the end line, got [1, 2]');
sessionCase('a line of NaN', [shipped[0]!, '{"at": NaN, "wall": 1, "command": "pause"}'], "line 2, column 8: invalid JSON: got 'NaN'; JSON has no NaN or Infinity");
sessionCase('a 1 MB line of garbage', [shipped[0]!, `${ESC}[2J`.repeat(1 << 18)], "line 2, column 1: invalid JSON: unexpected '\\x1b'");
sessionCase('a comment line', [shipped[0]!, '// paused here'], 'line 2, column 1: invalid JSON: comments are not allowed in JSON');
sessionCase('a blank line', [shipped[0]!, '', command({})], 'line 2, column 1: invalid JSON: expected a value, got the end of the line');
sessionCase('a line nested 100000 deep', [shipped[0]!, command({}), '{"a":'.repeat(1e5)], `line 3, column ${5 * MAX_JSON_DEPTH + 1}: invalid JSON: nested deeper than`);
sessionCase('an end line with a bad hash', [shipped[0]!, JSON.stringify({at: 5, wall: 5, end: true, hash: `${ESC}[2J`, events: 1})], 'line 2: $.hash: expected 16 hex digits, got "\\u001b[2J"');
sessionCase('a NUL byte on line 2', [shipped[0]!, Buffer.from('{"at": 1,\0 "wall": 1}')], 'line 2, column 10: expected UTF-8 text, got binary data (a NUL byte)');
sessionCase('a bad byte on line 3', [shipped[0]!, command({}), Buffer.from([0x7b, 0xfe, 0x7d])], 'line 3, column 2: expected UTF-8 text, got binary data (byte 0xfe)');
{
	const file = 'utf16.jsonl';
	writeFileSync(path.join(dir, file), Buffer.from(`\uFEFF${shipped[0]}\n`, 'utf16le'));
	cases.push({name: 'session: UTF-16', args: ['replay', file], says: ['utf16.jsonl: expected UTF-8 text, got UTF-16']});
	cases.push({name: 'session: UTF-16, replayed headless', args: ['run', '--session', file], says: ['utf16.jsonl: expected UTF-8 text, got UTF-16']});
	cases.push({name: 'session: UTF-16, exported', args: ['export', file, '--txt', 'never.txt'], says: ['utf16.jsonl: expected UTF-8 text, got UTF-16']});
}

// The readme cites this count.
const COUNT = cases.length;

/** C0 and C1 controls: none may reach stderr but its final newline. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;

test(`${COUNT} bad input files and flags each get one line`, async (t) => {
	assert.ok(COUNT >= 60, `${COUNT} cases`);
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(socket, resolve));
	try {
		for (const c of cases) {
			await t.test(c.name, () => {
				const r = runCli([...c.args], {}, {cwd: dir});
				const what = `${c.name}: ${JSON.stringify(r.stderr.slice(0, 400))}`;
				assert.equal(r.timedOut, false, `${c.name}: timed out`);
				assert.equal(r.status, c.status ?? 2, what);
				assert.equal(r.stdout, '', what);
				assert.ok(r.stderr.startsWith('xcalltop: '), what);
				assert.ok(r.stderr.endsWith('\n') && r.stderr.indexOf('\n') === r.stderr.length - 1, `one line: ${what}`);
				assert.ok(r.stderr.length < 300, `${r.stderr.length} characters: ${what}`);
				assert.ok(!CONTROL.test(r.stderr.slice(0, -1)), `a control character: ${what}`);
				assert.ok(!/internal error| {4}at /.test(r.stderr), what);
				for (const part of c.says) assert.ok(r.stderr.includes(part), `expected ${JSON.stringify(part)} in ${what}`);
			});
		}
	} finally {
		server.close();
	}
});

test('what is accepted: a UTF-8 BOM, CRLF line ends, a session with every command a person records', () => {
	writeFileSync(path.join(dir, 'bom.json'), `\uFEFF${withBase({until: '1s'}).replaceAll('\n', '\r\n')}`);
	const r = runCli(['run', 'bom.json', '--quiet', '--json'], {}, {cwd: dir});
	assert.equal(r.status, 0, r.stderr);
	assert.equal(JSON.parse(r.stdout).virtualNs, 1_000_000_000);
	// Clicks record focus and a pane; Shift-Tab focus-prev; the wheel a pane; / a query.
	const lines = [
		shipped[0]!,
		command({command: 'focus', arg: 'log'}),
		command({command: 'focus-prev'}),
		command({command: 'scroll-up', arg: 'cpus'}),
		command({command: 'log-search', arg: 'RCU'}),
		command({command: 'timer', arg: '3'}),
		command({command: 'timer'}),
		command({command: 'cpu-select', arg: '0'}),
		'',
	];
	const session = parseSession(lines.join('\n'), 'every.jsonl');
	assert.equal(session.lines.length, 7);
	sessionKernel(session);
	// A file whose size says 0 (as under /proc) is read to its end.
	assert.match(readInputFile('/proc/self/status', 'status'), /^Name:/);
});

test('the bounds: 30 days of virtual time, 64 MiB files, 64 levels of nesting', () => {
	assert.equal(MAX_VIRTUAL_NS, 30 * 24 * 3600 * 1e9);
	assert.ok(MAX_VIRTUAL_NS < Number.MAX_SAFE_INTEGER);
	assert.equal(MAX_INPUT_BYTES, 64 * 1024 * 1024);
	assert.deepEqual(parseVirtualDuration('43200m'), {ns: MAX_VIRTUAL_NS});
	assert.deepEqual(parseVirtualDuration('43200.001m'), {expected: 'expected at most 30 days of virtual time (43200m)'});
	// parseDuration alone reads any size; the bound is parseVirtualDuration's.
	assert.equal(parseDuration('1000000000000000000000s'), 1e30);
	assert.equal(parseDuration('1e21s'), undefined);
	const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
	assert.throws(() => parseScenario(`{"x": ${nested(MAX_JSON_DEPTH)}}`, 'deep.json'), {message: /^deep\.json: line 1, column 70: invalid JSON: nested deeper than 64/});
	assert.throws(() => parseScenario(`{"x": ${nested(MAX_JSON_DEPTH - 1)}}`, 'deep.json'), {message: /^deep\.json: \$\.description: missing/});
});

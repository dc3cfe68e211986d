// A tour's "What to watch for" tells a newcomer what the kernel will print and when. Every
// such claim that names a kernel message or the lockup is checked here against a headless
// run of the shipped scenario: the message must be in the kernel log at the time the tour
// gives, to the precision it gives it ("28 s" is 28.x s; "2.4 ms" is 2.35-2.45 ms).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {listScenarioNames, loadScenario} from '../source/scenario/load.js';
import {buildKernel} from '../source/scenario/machine.js';
import type {Kernel} from '../source/kernel/kernel.js';

interface Claim {
	readonly line: string;
	readonly qualifier: string | undefined;
	readonly value: number;
	readonly decimals: number;
	readonly unit: 'ms' | 's';
	readonly text: string;
}

/** The timed claims in one watch line: "10 s: hard LOCKUP on cpu 0. 23 s: RCU stall { 0}" is two. */
export function claimsOf(line: string): Claim[] {
	const out: Claim[] = [];
	for (const part of line.split(/\. (?=(?:About |Within |From |After )?\d)/)) {
		const m = /^(?:(About|Within|From|After) )?(\d+(?:\.(\d+))?) (ms|s): (.*)$/.exec(part);
		if (m) out.push({line, qualifier: m[1], value: Number(m[2]), decimals: m[3]?.length ?? 0, unit: m[4] as 'ms' | 's', text: m[5]!});
	}
	return out;
}

/** Whether `ns` is the claim's time as the claim writes it (truncated or rounded to its decimals). */
function at(c: Claim, ns: number): boolean {
	const v = ns / (c.unit === 'ms' ? 1e6 : 1e9);
	const scale = 10 ** c.decimals;
	if (c.qualifier === 'Within') return v <= c.value;
	if (c.qualifier === 'About') return Math.abs(v - c.value) <= 1;
	return Math.floor(v * scale) / scale === c.value || Math.round(v * scale) / scale === c.value;
}

/** What a claim says the kernel prints, as patterns over its log lines; undefined when it names none. */
function expected(text: string): RegExp[] | undefined {
	let m: RegExpExecArray | null;
	if ((m = /^BUG: soft lockup - CPU#(\d+) stuck for (\d+)s! \[([^\]]+)\]/.exec(text))) return [new RegExp(`^BUG: soft lockup - CPU#${m[1]} stuck for ${m[2]}s! \\[${m[3]!.replace(/[/\\^$*+?.()|[\]{}]/g, '\\$&')}\\]$`)];
	if ((m = /^(?:BUG: )?soft lockups?(?: on| -)? ?(?:CPU#?(\d+))?/.exec(text))) return [m[1] ? new RegExp(`^BUG: soft lockup - CPU#${m[1]} `) : /^BUG: soft lockup - CPU#/];
	if ((m = /^(?:Watchdog detected )?hard LOCKUPs? on cpu (\d+)(?: and (\d+))?/.exec(text))) return [m[1], m[2]].filter(Boolean).map((c) => new RegExp(`^Watchdog detected hard LOCKUP on cpu ${c}$`));
	if ((m = /^(?:rcu_sched detected stalls on CPUs\/tasks: |RCU stall )(\{[ \d]+\})/.exec(text))) return [new RegExp(`^INFO: rcu_sched detected stalls on CPUs/tasks: ${m[1]!.replace(/[{}]/g, '\\$&')} `)];
	if ((m = /^rcu_sched self-detected stall on CPU (\{[ \d]+\})/.exec(text))) return [new RegExp(`^INFO: rcu_sched self-detected stall on CPU ${m[1]!.replace(/[{}]/g, '\\$&')} `)];
	if ((m = /^INFO: task (\S+) blocked for more than (\d+) seconds/.exec(text))) return [new RegExp(`^INFO: task ${m[1]} blocked for more than ${m[2]} seconds\\.$`)];
	if (/^WARNING: suspicious RCU usage/.test(text)) return [/^\[ INFO: suspicious RCU usage\. \]$|suspicious RCU usage/];
	if (/^possible circular locking dependency detected/.test(text)) return [/^\[ INFO: possible circular locking dependency detected \]$/];
	return undefined;
}

function run(name: string, untilNs: number): Kernel {
	const k = buildKernel(loadScenario(name));
	k.advance(untilNs);
	return k;
}

test('every tour claim that names a kernel message or the lockup holds in a headless run, at the time it gives', () => {
	let checked = 0;
	const wrong: string[] = [];
	for (const name of listScenarioNames()) {
		const watch = loadScenario(name).scenario.tour?.watch ?? [];
		// Lines after one that starts "After <key>:" time what follows from that key press, which a headless run does not make.
		const keyed = watch.findIndex((w) => /^After [^\d]/.test(w));
		const claims = (keyed < 0 ? watch : watch.slice(0, keyed)).flatMap(claimsOf);
		if (claims.length === 0) continue;
		const until = Math.max(...claims.map((c) => (c.value + 2) * (c.unit === 'ms' ? 1e6 : 1e9)));
		const k = run(name, until);
		const records = k.log.since(0).records;
		for (const c of claims) {
			if (/^(?:the )?LOCKUP\b/.test(c.text)) {
				checked++;
				if (!k.lockup || !at(c, k.lockup.at)) wrong.push(`${name}: "${c.line}": the lockup came at ${k.lockup ? k.lockup.at / 1e9 : 'no time'} s`);
				const cpus = /^LOCKUP CPU([\d,]+)/.exec(c.text)?.[1];
				// The lockup may take in more CPUs later (safe-xcall's CPU3 at 1.5 s): the ones named were in it.
				if (cpus && k.lockup && !cpus.split(',').every((c) => k.lockup!.cpus.includes(Number(c)))) wrong.push(`${name}: "${c.line}": the lockup is of CPU${k.lockup.cpus.join(',')}`);
				continue;
			}
			const patterns = expected(c.text);
			if (!patterns) continue;
			checked++;
			for (const p of patterns) {
				const hits = records.filter((r) => p.test(r.text));
				if (!hits.some((r) => at(c, r.ns))) wrong.push(`${name}: "${c.line}": ${p} printed at ${hits.map((r) => (r.ns / 1e9).toFixed(6)).join(', ') || 'no time'} s`);
			}
		}
	}
	assert.deepEqual(wrong, []);
	// Most tours quote the kernel: if this drops, the recognisers above stopped reading them.
	assert.ok(checked >= 28, `${checked} claims checked`);
});

test('claims are read as a newcomer reads them', () => {
	assert.deepEqual(
		claimsOf('10 s: hard LOCKUP on cpu 0. 23 s: RCU stall { 0}. CPUs 1-3 run on').map((c) => [c.value, c.unit, c.text]),
		[
			[10, 's', 'hard LOCKUP on cpu 0'],
			[23, 's', 'RCU stall { 0}. CPUs 1-3 run on'],
		],
	);
	assert.deepEqual(expected('hard LOCKUPs on cpu 0 and 1'), [/^Watchdog detected hard LOCKUP on cpu 0$/, /^Watchdog detected hard LOCKUP on cpu 1$/]);
	assert.equal(expected('the timeline\'s ^C; the teardown bar counts'), undefined);
});

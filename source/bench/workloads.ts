// Machines the benchmarks run: big enough to measure, built through the same scenario
// validation as shipped files.
import {parseScenario, type LoadedScenario} from '../scenario/load.js';

function loaded(name: string, data: object): LoadedScenario {
	const text = JSON.stringify(data);
	return {file: `${name}.json`, text, scenario: parseScenario(text, `bench/${name}.json`)};
}

/** 64 CPUs busy with user work, spinlocks, TLB shootdowns and cross-calls. */
export function heavy(cpus = 64): LoadedScenario {
	const tasks = Array.from({length: cpus}, (_, cpu) => ({
		cpu,
		comm: `worker/${cpu}`,
		pid: 1000 + cpu,
		steps:
			cpu % 8 === 0
				? [
						{op: 'run', for: {min: '200us', max: '2ms'}},
						{op: 'smp_call_function', func: 'drain_pages'},
						{op: 'tlb_flush'},
					]
				: [
						{op: 'run', for: {min: '100us', max: '1ms'}},
						{op: 'spin_lock', lock: `L${cpu % 4}`, irqsave: cpu % 3 === 0},
						{op: 'call', fn: 'update_counters', for: {min: '1us', max: '5us'}},
						{op: 'spin_unlock', lock: `L${cpu % 4}`},
						{op: 'idle', for: {min: '50us', max: '500us'}},
					],
	}));
	return loaded('heavy', {
		description: 'benchmark: busy 64-CPU machine',
		cpus,
		locks: [0, 1, 2, 3].map((i) => ({name: `L${i}`, kind: 'spinlock'})),
		tasks,
	});
}

/** 64 CPUs at HZ=1000; CPU 1 loops in the kernel and never passes a quiescent state. */
export function rcuStall(cpus = 64): LoadedScenario {
	const tasks = Array.from({length: cpus}, (_, cpu) => ({
		cpu,
		comm: cpu === 1 ? 'looper' : `user/${cpu}`,
		pid: 2000 + cpu,
		steps: cpu === 1 ? [{op: 'run', for: '1000s', mode: 'kernel'}] : [{op: 'run', for: {min: '1ms', max: '20ms'}}],
	}));
	return loaded('rcu-stall', {description: 'benchmark: RCU stall on 64 CPUs', cpus, hz: 1000, tasks});
}

/** 40,000 fbt probes torn down after ^C, on a machine of `cpus` CPUs doing light user work. */
export function teardown(cpus: number): LoadedScenario {
	const tasks = Array.from({length: cpus - 1}, (_, i) => ({
		cpu: i + 1,
		comm: `user/${i + 1}`,
		pid: 3000 + i,
		steps: [{op: 'run', for: {min: '1ms', max: '10ms'}}, {op: 'call', fn: 'vfs_read', for: {min: '10us', max: '50us'}}],
	}));
	return loaded('teardown', {
		description: `benchmark: teardown of 40,000 probes on ${cpus} CPUs`,
		cpus,
		tasks,
		dtrace: {consumer: {pid: 4711, cpu: 0, startAt: '0s'}, probes: 40000, traceAll: true, syncsPerProbe: 3},
		timeline: [{at: '100ms', action: 'ctrl-c'}],
	});
}

// The consumer's side of the driver (driver/dtrace_linux.c: dtracedrv_open, the ioctls,
// dtracedrv_release): a `dtrace` process that enables its probes, snapshots the per-CPU
// buffers (a cross-call to each CPU in turn), and on ^C stops and closes, or on kill -9
// closes with the state still active. It is a task the kernel drives: consumerDriver runs
// whenever it gets the CPU or a wait of its ends.
import type {Cpu} from '../cpu.js';
import {exitCurrent, sleepCurrent, spawn, startTimed, wakeTask} from '../sched.js';
import {PORT_TIMING} from './config.js';
import type {DtracePort} from './port.js';
import {consumerWait} from './status.js';
import {beginClose, teardownStep} from './teardown.js';
import {sync, xcall, XCALL_FRAMES} from './x_call.js';

export function startConsumer(p: DtracePort): void {
	const st = p.st;
	if (st.consumer && st.consumer.state !== 'gone') return;
	const cpu = p.config.consumer?.cpu ?? 0;
	const pid = st.nextPid++;
	st.shutdown = false;
	p.stats.set('shutdown', 0);
	st.teardown = undefined;
	st.consumer = {pid, cpu, task: undefined, state: 'starting', stopRequested: false, killRequested: false, phase: 'enable', switchCpu: 0, startedAt: p.k.s.now};
	st.consumer.task = spawn(p.k, cpu, 'dtrace', pid, {fn: p.fn.consumer});
}

export function startConsumerInput(p: DtracePort): string {
	const c = p.st.consumer;
	if (c && c.state !== 'gone') return `dtrace ${c.pid} is still ${c.state}; no new consumer started`;
	startConsumer(p);
	return `started dtrace ${p.st.consumer!.pid} on CPU${p.st.consumer!.cpu}`;
}

export function ctrlC(p: DtracePort): string {
	const c = p.st.consumer;
	if (!c || c.state === 'gone') return '^C: no dtrace consumer alive; nothing happened';
	if (c.state === 'killed') return `^C: dtrace ${c.pid} was already killed; nothing changes`;
	if (c.state === 'tearing down') return `^C: dtrace ${c.pid} is tearing down; ^C has no effect in the kernel`;
	const again = c.stopRequested;
	c.stopRequested = true;
	if (c.state === 'running') c.state = 'stopping';
	if (c.task) wakeTask(p.k, c.task, p.k.s.cpus[c.cpu]!);
	return `^C sent to dtrace ${c.pid}${again ? ' again' : ''}${signalWait(p)}`;
}

export function kill9(p: DtracePort): string {
	const c = p.st.consumer;
	if (!c || c.state === 'gone') return 'kill -9: no dtrace consumer alive; nothing happened';
	if (c.state === 'tearing down') return `kill -9: dtrace ${c.pid} is already tearing down; nothing changes`;
	c.killRequested = true;
	c.state = 'killed';
	if (c.task) wakeTask(p.k, c.task, p.k.s.cpus[c.cpu]!);
	return `kill -9 sent to dtrace ${c.pid}${signalWait(p)}`;
}

/** `; it acts on it only when ...` when a signal just sent cannot be acted on yet. */
function signalWait(p: DtracePort): string {
	const w = consumerWait(p.k, p);
	return w ? `; it acts on it only when it returns from the kernel: ${w}` : '';
}

/** The consumer's work, resumed whenever its task gets the CPU or a wait ends. */
export function consumerDriver(p: DtracePort, cpu: Cpu): void {
	const c = p.st.consumer!;
	const k = p.k;
	for (;;) {
		if (c.killRequested && c.phase !== 'close' && c.phase !== 'done') {
			beginClose(p, true);
			continue;
		}
		switch (c.phase) {
			case 'enable':
				c.phase = 'sleep';
				c.state = 'running';
				startTimed(k, cpu, {kind: 'run', mode: 'kernel', fn: 'dtrace_ioctl', until: 0}, p.config.probes * PORT_TIMING.enablePerProbe);
				if (p.config.provider === 'pid') p.st.fasttrapProbes = p.config.probes;
				return;
			case 'sleep':
				if (c.stopRequested) {
					c.phase = 'stop';
					continue;
				}
				c.phase = 'switch';
				c.switchCpu = 0;
				sleepCurrent(k, cpu, p.config.switchRate);
				return;
			case 'switch': {
				// DTRACEIOC_BUFSNAP: dtrace_buffer_switch on each CPU in turn.
				if (c.stopRequested) {
					c.phase = 'stop';
					continue;
				}
				while (c.switchCpu < k.s.cpus.length) {
					const target = c.switchCpu++;
					if (xcall(p, cpu, [target], 'dtrace_buffer_switch', [...XCALL_FRAMES, 'dtrace_buffer_switch', 'dtrace_ioctl', 'SyS_ioctl'])) return;
				}
				c.phase = 'sleep';
				startTimed(k, cpu, {kind: 'run', mode: 'user', fn: undefined, until: 0}, PORT_TIMING.consume);
				return;
			}
			case 'stop':
				// DTRACEIOC_STOP: dtrace_state_stop() syncs once, then the consumer closes.
				c.state = 'stopping';
				c.phase = 'close';
				beginClose(p, false);
				if (sync(p, cpu, 'dtrace_state_stop')) return;
				continue;
			case 'close':
				if (teardownStep(p, cpu)) return;
				c.phase = 'done';
				continue;
			case 'done':
				c.state = 'gone';
				c.task = undefined;
				exitCurrent(k, cpu);
				return;
		}
	}
}

// fasttrap (driver/fasttrap*.c): pid-provider probes are not freed at close but by
// fasttrap_pid_cleanup_cb, which a timeout() runs later and which needs dtrace_lock.
import type {Cpu} from '../cpu.js';
import type {DtracePort} from './port.js';
import {printf} from './printf.js';

/** fasttrap_pid_cleanup_cb: the pid probes are freed; the timeout() that ran it is done. */
export function cleanupFasttrap(p: DtracePort, cpu: Cpu): void {
	const st = p.st;
	const n = st.fasttrapProbes;
	st.fasttrapProbes = 0;
	const idx = st.timeouts.findIndex((t) => t.fired);
	if (idx >= 0) st.timeouts.splice(idx, 1);
	p.stats.inc('timer_remove');
	printf(p, cpu, `fasttrap_pid_cleanup_cb: ${n} probes cleaned up`);
}

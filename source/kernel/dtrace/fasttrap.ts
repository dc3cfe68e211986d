// fasttrap (driver/fasttrap*.c): pid-provider probes are not freed at close but by
// fasttrap_pid_cleanup_cb, which a timeout() runs later and which needs dtrace_lock.
import type {DtracePort} from './port.js';

/**
 * fasttrap_pid_cleanup_cb: the pid probes are freed; the timeout() that ran it is done.
 * It prints nothing (its only trace is HERE(), silent while dtrace_here is 0).
 */
export function cleanupFasttrap(p: DtracePort): void {
	const st = p.st;
	st.fasttrapProbes = 0;
	const idx = st.timeouts.findIndex((t) => t.fired);
	if (idx >= 0) st.timeouts.splice(idx, 1);
	p.stats.inc('timer_remove');
}

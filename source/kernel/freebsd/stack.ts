// A FreeBSD/amd64 backtrace of the same machine state: the frames the emulator keeps are
// Linux's names for the common paths (user-mode return, system call entry, the idle loop);
// on the FreeBSD scenario they read as FreeBSD 8's (sys/amd64/amd64/exception.S,
// sys/kern/sched_ule.c, sys/amd64/amd64/machdep.c).

const FREEBSD_NAME: Readonly<Record<string, string | undefined>> = {
	// An interrupt taken in user mode: DDB ends the kernel trace at the IDT entry.
	retint_careful: undefined,
	system_call_fastpath: 'Xfast_syscall',
	native_safe_halt: 'cpu_idle_hlt',
	default_idle: 'cpu_idle',
	arch_cpu_idle: 'sched_idletd',
	cpu_startup_entry: 'fork_exit',
	start_secondary: 'fork_trampoline',
};

export function freebsdFrames(frames: readonly string[]): string[] {
	const out: string[] = [];
	for (const f of frames) {
		const name = f in FREEBSD_NAME ? FREEBSD_NAME[f] : f;
		if (name !== undefined) out.push(name);
	}
	return out;
}

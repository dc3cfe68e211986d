// Local-APIC vectors the emulator delivers, as bit positions in a CPU's IRR/ISR masks.
// Acceptance goes highest vector number first, as the APIC's priority classes do. A leaf
// module (it imports nothing): other modules use these at their top level.

export const V_LOC = 0; // LOCAL_TIMER_VECTOR 0xef
export const V_RES = 1; // RESCHEDULE_VECTOR 0xfd
export const V_CAL = 2; // CALL_FUNCTION_VECTOR 0xfc
export const V_CALS = 3; // CALL_FUNCTION_SINGLE_VECTOR 0xfb
export const V_DTRACE = 4; // dtrace4linux's private ipi_vector 0xd9, not in /proc/interrupts
export const V_DEVICE = 5; // external (IO-APIC/MSI) device vectors, 0x41..0xdf: below every IPI vector

export const VECTOR_NAME = ['LOC', 'RES', 'CAL', 'CAL1', 'dtrace', 'device'] as const;

export const bit = (v: number): number => 1 << v;

/** The vector the APIC accepts first from a non-empty ready mask: RES, CAL, CAL1, LOC, dtrace, device. */
export function highestReady(ready: number): number {
	if (ready & (1 << V_RES)) return V_RES;
	if (ready & (1 << V_CAL)) return V_CAL;
	if (ready & (1 << V_CALS)) return V_CALS;
	if (ready & (1 << V_LOC)) return V_LOC;
	return ready & (1 << V_DTRACE) ? V_DTRACE : V_DEVICE;
}

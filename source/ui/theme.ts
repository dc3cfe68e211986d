// Colour is a second channel only: every state is also written in words or marks, so
// NO_COLOR (or --no-color) loses nothing.

export interface Theme {
	readonly color: boolean;
}

export type Tone = 'bad' | 'warn' | 'good' | 'dim' | 'accent';

const COLORS: Record<Tone, string> = {bad: 'red', warn: 'yellow', good: 'green', dim: 'gray', accent: 'cyan'};

export function tone(theme: Theme, t: Tone | undefined): string | undefined {
	return theme.color && t ? COLORS[t] : undefined;
}

/** NO_COLOR (any non-empty value) or --no-color turn colour off. */
export function colorWanted(env: NodeJS.ProcessEnv, flag: boolean | undefined): boolean {
	if (flag === false) return false;
	return !(env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '');
}

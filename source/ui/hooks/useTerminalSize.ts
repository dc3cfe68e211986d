import {useEffect, useState} from 'react';
import {useStdout} from 'ink';

/** The terminal's size, updated on resize (Ink 6 has no useWindowSize). */
export function useTerminalSize(): {cols: number; rows: number} {
	const {stdout} = useStdout();
	const read = (): {cols: number; rows: number} => ({cols: stdout.columns || 80, rows: stdout.rows || 24});
	const [size, setSize] = useState(read);
	useEffect(() => {
		const onResize = (): void => setSize(read());
		stdout.on('resize', onResize);
		return () => void stdout.off('resize', onResize);
	});
	return size;
}

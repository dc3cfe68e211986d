// The floor: a bare Ink 6 app redrawing `rows - 1` lines of changing numbers at a given fps,
// with the same render options as the monitor. `npm run bench` runs it in a pseudo-terminal
// beside xcalltop, so what the monitor costs above Ink itself is visible.
import React, {useEffect, useState} from 'react';
import {render, Text, Box, useApp, useInput} from 'ink';

process.env['NODE_ENV'] ??= 'production';
const fps = Number(process.argv[2] ?? 5);
const rows = (process.stdout.rows || 30) - 1;
const cols = process.stdout.columns || 100;

function Numbers(): React.JSX.Element {
	const [n, setN] = useState(0);
	const {exit} = useApp();
	useInput((input) => {
		if (input === 'q') exit();
	});
	useEffect(() => {
		const timer = setInterval(() => setN((v) => v + 1), 1000 / fps);
		return () => clearInterval(timer);
	}, []);
	return (
		<Box flexDirection="column">
			{Array.from({length: rows}, (_, i) => (
				<Text key={i}>{`bare ink ${String(i).padStart(3)} ${Array.from({length: Math.floor((cols - 14) / 9)}, (_, j) => String((n * 7919 + i * 131 + j * 17) % 1_000_000).padStart(8)).join(' ')}`}</Text>
			))}
		</Box>
	);
}

const instance = render(<Numbers />, {exitOnCtrlC: true, patchConsole: false, incrementalRendering: true, maxFps: 20});
await instance.waitUntilExit();

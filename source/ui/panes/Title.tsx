import React from 'react';
import {Text} from 'ink';
import {fit} from '../text.js';
import {tone, type Theme} from '../theme.js';

/** A pane's title line: marked and inverted when the pane has the focus. */
export function Title({text, focused, width, theme, right}: {text: string; focused: boolean; width: number; theme: Theme; right?: string}): React.JSX.Element {
	const mark = focused ? '> ' : '  ';
	const tail = right ? ` ${right}` : '';
	return (
		<Text inverse={focused} color={focused ? undefined : tone(theme, 'accent')} bold>
			{fit(mark + text, Math.max(0, width - 1 - tail.length)) + tail}
		</Text>
	);
}

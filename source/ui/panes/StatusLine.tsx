import React from 'react';
import {Text} from 'ink';
import {tone, type Theme} from '../theme.js';
import {fit} from '../text.js';

// Most needed first: a narrow terminal cuts the end, so help and quit must come first.
const HINTS = '? help  q quit  s safe  ^C stop  K kill  t timer  m mitigate  d dtrace  space pause  . step  +/- speed  Tab pane  f log';

export function StatusLine({message, width, theme}: {message: string | undefined; width: number; theme: Theme}): React.JSX.Element {
	return (
		<Text color={message ? tone(theme, 'warn') : tone(theme, 'dim')} inverse={message !== undefined}>
			{fit(message ?? HINTS, width - 1)}
		</Text>
	);
}

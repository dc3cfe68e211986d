// ink-table, extended: fixed column widths (no reflow as numbers grow), no border or
// separator lines (every row counts in a 24-line terminal), rows keyed by index instead of
// a SHA-1 of each row on every render (measured: the hashing dominated its cost), and
// cells styled from their content so marks stay visible without colour.
import React from 'react';
import {Box, Text} from 'ink';
import {Table, type CellProps} from '@alcalzone/ink-table';
import {tone, type Theme, type Tone} from './theme.js';

export type Row = Record<string, string>;

export interface CompactTableProps {
	readonly data: Row[];
	readonly columns: {key: string; align?: 'left' | 'right'}[];
	/** Content width of each column (without the one-space padding on each side). */
	readonly widths: Readonly<Record<string, number>>;
	readonly theme: Theme;
	/** Picks a tone for a cell from its text (e.g. "OFF" is bad). */
	readonly toneOf?: (text: string, column: number) => Tone | undefined;
	/** Row index drawn in inverse video (the selected CPU). */
	readonly selected?: number;
}

/** Column separators are drawn as nothing: the padding spaces separate columns. */
function Skeleton({children}: React.PropsWithChildren): React.JSX.Element {
	return <Text>{children === '│' ? '' : children}</Text>;
}

export class CompactTable extends Table<Row> {
	declare props: Readonly<CompactTableProps & {padding?: number; skeleton?: typeof Skeleton; header?: (p: React.PropsWithChildren) => React.JSX.Element; cell?: (p: CellProps) => React.JSX.Element}>;

	static defaultProps = {padding: 1, skeleton: Skeleton};

	override getColumns(): ReturnType<Table<Row>['getColumns']> {
		return this.props.columns.map((c) => ({key: c.key, column: c.key, width: (this.props.widths[c.key] ?? c.key.length) + 2, align: c.align ?? 'left'}));
	}

	override render(): React.JSX.Element {
		const columns = this.getColumns();
		const headings = Object.fromEntries(this.props.columns.map((c) => [c.key, c.key]));
		const {theme, toneOf, selected} = this.props;
		return (
			<Box flexDirection="column">
				{this.heading({key: 'heading', columns, data: headings})}
				{this.props.data.map((row, index) => {
					const line = this.data({key: `row-${index}`, columns, data: row});
					if (index !== selected && !toneOf) return line;
					return (
						<Row key={`row-${index}`} theme={theme} selected={index === selected} toneOf={toneOf}>
							{line}
						</Row>
					);
				})}
			</Box>
		);
	}
}

const RowContext = React.createContext<{theme: Theme; selected: boolean; toneOf?: CompactTableProps['toneOf']}>({theme: {color: false}, selected: false});

function Row({children, ...value}: React.PropsWithChildren<{theme: Theme; selected: boolean; toneOf?: CompactTableProps['toneOf']}>): React.JSX.Element {
	return <RowContext.Provider value={value}>{children}</RowContext.Provider>;
}

/** The cell component handed to ink-table: reads the row's context for selection and tone. */
export function StyledCell({children, column}: CellProps): React.JSX.Element {
	const {theme, selected, toneOf} = React.useContext(RowContext);
	const text = String(children);
	return (
		<Text inverse={selected} color={tone(theme, toneOf?.(text.trim(), column))} wrap="truncate-end">
			{text}
		</Text>
	);
}

export function HeaderCell({children}: React.PropsWithChildren): React.JSX.Element {
	return <Text bold>{children}</Text>;
}

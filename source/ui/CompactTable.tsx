// ink-table, extended. As published it lays every cell out as its own Box and Text and draws
// a border line between rows (and keyed rows by a SHA-1 of their values, which remounted every
// changed row: patched, see patches/); in a live monitor that was most of the frame time.
// This subclass keeps its configuration, column
// model and alignment rules, and renders each row as one Text line whose cells are nested
// spans (nested text is not laid out on its own), with fixed column widths so nothing
// reflows as numbers grow, no separator lines, and cells styled from their content so marks
// stay visible without colour.
import React from 'react';
import {Box, Text} from 'ink';
import {Table} from '@alcalzone/ink-table';
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
	/** The heading row in inverse video: the table's pane has the focus. */
	readonly focused?: boolean;
	/** No heading row (a second table under the first, in the same columns). */
	readonly headless?: boolean;
	/** Headings other than the column keys (a heading can carry a note, cut to its column). */
	readonly headings?: Readonly<Record<string, string>>;
}

type Column = ReturnType<Table<Row>['getColumns']>[number];

/** Pads a value into its column the way ink-table's row builder does. */
function cellText(value: string, column: Column, padding: number): string {
	const spaces = Math.max(0, column.width - value.length);
	const left = column.align === 'right' ? spaces - padding : padding;
	return ' '.repeat(Math.max(0, left)) + value + ' '.repeat(Math.max(0, spaces - left));
}

/** Text in one colour (or none). */
interface Run {
	text: string;
	readonly color: string | undefined;
}

/**
 * Neighbouring cells of one colour as one span: the same characters in the same styles (Ink
 * draws cells, not spans), with fewer nodes for React and Ink; a row of changed counts is
 * one span, not one per cell.
 */
function runs(cells: readonly Run[]): Run[] {
	const out: Run[] = [];
	for (const cell of cells) {
		const last = out.at(-1);
		if (last && last.color === cell.color) last.text += cell.text;
		else out.push({...cell});
	}
	return out;
}

export class CompactTable extends Table<Row> {
	declare props: Readonly<CompactTableProps & {padding?: number}>;

	static defaultProps = {padding: 1};

	override getColumns(): Column[] {
		return this.props.columns.map((c) => ({key: c.key, column: c.key, width: (this.props.widths[c.key] ?? c.key.length) + 2, align: c.align ?? 'left'}));
	}

	override render(): React.JSX.Element {
		const columns = this.getColumns();
		const {padding} = this.getConfig();
		const {theme, toneOf, selected} = this.props;
		// A heading never widens its column: it is cut to the column's content width.
		const heading = columns.map((c) => cellText((this.props.headings?.[c.key] ?? String(c.column)).slice(0, Math.max(1, c.width - 2 * padding)), c, padding)).join('');
		return (
			<Box flexDirection="column">
				{!this.props.headless && (
					<Text bold inverse={this.props.focused}>
						{heading}
					</Text>
				)}
				{this.props.data.map((row, index) => (
					<Text key={index} inverse={index === selected}>
						{runs(
							columns.map((c, i) => {
								const value = row[c.key] ?? '';
								// Ink's cost grows with every character laid out: no padding after the last cell.
								const text = i === columns.length - 1 && index !== selected ? cellText(value, c, padding).trimEnd() : cellText(value, c, padding);
								return {text, color: tone(theme, toneOf?.(value.trim(), i))};
							}),
						).map((run, i) =>
							run.color ? (
								<Text key={i} color={run.color}>
									{run.text}
								</Text>
							) : (
								run.text
							),
						)}
					</Text>
				))}
			</Box>
		);
	}
}

import type { TableColumn, TableRow } from './tables';
import { theme } from './theme';

export const defaults = {
  fontSize: 12,
  /** Cell for a missing value. */
  empty: '–',
};

export interface DataTableProps {
  readonly caption: string;
  readonly columns: readonly TableColumn[];
  readonly rows: readonly TableRow[];
}

/** The data-table view of a chart: a plain table with a caption and header cells, the first column naming each row. */
export function DataTable({ caption, columns, rows }: DataTableProps) {
  const cell = { padding: '2px 8px', borderBottom: `1px solid ${theme.grid}` };
  return (
    <table style={{ borderCollapse: 'collapse', fontSize: defaults.fontSize, fontFamily: theme.font, fontVariantNumeric: 'tabular-nums' }}>
      <caption style={{ textAlign: 'left', color: theme.muted, paddingBottom: 4 }}>{caption}</caption>
      <thead>
        <tr>
          {columns.map((c) => <th key={c.key} scope="col" style={{ ...cell, textAlign: c.numeric ? 'right' : 'left' }}>{c.label}</th>)}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) => (
          <tr key={i}>
            {columns.map((c, j) => {
              const text = row[c.key] || defaults.empty;
              const style = { ...cell, textAlign: c.numeric ? 'right' as const : 'left' as const, fontWeight: j === 0 ? 'normal' : undefined };
              return j === 0 ? <th key={c.key} scope="row" style={style}>{text}</th> : <td key={c.key} style={style}>{text}</td>;
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

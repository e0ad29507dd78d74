import { useId, useRef, useState, type ReactNode } from 'react';
import { DataTable } from '../../charts/DataTable';
import type { TableData } from '../../charts/tables';
import { saveChartPng, saveChartSvg } from '../exportImage';
import { fileSlug } from '../download';
import { useElementWidth } from '../hooks/useElementWidth';

/**
 * One chart in a panel: an optional small heading, the chart drawn at the frame's width
 * (`children(width)`), buttons to save exactly what is drawn as PNG or SVG, and the chart's
 * numbers as a table on request (`table`, computed only while shown).
 */
export function ChartFrame({ name, heading, children, table, className = '' }: {
  /** Used for the saved file's name and the buttons' accessible names. */
  name: string;
  heading?: ReactNode;
  children: (width: number) => ReactNode;
  table?: () => TableData;
  className?: string;
}) {
  const tableId = useId();
  const [showTable, setShowTable] = useState(false);
  const [bodyRef, width] = useElementWidth<HTMLDivElement>();
  const chartRef = useRef<HTMLDivElement | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const save = (kind: 'png' | 'svg') => {
    const element = chartRef.current;
    if (!element) return;
    setProblem(null);
    const file = `gradflow-${fileSlug(name)}`;
    const done = kind === 'svg' ? Promise.resolve(saveChartSvg(element, file)) : saveChartPng(element, file);
    done.then((ok) => setProblem(ok ? null : 'Nothing drawn yet.'), (error: unknown) => setProblem(error instanceof Error ? error.message : String(error)));
  };
  return (
    <div className={`chart-frame ${className}`}>
      <div className="chart-bar">
        <div className="chart-heading">{heading}</div>
        <div className="save-buttons">
          {table && (
            <button type="button" className={`ghost ${showTable ? 'on' : ''}`} onClick={() => setShowTable((v) => !v)}
              aria-expanded={showTable} aria-controls={tableId} aria-label={`Table of ${name}`}>Table</button>
          )}
          <button type="button" className="ghost" onClick={() => save('png')} aria-label={`Save ${name} as PNG`}>PNG</button>
          <button type="button" className="ghost" onClick={() => save('svg')} aria-label={`Save ${name} as SVG`}>SVG</button>
        </div>
      </div>
      {problem && <p className="inline-error" role="alert">{problem}</p>}
      <div ref={bodyRef} className="chart-body">
        <div ref={chartRef} className="chart-canvas">{width > 0 ? children(width) : null}</div>
      </div>
      {table && showTable && <div id={tableId} className="chart-table"><DataTable {...table()} /></div>}
    </div>
  );
}

/** Small SVG pieces every chart shares: the figure, axes, marks, legend, colour bar, event lines. */
import { useId, type ReactNode } from 'react';
import type { RunEvent } from '../shared/runFile';
import { theme } from './theme';

/**
 * The root of every chart: a named figure with a visible caption. It takes its container's
 * width, not the chart's: after a page-width change the caption wraps at once, and the page
 * does not move again as each chart catches up with the new width in a frame of its own.
 */
export function Figure({ label, caption, children }: { label: string; caption: ReactNode; children: ReactNode }) {
  return (
    <figure role="figure" aria-label={label} style={{ margin: 0, fontFamily: theme.font }}>
      {children}
      <figcaption style={{ fontSize: 12, color: theme.muted, marginTop: 4 }}>{caption}</figcaption>
    </figure>
  );
}

/** The drawing: an SVG image with its own short description; role 'group' when it holds controls (an image's children are hidden from assistive technology). */
export function Svg({ width, height, label, role = 'img', children }: { width: number; height: number; label: string; role?: 'img' | 'group'; children: ReactNode }) {
  return (
    <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role={role} aria-label={label}
      fontFamily={theme.font} fontSize={11} fill={theme.text} style={{ display: 'block', overflow: 'visible' }}>
      {children}
    </svg>
  );
}

/** What a chart shows before it has data. */
export function Waiting({ width, height, text }: { width: number; height: number; text: string }) {
  return <text x={width / 2} y={height / 2} textAnchor="middle" fill={theme.muted} data-state="empty">{text}</text>;
}

export interface Tick { readonly at: number; readonly label: string }

/** A vertical axis at x with gridlines to x2; `zeroAt` adds the floor label "0" for exact zeros on a log axis (ticks too close to it are left out). */
export function YAxis({ x, x2, ticks, title, top, bottom, zeroAt }: { x: number; x2: number; ticks: readonly Tick[]; title: string; top: number; bottom: number; zeroAt?: number }) {
  return (
    <g data-axis="y">
      {ticks.filter((t) => zeroAt === undefined || Math.abs(t.at - zeroAt) >= 12).map((t) => (
        <g key={t.label} transform={`translate(0,${round(t.at)})`}>
          <line x1={x} x2={x2} stroke={theme.grid} />
          <text x={x - 6} dy="0.32em" textAnchor="end">{t.label}</text>
        </g>
      ))}
      {zeroAt !== undefined && (
        <g transform={`translate(0,${round(zeroAt)})`} data-mark="zero-floor">
          <path d={`M${x - 4},2 l3,-4 M${x - 1},2 l3,-4`} stroke={theme.muted} />
          <text x={x - 8} dy="0.32em" textAnchor="end">0</text>
        </g>
      )}
      <line x1={x} x2={x} y1={top} y2={bottom} stroke={theme.muted} />
      <text transform={`translate(${x - 44},${(top + bottom) / 2}) rotate(-90)`} textAnchor="middle">{title}</text>
    </g>
  );
}

/** Ticks left after dropping any closer than `gap` pixels to the last one kept (ticks in increasing order). */
export function thin(ticks: readonly Tick[], gap: number): Tick[] {
  let last = -Infinity;
  return ticks.filter((t) => {
    if (t.at - last < gap) return false;
    last = t.at;
    return true;
  });
}

/** Labels along the bottom: level when they are typically `rotateBelow` px apart or more, else rotated; thinned so none overlap. */
export function XLabels({ ticks, y, rotateBelow = 36 }: { ticks: readonly Tick[]; y: number; rotateBelow?: number }) {
  const gaps = ticks.slice(1).map((t, i) => t.at - ticks[i]!.at).sort((a, b) => a - b);
  const rotate = (gaps[Math.floor(gaps.length / 2)] ?? Infinity) < rotateBelow;
  return (
    <g data-axis="x">
      {thin(ticks, rotate ? 14 : Math.min(rotateBelow, 6.5 * Math.max(0, ...ticks.map((t) => t.label.length)) + 6)).map((t, i) => (
        <text key={`${t.label}-${i}`} transform={`translate(${round(t.at)},${y + 16})${rotate ? ' rotate(-45)' : ''}`} textAnchor={rotate ? 'end' : 'middle'}>
          {t.label}
        </text>
      ))}
    </g>
  );
}

/** An exact zero on a log axis, drawn at the floor. */
export function ZeroMark({ x, y, colour, title }: { x: number; y: number; colour: string; title: string }) {
  return (
    <g data-mark="zero" transform={`translate(${round(x)},${round(y)})`}>
      <circle r={3.5} fill="white" stroke={colour} strokeWidth={1.5} />
      <title>{title}</title>
    </g>
  );
}

/** A non-finite value (NaN, ±Infinity), drawn as a red × where it cannot be placed. */
export function NonFiniteMark({ x, y, title, opacity = 1 }: { x: number; y: number; title: string; opacity?: number }) {
  return (
    <g data-mark="non-finite" transform={`translate(${round(x)},${round(y)})`} opacity={opacity}>
      <path d="M-4,-4L4,4M-4,4L4,-4" stroke={theme.nonFinite} strokeWidth={2} />
      <title>{title}</title>
    </g>
  );
}

export interface LegendItem { readonly label: string; readonly colour: string; readonly dash?: string; readonly shape?: 'line' | 'square' | 'cross' }

/** Where Legend puts each item within `width`: rows of LEGEND_ROW px, wrapped before an item that would not fit. */
function placeLegend(width: number, items: readonly LegendItem[]): { item: LegendItem; x: number; y: number }[] {
  let cx = 0;
  let cy = 0;
  return items.map((item) => {
    const w = 26 + item.label.length * 6.2;
    if (cx > 0 && cx + w > width) [cx, cy] = [0, cy + LEGEND_ROW];
    const at = { item, x: cx, y: cy };
    cx += w + 8;
    return at;
  });
}

/** The height of one legend row, px. */
export const LEGEND_ROW = 15;

/** How many rows Legend takes within `width` (0 for no items): a chart moves its plot down by the rows it did not plan for. */
export function legendRows(width: number, items: readonly LegendItem[]): number {
  const placed = placeLegend(width, items);
  return placed.length === 0 ? 0 : placed[placed.length - 1]!.y / LEGEND_ROW + 1;
}

/** A one-line (wrapping) legend starting at (x, y). */
export function Legend({ x, y, width, items }: { x: number; y: number; width: number; items: readonly LegendItem[] }) {
  const placed = placeLegend(width, items);
  return (
    <g data-legend="" transform={`translate(${x},${y})`}>
      {placed.map(({ item, x: ix, y: iy }) => (
        <g key={item.label} transform={`translate(${round(ix)},${iy})`}>
          {item.shape === 'square' ? <rect y={-5} width={16} height={10} fill={item.colour} stroke={theme.muted} strokeWidth={0.5} />
            : item.shape === 'cross' ? <path d="M4,-4L12,4M4,4L12,-4" stroke={item.colour} strokeWidth={2} />
              : <line x2={18} stroke={item.colour} strokeWidth={2} strokeDasharray={item.dash || undefined} />}
          <text x={22} dy="0.32em">{item.label}</text>
        </g>
      ))}
    </g>
  );
}

/** A horizontal colour bar for a sequential log scale over [lo, hi], with ticks under it. */
export function ColourBar({ x, y, width, colour, ticks, title }: { x: number; y: number; width: number; colour: (t: number) => string; ticks: readonly Tick[]; title: string }) {
  const id = `bar${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
  return (
    <g data-legend="colour" transform={`translate(${x},${y})`}>
      <defs>
        <linearGradient id={id}>
          {Array.from({ length: 11 }, (_, i) => <stop key={i} offset={`${i * 10}%`} stopColor={colour(i / 10)} />)}
        </linearGradient>
      </defs>
      <text y={-4}>{title}</text>
      <rect width={width} height={8} fill={`url(#${id})`} />
      {ticks.map((t) => (
        <g key={t.label} transform={`translate(${round(t.at)},8)`}>
          <line y2={3} stroke={theme.muted} />
          <text y={13} textAnchor="middle" fontSize={10}>{t.label}</text>
        </g>
      ))}
    </g>
  );
}

/** Vertical lines at setting changes (grey, dashed) and divergences (red) on a time axis. */
export function EventLines({ events, x, top, bottom }: { events: readonly RunEvent[]; x: (step: number) => number | null; top: number; bottom: number }) {
  return (
    <g data-events="">
      {events.map((e, i) => {
        const at = x(e.step);
        if (at === null) return null;
        return (
          <line key={i} data-event={e.type} x1={round(at)} x2={round(at)} y1={top} y2={bottom}
            stroke={e.type === 'setting' ? theme.event : theme.nonFinite} strokeDasharray={e.type === 'setting' ? '3 3' : undefined}>
            <title>{`step ${e.step}: ${e.detail}`}</title>
          </line>
        );
      })}
    </g>
  );
}

/** Pixel positions rounded to 0.1 px: smaller markup, stable snapshots. */
export const round = (v: number): number => Math.round(v * 10) / 10;

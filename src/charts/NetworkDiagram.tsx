import { hsl, scaleLog } from 'd3';
import { useState, type KeyboardEvent } from 'react';
import type { HeadMode } from '../model/config';
import type { Measure } from '../shared/experiment';
import { auxHeadValue, depthPoints, MEASURE_LABEL } from './data';
import { formatLogTick, formatValue } from './format';
import { AUX_BRANCHES, networkLayout, type DiagramNode } from './networkLayout';
import { ColourBar, Figure, Legend, round, Svg } from './parts';
import { logTicks } from './scales';
import { magnitudeInterpolator, magnitudeScale, theme } from './theme';
import type { ChartRun } from './types';

export const defaults = {
  legendHeight: 50,
  colourBarWidth: 160,
  fontSize: 10,
};

export interface NetworkDiagramProps {
  readonly run: ChartRun;
  readonly measure: Measure;
  /** What each aux head does now (may differ from the run's start, or be a pending setting). */
  readonly auxModes: { readonly aux1: HeadMode; readonly aux2: HeadMode };
  /** Called when an aux branch is clicked or activated with Enter or Space; without it the branches are read-only. */
  readonly onToggleAux?: (head: 'aux1' | 'aux2') => void;
  /** Accessible names of the aux switches, when a page shows several diagrams (default: "Auxiliary classifier N (on inception ...)"). */
  readonly auxNames?: { readonly aux1: string; readonly aux2: string };
  readonly width: number;
  readonly height: number;
}

/** The keyboard side of an aux switch: Enter or Space toggles (and does not scroll the page); other keys pass. */
export function switchKeys(head: 'aux1' | 'aux2', toggle: (head: 'aux1' | 'aux2') => void) {
  return (e: Pick<KeyboardEvent, 'key' | 'preventDefault'>) => {
    if (e.key !== 'Enter' && e.key !== ' ') return;
    e.preventDefault();
    toggle(head);
  };
}

/** GoogLeNet left to right, each weighted block filled by its latest gradient magnitude, with the two aux heads as switches. */
export function NetworkDiagram({ run, measure, auxModes, onToggleAux, auxNames, width, height }: NetworkDiagramProps) {
  const [focused, setFocused] = useState<string | null>(null);
  const last = run.run.steps.length - 1;
  const values = new Map<string, number | undefined>(depthPoints(run.run, last, measure, 'block').map((p) => [p.key, p.value]));
  for (const h of ['aux1', 'aux2'] as const) values.set(h, auxHeadValue(run.run, last, measure, h));
  const positive = [...values.values()].filter((v): v is number => v !== undefined && v > 0 && Number.isFinite(v));
  const lo = Math.min(...positive);
  const hi = Math.max(...positive);
  const colour = positive.length > 0 ? magnitudeScale(lo, hi) : null;
  const bar = colour ? scaleLog(colour.domain(), [0, defaults.colourBarWidth]) : null;
  const { nodes, edges, slot } = networkLayout(width, height, defaults.legendHeight);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const name = MEASURE_LABEL[measure];
  const label = `GoogLeNet diagram of ${run.label}`;
  const step = run.run.steps[last]?.step;
  const isOff = (n: DiagramNode) => n.head !== 'main' && auxModes[n.head] === 'off';

  const box = (n: DiagramNode) => {
    const v = n.fillKey ? values.get(n.fillKey) : undefined;
    const off = isOff(n);
    const fill = off || n.shape === 'io' ? 'white' : n.shape === 'pool' ? theme.grid : v === undefined ? theme.unmeasured
      : v === 0 ? theme.zero : v > 0 && Number.isFinite(v) && colour ? colour(v) : 'white';
    const ink = v === undefined ? theme.muted : hsl(fill).l > 0.55 ? '#000' : '#fff';
    const status = v === undefined ? 'not measured' : `${name} ${formatValue(v)}${v === 0 ? ' (exactly zero)' : ''}`;
    return (
      <g key={n.id} data-node={n.id} transform={`translate(${round(n.x)},${round(n.y)})`}>
        {n.shape === 'io' ? <circle r={n.w / 2} fill="white" stroke={off ? theme.off : theme.muted} strokeDasharray={off ? '3 2' : undefined} />
          : <rect x={round(-n.w / 2)} y={-n.h / 2} width={round(n.w)} height={n.h} rx={n.shape === 'pool' ? 1 : 4} fill={fill}
            stroke={off ? theme.off : v !== undefined && !Number.isFinite(v) ? theme.nonFinite : theme.muted} strokeWidth={v !== undefined && !Number.isFinite(v) ? 2 : 1} strokeDasharray={off ? '4 3' : undefined} />}
        <text y={n.shape === 'weighted' ? 0 : n.shape === 'aux' ? -6 : n.h / 2 + 10} dy="0.32em" textAnchor="middle" fontSize={defaults.fontSize}
          fill={n.shape === 'weighted' || n.shape === 'aux' ? (off ? theme.off : v !== undefined && !Number.isFinite(v) ? theme.nonFinite : ink) : theme.muted}>
          {slot < n.label.length * 6 + 8 ? n.short : n.label}{v !== undefined && !Number.isFinite(v) && !off ? ' ×' : ''}
        </text>
        {n.shape === 'aux' && <text y={7} dy="0.32em" textAnchor="middle" fontSize={defaults.fontSize - 1} fill={off ? theme.off : ink}>{auxModes[n.head as 'aux1' | 'aux2']}</text>}
        <title>{n.fillKey ? `${n.fillKey}: ${off ? 'off' : status}` : n.label}</title>
      </g>
    );
  };
  const connector = ([from, to]: readonly [string, string]) => {
    const a = byId.get(from)!;
    const b = byId.get(to)!;
    const off = isOff(b);
    const vertical = a.x === b.x;
    return <line key={`${from}-${to}`} x1={round(vertical ? a.x : a.x + a.w / 2)} y1={round(vertical ? a.y + a.h / 2 : a.y)} x2={round(vertical ? b.x : b.x - b.w / 2)} y2={round(vertical ? b.y - b.h / 2 : b.y)}
      stroke={off ? theme.off : theme.muted} strokeDasharray={off ? '4 3' : undefined} />;
  };

  const caption = `GoogLeNet of ${run.label}, input on the left. Each weighted block is filled by its ${name}`
    + `${step === undefined ? ' (waiting for the first step)' : ` at step ${step}`} on a log colour scale; pools have no weights. `
    + `The auxiliary classifiers hang below 4a and 4d${onToggleAux ? '; click one, or focus it and press Enter or Space, to switch it' : ''} `
    + '(dashed grey: off; probe, marked ⊥: trains without sending gradient into the trunk).'
    + `${measure === 'actGradRms' ? ' The classifier and the aux heads have no block-output gradient (light grey).' : ''}`;

  return (
    <Figure label={label} caption={caption}>
      <Svg width={width} height={height} label={label} role="group">
        {edges.filter(([, to]) => byId.get(to)?.head === 'main').map(connector)}
        {nodes.filter((n) => n.head === 'main').map(box)}
        {AUX_BRANCHES.map((b) => {
          const mode = auxModes[b.head];
          const aux = byId.get(b.head)!;
          return (
            <g key={b.head} role="switch" aria-checked={mode !== 'off'} aria-label={auxNames?.[b.head] ?? b.name} aria-disabled={onToggleAux ? undefined : true} tabIndex={onToggleAux ? 0 : undefined}
              onClick={onToggleAux ? () => onToggleAux(b.head) : undefined} onKeyDown={onToggleAux ? switchKeys(b.head, onToggleAux) : undefined}
              onFocus={() => setFocused(b.head)} onBlur={() => setFocused(null)} style={{ cursor: onToggleAux ? 'pointer' : undefined, outline: 'none' }}>
              {focused === b.head && <rect x={round(aux.x - aux.w / 2 - 6)} y={round(aux.y - aux.h / 2 - 6)} width={round(aux.w + 12)} height={round(aux.h + 12)} rx={6} fill="none" stroke={theme.focus} strokeWidth={2} />}
              {edges.filter(([, to]) => byId.get(to)?.head === b.head).map(connector)}
              {nodes.filter((n) => n.head === b.head).map(box)}
              {mode === 'probe' && (
                <path d={`M${round(aux.x - 6)},${round(byId.get(b.attach)!.y + 28)}h12`} stroke={theme.text} strokeWidth={2}>
                  <title>probe: the gradient of this head stops here</title>
                </path>
              )}
            </g>
          );
        })}
        {colour && bar && <ColourBar x={8} y={18} width={defaults.colourBarWidth} colour={magnitudeInterpolator} title={name}
          ticks={logTicks(lo, hi > lo ? hi : lo * 10, 4).map((v) => ({ at: bar(v), label: formatLogTick(v) }))} />}
        <Legend x={defaults.colourBarWidth + 32} y={22} width={width - defaults.colourBarWidth - 40}
          items={[{ label: '0', colour: theme.zero, shape: 'square' }, { label: 'non-finite', colour: theme.nonFinite, shape: 'cross' }, { label: 'off', colour: theme.off, dash: '4 3' }]} />
      </Svg>
    </Figure>
  );
}

import { scaleBand, scaleLinear } from 'd3';
import { headSeries, latestPerHeadIndex, type HeadPoint } from './data';
import { everyNth, formatValue, sig2 } from './format';
import { Figure, Legend, NonFiniteMark, round, Svg, Waiting, XLabels, YAxis, ZeroMark } from './parts';
import { logScale } from './scales';
import { headColour } from './theme';
import { HEAD_NAMES, type ChartRun, type Detail, type HeadName } from './types';

export const defaults = {
  margin: { top: 36, right: 12, bottom: 52, left: 64 },
  groupPadding: 0.2,
  barPadding: 0.08,
  rotateBelow: 36,
};

export interface HeadContributionsProps {
  readonly run: ChartRun;
  readonly detail: Detail;
  /** grouped: each head's norm on a log axis; stacked: each head's share of the sum of the three norms. */
  readonly mode: 'grouped' | 'stacked';
  readonly width: number;
  readonly height: number;
}

/** Share of each head in the sum of the three norms at a point, or null when the sum is 0 or not finite. */
export function normShares(p: HeadPoint): Record<HeadName, number> | null {
  const sum = p.norms.main + p.norms.aux1 + p.norms.aux2;
  if (!(sum > 0) || !Number.isFinite(sum)) return null;
  return { main: p.norms.main / sum, aux1: p.norms.aux1 / sum, aux2: p.norms.aux2 / sum };
}

/** Where the gradient of each layer comes from: the norm of each head's weighted-loss gradient, by depth, at the latest per-head step. */
export function HeadContributions({ run, detail, mode, width, height }: HeadContributionsProps) {
  const m = defaults.margin;
  const series = headSeries(run.run, latestPerHeadIndex(run.run), detail);
  const label = `Per-head gradient norms by depth, ${run.label}`;
  const every = run.run.header.training.perHeadEvery;
  const points = series?.points ?? [];
  const x = scaleBand(points.map((p) => p.key), [m.left, width - m.right]).paddingInner(defaults.groupPadding);
  const inner = scaleBand(HEAD_NAMES, [0, x.bandwidth()]).padding(defaults.barPadding);
  const bottom = height - m.bottom;
  const y = logScale(points.flatMap((p) => HEAD_NAMES.map((h) => p.norms[h])), [bottom, m.top]);
  const share = scaleLinear([0, 1], [bottom, m.top]);
  const labelled = points.filter((p, i) => detail === 'block' || p.block !== points[i - 1]?.block);
  const caption = !series ? `${label}: waiting for the first per-head step (measured ${everyNth(every)}).`
    : mode === 'grouped'
      ? `||d(w_h·CE_h)/dθ|| of each head h at per-head step ${series.step} (measured ${everyNth(every)}), log scale; ○ on the floor: exactly zero, ×: non-finite. The three head gradients add up as vectors; their norms do not.`
      : `Share of each head in the sum of the three per-head gradient norms at per-head step ${series.step}. Shares of norms are not shares of the gradient vector: the head gradients add as vectors and can cancel. ×: shares undefined (sum 0 or non-finite).`;
  const title = (p: HeadPoint, h: HeadName) => `${p.key}, ${h}: ${formatValue(p.norms[h])}`;

  return (
    <Figure label={label} caption={caption}>
      <Svg width={width} height={height} label={`Bar chart of ${label}`}>
        {!series ? <Waiting width={width} height={height} text="waiting for the first per-head step" /> : (
          <>
            {mode === 'grouped'
              ? <YAxis x={m.left} x2={width - m.right} ticks={y.ticks()} title="gradient norm" top={m.top} bottom={bottom} zeroAt={y.hasZero ? bottom : undefined} />
              : <YAxis x={m.left} x2={width - m.right} ticks={share.ticks(5).map((t) => ({ at: share(t), label: `${Math.round(t * 100)}%` }))} title="share of the norms" top={m.top} bottom={bottom} />}
            <XLabels ticks={labelled.map((p) => ({ at: (x(p.key) ?? 0) + x.bandwidth() / 2, label: p.label.split('/')[0] ?? p.label }))} y={bottom} rotateBelow={defaults.rotateBelow} />
            {points.map((p) => {
              const x0 = x(p.key) ?? 0;
              if (mode === 'stacked') {
                const shares = normShares(p);
                if (!shares) return <NonFiniteMark key={p.key} x={x0 + x.bandwidth() / 2} y={m.top} title={`${p.key}: shares undefined (${HEAD_NAMES.map((h) => `${h} ${formatValue(p.norms[h])}`).join(', ')})`} />;
                let acc = 0;
                return (
                  <g key={p.key}>
                    {HEAD_NAMES.map((h) => {
                      const y0 = share(acc);
                      acc += shares[h];
                      return <rect key={h} data-head={h} x={round(x0)} width={round(x.bandwidth())} y={round(share(acc))} height={round(y0 - share(acc))} fill={headColour(h)}><title>{`${title(p, h)} (${sig2(shares[h] * 100)}% of the norms)`}</title></rect>;
                    })}
                  </g>
                );
              }
              return (
                <g key={p.key} transform={`translate(${round(x0)},0)`}>
                  {HEAD_NAMES.map((h) => {
                    const at = y.place(p.norms[h]);
                    const cx = (inner(h) ?? 0) + inner.bandwidth() / 2;
                    if (at.mark === 'zero') return <ZeroMark key={h} x={cx} y={bottom} colour={headColour(h)} title={`${title(p, h)} (exactly zero)`} />;
                    if (at.mark === 'unplottable') return <NonFiniteMark key={h} x={cx} y={m.top} title={title(p, h)} />;
                    return <rect key={h} data-head={h} x={round(inner(h) ?? 0)} width={round(inner.bandwidth())} y={round(at.at)} height={round(bottom - at.at)} fill={headColour(h)}><title>{title(p, h)}</title></rect>;
                  })}
                </g>
              );
            })}
            <Legend x={m.left} y={12} width={width - m.left - m.right} items={HEAD_NAMES.map((h) => ({ label: h, colour: headColour(h), shape: 'square' as const }))} />
          </>
        )}
      </Svg>
    </Figure>
  );
}


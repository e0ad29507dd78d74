import type { BrowserResult } from './browser';
import type { BundleGzipKb } from './bundle';
import type { BackendResult } from './measure';
import type { PytorchOutcome } from './pytorch';
import { browserVerdicts, GPU_TARGET, verdictText, verdicts, type Verdict } from './targets';

/** The rows of the table, in order, with their units. */
const ROWS: readonly { field: keyof BackendResult; unit: string }[] = [
  { field: 'stepMs', unit: 'ms' },
  { field: 'forwardMs', unit: 'ms' },
  { field: 'instrumentedMs', unit: 'ms' },
  { field: 'perHeadMs', unit: 'ms' },
  { field: 'backwardForwardRatio', unit: '' },
  { field: 'instrumentedRatio', unit: '' },
  { field: 'perHeadRatio', unit: '' },
  { field: 'readbacksPerStep', unit: '' },
  { field: 'trainGflopPerStep', unit: 'GFLOP' },
  { field: 'trainGflops', unit: 'GFLOP/s' },
  { field: 'matmulMs', unit: 'ms' },
  { field: 'matmulGflops', unit: 'GFLOP/s' },
  { field: 'efficiency', unit: '' },
  { field: 'pytorchRatio', unit: '' },
];

function format(value: number | undefined): string {
  if (value === undefined) return '-';
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(3);
}

/** A plain-text table: one row per field, one column per backend, then every backend's targets and verdicts. */
export function table(results: Readonly<Record<string, BackendResult>>): string {
  const names = Object.keys(results);
  const judged = names.map((n) => [n, verdicts(n, results[n]!)] as const).filter(([, v]) => Object.keys(v).length > 0);
  const header = ['field', ...names, ...judged.flatMap(([n]) => [`${n} target`, `${n} verdict`])];
  const rows = ROWS.map(({ field, unit }) => [
    unit ? `${field} (${unit})` : field,
    ...names.map((n) => format(results[n]![field] as number | undefined)),
    ...judged.flatMap(([, v]) => {
      const verdict = v[field];
      return verdict ? [verdict.target, verdictText(verdict)] : ['', ''];
    }),
  ]);
  const widths = header.map((_, c) => Math.max(...[header, ...rows].map((r) => r[c]!.length)));
  const line = (cells: readonly string[]): string => cells.map((cell, c) => (c === 0 || c > names.length ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** One line on the yardstick: what PyTorch eager measured, or why it was not run. */
export function pytorchLine(pytorch: PytorchOutcome | null): string {
  if (pytorch === null) return 'pytorch: not run (--no-pytorch)';
  if (!pytorch.ok) return `pytorch: not measured: ${pytorch.reason}`;
  const r = pytorch.result;
  return `pytorch: ${r.torch} eager on ${r.device} (${r.deviceName}), the same network (${r.params.toLocaleString('en-US')} parameters) and step: step ${format(r.stepMs)} ms, forward ${format(r.forwardMs)} ms; pytorchRatio = a backend's stepMs / this step, on the same kind of device`;
}

/** One line on the GPU target: the GPU measured and the verdict, or why it is not measured. */
export function gpuLine(gpu: { readonly backend: string; readonly adapter: string } | null, verdict: Verdict): string {
  const what = `GPU target (${gpu ? `${gpu.backend} on ${gpu.adapter}` : 'a GPU backend'}: pytorchRatio ${GPU_TARGET.op} ${GPU_TARGET.value}, PyTorch eager on the same GPU)`;
  return `${what}: ${verdictText(verdict)}`;
}

/** The browser rows, with their units. */
const BROWSER_ROWS: readonly { field: keyof BrowserResult; unit: string }[] = [
  { field: 'longestTaskMs', unit: 'ms' },
  { field: 'loadLongestTaskMs', unit: 'ms' },
  { field: 'firstFrameMs', unit: 'ms' },
  { field: 'firstFrameMsSlowNetwork', unit: 'ms' },
  { field: 'framesDropped', unit: '' },
  { field: 'frames', unit: '' },
  { field: 'framesLate', unit: '' },
  { field: 'longestFrameMs', unit: 'ms' },
  { field: 'longTasks', unit: '' },
  { field: 'framesDroppedLongHistory', unit: '' },
  { field: 'longestTaskLongHistoryMs', unit: 'ms' },
  { field: 'framesDroppedControl', unit: '' },
];

/** A plain-text table of the browser part and the bundle size, with the browser targets and verdicts. */
export function browserTable(result: BrowserResult, bundle: BundleGzipKb): string {
  const judged = browserVerdicts(result);
  const rows = [
    ...BROWSER_ROWS.map(({ field, unit }) => {
      const verdict = judged[field];
      return [unit ? `${field} (${unit})` : field, format(result[field] as number), verdict?.target ?? '', verdict ? verdictText(verdict) : ''];
    }),
    ['bundleGzipKb all JS (KiB)', bundle.allJs.toFixed(1), '', ''],
    ['bundleGzipKb worker (KiB)', bundle.worker.toFixed(1), '', ''],
  ];
  const header = ['field', 'browser', 'target', 'verdict'];
  const widths = header.map((_, c) => Math.max(...[header, ...rows].map((r) => r[c]!.length)));
  const line = (cells: readonly string[]): string => cells.map((cell, c) => (c === 1 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

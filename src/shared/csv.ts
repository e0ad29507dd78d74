/**
 * A run as CSV for spreadsheets and scripts (RFC 4180, CRLF line ends): per-layer gradient
 * metrics, one row per step and layer, and losses, one row per step. Labels and layer names
 * come from files: they are data, quoted as needed and guarded against formula injection.
 */
import { HEADS, LAYER_METRICS } from '../train/frame';
import { float32Text } from './float32Text';
import type { Run } from './runFile';

const CRLF = '\r\n';

/** The columns of runToCsv. */
export const LAYER_CSV_COLUMNS: readonly string[] = [
  'model', 'step', 'layer', 'kind', ...LAYER_METRICS, ...HEADS.map((h) => `gradNorm_${h}`),
];
/** The columns of runLossesToCsv. */
export const LOSS_CSV_COLUMNS: readonly string[] = [
  'model', 'step', ...HEADS.map((h) => `loss_${h}`), 'loss_total', ...HEADS.map((h) => `acc_${h}`), ...HEADS.map((h) => `eval_${h}`),
];

/** A numeric literal, or what numberCell writes for non-finite numbers: never a formula. */
const NUMERIC = /^([+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?|[+-]?Infinity|NaN)$/i;

/** A text field: a leading apostrophe if a spreadsheet would read it as a formula, then RFC 4180 quotes if needed. */
export function csvField(text: string): string {
  const guarded = /^[=+\-@\t\r]/.test(text) && !NUMERIC.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

/** A number field: shortest float32 text for float32 values, NaN/Infinity/-Infinity as words, empty when missing. */
export function numberField(x: number | undefined | null): string {
  if (typeof x !== 'number') return '';
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity || x === -Infinity) return String(x);
  // Doubles that are not float32 values (built in code rather than trained) keep every digit.
  return Math.fround(x) === x ? float32Text(x) : String(x);
}

const line = (fields: readonly string[]): string => fields.join(',') + CRLF;

/** Per-layer gradient metrics: one row per step and layer; per-head columns empty on steps without per-head numbers. */
export function runToCsv(run: Run, label: string): string {
  const model = csvField(label);
  const layers = run.header.layers.map((l) => [csvField(l.name), csvField(l.kind)] as const);
  const rows = [line(LAYER_CSV_COLUMNS)];
  for (const step of run.steps) {
    const at = numberField(step.step);
    const perHead = step.perHead?.gradNorm;
    layers.forEach(([name, kind], l) => {
      rows.push(line([
        model, at, name, kind,
        ...LAYER_METRICS.map((m) => numberField(step.layers[m][l])),
        ...HEADS.map((h) => numberField(perHead?.[h][l])),
      ]));
    });
  }
  return rows.join('');
}

/** Losses and accuracies: one row per step; eval columns empty on steps without a held-out evaluation. */
export function runLossesToCsv(run: Run, label: string): string {
  const model = csvField(label);
  const rows = [line(LOSS_CSV_COLUMNS)];
  for (const step of run.steps) {
    rows.push(line([
      model, numberField(step.step),
      ...HEADS.map((h) => numberField(step.loss[h])), numberField(step.loss.total),
      ...HEADS.map((h) => numberField(step.accuracy[h])),
      ...HEADS.map((h) => numberField(step.evalAccuracy?.[h])),
    ]));
  }
  return rows.join('');
}

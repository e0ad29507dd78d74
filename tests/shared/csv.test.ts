import { describe, expect, it } from 'vitest';
import { csvField, LAYER_CSV_COLUMNS, LOSS_CSV_COLUMNS, numberField, runLossesToCsv, runToCsv } from '../../src/shared/csv';
import type { Run, RunHeader, RunStep } from '../../src/shared/runFile';
import { tinyHeader } from '../helpers/runs';

const HEADER: RunHeader = tinyHeader({
  layers: [
    { name: 'conv1/3x3', kind: 'stem', head: 'main', params: 80 },
    { name: '=cmd|"/c calc"!A1', kind: 'aux', head: 'aux1', params: 1290 },
    { name: 'loss3/classifier, final', kind: 'classifier', head: 'main', params: 1290 },
  ],
});

/** A step whose layer metrics are `base + layer/10 + metric/100` (in float32), with the given optional parts. */
function step(n: number, base: number, parts: { perHead?: boolean; evaluated?: boolean } = {}): RunStep {
  const column = (m: number): number[] => [0, 1, 2].map((l) => Math.fround(base + l / 10 + m / 100));
  const heads = { main: [1, 2, 3], aux1: [NaN, Infinity, -Infinity], aux2: [0.5, -0, 7] };
  return {
    step: n,
    loss: { main: Math.fround(2.3), aux1: NaN, aux2: Infinity, total: -Infinity },
    accuracy: { main: 0.125, aux1: 0.25, aux2: 0.5 },
    layers: {
      gradNorm: column(0), gradRms: column(1), gradMeanAbs: column(2), gradMaxAbs: column(3), weightNorm: column(4), updateRatio: column(5),
    },
    actGradRms: [1],
    ...(parts.perHead && { perHead: { gradNorm: heads, actGradRms: { main: [1], aux1: [1], aux2: [1] } } }),
    ...(parts.evaluated && { evalAccuracy: { main: 0.75, aux1: 0.5, aux2: 1 } }),
  };
}

const RUN: Run = { header: HEADER, steps: [step(2, 1, { perHead: true, evaluated: true }), step(3, 2)], events: [] };

/** RFC 4180 rows (CRLF line ends, quoted fields with doubled quotes); checks the text is well formed. */
function parseCsv(text: string): string[][] {
  expect(text.endsWith('\r\n')).toBe(true);
  const rows: string[][] = [];
  let row: string[] = [];
  const field = /("((?:[^"]|"")*)"|[^",\r\n]*)(,|\r\n)/y;
  while (field.lastIndex < text.length) {
    const match = field.exec(text);
    if (!match) throw new Error(`malformed CSV at ${field.lastIndex}`);
    row.push(match[2] !== undefined ? match[2].replace(/""/g, '"') : match[1]!);
    if (match[3] === '\r\n') {
      rows.push(row);
      row = [];
    }
  }
  return rows;
}

describe('runToCsv', () => {
  const rows = parseCsv(runToCsv(RUN, 'A: aux on'));

  it('writes the header and one row per step and layer', () => {
    expect(LAYER_CSV_COLUMNS.join(',')).toBe(
      'model,step,layer,kind,gradNorm,gradRms,gradMeanAbs,gradMaxAbs,weightNorm,updateRatio,gradNorm_main,gradNorm_aux1,gradNorm_aux2');
    expect(rows[0]).toEqual(LAYER_CSV_COLUMNS);
    expect(rows).toHaveLength(1 + 2 * 3);
    for (const row of rows) expect(row).toHaveLength(LAYER_CSV_COLUMNS.length);
  });

  it('writes float32 values shortest, non-finite numbers as words, and missing per-head numbers as empty', () => {
    expect(rows[1]).toEqual(['A: aux on', '2', 'conv1/3x3', 'stem', '1', '1.01', '1.02', '1.03', '1.04', '1.05', '1', 'NaN', '0.5']);
    expect(rows[2]!.slice(10)).toEqual(['2', 'Infinity', '-0']);
    expect(rows[3]!.slice(10)).toEqual(['3', '-Infinity', '7']);
    expect(rows[4]).toEqual(['A: aux on', '3', 'conv1/3x3', 'stem', '2', '2.01', '2.02', '2.03', '2.04', '2.05', '', '', '']);
  });

  it('quotes names with commas and quotes, and guards names that a spreadsheet would run as formulas', () => {
    expect(rows[2]!.slice(2, 4)).toEqual(['\'=cmd|"/c calc"!A1', 'aux']);
    expect(rows[3]![2]).toBe('loss3/classifier, final');
    expect(runToCsv(RUN, 'x').split('\r\n')[2]).toBe('x,2,"\'=cmd|""/c calc""!A1",aux,1.1,1.11,1.12,1.13,1.14,1.15,2,Infinity,-0');
  });

  it('gives only the header for a run without steps', () => {
    expect(runToCsv({ ...RUN, steps: [] }, 'A')).toBe(`${LAYER_CSV_COLUMNS.join(',')}\r\n`);
  });
});

describe('runLossesToCsv', () => {
  it('writes one row per step, eval columns empty on steps without an evaluation', () => {
    const rows = parseCsv(runLossesToCsv(RUN, 'B, "no aux"\nsecond line'));
    expect(LOSS_CSV_COLUMNS.join(',')).toBe(
      'model,step,loss_main,loss_aux1,loss_aux2,loss_total,acc_main,acc_aux1,acc_aux2,eval_main,eval_aux1,eval_aux2');
    expect(rows).toEqual([
      LOSS_CSV_COLUMNS,
      ['B, "no aux"\nsecond line', '2', '2.3', 'NaN', 'Infinity', '-Infinity', '0.125', '0.25', '0.5', '0.75', '0.5', '1'],
      ['B, "no aux"\nsecond line', '3', '2.3', 'NaN', 'Infinity', '-Infinity', '0.125', '0.25', '0.5', '', '', ''],
    ]);
  });
});

describe('csvField', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['=1+1', '\'=1+1'],
    ['=HYPERLINK("http://x")', '"\'=HYPERLINK(""http://x"")"'],
    ['+cmd', '\'+cmd'],
    ['-2+3', '\'-2+3'],
    ['@SUM(A1)', '\'@SUM(A1)'],
    ['\t=1', '\'\t=1'],
    ['\r=1', '"\'\r=1"'],
    ['-1.5', '-1.5'],
    ['+2e-3', '+2e-3'],
    ['-Infinity', '-Infinity'],
    ['a=b', 'a=b'],
  ])('%j -> %j', (text, field) => {
    expect(csvField(text)).toBe(field);
  });
});

describe('numberField', () => {
  it('writes float32 values shortest and other doubles in full', () => {
    expect([Math.fround(0.1), 0.1, 1e-45, 3.4028234663852886e38, 1e39, 123, -0].map(numberField))
      .toEqual(['0.1', '0.1', '1e-45', '3.4028235e+38', '1e+39', '123', '-0']);
    expect([NaN, Infinity, -Infinity, undefined, null].map(numberField)).toEqual(['NaN', 'Infinity', '-Infinity', '', '']);
  });
});

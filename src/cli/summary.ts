import { describe } from '../model/architecture';
import type { Flags } from './args';
import { configOf, datasetOf, presetOf } from './args';

/** `summary`: every weighted layer and block of the configured network, as JSON or a table. */
export function summary(flags: Flags): string {
  const preset = presetOf(flags);
  const arch = describe(configOf(flags, preset, flags.dataset === undefined ? null : datasetOf(flags)));
  const result = {
    preset,
    config: arch.config,
    layers: arch.layers.map((l) => ({ name: l.name, kind: l.kind, params: l.params, outputShape: l.outputShape })),
    blocks: arch.blocks.map((b) => ({ name: b.name, outputShape: b.outputShape })),
    totalParams: arch.totalParams,
  };
  if (flags.json) return JSON.stringify(result, null, 2);
  const rows = result.layers.map((l) => [l.name, l.kind, l.params.toLocaleString('en-US'), l.outputShape.join('x')]);
  const header = ['layer', 'kind', 'params', 'output'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const c = arch.config;
  return [
    `GoogLeNet, preset ${preset}: ${c.stem} stem, ${c.inputSize}x${c.inputSize}x${c.channels} input, ${c.classes} classes, width ${c.width}, ${c.activation}${c.batchNorm ? ' + batch norm' : ''}; aux1 ${c.aux1.mode}, aux2 ${c.aux2.mode}`,
    '',
    line(header),
    ...rows.map(line),
    '',
    `blocks: ${result.blocks.map((b) => `${b.name} ${b.outputShape.join('x')}`).join(', ')}`,
    `total parameters: ${arch.totalParams.toLocaleString('en-US')}`,
  ].join('\n');
}

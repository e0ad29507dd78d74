import type { Run } from '../shared/runFile';
import { HEADS, type Head } from '../train/frame';

/** One run as the charts receive it: a stable id, a label for legends, and whose run it is. */
export interface ChartRun {
  readonly id: string;
  readonly label: string;
  /** 'A' and 'B' are the paired models trained here; 'file' a run loaded from a run file. */
  readonly model: 'A' | 'B' | 'file';
  readonly run: Run;
}

/** The grain of a depth chart: one point per block (exact aggregates), or one per trunk layer. */
export type Detail = 'block' | 'layer';

/** Layer kinds of the model contract. */
export type LayerKind = Run['header']['layers'][number]['kind'];

/** The three heads, in the order of the metrics contract. */
export const HEAD_NAMES = HEADS;
export type HeadName = Head;

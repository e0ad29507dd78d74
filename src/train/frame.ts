/**
 * One training step's numbers as they leave the engine: views onto a single Float32Array,
 * so that a worker can post a step as one transfer. Definitions follow the metrics
 * contract; every gradient below is of the training loss
 *   loss = CE(main) + w1 * CE(aux1) + w2 * CE(aux2)
 * on this step's batch, before the update.
 */

export const HEADS = ['main', 'aux1', 'aux2'] as const;
export type Head = (typeof HEADS)[number];

/** Per-layer fields, in the order they are stored in `layers`. */
export const LAYER_METRICS = ['gradNorm', 'gradRms', 'gradMeanAbs', 'gradMaxAbs', 'weightNorm', 'updateRatio'] as const;
export type LayerMetric = (typeof LAYER_METRICS)[number];

/** Sizes a frame's views depend on. */
export interface FrameShape {
  readonly layers: number;
  readonly blocks: number;
}

export interface StepFrame {
  /** 1 for the first step of a run. */
  readonly step: number;
  /** The one buffer every view below shares. */
  readonly data: Float32Array;
  /** [main, aux1, aux2, total]: each head's softmax cross-entropy (mean over the batch, before weighting), and the weighted sum. NaN for a head that is off. */
  readonly loss: Float32Array;
  /** [main, aux1, aux2]: fraction of the batch each head classifies right. NaN for a head that is off. */
  readonly accuracy: Float32Array;
  /**
   * [layer][metric], row-major, metrics in LAYER_METRICS order, for theta_L = all trainable
   * parameters of layer L:
   * gradNorm = ||d loss / d theta_L||_2; gradRms = gradNorm / sqrt(|theta_L|);
   * gradMeanAbs = mean |d loss / d theta_L|; gradMaxAbs = max |d loss / d theta_L|;
   * weightNorm = ||theta_L||_2 after the step; updateRatio = ||step's change of theta_L||_2 / weightNorm.
   */
  readonly layers: Float32Array;
  /** [block]: RMS over batch and elements of d loss / d (output of the block). */
  readonly actGradRms: Float32Array;
  /**
   * On per-head steps (every k-th), else null. [head][layer]: ||d (w_h * CE_h) / d theta_L||_2,
   * then [head][block]: RMS of d (w_h * CE_h) / d (output of the block). w_main = 1.
   */
  readonly perHead: { readonly gradNorm: Float32Array; readonly actGradRms: Float32Array } | null;
  /** Held-out accuracy of [main, aux1, aux2] on evaluation steps (every N), else null. */
  readonly evalAccuracy: Float32Array | null;
  /** Set when a loss or gradient went non-finite: what went first, in depth order. The update was not applied. */
  readonly diverged: { readonly where: string } | null;
}

/** How many floats a frame holds, given which optional parts it carries. */
export function frameLength(shape: FrameShape, perHead: boolean, evaluated: boolean): number {
  return 4 + 3 + shape.layers * LAYER_METRICS.length + shape.blocks
    + (perHead ? 3 * (shape.layers + shape.blocks) : 0) + (evaluated ? 3 : 0);
}

/** Lays a frame's views over `data` (which must have frameLength floats). */
export function frameFromData(
  step: number,
  data: Float32Array,
  shape: FrameShape,
  parts: { perHead: boolean; evaluated: boolean; diverged: { where: string } | null },
): StepFrame {
  const expected = frameLength(shape, parts.perHead, parts.evaluated);
  if (data.length !== expected) throw new Error(`a step frame needs ${expected} numbers, got ${data.length}`);
  let offset = 0;
  const take = (n: number): Float32Array => {
    const view = data.subarray(offset, offset + n);
    offset += n;
    return view;
  };
  const loss = take(4);
  const accuracy = take(3);
  const layers = take(shape.layers * LAYER_METRICS.length);
  const actGradRms = take(shape.blocks);
  const perHead = parts.perHead ? { gradNorm: take(3 * shape.layers), actGradRms: take(3 * shape.blocks) } : null;
  const evalAccuracy = parts.evaluated ? take(3) : null;
  return { step, data, loss, accuracy, layers, actGradRms, perHead, evalAccuracy, diverged: parts.diverged };
}

/** The value of one layer metric in a frame. */
export function layerMetric(frame: StepFrame, layerIndex: number, metric: LayerMetric): number {
  return frame.layers[layerIndex * LAYER_METRICS.length + LAYER_METRICS.indexOf(metric)]!;
}

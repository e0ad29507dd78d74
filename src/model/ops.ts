/**
 * The vocabulary the network is written in. GoogLeNet is defined once, as a function over
 * these operations (googlenet.ts); one implementation computes shapes and parameter
 * counts (shapes.ts), another runs tensors (forward.ts). So the summary, the parameter
 * store and the forward pass can never disagree about the network.
 */

export type LayerKind = 'stem' | 'inception' | 'aux' | 'classifier';
export type HeadName = 'main' | 'aux1' | 'aux2';
export type Padding = 'same' | 'valid';

export interface ConvSpec {
  readonly name: string;
  readonly kind: LayerKind;
  /** The head the layer belongs to; trunk layers belong to `main`. */
  readonly head: HeadName;
  readonly size: number;
  readonly filters: number;
  readonly stride: number;
  readonly padding: Padding;
  /**
   * The output goes into the block's concatenation (NetOps.concat) and nowhere else: the
   * tensors' implementation may leave the activation to that concatenation, which then
   * applies it on the way (src/model/forward.ts). The same values either way.
   */
  readonly concatenated?: boolean;
}

export interface DenseSpec {
  readonly name: string;
  readonly kind: LayerKind;
  readonly head: HeadName;
  readonly units: number;
  /** true for lossN/fc (followed by the activation), false for classifiers (logits). */
  readonly activate: boolean;
}

/** Operations on a value T that stands for an NHWC activation (or a [batch, n] matrix). */
export interface NetOps<T> {
  /** Convolution, then (batch norm and) the activation. */
  conv(x: T, spec: ConvSpec): T;
  /** Dense layer, with the activation when spec.activate. */
  dense(x: T, spec: DenseSpec): T;
  maxPool(x: T, size: number, stride: number, padding: Padding): T;
  avgPool(x: T, size: number, stride: number, padding: Padding): T;
  /** Mean over height and width: [b, h, w, c] -> [b, c]. */
  globalAvgPool(x: T): T;
  /** [b, h, w, c] -> [b, h * w * c] in NHWC order. */
  flatten(x: T): T;
  /** Concatenation on the channel axis (applying the activation a `concatenated` convolution left to it). */
  concat(xs: readonly T[]): T;
  /** Dropout with this rate in training; identity otherwise. */
  dropout(x: T, rate: number, head: HeadName): T;
  /** Marks the output of a block (conv1, conv2, inception_3a ... inception_5b). */
  blockOutput(x: T, block: string): T;
  /** Where a head in `probe` mode attaches: the value passes, its gradient stops. */
  stopGradient(x: T): T;
}

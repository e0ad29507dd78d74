import type { ModelConfig } from './config';
import { googlenet, type BlockName } from './googlenet';
import type { ConvSpec, DenseSpec, HeadName, LayerKind, NetOps, Padding } from './ops';

/** Shape of one sample, NHWC without the batch axis: [h, w, c] or [n]. */
export type Shape = readonly number[];

/** One weighted layer of the network, as the summary and the parameter store see it. */
export interface LayerInfo {
  readonly name: string;
  readonly kind: LayerKind;
  /** The head this layer belongs to: trunk layers belong to `main`. */
  readonly head: HeadName;
  readonly op: 'conv' | 'dense';
  /** conv [kh, kw, in, out]; dense [in, out] (tfjs layouts). */
  readonly kernelShape: readonly number[];
  /** true when followed by batch norm (then there is no bias, but gamma and beta). */
  readonly batchNorm: boolean;
  /** Trainable parameters: kernel + bias, or kernel + gamma + beta. */
  readonly params: number;
  readonly outputShape: Shape;
}

export interface BlockInfo {
  readonly name: BlockName;
  readonly outputShape: Shape;
}

/** The static description of a configured GoogLeNet: its layers and blocks in order. */
export interface Architecture {
  readonly config: ModelConfig;
  readonly layers: readonly LayerInfo[];
  readonly blocks: readonly BlockInfo[];
  readonly totalParams: number;
}

function pooledSize(size: number, window: number, stride: number, padding: Padding): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - window) / stride) + 1;
}

/** Walks the network definition on shapes, recording every weighted layer and block. */
export function describe(config: ModelConfig): Architecture {
  const layers: LayerInfo[] = [];
  const blocks: BlockInfo[] = [];
  const ops: NetOps<Shape> = {
    conv(x, spec: ConvSpec) {
      const [h, w, c] = x as [number, number, number];
      const out: Shape = [pooledSize(h, spec.size, spec.stride, spec.padding), pooledSize(w, spec.size, spec.stride, spec.padding), spec.filters];
      const kernel = spec.size * spec.size * c * spec.filters;
      layers.push({
        name: spec.name, kind: spec.kind, head: spec.head, op: 'conv',
        kernelShape: [spec.size, spec.size, c, spec.filters], batchNorm: config.batchNorm,
        params: kernel + (config.batchNorm ? 2 : 1) * spec.filters, outputShape: out,
      });
      return out;
    },
    dense(x, spec: DenseSpec) {
      const n = x[0]!;
      layers.push({
        name: spec.name, kind: spec.kind, head: spec.head, op: 'dense',
        kernelShape: [n, spec.units], batchNorm: false, params: n * spec.units + spec.units, outputShape: [spec.units],
      });
      return [spec.units];
    },
    maxPool: (x, size, stride, padding) => [pooledSize(x[0]!, size, stride, padding), pooledSize(x[1]!, size, stride, padding), x[2]!],
    avgPool: (x, size, stride, padding) => [pooledSize(x[0]!, size, stride, padding), pooledSize(x[1]!, size, stride, padding), x[2]!],
    globalAvgPool: (x) => [x[2]!],
    flatten: (x) => [x.reduce((a, b) => a * b, 1)],
    concat: (xs) => [xs[0]![0]!, xs[0]![1]!, xs.reduce((sum, x) => sum + x[2]!, 0)],
    dropout: (x) => x,
    blockOutput(x, block) {
      blocks.push({ name: block as BlockName, outputShape: x });
      return x;
    },
    stopGradient: (x) => x,
  };
  googlenet(ops, [config.inputSize, config.inputSize, config.channels], config);
  return { config, layers, blocks, totalParams: layers.reduce((sum, l) => sum + l.params, 0) };
}

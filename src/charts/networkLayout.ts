/** Where each part of GoogLeNet goes in the network diagram: pure geometry, left to right. */
import { AUX_ATTACHMENT } from '../model/googlenet';

export type NodeShape = 'io' | 'pool' | 'weighted' | 'aux';

export interface DiagramNode {
  readonly id: string;
  readonly label: string;
  /** A shorter label for narrow diagrams. */
  readonly short: string;
  readonly shape: NodeShape;
  /** The depth key whose value fills the node ('conv1', 'inception_4a', 'classifier', 'aux1'), if it has weights. */
  readonly fillKey?: string;
  /** The head the node belongs to. */
  readonly head: 'main' | 'aux1' | 'aux2';
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface Diagram {
  readonly nodes: readonly DiagramNode[];
  /** Pairs of node ids, drawn as connectors. */
  readonly edges: readonly (readonly [string, string])[];
  /** Horizontal room per main-row node, px. */
  readonly slot: number;
}

const SHORT: Readonly<Record<string, string>> = { input: 'in', conv1: 'c1', conv2: 'c2', 'avg pool': 'avg', softmax0: 'sm0', softmax1: 'sm1', softmax2: 'sm2' };
const shortOf = (label: string): string => SHORT[label] ?? label;

const MAIN: readonly (readonly [string, string, NodeShape])[] = [
  ['input', 'input', 'io'], ['conv1', 'conv1', 'weighted'], ['conv2', 'conv2', 'weighted'],
  ['inception_3a', '3a', 'weighted'], ['inception_3b', '3b', 'weighted'], ['pool3', 'pool', 'pool'],
  ['inception_4a', '4a', 'weighted'], ['inception_4b', '4b', 'weighted'], ['inception_4c', '4c', 'weighted'],
  ['inception_4d', '4d', 'weighted'], ['inception_4e', '4e', 'weighted'], ['pool4', 'pool', 'pool'],
  ['inception_5a', '5a', 'weighted'], ['inception_5b', '5b', 'weighted'], ['avgpool', 'avg pool', 'pool'],
  ['classifier', 'cls', 'weighted'], ['softmax0', 'softmax0', 'io'],
];

/** The aux heads: where they attach and what they are called. */
export const AUX_BRANCHES = [
  { head: 'aux1', attach: AUX_ATTACHMENT.aux1, softmax: 'softmax1', name: 'Auxiliary classifier 1 (on inception 4a)' },
  { head: 'aux2', attach: AUX_ATTACHMENT.aux2, softmax: 'softmax2', name: 'Auxiliary classifier 2 (on inception 4d)' },
] as const;

/** The diagram in a box of width x height, leaving `top` pixels for the legend. */
export function networkLayout(width: number, height: number, top: number): Diagram {
  const pad = 8;
  const slot = (width - 2 * pad) / MAIN.length;
  const mainY = top + 22;
  const softY = height - 22;
  const auxY = (mainY + softY) / 2;
  const size = (shape: NodeShape) => {
    const w = Math.max(8, Math.min(slot - 6, 54));
    return shape === 'weighted' ? { w, h: 30 } : shape === 'pool' ? { w: 8, h: 30 } : { w: 10, h: 10 };
  };
  const nodes: DiagramNode[] = MAIN.map(([id, label, shape], i) => ({
    id, label, short: shortOf(label), shape, head: 'main', x: pad + (i + 0.5) * slot, y: mainY, ...size(shape),
    ...(shape === 'weighted' ? { fillKey: id } : {}),
  }));
  const edges: [string, string][] = MAIN.slice(1).map(([id], i) => [MAIN[i]![0], id]);
  for (const b of AUX_BRANCHES) {
    const at = nodes.find((n) => n.id === b.attach)!;
    const name = b.head === 'aux1' ? 'loss1' : 'loss2';
    nodes.push({ id: b.head, label: name, short: name, shape: 'aux', fillKey: b.head, head: b.head, x: at.x, y: auxY, w: Math.min(2 * slot, 80), h: 30 });
    nodes.push({ id: b.softmax, label: b.softmax, short: shortOf(b.softmax), shape: 'io', head: b.head, x: at.x, y: softY, ...size('io') });
    edges.push([b.attach, b.head], [b.head, b.softmax]);
  }
  return { nodes, edges, slot };
}

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rewriteTapeWalks, TAPE_WALK_REWRITES, tapeWalkFile, tfjsTapeWalks } from '../../scripts/tfjsTapeWalks';
import { Rng } from '../../src/train/rng';

/** tfjs-core's ES modules, as installed: what the build and the development server load. */
const DIST = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-core/package.json')), 'dist');
const source = (file: string): string => readFileSync(join(DIST, file), 'utf8');

/** The text of a top-level function of `code`, from `function name(` to its closing brace at column 0. */
function functionText(code: string, name: string): string {
  const start = code.search(new RegExp(`^(export )?function ${name}\\(`, 'm'));
  const end = code.indexOf('\n}\n', start);
  if (start < 0 || end < 0) throw new Error(`no function ${name}`);
  return code.slice(start, end + 2).replace(/^export /, '');
}

interface FakeTensor { readonly id: number }
interface FakeNode { readonly id: number; readonly kernelName: string; readonly inputs: Record<string, FakeTensor>; readonly outputs: FakeTensor[] }
type Filter = (tape: FakeNode[], xs: FakeTensor[], y: FakeTensor) => FakeNode[];

const filterFrom = (code: string): Filter => new Function(`${functionText(code, 'getFilteredNodesXToY')}\nreturn getFilteredNodesXToY;`)() as Filter;

/** Kernel input names as tfjs spells them; each node takes one to three, in its own order, as kernels do. */
const INPUT_NAMES = ['x', 'a', 'b', 'filter', 'bias', 'dy', 'input', 'indices', 'preluActivationWeights'];

/** A random tape: nodes whose inputs are earlier outputs or sources, in objects of many shapes. */
function randomTape(rng: Rng, nodes: number): { tape: FakeNode[]; sources: FakeTensor[]; outputs: FakeTensor[] } {
  let nextId = 0;
  const sources = Array.from({ length: 6 }, () => ({ id: nextId++ }));
  const pool: FakeTensor[] = [...sources];
  const outputs: FakeTensor[] = [];
  const tape: FakeNode[] = [];
  for (let n = 0; n < nodes; n++) {
    const names = [...rng.permutation(INPUT_NAMES.length)].slice(0, 1 + rng.int(3)).map((i) => INPUT_NAMES[i]!);
    const inputs: Record<string, FakeTensor> = {};
    for (const name of names) inputs[name] = pool[rng.int(pool.length)]!;
    const outs = Array.from({ length: 1 + rng.int(2) }, () => ({ id: nextId++ }));
    tape.push({ id: n, kernelName: `K${n % 7}`, inputs, outputs: outs });
    pool.push(...outs);
    outputs.push(...outs);
  }
  return { tape, sources, outputs };
}

describe("tfjs-core's tape walks, rewritten for the build", () => {
  it('finds every loop it rewrites in the installed tfjs-core, and leaves no for-in in those walks', () => {
    for (const file of Object.keys(TAPE_WALK_REWRITES)) {
      const rewritten = rewriteTapeWalks(file, source(file));
      for (const { from, to, count } of TAPE_WALK_REWRITES[file]!) {
        expect(rewritten).not.toContain(from);
        expect(rewritten.split(to).length - 1).toBe(count);
      }
    }
    const tape = rewriteTapeWalks('tape.js', source('tape.js'));
    const walks = [functionText(tape, 'getFilteredNodesXToY'), functionText(tape, 'backpropagateGradients'),
      functionText(rewriteTapeWalks('tensor_util.js', source('tensor_util.js')), 'walkTensorContainer')];
    for (const walk of walks) expect(walk).not.toMatch(/for \(const \w+ in /);
  });

  it('filters random tapes exactly as the original does', () => {
    const original = filterFrom(source('tape.js'));
    const rewritten = filterFrom(rewriteTapeWalks('tape.js', source('tape.js')));
    const rng = new Rng(20261206);
    let kept = 0;
    for (let trial = 0; trial < 200; trial++) {
      const { tape, sources, outputs } = randomTape(rng, 5 + rng.int(60));
      const xs = sources.filter(() => rng.next() < 0.5);
      const y = outputs[rng.int(outputs.length)]!;
      const expected = original(tape, xs, y);
      const got = rewritten(tape, xs, y);
      // The same nodes in the same order, each with the same pruned inputs (same keys, same order, same tensors).
      expect(got.map((n) => n.id)).toEqual(expected.map((n) => n.id));
      got.forEach((node, i) => {
        expect(Object.entries(node.inputs)).toEqual(Object.entries(expected[i]!.inputs));
        expect(node.outputs).toBe(expected[i]!.outputs);
      });
      kept += got.length;
    }
    // The trials reached real paths from xs to y, not only empty tapes.
    expect(kept).toBeGreaterThan(500);
  });

  it('finds the tensors of a nested container exactly as the original does', () => {
    class Tensor { constructor(readonly id: number) {} }
    const walkFrom = (code: string) => new Function('Tensor',
      `${functionText(code, 'walkTensorContainer')}\n${functionText(code, 'isIterable')}\nreturn walkTensorContainer;`,
    )(Tensor) as (container: unknown, list: Tensor[], seen: Set<unknown>) => void;
    const original = walkFrom(source('tensor_util.js'));
    const rewritten = walkFrom(rewriteTapeWalks('tensor_util.js', source('tensor_util.js')));
    const shared = new Tensor(3);
    const container = [
      new Tensor(0),
      { loss: new Tensor(1), heads: [new Tensor(2), shared, null, 7, 'text'], norms: { a: shared, b: [new Tensor(4)] } },
      new Float32Array([1, 2]),
      [[[new Tensor(5)]]],
      shared,
    ];
    const walk = (fn: typeof original): number[] => {
      const list: Tensor[] = [];
      fn(container, list, new Set());
      return list.map((t) => t.id);
    };
    expect(walk(rewritten)).toEqual(walk(original));
    expect(walk(rewritten)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('stops the build with a clear message when tfjs-core no longer holds a loop as expected', () => {
    const changed = source('tape.js').replace('for (const inputName in node.inputs) {', 'for (const name in node.inputs) {');
    expect(() => rewriteTapeWalks('tape.js', changed)).toThrow(
      /expected 2 × "for \(const inputName in node.inputs\) \{" in @tensorflow\/tfjs-core\/dist\/tape.js, found 1/,
    );
    expect(() => rewriteTapeWalks('engine.js', '')).toThrow(/no rewrite is known for engine.js/);
  });

  it("rewrites tfjs-core's two modules wherever they are loaded from, and nothing else", () => {
    expect(tapeWalkFile('/app/node_modules/@tensorflow/tfjs-core/dist/tape.js')).toBe('tape.js');
    expect(tapeWalkFile('/app/node_modules/@tensorflow/tfjs-core/dist/tensor_util.js?v=1a2b')).toBe('tensor_util.js');
    expect(tapeWalkFile('C:\\app\\node_modules\\@tensorflow\\tfjs-core\\dist\\tape.js')).toBe('tape.js');
    expect(tapeWalkFile('/app/node_modules/@tensorflow/tfjs-core/dist/engine.js')).toBeNull();
    expect(tapeWalkFile('/app/node_modules/@tensorflow/tfjs-core/dist/tape_test.js')).toBeNull();
    expect(tapeWalkFile('/app/src/train/tape.js')).toBeNull();
    const plugin = tfjsTapeWalks();
    const transform = plugin.transform as (code: string, id: string) => { code: string } | null;
    expect(transform('const a = 1;', '/app/src/main.ts')).toBeNull();
    expect(transform(source('tape.js'), join(DIST, 'tape.js'))?.code).toContain('Object.keys(node.inputs)');
  });
});

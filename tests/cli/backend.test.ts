import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRun } from '../../src/shared/parseRun';
import { cli } from '../helpers/cli';

/**
 * --backend webgpu and auto: on a machine with a GPU driver Dawn can use they train on
 * webgpu and say nothing; anywhere else they train on wasm and say why in exactly one
 * line. These tests hold on both kinds of machine.
 */

const scratch = mkdtempSync(join(tmpdir(), 'gradflow-backend-'));


/** What the command line prints on stderr in any run: progress, the gradient report, the file written. */
const ORDINARY = /^(step \d+\/\d+ |last step's loss |gradient RMS |wrote )/;
const FALLBACK = /^gradflow: .+; training on wasm$/;

/** The stderr lines that are not ordinary output: none for a webgpu run, the one notice for a fallback. */
function extraLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line !== '' && !ORDINARY.test(line));
}

/** Either a webgpu run with nothing extra said, or a wasm run with exactly one fallback line. */
function expectWebgpuOrOneFallbackLine(backend: string, stderr: string): void {
  const extra = extraLines(stderr);
  if (backend === 'webgpu') {
    expect(extra).toEqual([]);
  } else {
    expect(backend).toBe('wasm');
    expect(extra).toHaveLength(1);
    expect(extra[0]).toMatch(FALLBACK);
  }
}

describe('the command line on a GPU, where there is one', () => {
  it('train --backend webgpu: a webgpu run, or wasm with one line saying why; the run file records which', async () => {
    const out = join(scratch, 'webgpu.json');
    const { code, stderr } = await cli('train', '--preset', 'relu', '--steps', '2', '--batch', '4', '--backend', 'webgpu', '--out', out);
    expect(code, stderr).toBe(0);
    const parsed = parseRun(readFileSync(out, 'utf8'));
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.run.steps.map((s) => s.step)).toEqual([1, 2]);
    expect(parsed.run.steps.every((s) => Number.isFinite(s.loss.total))).toBe(true);
    expectWebgpuOrOneFallbackLine(parsed.run.header.backend, stderr);
  });

  it('probe --backend auto: webgpu where an adapter exists, else wasm with one line; the probe file records which', async () => {
    const out = join(scratch, 'auto-probe.json');
    const { code, stderr } = await cli('probe', '--preset', 'relu', '--batch', '2', '--backend', 'auto', '--out', out);
    expect(code, stderr).toBe(0);
    const p = JSON.parse(readFileSync(out, 'utf8')) as { backend: string; losses: { total: number } };
    expect(Number.isFinite(p.losses.total)).toBe(true);
    expectWebgpuOrOneFallbackLine(p.backend, stderr);
  });

  it('train on the default backend: wasm, and no notice', async () => {
    const out = join(scratch, 'wasm.json');
    const { code, stderr } = await cli('train', '--preset', 'relu', '--steps', '1', '--batch', '4', '--out', out);
    expect(code, stderr).toBe(0);
    expect(extraLines(stderr)).toEqual([]);
    const parsed = parseRun(readFileSync(out, 'utf8'));
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.run.header.backend).toBe('wasm');
  });

  it('an unknown backend is named in a clear message, exit code 2', async () => {
    const { code, stderr } = await cli('train', '--preset', 'relu', '--backend', 'metal');
    expect(code).toBe(2);
    expect(stderr).toMatch(/--backend must be one of wasm, webgpu, auto, cpu \(got "metal"\)/);
  });

  it('--help says what each backend does and why wasm is the default', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    for (const name of ['wasm', 'webgpu', 'auto', 'cpu']) expect(stdout).toMatch(new RegExp(`^ {4}${name} +\\S`, 'm'));
    expect(stdout).toMatch(/wasm \(default\)/);
  });
});

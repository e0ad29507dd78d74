import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRun } from '../../src/shared/parseRun';
import type { Run } from '../../src/shared/runFile';
import { cli } from '../helpers/cli';

const scratch = mkdtempSync(join(tmpdir(), 'gradflow-determinism-'));

/** Trains with the command line, as a user does, and reads the run file back. */
async function train(out: string): Promise<Run> {
  const args = ['train', '--preset', 'relu', '--steps', '3', '--batch', '4', '--seed', '9', '--backend', 'wasm', '--out', out];
  const { code, stderr } = await cli(...args);
  if (code !== 0) throw new Error(`train exited with ${code}: ${stderr}`);
  const parsed = parseRun(readFileSync(out, 'utf8'));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.run;
}

describe('the command line is deterministic', () => {
  it('train twice with one seed on wasm: the same run file except header.createdAt', async () => {
    // One after the other: two wasm processes at once would only compete for the cores.
    const first = await train(join(scratch, 'first.json'));
    const second = await train(join(scratch, 'second.json'));
    const { createdAt: _a, ...header1 } = first.header;
    const { createdAt: _b, ...header2 } = second.header;
    expect(header2).toEqual(header1);
    // toEqual treats NaN as equal to NaN (aux losses of an off head are NaN, for instance).
    expect(second.steps).toEqual(first.steps);
    expect(second.events).toEqual(first.events);
    expect(second.steps.map((s) => s.step)).toEqual([1, 2, 3]);
  }, 60_000);
});

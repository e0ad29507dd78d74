import { describe, expect, it } from 'vitest';
import { readRunFile } from '../../src/shared/readRunFile';
import { parseRun } from '../../src/shared/parseRun';
import { serializeRun } from '../../src/shared/runFile';
import { syntheticRun } from '../charts/fixtures';

describe('readRunFile (the page and the run-file worker read files with it)', () => {
  const run = syntheticRun({ steps: 12, aux: true });

  it('reads a saved run back whole', async () => {
    const text = serializeRun(run);
    const parsed = parseRun(text);
    if (!parsed.ok) throw new Error(parsed.error);
    const result = await readRunFile(new File([text], 'saved.json'));
    expect(result).toStrictEqual({ ok: true, imported: { fileName: 'saved.json', run: parsed.run } });
    expect(parsed.run.steps).toHaveLength(12);
  });

  it('names the file and its problem, on one line, and never throws', async () => {
    const bad = await readRunFile(new File(['{"format":"nope"}'], 'bad.json'));
    expect(bad).toEqual({ ok: false, error: expect.stringMatching(/^Could not open “bad\.json”: not a GradFlow run file[^\n]*\.$/) });
    const notJson = await readRunFile(new File(['not json'], 'x.json'));
    expect(notJson.ok).toBe(false);
    if (!notJson.ok) expect(notJson.error).toMatch(/“x\.json”: not JSON/);
  });

  it('refuses a run without steps (nothing to show)', async () => {
    const empty = await readRunFile(new File([serializeRun({ ...run, steps: [] })], 'empty.json'));
    expect(empty).toEqual({ ok: false, error: 'Could not open “empty.json”: it has no steps to show.' });
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseRun } from '../../src/shared/parseRun';
import { serializeRun } from '../../src/shared/runFile';
import { readRunFileOffPage } from '../../src/ui/runImport';
import { syntheticRun } from '../charts/fixtures';

/** A Worker that fails as the browser's does: its error event comes after the file is posted. */
class FailingWorker {
  onmessage: ((event: MessageEvent) => void) | null = null;
  onerror: ((event: { preventDefault(): void }) => void) | null = null;
  onmessageerror: (() => void) | null = null;
  terminated = false;
  postMessage(): void {
    setTimeout(() => this.onerror?.({ preventDefault: () => undefined }), 0);
  }
  terminate(): void {
    this.terminated = true;
  }
}

describe('readRunFileOffPage without its worker (the page reads the file itself)', () => {
  const run = syntheticRun({ steps: 8, aux: true });
  const text = serializeRun(run);
  const parsed = parseRun(text);
  if (!parsed.ok) throw new Error(parsed.error);

  afterEach(() => void vi.unstubAllGlobals());

  it('reads a run file whole when no worker can start', async () => {
    vi.stubGlobal('Worker', class { constructor() { throw new Error('workers are off'); } });
    expect(await readRunFileOffPage(new File([text], 'saved.json'))).toStrictEqual({ ok: true, imported: { fileName: 'saved.json', run: parsed.run } });
  });

  it('reads it when the worker fails, and ends the worker', async () => {
    const started: FailingWorker[] = [];
    vi.stubGlobal('Worker', class extends FailingWorker { constructor() { super(); started.push(this); } });
    expect(await readRunFileOffPage(new File([text], 'saved.json'))).toStrictEqual({ ok: true, imported: { fileName: 'saved.json', run: parsed.run } });
    expect(started.map((w) => w.terminated)).toEqual([true]);
  });

  it('says so, naming the file, when the page cannot load its reader either (offline)', async () => {
    vi.stubGlobal('Worker', FailingWorker);
    vi.doMock('../../src/shared/readRunFile', () => {
      throw new Error('Failed to fetch dynamically imported module');
    });
    try {
      const result = await readRunFileOffPage(new File([text], 'saved.json'));
      // Vitest wraps the factory's error in its own message; a browser's is the failed fetch's.
      expect(result).toEqual({ ok: false, error: expect.stringMatching(/^Could not open “saved\.json”: the page's reader could not be loaded \(.+\)\.$/) });
    } finally {
      vi.doUnmock('../../src/shared/readRunFile');
    }
  });

  it('names the file and its problem when it is not a run file', async () => {
    vi.stubGlobal('Worker', FailingWorker);
    expect(await readRunFileOffPage(new File(['{"format":"nope"}'], 'bad.json')))
      .toEqual({ ok: false, error: expect.stringMatching(/^Could not open “bad\.json”: not a GradFlow run file/) });
  });
});

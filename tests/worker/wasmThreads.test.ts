import { describe, expect, it } from 'vitest';
import { wasmThreadsPayOff } from '../../src/worker/wasmThreads';

describe('wasmThreadsPayOff', () => {
  it('leaves the threaded build out where XNNPACK would get one thread (under 4 logical cores)', () => {
    for (const cores of [1, 2, 3]) expect(wasmThreadsPayOff(cores)).toBe(false);
  });

  it('takes it where XNNPACK gets two threads or more', () => {
    for (const cores of [4, 5, 8, 64]) expect(wasmThreadsPayOff(cores)).toBe(true);
  });
});

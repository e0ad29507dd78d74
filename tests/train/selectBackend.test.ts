import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { selectBackend } from '../../src/train/backends/select';

/** Stands in for importing a GPU backend's module: registers a backend under that name. */
const registers = (name: 'webgl' | 'webgpu') => vi.fn(async () => void tf.registerBackend(name, () => new MathBackendCPU()));

afterEach(async () => {
  for (const name of ['webgl', 'webgpu']) if (tf.findBackendFactory(name)) tf.removeBackend(name);
  await tf.setBackend('cpu');
});

describe('selectBackend with backends loaded on demand', () => {
  it('imports a backend just before trying it, and uses it', async () => {
    const webgl = registers('webgl');
    expect(await selectBackend(['webgl', 'cpu'], { webgl })).toEqual({ active: 'webgl', skipped: [] });
    expect(webgl).toHaveBeenCalledTimes(1);
    expect(tf.getBackend()).toBe('webgl');
  });

  it('does not import backends after the one that starts, nor one already registered', async () => {
    const webgpu = registers('webgpu');
    expect(await selectBackend(['cpu', 'webgpu'], { webgpu })).toEqual({ active: 'cpu', skipped: [] });
    expect(webgpu).not.toHaveBeenCalled();
    tf.registerBackend('webgl', () => new MathBackendCPU());
    const webgl = registers('webgl');
    expect((await selectBackend(['webgl'], { webgl })).active).toBe('webgl');
    expect(webgl).not.toHaveBeenCalled();
  });

  it('goes on to the next backend when one\'s code does not load, saying why', async () => {
    const webgpu = vi.fn(async () => {
      throw new TypeError('Failed to fetch dynamically imported module: /assets/webgpu.js');
    });
    expect(await selectBackend(['webgpu', 'cpu'], { webgpu })).toEqual({
      active: 'cpu',
      skipped: [{ name: 'webgpu', reason: 'its code did not load: Failed to fetch dynamically imported module: /assets/webgpu.js' }],
    });
  });

  it('says a backend without a loader or a registration is not in this build', async () => {
    expect(await selectBackend(['webgl', 'cpu'])).toEqual({ active: 'cpu', skipped: [{ name: 'webgl', reason: 'not available in this build' }] });
  });
});

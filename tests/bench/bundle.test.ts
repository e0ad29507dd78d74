import { describe, expect, it } from 'vitest';
import { staticClosure, staticImports } from '../../scripts/bench/bundle';

describe('the bundle measure', () => {
  it('reads the static imports of a built chunk, not its dynamic ones', () => {
    const code = 'import{a as e,t}from"./runtime-1.js";import"./side-2.js";export{x}from"./re-3.js";'
      + 'const g=()=>import("./webgl-4.js");const s="./not-an-import.js";import { b } from \'./spaced-5.js\';';
    expect(staticImports(code)).toEqual(['runtime-1.js', 'side-2.js', 're-3.js', 'spaced-5.js']);
  });

  it('counts the chunks an entry reaches statically, each once, the entry first', () => {
    const chunks: Record<string, string> = {
      'worker.js': 'import{a}from"./core.js";import{b}from"./runtime.js";const l=()=>import("./gpu.js");',
      'core.js': 'import{b}from"./runtime.js";',
      'runtime.js': '',
      'gpu.js': 'import{a}from"./core.js";import{w}from"./worker.js";',
    };
    expect(staticClosure('worker.js', (f) => chunks[f]!)).toEqual(['worker.js', 'core.js', 'runtime.js']);
    expect(staticClosure('gpu.js', (f) => chunks[f]!)).toEqual(['gpu.js', 'core.js', 'worker.js', 'runtime.js']);
  });
});

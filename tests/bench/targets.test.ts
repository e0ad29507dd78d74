import { describe, expect, it } from 'vitest';
import { judge } from '../../scripts/bench/targets';

describe('judge', () => {
  it('says how far a count misses an exact target, as a count', () => {
    expect(judge(4, { field: 'framesDroppedLongHistory', op: '=', value: 0 })).toEqual({ target: '= 0', met: false, by: '+4' });
    expect(judge(0, { field: 'framesDroppedLongHistory', op: '=', value: 0 })).toEqual({ target: '= 0', met: true, by: 'exact' });
  });

  it('says how far a ratio clears or misses its bound', () => {
    expect(judge(1.028, { field: 'instrumentedRatio', op: '<=', value: 1.1 })).toEqual({ target: '<= 1.1', met: true, by: '0.072 under' });
    expect(judge(3.6, { field: 'backwardForwardRatio', op: '<=', value: 3 })).toEqual({ target: '<= 3', met: false, by: '0.60 over (1.20x the target)' });
    expect(judge(0.2, { field: 'efficiency', op: '>=', value: 0.3 })).toEqual({ target: '>= 0.3', met: false, by: '0.10 short (0.67x the target)' });
  });
});

// CEL conditions cannot freeze the worker: nested comprehensions over large inputs are refused before
// they run (and the refusal is an evaluation error, which the enforcer turns into a denial).
import { describe, expect, it } from 'vitest';
import { CelEvaluationError, compileCondition } from './cel.js';
import { comprehensionDepth, largestCollection } from './cel-cost.js';
import { parse } from '@bufbuild/cel';

const CUBIC = 'tags.all(a, tags.all(b, tags.all(c, a != "x" || b != c)))';

describe('the CEL cost bound', () => {
  it('counts nested comprehensions (macros) and the largest collection in the bindings', () => {
    expect(comprehensionDepth(parse('user.role == "admin"').expr)).toBe(0);
    expect(comprehensionDepth(parse('tags.exists(t, t == "a")').expr)).toBe(1);
    expect(comprehensionDepth(parse(CUBIC).expr)).toBe(3);
    expect(comprehensionDepth(parse('a.all(x, x > 0) && b.exists(y, y < 0)').expr)).toBe(1);
    expect(largestCollection({ user: { tags: [1, 2] }, params: { ids: new Array(7).fill(0) } })).toBe(7);
  });

  it('refuses a cubic condition over a 300-item list at once, and runs it over a small one', () => {
    const condition = compileCondition(CUBIC);
    const big = { tags: Array.from({ length: 300 }, (_, i) => `t${i}`) };
    const started = Date.now();
    expect(() => condition.evaluate(big)).toThrow(CelEvaluationError);
    expect(() => condition.evaluate(big)).toThrow(/about 2\.7e\+7 steps \(3 nested comprehensions/);
    // Refused before running: far from the tens of seconds the evaluation itself would take.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(condition.evaluate({ tags: ['a', 'b', 'c'] })).toBe(true);
  });

  it('leaves single comprehensions over large inputs alone (linear work)', () => {
    const condition = compileCondition('ids.all(i, i >= 0)');
    expect(condition.evaluate({ ids: Array.from({ length: 100_000 }, (_, i) => i) })).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { cacheKey, objectKey, splitKey } from './keys.js';

describe('object keys', () => {
  it('joins namespace and name, and leaves cluster-scoped names alone', () => {
    expect(objectKey({ metadata: { namespace: 'team-a', name: 'proj' } })).toBe('team-a/proj');
    expect(objectKey({ metadata: { name: 'node-1' } })).toBe('node-1');
    expect(cacheKey('', 'x')).toBe('x');
  });

  it('splits keys back into namespace and name', () => {
    expect(splitKey('team-a/proj')).toEqual({ namespace: 'team-a', name: 'proj' });
    expect(splitKey('node-1')).toEqual({ namespace: undefined, name: 'node-1' });
  });
});

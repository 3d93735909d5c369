import { describe, expect, it } from 'vitest';
import { objectReference, truncateUtf8 } from './events.js';

describe('event text limits', () => {
  it('keeps short text and cuts long text to the byte limit with an ellipsis', () => {
    expect(truncateUtf8('short', 1024)).toBe('short');
    const cut = truncateUtf8('x'.repeat(5000), 1024);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(1024);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut.length).toBe(1022); // 1021 one-byte characters + a 3-byte ellipsis
  });

  it('never splits a multi-byte character', () => {
    const cut = truncateUtf8('é'.repeat(600), 100);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(100);
    expect(cut).toMatch(/^é+…$/);
  });

  it('references an object by kind, name, namespace and uid', () => {
    const ref = objectReference({
      apiVersion: 'mxcp.dev/v1alpha1',
      kind: 'MxcpProject',
      metadata: { name: 'p', namespace: 'n', uid: 'u1', resourceVersion: '7' },
    });
    expect(ref).toEqual({
      apiVersion: 'mxcp.dev/v1alpha1',
      kind: 'MxcpProject',
      name: 'p',
      namespace: 'n',
      uid: 'u1',
      resourceVersion: '7',
    });
  });
});

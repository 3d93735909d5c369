import { describe, expect, it } from 'vitest';
import type { TestDefinition } from '../endpoints/schema.js';
import { canonicalJson, checkAssertions, normalisePromptResult, normaliseResult } from './assertions.js';

const test = (assertions: Partial<TestDefinition>): TestDefinition => ({
  name: 't',
  arguments: [],
  ...assertions,
});

describe('result normalisation', () => {
  it.each([null, undefined, 0, '', [], {}, false])(
    'turns the falsy result %j into an empty list',
    (value) => {
      expect(normaliseResult(value)).toEqual([]);
    },
  );

  it('keeps truthy results unchanged', () => {
    expect(normaliseResult(0.5)).toBe(0.5);
    expect(normaliseResult('x')).toBe('x');
    expect(normaliseResult([0])).toEqual([0]);
    expect(normaliseResult({ a: 0 })).toEqual({ a: 0 });
  });

  it('lets result_length 0 pass when a tool returns null', () => {
    expect(checkAssertions(test({ result_length: 0 }), null)).toBeNull();
  });

  it('makes an empty string compare equal to an expected empty list', () => {
    expect(checkAssertions(test({ result: [] }), '')).toBeNull();
  });
});

describe('prompt result normalisation', () => {
  it('takes the text of the last assistant message', () => {
    const messages = [
      { prompt: 'system text', role: 'system', type: 'text' },
      { prompt: 'first answer', role: 'assistant', type: 'text' },
      { prompt: 'question', role: 'user', type: 'text' },
      { prompt: 'last answer', role: 'assistant', type: 'text' },
    ];
    expect(normalisePromptResult(messages)).toBe('last answer');
  });

  it('parses an assistant text that looks like JSON', () => {
    const messages = [{ prompt: ' {"status": "ok", "n": [1, 2]} ', role: 'assistant' }];
    expect(normalisePromptResult(messages)).toEqual({ status: 'ok', n: [1, 2] });
    expect(normalisePromptResult([{ prompt: '[1, 2]', role: 'assistant' }])).toEqual([1, 2]);
  });

  it('keeps text that only starts like JSON as text', () => {
    expect(normalisePromptResult([{ prompt: '{not json}', role: 'assistant' }])).toBe('{not json}');
  });

  it('tests the message list itself when there is no assistant message', () => {
    const messages = [{ prompt: 'hi', role: 'user', type: 'text' }];
    expect(normalisePromptResult(messages)).toBe(messages);
  });
});

describe('result (exact match)', () => {
  it('passes when the JSON with sorted keys is equal, whatever the key order', () => {
    expect(
      checkAssertions(test({ result: { b: 1, a: { d: 2, c: 3 } } }), { a: { c: 3, d: 2 }, b: 1 }),
    ).toBeNull();
  });

  it('fails with the expected and actual values', () => {
    expect(checkAssertions(test({ result: { a: 1 } }), { a: 2 })).toBe(
      'Result does not match expected output.\nExpected: {\n  "a": 1\n}\nGot: {\n  "a": 2\n}',
    );
  });

  it('distinguishes a string from a number', () => {
    expect(checkAssertions(test({ result: '1' }), 1)).toMatch(/^Result does not match expected output\./);
  });

  it('treats an explicit null as no assertion', () => {
    expect(checkAssertions(test({ result: null }), { a: 1 })).toBeNull();
  });
});

describe('result_contains', () => {
  it('passes when a dict result has every listed field with an equal value', () => {
    expect(
      checkAssertions(test({ result_contains: { name: 'Ann', tags: ['x'] } }), {
        name: 'Ann',
        tags: ['x'],
        id: 1,
      }),
    ).toBeNull();
  });

  it('fails on a missing field', () => {
    expect(checkAssertions(test({ result_contains: { email: 'a@b' } }), { name: 'Ann' })).toBe(
      "Expected field 'email' not found in result",
    );
  });

  it('fails on a field with another value', () => {
    expect(checkAssertions(test({ result_contains: { name: 'Bob' } }), { name: 'Ann' })).toBe(
      `Field 'name' has value "Ann", expected "Bob"`,
    );
  });

  it('passes on a list result when one dict item has all listed fields', () => {
    const rows = [
      { id: 1, name: 'Ann' },
      { id: 2, name: 'Bob' },
    ];
    expect(checkAssertions(test({ result_contains: { id: 2, name: 'Bob' } }), rows)).toBeNull();
  });

  it('fails on a list result when no single item has all listed fields', () => {
    const rows = [
      { id: 1, name: 'Ann' },
      { id: 2, name: 'Bob' },
    ];
    expect(checkAssertions(test({ result_contains: { id: 1, name: 'Bob' } }), rows)).toBe(
      'No item in result contains the expected fields {"id":1,"name":"Bob"}',
    );
  });

  it('passes when a non-dict value is an element of a list result', () => {
    expect(checkAssertions(test({ result_contains: 'b' }), ['a', 'b'])).toBeNull();
  });

  it('fails when a non-dict value is not an element of a list result', () => {
    expect(checkAssertions(test({ result_contains: 'c' }), ['a', 'b'])).toBe(
      'Expected value "c" not found in result',
    );
  });

  it('rejects a scalar result', () => {
    expect(checkAssertions(test({ result_contains: { a: 1 } }), 'text')).toBe(
      'result_contains assertion requires dict or array result, got str',
    );
  });

  it('rejects a non-dict expectation against a dict result', () => {
    expect(checkAssertions(test({ result_contains: 'a' }), { a: 1 })).toBe(
      'result_contains with a dict result requires a dict of expected fields, got str',
    );
  });
});

describe('result_not_contains', () => {
  it('passes when none of the keys is present', () => {
    expect(checkAssertions(test({ result_not_contains: ['ssn', 'salary'] }), { name: 'Ann' })).toBeNull();
  });

  it('fails naming the first present key', () => {
    expect(
      checkAssertions(test({ result_not_contains: ['ssn', 'salary'] }), { name: 'Ann', salary: 1 }),
    ).toBe("Field 'salary' should not be present in result");
  });

  it('requires a dict result, and an empty result is a list', () => {
    expect(checkAssertions(test({ result_not_contains: ['a'] }), [{ a: 1 }])).toBe(
      'result_not_contains assertion requires dict result, got list',
    );
    expect(checkAssertions(test({ result_not_contains: ['a'] }), null)).toBe(
      'result_not_contains assertion requires dict result, got list',
    );
    expect(checkAssertions(test({ result_not_contains: ['a'] }), 2.5)).toBe(
      'result_not_contains assertion requires dict result, got float',
    );
  });
});

describe('result_contains_item', () => {
  it('passes on an equal item', () => {
    expect(
      checkAssertions(test({ result_contains_item: { id: 1, name: 'Ann' } }), [{ name: 'Ann', id: 1 }]),
    ).toBeNull();
  });

  it('passes when the expected dict is a subset of an item', () => {
    expect(checkAssertions(test({ result_contains_item: { id: 1 } }), [{ id: 1, name: 'Ann' }])).toBeNull();
  });

  it('fails when no item matches', () => {
    expect(checkAssertions(test({ result_contains_item: { id: 3 } }), [{ id: 1 }, { id: 2 }])).toBe(
      'Expected item not found in result: {"id":3}',
    );
  });

  it('does not count a missing key as a match for null', () => {
    expect(checkAssertions(test({ result_contains_item: { note: null } }), [{ id: 1 }])).toBe(
      'Expected item not found in result: {"note":null}',
    );
  });

  it('requires a list result', () => {
    expect(checkAssertions(test({ result_contains_item: 1 }), { a: 1 })).toBe(
      'result_contains_item assertion requires array result, got dict',
    );
  });
});

describe('result_contains_all', () => {
  it('passes when every expected item is present, as equal value or dict subset', () => {
    expect(
      checkAssertions(test({ result_contains_all: [2, { id: 1 }] }), [{ id: 1, x: 0 }, 2, 3]),
    ).toBeNull();
  });

  it('fails listing the missing items', () => {
    expect(checkAssertions(test({ result_contains_all: [1, 4, 5] }), [1, 2, 3])).toBe(
      'Expected items not found in result: 4, 5',
    );
  });

  it('requires a list result', () => {
    expect(checkAssertions(test({ result_contains_all: [1] }), 'abc')).toBe(
      'result_contains_all assertion requires array result, got str',
    );
  });
});

describe('result_length', () => {
  it('passes on the right length', () => {
    expect(checkAssertions(test({ result_length: 3 }), [1, 2, 3])).toBeNull();
  });

  it('fails with the actual and expected counts', () => {
    expect(checkAssertions(test({ result_length: 2 }), [1, 2, 3])).toBe('Array has 3 items, expected 2');
  });

  it('requires a list result', () => {
    expect(checkAssertions(test({ result_length: 1 }), 7)).toBe(
      'result_length assertion requires array result, got int',
    );
  });
});

describe('result_contains_text', () => {
  it('passes on a substring of a string result', () => {
    expect(checkAssertions(test({ result_contains_text: 'llo, W' }), 'Hello, World!')).toBeNull();
  });

  it('searches the JSON form of a non-string result', () => {
    expect(checkAssertions(test({ result_contains_text: '"name":"Ann"' }), [{ name: 'Ann' }])).toBeNull();
  });

  it('fails when the text is absent', () => {
    expect(checkAssertions(test({ result_contains_text: 'Bye' }), 'Hello')).toBe(
      "Expected text 'Bye' not found in result",
    );
  });
});

describe('assertion order', () => {
  it('reports the first failing assertion in MXCP order', () => {
    const t = test({ result_length: 5, result_contains: { missing: 1 }, result_contains_text: 'zzz' });
    expect(checkAssertions(t, [{ a: 1 }])).toBe(
      'No item in result contains the expected fields {"missing":1}',
    );
  });

  it('checks later assertions once earlier ones pass', () => {
    const t = test({ result: [{ a: 1 }], result_length: 2 });
    expect(checkAssertions(t, [{ a: 1 }])).toBe('Array has 1 items, expected 2');
  });

  it('passes a test without assertions whatever the result', () => {
    expect(checkAssertions(test({}), { anything: true })).toBeNull();
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and accepts bigint', () => {
    expect(canonicalJson({ b: [{ z: 1, y: 2n }], a: 1 })).toBe('{"a":1,"b":[{"y":2,"z":1}]}');
  });
});

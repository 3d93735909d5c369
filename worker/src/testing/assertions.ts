// The assertions of an endpoint's `tests:` block (MXCP-SPEC §4.7): how a result
// is normalised and checked against `result`, `result_contains`, … in MXCP's
// order. Pure: no engine, no I/O. The first failing assertion wins.
import type { TestDefinition } from '../endpoints/schema.js';

/**
 * MXCP replaces a falsy result by `[]` before checking (Python truthiness: None,
 * False, 0, "", [] and {} are falsy), so "no rows" and "empty" read the same.
 */
export function normaliseResult(result: unknown): unknown {
  return isFalsy(result) ? [] : result;
}

/**
 * For prompts the tested value is the text of the last `assistant` message,
 * parsed as JSON when it looks like JSON (so a prompt can be asserted with
 * `result_contains` on an object). Without an assistant message the rendered
 * message list itself is tested.
 */
export function normalisePromptResult(messages: unknown): unknown {
  if (!Array.isArray(messages)) return messages;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i] as unknown;
    if (!isDict(message) || message.role !== 'assistant') continue;
    const text = typeof message.prompt === 'string' ? message.prompt : String(message.prompt ?? '');
    return parseIfJsonLike(text);
  }
  return messages;
}

/** Checks every assertion of `test` against `result`; null when all pass, else the first failure's message. */
export function checkAssertions(test: TestDefinition, result: unknown): string | null {
  const actual = normaliseResult(result);
  // Python's model uses None for "not given", so an explicit YAML `null` is no assertion either.
  const given = (value: unknown): boolean => value !== undefined && value !== null;

  if (given(test.result)) {
    const failure = checkExactResult(test.result, actual);
    if (failure) return failure;
  }
  if (given(test.result_contains)) {
    const failure = checkResultContains(test.result_contains, actual);
    if (failure) return failure;
  }
  if (given(test.result_not_contains)) {
    const failure = checkResultNotContains(test.result_not_contains ?? [], actual);
    if (failure) return failure;
  }
  if (given(test.result_contains_item)) {
    const failure = checkContainsItem(test.result_contains_item, actual);
    if (failure) return failure;
  }
  if (given(test.result_contains_all)) {
    const failure = checkContainsAll(test.result_contains_all ?? [], actual);
    if (failure) return failure;
  }
  if (given(test.result_length)) {
    const failure = checkLength(test.result_length ?? 0, actual);
    if (failure) return failure;
  }
  if (given(test.result_contains_text)) {
    const failure = checkContainsText(test.result_contains_text ?? '', actual);
    if (failure) return failure;
  }
  return null;
}

function checkExactResult(expected: unknown, actual: unknown): string | null {
  const expectedJson = canonicalJson(expected);
  const actualJson = canonicalJson(actual);
  if (expectedJson === actualJson) return null;
  return `Result does not match expected output.\nExpected: ${canonicalJson(expected, 2)}\nGot: ${canonicalJson(actual, 2)}`;
}

function checkResultContains(expected: unknown, actual: unknown): string | null {
  if (isDict(actual)) {
    if (!isDict(expected)) {
      return `result_contains with a dict result requires a dict of expected fields, got ${pythonTypeName(expected)}`;
    }
    for (const [key, value] of Object.entries(expected)) {
      if (!Object.hasOwn(actual, key)) return `Expected field '${key}' not found in result`;
      if (!deepEqual(actual[key], value)) {
        return `Field '${key}' has value ${display(actual[key])}, expected ${display(value)}`;
      }
    }
    return null;
  }
  if (Array.isArray(actual)) {
    if (isDict(expected)) {
      if (actual.some((item) => isDictSubset(expected, item))) return null;
      return `No item in result contains the expected fields ${display(expected)}`;
    }
    if (actual.some((item) => deepEqual(item, expected))) return null;
    return `Expected value ${display(expected)} not found in result`;
  }
  return `result_contains assertion requires dict or array result, got ${pythonTypeName(actual)}`;
}

function checkResultNotContains(forbidden: string[], actual: unknown): string | null {
  if (!isDict(actual))
    return `result_not_contains assertion requires dict result, got ${pythonTypeName(actual)}`;
  for (const key of forbidden) {
    if (Object.hasOwn(actual, key)) return `Field '${key}' should not be present in result`;
  }
  return null;
}

function checkContainsItem(expected: unknown, actual: unknown): string | null {
  if (!Array.isArray(actual))
    return `result_contains_item assertion requires array result, got ${pythonTypeName(actual)}`;
  if (containsItem(actual, expected)) return null;
  return `Expected item not found in result: ${display(expected)}`;
}

function checkContainsAll(expected: unknown[], actual: unknown): string | null {
  if (!Array.isArray(actual))
    return `result_contains_all assertion requires array result, got ${pythonTypeName(actual)}`;
  const missing = expected.filter((item) => !containsItem(actual, item));
  if (missing.length === 0) return null;
  return `Expected items not found in result: ${missing.map(display).join(', ')}`;
}

function checkLength(expected: number, actual: unknown): string | null {
  if (!Array.isArray(actual))
    return `result_length assertion requires array result, got ${pythonTypeName(actual)}`;
  if (actual.length === expected) return null;
  return `Array has ${actual.length} items, expected ${expected}`;
}

function checkContainsText(text: string, actual: unknown): string | null {
  // MXCP takes Python's str(result); for non-strings we use JSON, the form a
  // test author sees in `mxcp run --json-output`, rather than Python's repr.
  const haystack = typeof actual === 'string' ? actual : JSON.stringify(actual);
  if (haystack.includes(text)) return null;
  return `Expected text '${text}' not found in result`;
}

/** An item is present when it equals a list element, or (for a dict) is a subset of a dict element. */
function containsItem(list: unknown[], expected: unknown): boolean {
  return list.some((item) => deepEqual(item, expected) || (isDict(expected) && isDictSubset(expected, item)));
}

function isDictSubset(subset: Record<string, unknown>, candidate: unknown): boolean {
  if (!isDict(candidate)) return false;
  return Object.entries(subset).every(
    ([key, value]) => Object.hasOwn(candidate, key) && deepEqual(candidate[key], value),
  );
}

function deepEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** JSON with object keys sorted at every level: MXCP's `json.dumps(sort_keys=True)` comparison. */
export function canonicalJson(value: unknown, indent?: number): string {
  return JSON.stringify(sortKeys(value), jsonSafe, indent) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isDict(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
    return out;
  }
  return value;
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint'
    ? Number.isSafeInteger(Number(value))
      ? Number(value)
      : value.toString()
    : value;
}

function display(value: unknown): string {
  return canonicalJson(value);
}

function parseIfJsonLike(text: string): unknown {
  const trimmed = text.trim();
  const looksLikeJson =
    (trimmed.startsWith('{') && trimmed.endsWith('}')) || (trimmed.startsWith('[') && trimmed.endsWith(']'));
  if (!looksLikeJson) return text;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return text; // Looked like JSON but is not: test the text as written.
  }
}

function isDict(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function isFalsy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === 0n || value === '')
    return true;
  if (Array.isArray(value)) return value.length === 0;
  return isDict(value) && Object.keys(value).length === 0;
}

/** The Python type name MXCP's messages show ("got list", "got str"). */
export function pythonTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (Array.isArray(value)) return 'list';
  switch (typeof value) {
    case 'string':
      return 'str';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float';
    default:
      return 'dict';
  }
}

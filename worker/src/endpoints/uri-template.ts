// Resource URIs with `{param}` placeholders (the simple RFC 6570 level-1 form
// MXCP uses): which URIs are templates, and matching a concrete URI against one.
// The loader checks definitions with the same parser the engine serves with, so a
// URI that passes validation is one the engine can match.

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const ANY_EXPRESSION = /\{[^{}]*\}/g;

export function placeholders(uriTemplate: string): string[] {
  return [...new Set([...uriTemplate.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

/** `{…}` expressions other than a plain `{name}` (RFC 6570 operators, lists, spaces). */
export function unsupportedExpressions(uriTemplate: string): string[] {
  return [...uriTemplate.matchAll(ANY_EXPRESSION)]
    .map((m) => m[0])
    .filter((expression) => !/^\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(expression));
}

export function isTemplate(uri: string): boolean {
  return placeholders(uri).length > 0;
}

export interface UriMatcher {
  template: string;
  /** The placeholder values of a matching URI (percent-decoded), or null. */
  match(uri: string): Record<string, string> | null;
}

export function compileUriTemplate(template: string): UriMatcher {
  const names: string[] = [];
  let pattern = '^';
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    pattern += escapeRegExp(template.slice(last, m.index));
    pattern += '([^/?#]+)';
    names.push(m[1]);
    last = (m.index ?? 0) + m[0].length;
  }
  pattern += escapeRegExp(template.slice(last)) + '$';
  const regex = new RegExp(pattern);
  return {
    template,
    match(uri) {
      const found = regex.exec(uri);
      if (!found) return null;
      const values: Record<string, string> = {};
      names.forEach((name, i) => {
        values[name] = safeDecode(found[i + 1]);
      });
      return values;
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

// A YAML file kept together with its positions. Every loader (site config,
// user config, endpoint files) parses through here so that any later stage can
// turn a field path such as `tool.parameters[0].type` back into a line and
// column of the file the user wrote.
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError } from './errors.js';

export type PathSegment = string | number;

export interface Position {
  line?: number;
  column?: number;
}

export interface YamlSource {
  /** Path shown to users (relative to the project root when known). */
  file: string;
  /** The document as plain JavaScript values (`null` for an empty file). */
  value: unknown;
  doc: Document.Parsed;
  /** Position of the value at `path`, or of the closest enclosing node that exists. */
  locate(path: readonly PathSegment[]): Position;
  /** Position of the key that introduces `path` (falls back to `locate`). */
  locateKey(path: readonly PathSegment[]): Position;
  /** A ConfigError pointing at `path` in this file. */
  errorAt(
    path: readonly PathSegment[],
    message: string,
    options?: { hint?: string; atKey?: boolean },
  ): ConfigError;
}

/** `['tool', 'parameters', 0, 'type']` → `tool.parameters[0].type`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** Parses YAML text; a syntax error becomes a ConfigError with the line and column of the problem. */
export function parseYaml(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const [first] = doc.errors;
  if (first) {
    const pos = first.linePos?.[0] ?? lineCounter.linePos(first.pos[0]);
    // The first line of yaml's message is the description; the rest is a source excerpt.
    const message = first.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`Invalid YAML: ${message}`, { file, line: pos.line, column: pos.col });
  }
  const value = doc.toJS({ maxAliasCount: 1000 }) as unknown;

  const position = (offset: number | undefined): Position => {
    if (offset === undefined) return {};
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const locate = (path: readonly PathSegment[]): Position => {
    const found = walk(doc, path);
    return position(found.value?.range?.[0] ?? found.key?.range?.[0] ?? found.parent?.range?.[0]);
  };
  const locateKey = (path: readonly PathSegment[]): Position => {
    const found = walk(doc, path);
    return position(found.key?.range?.[0] ?? found.value?.range?.[0] ?? found.parent?.range?.[0]);
  };
  return {
    file,
    value,
    doc,
    locate,
    locateKey,
    errorAt(path, message, options = {}) {
      const where = options.atKey ? locateKey(path) : locate(path);
      return new ConfigError(message, {
        file,
        ...where,
        path: formatPath(path) || undefined,
        hint: options.hint,
      });
    },
  };
}

/** Reads and parses a YAML file; an unreadable file is a ConfigError too. */
export function readYamlFile(absolutePath: string, file: string): YamlSource {
  let text: string;
  try {
    text = readFileSync(absolutePath, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read file: ${(err as Error).message}`, { file });
  }
  return parseYaml(text, file);
}

interface Found {
  /** The node holding the value at the full path, when it exists. */
  value?: Node;
  /** The key node of the last map entry on the path, when the path ends in a map key that exists. */
  key?: Node;
  /** The deepest node that exists along the path. */
  parent?: Node;
}

function walk(doc: Document.Parsed, path: readonly PathSegment[]): Found {
  let node: unknown = doc.contents;
  let key: Node | undefined;
  let parent: Node | undefined = (doc.contents as Node | null) ?? undefined;
  for (const segment of path) {
    key = undefined;
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) return { parent };
      key = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      if (node === undefined) return { parent };
    } else {
      return { parent };
    }
    if (node && typeof node === 'object' && 'range' in node) parent = node as Node;
    else if (key) parent = key;
  }
  const value = node && typeof node === 'object' && 'range' in node ? (node as Node) : undefined;
  return { value, key, parent };
}

// The variables a prompt template reads from its context (MXCP-SPEC §4.3),
// found by parsing the template with nunjucks rather than by pattern matching,
// so loop variables, `set` targets, macro arguments, filter and test names do
// not count as inputs. Only the base name matters: `user.name` reads `user`.
import nunjucks from 'nunjucks';

/** Names every template can use without declaring them (Jinja/nunjucks globals). */
const GLOBALS = new Set([
  'range',
  'cycler',
  'joiner',
  'dict',
  'lipsum',
  'namespace',
  'loop',
  'caller',
  'varargs',
  'kwargs',
]);

/** The part of nunjucks' (untyped) AST this module walks. */
interface TemplateNode {
  typename: string;
  fields: string[];
  children?: TemplateNode[];
  value?: unknown;
  [field: string]: unknown;
}

interface NunjucksParser {
  parse(src: string): TemplateNode;
}

const parser = (nunjucks as unknown as { parser: NunjucksParser }).parser;

export class TemplateSyntaxError extends Error {}

/** Sorted base names of the variables `template` reads and does not define itself. */
export function templateVariables(template: string): string[] {
  let root: TemplateNode;
  try {
    root = parser.parse(template);
  } catch (err) {
    const message = (err as Error).message.replace(/^\(unknown path\)\s*/, '').trim();
    throw new TemplateSyntaxError(message);
  }
  // `set` targets count as defined throughout, as a template-level assignment does in Jinja.
  const assigned = new Set<string>();
  collectAssignments(root, assigned);
  const found = new Set<string>();
  visit(root, new Set(assigned), found);
  return [...found].filter((name) => !GLOBALS.has(name)).sort();
}

function isNode(value: unknown): value is TemplateNode {
  return value !== null && typeof value === 'object' && typeof (value as TemplateNode).typename === 'string';
}

function symbolsIn(node: unknown): string[] {
  if (!isNode(node)) return [];
  if (node.typename === 'Symbol') return [String(node.value)];
  return (node.children ?? []).flatMap(symbolsIn);
}

function collectAssignments(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    node.forEach((child) => collectAssignments(child, into));
    return;
  }
  if (!isNode(node)) return;
  if (node.typename === 'Set') {
    for (const target of (node.targets as unknown[]) ?? [])
      symbolsIn(target).forEach((name) => into.add(name));
  }
  if (node.typename === 'Macro' || node.typename === 'Import')
    symbolsIn(node.typename === 'Macro' ? node.name : node.target).forEach((n) => into.add(n));
  if (node.typename === 'FromImport') {
    for (const name of (node.names as TemplateNode | undefined)?.children ?? []) {
      const bound = name.typename === 'Pair' ? name.value : name;
      symbolsIn(bound).forEach((n) => into.add(n));
    }
  }
  // A NodeList's `fields` is ['children'], so this covers lists too.
  for (const field of node.fields) collectAssignments(node[field], into);
}

function visit(node: unknown, scope: Set<string>, found: Set<string>): void {
  if (Array.isArray(node)) {
    node.forEach((child) => visit(child, scope, found));
    return;
  }
  if (!isNode(node)) return;
  switch (node.typename) {
    case 'Symbol':
      if (!scope.has(String(node.value))) found.add(String(node.value));
      return;
    case 'Filter':
    case 'FilterAsync':
      // The filter's name is not a variable; its arguments are.
      visit(node.args, scope, found);
      return;
    case 'Is':
      // `x is defined`: the test name on the right is not a variable.
      visit(node.left, scope, found);
      return;
    case 'KeywordArgs':
      for (const pair of node.children ?? []) visit(pair.value, scope, found);
      return;
    case 'For':
    case 'AsyncEach':
    case 'AsyncAll': {
      visit(node.arr, scope, found);
      const inner = new Set([...scope, ...symbolsIn(node.name), 'loop']);
      visit(node.body, inner, found);
      visit(node.else_, scope, found);
      return;
    }
    case 'Macro':
    case 'Caller': {
      const args = node.args as TemplateNode | undefined;
      const params = (args?.children ?? []).flatMap((arg) =>
        arg.typename === 'KeywordArgs'
          ? (arg.children ?? []).flatMap((pair) => symbolsIn(pair.key))
          : symbolsIn(arg),
      );
      // Default values of macro arguments are evaluated in the outer scope.
      for (const arg of args?.children ?? []) if (arg.typename === 'KeywordArgs') visit(arg, scope, found);
      visit(node.body, new Set([...scope, ...params]), found);
      return;
    }
    case 'Set':
      visit(node.value, scope, found);
      visit(node.body, scope, found);
      return;
    case 'Import':
    case 'FromImport':
    case 'Include':
    case 'Extends':
      visit(node.template, scope, found);
      return;
    default:
      for (const field of node.fields) visit(node[field], scope, found);
  }
}

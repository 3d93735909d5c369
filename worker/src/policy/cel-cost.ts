// A bound on what one CEL condition may cost (MXCP has none; @bufbuild/cel has no cost limit). The
// only CEL construct whose work grows faster than its input is a comprehension (the all, exists,
// exists_one, map and filter macros): nested k deep over collections of n items it runs about n^k
// steps, so `tags.all(a, tags.all(b, tags.all(c, …)))` over a caller's 300-item list would block the
// worker for minutes. Before evaluating, the estimate n^k, with n the largest list or map anywhere
// in the bindings, is checked against a budget; over it, the condition is not run and the call is
// denied (fail closed, like any condition that cannot be evaluated).

/** Estimated comprehension steps one evaluation may take. */
export const CEL_COST_LIMIT = 1_000_000;

interface ExprNode {
  exprKind?: { case?: string; value?: unknown };
}

/** The deepest nesting of comprehensions in a parsed expression (0 without any). */
export function comprehensionDepth(expr: unknown): number {
  const node = expr as ExprNode | undefined;
  if (!node || typeof node !== 'object') return 0;
  let deepest = 0;
  const visit = (child: unknown) => {
    if (Array.isArray(child)) for (const c of child) deepest = Math.max(deepest, comprehensionDepth(c));
    else if (child && typeof child === 'object') deepest = Math.max(deepest, comprehensionDepth(child));
  };
  const value = node.exprKind?.value;
  if (value && typeof value === 'object')
    for (const [key, child] of Object.entries(value)) if (key !== '$typeName') visit(child);
  return node.exprKind?.case === 'comprehensionExpr' ? deepest + 1 : deepest;
}

/** The size of the largest list or map anywhere in `value` (1 for scalars). */
export function largestCollection(value: unknown, depth = 0): number {
  if (value === null || typeof value !== 'object' || depth > 64) return 1;
  const items: unknown[] = Array.isArray(value)
    ? value
    : value instanceof Map
      ? [...value.values()]
      : value instanceof Uint8Array || value instanceof Date
        ? []
        : Object.values(value);
  let largest = items.length;
  for (const item of items) largest = Math.max(largest, largestCollection(item, depth + 1));
  return Math.max(largest, 1);
}

/** The estimated steps, or undefined when within the budget. */
export function overBudget(
  depth: number,
  bindings: Record<string, unknown>,
  limit = CEL_COST_LIMIT,
): number | undefined {
  if (depth === 0) return undefined;
  const estimate = largestCollection(bindings) ** depth;
  return estimate > limit ? estimate : undefined;
}

// CEL conditions of policy rules (MXCP-SPEC §5), on @bufbuild/cel: parsed and
// planned once at load time, evaluated per call against JSON-like bindings.
// MXCP converts its context with celpy's json_to_cel, so JSON integers are CEL
// `int` and other numbers `double`; toCel does the same, which keeps
// `x + 1 == 6` and `string(id) == user.user_id` working on integer parameters.
import { celEnv, isCelError, parse, plan, type CelInput } from '@bufbuild/cel';
import { CEL_COST_LIMIT, comprehensionDepth, overBudget } from './cel-cost.js';

/** A condition that did not parse; `line` and `column` are 1-based within the expression. */
export class CelSyntaxError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'CelSyntaxError';
  }
}

/** A condition that failed while evaluating (unknown field, bad overload, non-boolean result, …). */
export class CelEvaluationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CelEvaluationError';
  }
}

export interface CompiledCondition {
  readonly source: string;
  /** True or false; throws CelEvaluationError otherwise. */
  evaluate(bindings: Record<string, unknown>): boolean;
}

// One environment for every policy: the CEL standard library, no custom functions (as MXCP).
const environment = celEnv();

export function compileCondition(source: string): CompiledCondition {
  let program: ReturnType<typeof plan>;
  let depth: number;
  try {
    const parsed = parse(source);
    depth = comprehensionDepth(parsed.expr);
    program = plan(environment, parsed);
  } catch (error) {
    throw syntaxError(error);
  }
  return {
    source,
    evaluate(bindings) {
      const estimate = overBudget(depth, bindings);
      if (estimate !== undefined)
        throw new CelEvaluationError(
          `condition would take about ${estimate.toExponential(1)} steps (${depth} nested comprehensions over the inputs), over the limit of ${CEL_COST_LIMIT.toExponential(0)}`,
        );
      const cel: Record<string, CelInput> = {};
      for (const [name, value] of Object.entries(bindings)) cel[name] = toCel(value);
      let result: unknown;
      try {
        result = program(cel);
      } catch (error) {
        throw new CelEvaluationError(error instanceof Error ? error.message : String(error));
      }
      if (isCelError(result)) throw new CelEvaluationError(result.message);
      // MXCP uses Python truthiness; a condition that is not a boolean is a mistake, and
      // treating it as one (rather than guessing) keeps evaluation fail-closed.
      if (typeof result !== 'boolean') {
        throw new CelEvaluationError(`condition must evaluate to a bool, got ${describe(result)}`);
      }
      return result;
    },
  };
}

/** JSON-like JS values as CEL inputs: safe integers → int, objects → maps, dates → ISO strings. */
export function toCel(value: unknown): CelInput {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
    case 'bigint':
      return value;
    case 'number':
      return Number.isSafeInteger(value) ? BigInt(value) : value;
    case 'object':
      break;
    default:
      return null;
  }
  if (Array.isArray(value)) return value.map(toCel);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return value;
  const map = new Map<string, CelInput>();
  for (const [key, item] of Object.entries(value)) map.set(key, toCel(item));
  return map;
}

function syntaxError(error: unknown): CelSyntaxError {
  const message = error instanceof Error ? error.message : String(error);
  // The parser says "<input>:LINE:COL: what"; keep "what" and the column.
  const match = /^<input>:(\d+):(\d+):\s*(.*)$/s.exec(message);
  if (!match) return new CelSyntaxError(message);
  return new CelSyntaxError(match[3], Number(match[1]), Number(match[2]));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return 'double';
  if (Array.isArray(value)) return 'list';
  return typeof value === 'object' ? 'map' : typeof value;
}

// TypeBox builders for the Kubernetes flavour of OpenAPI v3 (structural
// schemas). The CRD schema and the TypeScript types come from the same
// definitions, so these builders only emit what the API server accepts: every
// node typed, enums instead of `const`/`anyOf`, maps as `additionalProperties`
// (never `patternProperties`), and the `x-kubernetes-*` extensions as options.
import { Type, type SchemaOptions, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

/** One CEL rule (`x-kubernetes-validations`); cost-bounded rules only (see the schema's bounds). */
export interface CelRule {
  rule: string;
  message: string;
  /** JSON path (relative to the node) of the field the error is reported on. */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** Schema options including the Kubernetes extensions this project uses. */
export interface KubeOptions extends SchemaOptions {
  'x-kubernetes-validations'?: CelRule[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
}

/** A string restricted to `values` (`type: string` + `enum`, which the API server accepts). */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: KubeOptions = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

/** A map with string keys (`additionalProperties`, never `patternProperties`). */
export function MapOf<T extends TSchema>(
  values: T,
  options: KubeOptions = {},
): TUnsafe<Record<string, Static<T>>> {
  return Type.Unsafe<Record<string, Static<T>>>({ ...options, type: 'object', additionalProperties: values });
}

/** A resource quantity (`100m`, `1Gi`, `2`): integer or string, as in core/v1. */
export function Quantity(options: KubeOptions = {}): TUnsafe<string | number> {
  return Type.Unsafe<string | number>({
    ...options,
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    pattern:
      '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
  });
}

/**
 * An object whose content the API server keeps as is (core types we do not
 * re-declare, such as affinity). Render passes it through unchanged.
 */
export function OpaqueObject<T = Record<string, unknown>>(options: KubeOptions = {}): TUnsafe<T> {
  return Type.Unsafe<T>({ ...options, type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
}

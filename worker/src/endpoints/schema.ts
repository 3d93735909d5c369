// The one source of truth for MXCP endpoint files (tools/, resources/, prompts/).
// TypeBox gives both the JSON Schema (checked with ajv, errors mapped back to
// YAML positions by the loader) and the TypeScript types (Static<>), so the two
// cannot drift apart. Field names and meanings follow MXCP-SPEC §4.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const TYPE_NAMES = ['string', 'number', 'integer', 'boolean', 'array', 'object'] as const;
export const STRING_FORMATS = ['email', 'uri', 'date', 'time', 'date-time', 'duration', 'timestamp'] as const;
export const LANGUAGES = ['sql', 'python'] as const;
export const POLICY_ACTIONS = ['deny', 'filter_fields', 'mask_fields', 'filter_sensitive_fields'] as const;
export const PARAMETER_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';

const literals = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)));

/** The keys shared by every MXCP type (MXCP-SPEC §4.4); `self` is the nested type. */
function typeFields<T extends TSchema>(self: T) {
  return {
    type: literals(TYPE_NAMES),
    format: Type.Optional(literals(STRING_FORMATS)),
    description: Type.Optional(Type.String()),
    default: Type.Optional(Type.Unknown()),
    examples: Type.Optional(Type.Array(Type.Unknown())),
    enum: Type.Optional(Type.Array(Type.Unknown())),
    sensitive: Type.Optional(Type.Boolean()),
    minLength: Type.Optional(Type.Integer({ minimum: 0 })),
    maxLength: Type.Optional(Type.Integer({ minimum: 0 })),
    pattern: Type.Optional(Type.String()),
    minimum: Type.Optional(Type.Number()),
    maximum: Type.Optional(Type.Number()),
    exclusiveMinimum: Type.Optional(Type.Number()),
    exclusiveMaximum: Type.Optional(Type.Number()),
    multipleOf: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    minItems: Type.Optional(Type.Integer({ minimum: 0 })),
    maxItems: Type.Optional(Type.Integer({ minimum: 0 })),
    uniqueItems: Type.Optional(Type.Boolean()),
    items: Type.Optional(self),
    properties: Type.Optional(Type.Record(Type.String(), self)),
    required: Type.Optional(Type.Array(Type.String())),
    additionalProperties: Type.Optional(Type.Boolean()),
  };
}

/** A type: `return:`, array `items`, object `properties.*`. `name` is optional here. */
export const TypeDefinition = Type.Recursive(
  (This) =>
    Type.Object({ name: Type.Optional(Type.String()), ...typeFields(This) }, { additionalProperties: false }),
  { $id: 'TypeDefinition' },
);
export type TypeDefinition = Static<typeof TypeDefinition>;

/** A parameter is a type with a required, identifier-like name. */
export const Parameter = Type.Object(
  {
    name: Type.String({
      pattern: PARAMETER_NAME_PATTERN,
      patternMessage:
        "invalid name {value}: must start with a letter or '_' and contain only letters, digits and '_'",
    }),
    ...typeFields(Type.Ref(TypeDefinition)),
  },
  { additionalProperties: false },
);
export type Parameter = Static<typeof Parameter>;

export const Source = Type.Object(
  {
    code: Type.Optional(Type.String()),
    file: Type.Optional(Type.String()),
    language: Type.Optional(literals(LANGUAGES)),
  },
  { additionalProperties: false },
);
export type Source = Static<typeof Source>;

export const PolicyRule = Type.Object(
  {
    condition: Type.String({ minLength: 1 }),
    action: literals(POLICY_ACTIONS),
    reason: Type.Optional(Type.String()),
    fields: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);
export type PolicyRule = Static<typeof PolicyRule>;

export const Policies = Type.Object(
  { input: Type.Optional(Type.Array(PolicyRule)), output: Type.Optional(Type.Array(PolicyRule)) },
  { additionalProperties: false },
);
export type Policies = Static<typeof Policies>;

/** One `tests:` entry (MXCP-SPEC §4.7). */
export const TestDefinition = Type.Object(
  {
    name: Type.String(),
    description: Type.Optional(Type.String()),
    arguments: Type.Array(
      Type.Object({ key: Type.String(), value: Type.Unknown() }, { additionalProperties: false }),
    ),
    user_context: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    result: Type.Optional(Type.Unknown()),
    result_contains: Type.Optional(Type.Unknown()),
    result_not_contains: Type.Optional(Type.Array(Type.String())),
    result_contains_item: Type.Optional(Type.Unknown()),
    result_contains_all: Type.Optional(Type.Array(Type.Unknown())),
    result_length: Type.Optional(Type.Integer({ minimum: 0 })),
    result_contains_text: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type TestDefinition = Static<typeof TestDefinition>;

export const ToolAnnotations = Type.Object(
  {
    title: Type.Optional(Type.String()),
    readOnlyHint: Type.Optional(Type.Boolean()),
    destructiveHint: Type.Optional(Type.Boolean()),
    idempotentHint: Type.Optional(Type.Boolean()),
    openWorldHint: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ToolAnnotations = Static<typeof ToolAnnotations>;

const common = {
  description: Type.Optional(Type.String()),
  tags: Type.Optional(Type.Array(Type.String())),
  parameters: Type.Optional(Type.Array(Parameter)),
  return: Type.Optional(Type.Ref(TypeDefinition)),
  enabled: Type.Optional(Type.Boolean()),
  tests: Type.Optional(Type.Array(TestDefinition)),
  policies: Type.Optional(Policies),
};

const executable = {
  language: Type.Optional(literals(LANGUAGES)),
  source: Type.Optional(Source),
};

export const ToolDefinition = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    annotations: Type.Optional(ToolAnnotations),
    ...common,
    ...executable,
  },
  { additionalProperties: false },
);
export type ToolDefinition = Static<typeof ToolDefinition>;

export const ResourceDefinition = Type.Object(
  {
    uri: Type.String({ minLength: 1 }),
    name: Type.Optional(Type.String()),
    mime_type: Type.Optional(Type.String()),
    ...common,
    ...executable,
  },
  { additionalProperties: false },
);
export type ResourceDefinition = Static<typeof ResourceDefinition>;

export const PromptMessage = Type.Object(
  { prompt: Type.String(), role: Type.Optional(Type.String()), type: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
export type PromptMessage = Static<typeof PromptMessage>;

export const PromptDefinition = Type.Object(
  { name: Type.String({ minLength: 1 }), messages: Type.Array(PromptMessage), ...common },
  { additionalProperties: false },
);
export type PromptDefinition = Static<typeof PromptDefinition>;

/** A whole endpoint file. "Exactly one of tool/resource/prompt" is checked by the loader, with a clear message. */
export const EndpointFile = Type.Object(
  {
    mxcp: Type.Optional(Type.Union([Type.Integer(), Type.String({ pattern: '^[0-9]+$' })])),
    tool: Type.Optional(ToolDefinition),
    resource: Type.Optional(ResourceDefinition),
    prompt: Type.Optional(PromptDefinition),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
export type EndpointFile = Static<typeof EndpointFile>;

export type EndpointKind = 'tool' | 'resource' | 'prompt';
export type EndpointDefinition = ToolDefinition | ResourceDefinition | PromptDefinition;

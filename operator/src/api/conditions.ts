// Status conditions: the standard metav1.Condition shape (kstatus-compatible,
// so ArgoCD and Flux read it) and the condition types this operator reports.
import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from './openapi.js';

export const CONDITION_TYPES = ['Ready', 'Progressing', 'Degraded', 'ConfigValid', 'Reloaded'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

export const Condition = Type.Object(
  {
    type: Type.String({
      description: 'Condition type in CamelCase (Ready, Progressing, Degraded, ConfigValid, Reloaded).',
      maxLength: 316,
      pattern:
        '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    }),
    status: StringEnum(['True', 'False', 'Unknown'] as const, { description: 'True, False or Unknown.' }),
    observedGeneration: Type.Optional(
      Type.Integer({
        description: 'The generation this condition was set for.',
        format: 'int64',
        minimum: 0,
      }),
    ),
    lastTransitionTime: Type.String({ description: 'When the status last changed.', format: 'date-time' }),
    reason: Type.String({
      description: 'CamelCase reason, part of the API.',
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    }),
    message: Type.String({ description: 'Human-readable details.', maxLength: 32768 }),
  },
  { additionalProperties: false, description: 'A metav1.Condition.' },
);
export type Condition = Static<typeof Condition>;

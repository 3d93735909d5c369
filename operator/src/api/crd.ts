// The CustomResourceDefinition of MxcpProject, built from the TypeBox schema:
// the generator writes it to crds/, the staleness test compares it, the
// controller tests apply it to a real API server.
import { stringify } from 'yaml';
import {
  API_VERSION,
  GROUP,
  KIND,
  MxcpProjectSpec,
  MxcpProjectStatus,
  PLURAL,
  ROOT_VALIDATIONS,
  SHORT_NAMES,
  SINGULAR,
  VERSION,
} from './mxcpproject.js';

export const CRD_NAME = `${PLURAL}.${GROUP}`;
export const CRD_FILE = `crds/${GROUP}_${PLURAL}.yaml`;

/**
 * Annotations for GitOps tools: ArgoCD syncs the CRD with server-side apply, which keeps it free of
 * the client-side `last-applied-configuration` annotation (capped at 262144 bytes, a limit growing
 * CRDs hit) and lets kubectl, Helm and ArgoCD share its fields without conflicts on equal values.
 */
export const CRD_ANNOTATIONS = {
  'argocd.argoproj.io/sync-options': 'ServerSideApply=true',
};

export type JsonSchema = Record<string, unknown>;

export const PRINTER_COLUMNS = [
  {
    name: 'Ready',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Ready")].status',
    description: 'Ready condition',
  },
  { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas', description: 'Desired worker pods' },
  { name: 'Endpoint', type: 'string', jsonPath: '.status.url', description: 'In-cluster MCP URL' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  {
    name: 'Reason',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
    priority: 1,
    description: 'Why the project is (not) ready',
  },
  {
    name: 'Reloaded',
    type: 'string',
    jsonPath: '.status.reload.reloadedReplicas',
    priority: 1,
    description: 'Ready workers running the current secrets hash (hot reload)',
  },
];

/** The `openAPIV3Schema` of the CRD: structural, with the root-level CEL rules. */
export function openApiSchema(): JsonSchema {
  return {
    type: 'object',
    description:
      'MxcpProject runs one MXCP project (endpoints, SQL, policies) as a Deployment of MXCP workers, with its Service, configuration, storage and audit cleanup.',
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion of this object (mxcp.dev/v1alpha1).' },
      kind: { type: 'string', description: 'Kind of this object (MxcpProject).' },
      metadata: { type: 'object' },
      spec: toStructural(MxcpProjectSpec),
      status: toStructural(MxcpProjectStatus),
    },
    'x-kubernetes-validations': ROOT_VALIDATIONS,
  };
}

export function buildCrd(): JsonSchema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME, annotations: CRD_ANNOTATIONS },
    spec: {
      group: GROUP,
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: SINGULAR,
        shortNames: SHORT_NAMES,
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: PRINTER_COLUMNS,
          schema: { openAPIV3Schema: openApiSchema() },
        },
      ],
    },
  };
}

export function renderCrdYaml(): string {
  const header = `# Generated from operator/src/api (${API_VERSION} ${KIND}) by test/support/generate-crd.ts. Do not edit.\n`;
  return header + stringify(buildCrd(), { lineWidth: 0, singleQuote: true });
}

/**
 * A TypeBox schema as the API server wants it: plain JSON (TypeBox's symbols
 * dropped) without `additionalProperties: false`, which structural schemas
 * forbid (the API server prunes or, with strict field validation, rejects
 * unknown fields instead).
 */
export function toStructural(schema: unknown): JsonSchema {
  return strip(JSON.parse(JSON.stringify(schema))) as JsonSchema;
}

function strip(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strip);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  // type and description first: the generated YAML reads top-down.
  const entries = Object.entries(node).sort(([a], [b]) => rank(a) - rank(b));
  for (const [key, value] of entries) {
    if (key === 'additionalProperties' && value === false) continue;
    // Defaults and enums are data, not schemas: copy them as they are.
    out[key] = key === 'default' || key === 'enum' ? value : strip(value);
  }
  return out;
}

const FIRST_KEYS = ['type', 'description'];
function rank(key: string): number {
  const index = FIRST_KEYS.indexOf(key);
  return index === -1 ? FIRST_KEYS.length : index;
}

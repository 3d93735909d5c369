// The chart's copy of the MxcpProject CRD (charts/mxcp-operator/templates/crds/mxcpprojects.yaml),
// derived from the generated CRD (crds/) by `npm run generate`: the same spec, wrapped in
// `crds.install`, with the chart's labels, `helm.sh/resource-policy: keep` and crds.annotations.
// A template rather than a file in the chart's crds/ folder, because Helm installs crds/ once and
// never upgrades it; the keep policy makes `helm uninstall` leave the CRD and every project alone.
import { parseDocument, stringify } from 'yaml';

export const CHART_CRD_TEMPLATE = 'charts/mxcp-operator/templates/crds/mxcpprojects.yaml';

interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec: unknown;
}

/** The chart template for a CRD given as the generated YAML text. */
export function renderChartCrdTemplate(crdYaml: string): string {
  const crd = parseDocument(crdYaml).toJSON() as Crd;
  const body = stringify(
    { apiVersion: crd.apiVersion, kind: crd.kind, spec: crd.spec },
    { lineWidth: 0, singleQuote: true },
  );
  // Go templates would read `{{` in a description as an action.
  if (body.includes('{{')) throw new Error('the CRD contains "{{": escape it before templating');
  const [head, spec] = splitAt(body, 'spec:\n');
  const annotations = Object.entries(crd.metadata.annotations ?? {}).map(
    ([k, v]) => `    ${k}: ${stringify(v).trim()}`,
  );
  return [
    '{{- /*',
    'Generated from crds/mxcp.dev_mxcpprojects.yaml by test/support/generate-crd.ts (npm run generate).',
    'Do not edit. helm upgrade applies it like any template; helm uninstall keeps it (resource-policy).',
    '*/ -}}',
    '{{- if .Values.crds.install }}',
    head.trimEnd(),
    'metadata:',
    `  name: ${crd.metadata.name}`,
    '  labels:',
    '    {{- include "mxcp-operator.labels" . | nindent 4 }}',
    '  annotations:',
    ...annotations,
    '    # helm uninstall leaves the CRD, and so every MxcpProject, in place.',
    '    helm.sh/resource-policy: keep',
    '    {{- with .Values.crds.annotations }}',
    '    {{- toYaml . | nindent 4 }}',
    '    {{- end }}',
    'spec:',
    spec.trimEnd(),
    '{{- end }}',
    '',
  ].join('\n');
}

function splitAt(text: string, marker: string): [string, string] {
  const at = text.indexOf(marker);
  if (at < 0 || (at > 0 && text[at - 1] !== '\n')) throw new Error(`no top-level "${marker.trim()}"`);
  return [text.slice(0, at), text.slice(at + marker.length)];
}

// What the cluster tests need from an installed release: the operator Deployment exactly as Helm
// applied it (`helm get manifest`), turned into a local operator process's flags and environment,
// so the process that reconciles in the test runs with the chart's own settings, as the chart's
// ServiceAccount. Only the ports are replaced (0 = any free port) and the pod's downward-API
// variables supplied.
import { parseAllDocuments } from 'yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProjectShape } from '../operator/operator-process.js';
import { REPO_ROOT, helmOk } from './helm.js';

interface ManifestObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: {
    template?: {
      spec: {
        serviceAccountName: string;
        containers: { args: string[]; env: { name: string; value?: string }[] }[];
      };
    };
  };
}

export interface ReleaseOperator {
  /** The Deployment's ServiceAccount. */
  serviceAccount: string;
  /** Flags after `run`, without the port flags (the test process binds free ports). */
  args: string[];
  /** The container's literal environment plus POD_NAME and POD_NAMESPACE. */
  env: Record<string, string>;
}

/** The objects Helm applied for a release. */
export async function releaseManifest(
  release: string,
  namespace: string,
  kubeconfig: string,
): Promise<ManifestObject[]> {
  const text = await helmOk(['get', 'manifest', release, '--namespace', namespace], { kubeconfig });
  return parseAllDocuments(text)
    .map((d) => d.toJSON() as ManifestObject | null)
    .filter((o): o is ManifestObject => o !== null);
}

export async function releaseOperator(
  release: string,
  namespace: string,
  kubeconfig: string,
): Promise<ReleaseOperator> {
  const deployments = (await releaseManifest(release, namespace, kubeconfig)).filter(
    (o) => o.kind === 'Deployment',
  );
  if (deployments.length !== 1) throw new Error(`expected one Deployment in release ${release}`);
  const pod = deployments[0].spec!.template!.spec;
  const [container] = pod.containers;
  if (container.args[0] !== 'run')
    throw new Error(`the operator container's first arg is not run: ${container.args[0]}`);
  const args = container.args.slice(1).filter((a) => !/^--(metrics|health)-port(=|$)/.test(a));
  const env: Record<string, string> = { POD_NAME: `${release}-local`, POD_NAMESPACE: namespace };
  for (const e of container.env) if (e.value !== undefined) env[e.name] = e.value;
  return { serviceAccount: pod.serviceAccountName, args, env };
}

/** config/samples/mxcp_v1alpha1_mxcpproject_hello.yaml, placed in `namespace`. */
export function helloSample(namespace: string): ProjectShape {
  const [doc] = parseAllDocuments(
    readFileSync(join(REPO_ROOT, 'config/samples/mxcp_v1alpha1_mxcpproject_hello.yaml'), 'utf8'),
  );
  const project = doc.toJSON() as ProjectShape;
  project.metadata.namespace = namespace;
  return project;
}

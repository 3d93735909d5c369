// What the hot-reload end-to-end tests share: a project whose DuckDB secret comes from a Kubernetes
// Secret (and a tool that shows it), the Secret itself, MCP clients talking to one worker pod by its
// address, and reads of the project's status, its worker pods and its Events.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { eventually } from '../../cluster/eventually.js';
import { applyProject, readProject, type ProjectShape } from '../../operator/operator-process.js';

export const SECRET_NAME = 'proxy-creds';
/** The label the operator's Secret watch selects by default. */
export const WATCHED = { 'mxcp.dev/watch': 'true' };

export const SHOW_SECRET_TOOL = `mxcp: 1
tool:
  name: show_proxy
  description: The HTTP proxy of the DuckDB secret that comes from the Kubernetes Secret
  return:
    type: string
  source:
    code: SELECT coalesce(string_agg(secret_string, ' | ' ORDER BY name), 'none') FROM duckdb_secrets()
`;

export function reloadProject(
  namespace: string,
  name: string,
  opts: { replicas: number; extraFiles?: Record<string, string> },
): ProjectShape {
  return {
    apiVersion: 'mxcp.dev/v1alpha1',
    kind: 'MxcpProject',
    metadata: { name, namespace },
    spec: {
      replicas: opts.replicas,
      files: {
        'mxcp-site.yml': `mxcp: 1\nproject: ${name}\nprofile: default\n`,
        'tools/show_proxy.yml': SHOW_SECRET_TOOL,
        ...(opts.extraFiles ?? {}),
      },
      secrets: [
        { name: 'proxy', type: 'http', secretRef: { name: SECRET_NAME }, keys: { HTTP_PROXY: 'proxy' } },
      ],
    },
  };
}

export async function writeProxySecret(kc: KubeConfig, namespace: string, proxy: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const body = { metadata: { name: SECRET_NAME, namespace, labels: WATCHED }, stringData: { proxy } };
  try {
    await core.replaceNamespacedSecret({ namespace, name: SECRET_NAME, body });
  } catch {
    await core.createNamespacedSecret({ namespace, body });
  }
}

export { applyProject };

export interface ProjectStatus {
  observedGeneration?: number;
  readyReplicas?: number;
  secretsHash?: string;
  reload?: {
    secretsHash: string;
    reloadedReplicas: number;
    readyReplicas: number;
    lastReloadTime?: string;
    failures?: Array<{ pod: string; message: string }>;
  };
  conditions?: Array<{ type: string; status: string; reason: string; message: string }>;
}

export async function statusOf(kc: KubeConfig, namespace: string, name: string): Promise<ProjectStatus> {
  return ((await readProject(kc, namespace, name)).status ?? {}) as ProjectStatus;
}

export function condition(status: ProjectStatus, type: string) {
  return status.conditions?.find((c) => c.type === type);
}

/** Waits until every one of `replicas` ready workers runs a secrets hash other than `not`. */
export async function waitReloaded(
  kc: KubeConfig,
  namespace: string,
  name: string,
  replicas: number,
  opts: { not?: string; timeoutMs?: number } = {},
): Promise<ProjectStatus> {
  return eventually(
    () => statusOf(kc, namespace, name),
    (s) =>
      s.secretsHash !== undefined &&
      s.secretsHash !== opts.not &&
      s.reload?.secretsHash === s.secretsHash &&
      s.reload.reloadedReplicas === replicas &&
      s.reload.readyReplicas === replicas &&
      condition(s, 'Reloaded')?.status === 'True',
    { timeoutMs: opts.timeoutMs ?? 120_000, intervalMs: 250, what: `${name}: ${replicas} workers reloaded` },
  );
}

/** The project's worker pods that are Ready, with an address. */
export async function readyPods(kc: KubeConfig, namespace: string, name: string): Promise<V1Pod[]> {
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedPod({
    namespace,
    labelSelector: `app.kubernetes.io/instance=${name},app.kubernetes.io/component=server`,
  });
  return list.items.filter(
    (p) =>
      !p.metadata?.deletionTimestamp &&
      p.status?.podIP &&
      p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
}

export async function waitReadyPods(
  kc: KubeConfig,
  namespace: string,
  name: string,
  count: number,
  accept: (pods: V1Pod[]) => boolean = () => true,
  timeoutMs = 180_000,
): Promise<V1Pod[]> {
  return eventually(
    () => readyPods(kc, namespace, name),
    (pods) => pods.length === count && accept(pods),
    { timeoutMs, intervalMs: 300, what: `${count} ready pods of ${name}` },
  );
}

/** An MCP client connected to one pod's MCP port. */
export async function podClient(pod: V1Pod): Promise<Client> {
  const client = new Client({ name: 'hot-reload-e2e', version: '1.0.0' });
  const url = new URL(`http://${pod.status!.podIP}:8000/mcp`);
  await client.connect(new StreamableHTTPClientTransport(url) as Transport);
  return client;
}

export async function callText(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<string> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`tool ${name} failed: ${JSON.stringify(result.content)}`);
  const content = result.content as Array<{ type: string; text?: string }>;
  return content.map((c) => c.text ?? '').join('');
}

/** Events about the project (events.k8s.io, as the operator records them). */
export async function projectEvents(
  kc: KubeConfig,
  namespace: string,
  name: string,
): Promise<Array<{ reason?: string; note?: string; type?: string }>> {
  const { EventsV1Api } = await import('@kubernetes/client-node');
  const list = await kc.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace });
  return list.items.filter((e) => e.regarding?.kind === 'MxcpProject' && e.regarding.name === name);
}

/**
 * Calls `show_proxy` on every client in a loop until stopped; counts calls and failures. The
 * failures are kept with their messages: a hot reload must not fail a single call.
 */
export function callLoop(clients: Client[]): { stop: () => Promise<{ calls: number; failures: string[] }> } {
  let running = true;
  let calls = 0;
  const failures: string[] = [];
  const loops = clients.map(async (client) => {
    while (running) {
      try {
        await callText(client, 'show_proxy');
        calls++;
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return { calls, failures };
    },
  };
}

// Kubeconfig files for the test control plane: one cluster, one user (client certificate or bearer
// token), one context, in the form both kubectl and @kubernetes/client-node read.
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

export type KubeconfigUser =
  | { name: string; certData: string; keyData: string }
  | { name: string; token: string };

/** Writes the kubeconfig with mode 0600 (it holds credentials). Data fields are base64. */
export async function writeKubeconfig(
  path: string,
  cluster: { server: string; caData: string },
  user: KubeconfigUser,
): Promise<string> {
  const credentials =
    'token' in user
      ? { token: user.token }
      : { 'client-certificate-data': user.certData, 'client-key-data': user.keyData };
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'mxcp-test',
        cluster: { server: cluster.server, 'certificate-authority-data': cluster.caData },
      },
    ],
    users: [{ name: user.name, user: credentials }],
    contexts: [{ name: 'mxcp-test', context: { cluster: 'mxcp-test', user: user.name } }],
    'current-context': 'mxcp-test',
  };
  await writeFile(path, stringify(doc), { mode: 0o600 });
  return path;
}

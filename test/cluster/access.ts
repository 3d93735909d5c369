// What a test needs from a running test control plane, given only its directory and address: an
// admin KubeConfig, the audit trail, and kubeconfigs for other identities (a service account via the
// TokenRequest API, or any user and groups via a client certificate signed by the cluster CA). It
// does not own the processes, so a test worker can use the cluster another process started.
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readAuditEvents, type AuditEvent, type AuditFilter } from './audit.js';
import { issueClientCert } from './certs.js';
import { writeKubeconfig } from './kubeconfig.js';

/** Serializable facts about a running control plane (vitest provide()s this to test files). */
export interface ClusterInfo {
  /** Root directory: certs/, logs/, kubeconfigs/, etcd data, audit log. */
  dir: string;
  /** Admin (system:masters) kubeconfig. */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** base64 of the CA certificate, as in certificate-authority-data. */
  caData: string;
  auditLogPath: string;
}

export const SERVICE_ACCOUNT_TOKEN_SECONDS = 24 * 3600;

export class ClusterAccess {
  constructor(readonly info: ClusterInfo) {}

  get dir(): string {
    return this.info.dir;
  }
  get kubeconfigPath(): string {
    return this.info.kubeconfigPath;
  }
  get server(): string {
    return this.info.server;
  }
  get caData(): string {
    return this.info.caData;
  }

  /** A fresh admin KubeConfig (client certificate, O=system:masters). */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(this.info.kubeconfigPath);
    return kc;
  }

  /** Audit events (Metadata level, ResponseComplete stage) recorded so far. */
  auditEvents(filter?: AuditFilter): Promise<AuditEvent[]> {
    return readAuditEvents(this.info.auditLogPath, filter);
  }

  /**
   * A kubeconfig that authenticates as service account `namespace/name` with a bound token from the
   * TokenRequest API. Creates the service account if it does not exist. Its user name in RBAC and
   * the audit log is `system:serviceaccount:<namespace>:<name>`.
   */
  async kubeconfigForServiceAccount(namespace: string, name: string): Promise<string> {
    const core = this.kubeConfig().makeApiClient(CoreV1Api);
    try {
      await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 409)) throw err;
    }
    const request = await core.createNamespacedServiceAccountToken({
      namespace,
      name,
      body: { spec: { audiences: [], expirationSeconds: SERVICE_ACCOUNT_TOKEN_SECONDS } },
    });
    const token = request.status?.token;
    if (!token) throw new Error(`TokenRequest for ${namespace}/${name} returned no token`);
    return writeKubeconfig(await this.kubeconfigFile(`sa-${namespace}-${name}`), this.info, {
      name: `system:serviceaccount:${namespace}:${name}`,
      token,
    });
  }

  /** A kubeconfig that authenticates as `name` in `groups` with a client certificate. */
  async kubeconfigForUser(name: string, groups: string[] = []): Promise<string> {
    const stem = `user-${safeFileName(name)}-${randomBytes(4).toString('hex')}`;
    const dir = join(this.info.dir, 'kubeconfigs');
    await mkdir(dir, { recursive: true });
    const certs = join(this.info.dir, 'certs');
    const pair = await issueClientCert(
      dir,
      { caCert: join(certs, 'ca.crt'), caKey: join(certs, 'ca.key') },
      name,
      groups,
      stem,
    );
    const [cert, key] = await Promise.all([readFile(pair.cert), readFile(pair.key)]);
    return writeKubeconfig(join(dir, `${stem}.yaml`), this.info, {
      name,
      certData: cert.toString('base64'),
      keyData: key.toString('base64'),
    });
  }

  private async kubeconfigFile(stem: string): Promise<string> {
    const dir = join(this.info.dir, 'kubeconfigs');
    await mkdir(dir, { recursive: true });
    return join(dir, `${safeFileName(stem)}-${randomBytes(4).toString('hex')}.yaml`);
  }
}

function safeFileName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, '_');
}

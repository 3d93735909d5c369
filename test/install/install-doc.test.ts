// docs/install.md promises that every command it shows is tested. This file keeps the promise:
// each command in the page's ```sh blocks must match an entry below, which names the test that runs
// it and words that test's source must contain (so a renamed flag in either place fails here); a
// command without an entry fails with a request to add its test. "Your first project" is run
// verbatim (its namespace renamed) against the shared cluster with the operator and the test kubelet,
// and so is the CRD-only apply.
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../cluster/eventually.js';
import { startTestKubelet, type TestKubelet } from '../cluster/kubelet/index.js';
import { useTestNamespace } from '../cluster/namespace.js';
import { OperatorProcess, REPO_ROOT, installCrd } from '../operator/operator-process.js';
import { kubectl } from './kubectl-support.js';

const DOC = join(REPO_ROOT, 'docs/install.md');

interface Tested {
  command: RegExp;
  /** The test file that runs the command, relative to the repository. */
  file: string;
  /** Words the test's source must contain: the command's arguments as that test passes them. */
  words: string[];
}

const TESTED: Tested[] = [
  {
    command: /^helm install mxcp charts\/mxcp-operator --namespace mxcp-system --create-namespace$/,
    file: 'test/install/helm-crd-lifecycle.test.ts',
    words: ["'install'", "'--create-namespace'", "'mxcp-system'"],
  },
  {
    command:
      /^helm install \S+ charts\/mxcp-operator --namespace (\S+) --set watchNamespace=\1 --set crds\.install=false --set rbac\.aggregateToDefaultRoles=false$/,
    file: 'test/install/helm-install.test.ts',
    words: [
      "'install'",
      'watchNamespace=${ns.name}',
      "'crds.install=false'",
      "'rbac.aggregateToDefaultRoles=false'",
    ],
  },
  {
    command: /^helm upgrade mxcp charts\/mxcp-operator --namespace mxcp-system --reuse-values$/,
    file: 'test/install/helm-install.test.ts',
    words: ["'upgrade'", "'--reuse-values'"],
  },
  {
    command: /^helm uninstall mxcp --namespace mxcp-system$/,
    file: 'test/install/helm-crd-lifecycle.test.ts',
    words: ["'uninstall'", 'OPERATOR_NAMESPACE'],
  },
  {
    command: /^kubectl apply -k config\/default --server-side$/,
    file: 'test/install/kustomize.test.ts',
    words: ["['apply', '-k', 'config/default', '--server-side']"],
  },
  {
    command: /^kubectl apply --server-side -f crds\/mxcp\.dev_mxcpprojects\.yaml$/,
    file: 'test/install/install-doc.test.ts',
    words: ["'crds/mxcp.dev_mxcpprojects.yaml'"],
  },
  {
    command:
      /^kubectl -n argocd patch configmap argocd-cm --type merge --patch-file config\/argocd\/argocd-cm\.yaml$/,
    file: 'test/install/argocd-cm.test.ts',
    words: ["'patch'", "'--patch-file'", "'config/argocd/argocd-cm.yaml'"],
  },
  // "Your first project": run below, verbatim.
  {
    command: /^kubectl create namespace analytics$/,
    file: 'test/install/install-doc.test.ts',
    words: ['FIRST_PROJECT'],
  },
  {
    command: /^kubectl apply -n analytics -f config\/samples\/mxcp_v1alpha1_mxcpproject_hello\.yaml$/,
    file: 'test/install/install-doc.test.ts',
    words: ['FIRST_PROJECT'],
  },
  {
    command: /^kubectl -n analytics get mxcp$/,
    file: 'test/install/install-doc.test.ts',
    words: ['FIRST_PROJECT'],
  },
  {
    command: /^kubectl -n analytics describe mxcp hello$/,
    file: 'test/install/install-doc.test.ts',
    words: ['FIRST_PROJECT'],
  },
];

/** The commands of every ```sh block, comments and blank lines removed. */
function docCommands(markdown: string, section?: string): string[] {
  const text = section
    ? markdown.slice(markdown.indexOf(section), markdown.indexOf('\n## ', markdown.indexOf(section) + 1))
    : markdown;
  const commands: string[] = [];
  for (const block of text.matchAll(/```sh\n([\s\S]*?)```/g))
    for (const line of block[1].split('\n')) {
      const command = line.replace(/\s+#.*$/, '').trim();
      if (command) commands.push(command);
    }
  return commands;
}

describe('docs/install.md', () => {
  it('shows only commands that some test runs', () => {
    const commands = docCommands(readFileSync(DOC, 'utf8'));
    expect(commands.length).toBeGreaterThan(8);
    const untested = commands.filter((c) => !TESTED.some((t) => t.command.test(c)));
    expect(untested, 'commands in docs/install.md without a test: add one and list it in TESTED').toEqual([]);
    for (const t of TESTED) {
      expect(
        commands.some((c) => t.command.test(c)),
        `${t.command} is no longer in the page: remove its entry`,
      ).toBe(true);
      const source = readFileSync(join(REPO_ROOT, t.file), 'utf8');
      for (const word of t.words) expect(source, `${t.file} should contain ${word}`).toContain(word);
    }
  });
});

const ns = useTestNamespace();

describe('docs/install.md, run verbatim', { timeout: 300_000 }, () => {
  let kubelet: TestKubelet | undefined;
  let operator: OperatorProcess | undefined;
  let root: string | undefined;
  let created: string | undefined;

  afterAll(async () => {
    await operator?.stop('SIGTERM', 10_000);
    await kubelet?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
    if (created)
      await ns
        .kubeConfig()
        .makeApiClient(CoreV1Api)
        .deleteNamespace({ name: created })
        .catch(() => undefined);
  });

  it('installs the CRD alone with kubectl', async () => {
    const kubeconfig = ns.cluster.kubeconfigPath;
    const out = await kubectl(['apply', '--server-side', '-f', 'crds/mxcp.dev_mxcpprojects.yaml'], {
      kubeconfig,
    });
    expect(out).toMatch(
      /customresourcedefinition.apiextensions.k8s.io\/mxcpprojects.mxcp.dev serverside-applied/,
    );
  });

  it('FIRST_PROJECT: the hello sample becomes ready and kubectl shows its endpoint and conditions', async () => {
    const kubeconfig = ns.cluster.kubeconfigPath;
    await installCrd(ns.kubeConfig());
    const namespace = `${ns.name}-first`;
    const commands = docCommands(readFileSync(DOC, 'utf8'), '## Your first project').map((c) =>
      c.replaceAll('analytics', namespace),
    );
    expect(commands[0]).toBe(`kubectl create namespace ${namespace}`);
    const run = (command: string) => kubectl(command.split(' ').slice(1), { kubeconfig });

    await run(commands[0]);
    created = namespace;
    root = mkdtempSync(join(tmpdir(), 'mxcp-install-doc-'));
    kubelet = await startTestKubelet({
      kubeConfig: ns.kubeConfig(),
      namespaces: [namespace],
      rootDir: join(root, 'kubelet'),
    });
    operator = new OperatorProcess({
      name: 'operator',
      kubeconfig,
      args: ['--namespace', namespace, '--leader-election-namespace', namespace],
    });
    expect(await run(commands[1])).toContain('mxcpproject.mxcp.dev/hello created');

    const table = await eventually(
      () => run(commands[2]),
      (out) => /^hello\s+True\s+1\s+http:\/\/hello\.\S+\.svc:8000\/mcp\s+\S+$/m.test(out),
      { timeoutMs: 240_000, intervalMs: 1000, what: 'kubectl get mxcp showing hello ready' },
    );
    expect(table).toMatch(/^NAME\s+READY\s+REPLICAS\s+ENDPOINT\s+AGE$/m);
    const described = await run(commands[3]);
    expect(described).toMatch(/Type:\s+Ready[\s\S]*Status:\s+True/);
    expect(described).toContain('ConfigValid');
  });
});

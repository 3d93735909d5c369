// The test node's Node object: registered Ready with this machine's capacity and the kubelet's pod
// CIDR, deleted on stop. There is no heartbeat (node Lease, periodic status): the test control plane
// runs no node lifecycle controller that would mark a silent node NotReady.
import type { CoreV1Api } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { cpus, totalmem } from 'node:os';
import { isNotFound } from '../../../operator/src/kube/errors.js';
import { now } from './pod-status.js';

export const TEST_KUBELET_LABEL = 'mxcp.dev/test-kubelet';
/** The node's address: pods run on this machine, so the host is loopback. */
export const HOST_IP = '127.0.0.1';

export async function registerNode(core: CoreV1Api, name: string, podCIDR: string): Promise<void> {
  await core.createNode({
    body: {
      metadata: {
        name,
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': arch(),
          [TEST_KUBELET_LABEL]: 'true',
        },
      },
      spec: { podCIDR, podCIDRs: [podCIDR] },
    },
  });
  const resources = {
    cpu: String(cpus().length),
    memory: `${Math.floor(totalmem() / 1024)}Ki`,
    pods: '110',
    'ephemeral-storage': '10Gi',
  };
  const time = now();
  await core.patchNodeStatus(
    {
      name,
      body: {
        status: {
          capacity: resources,
          allocatable: resources,
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'test kubelet is posting ready status',
              lastHeartbeatTime: time,
              lastTransitionTime: time,
            },
          ],
          addresses: [
            { type: 'InternalIP', address: HOST_IP },
            { type: 'Hostname', address: name },
          ],
          nodeInfo: {
            machineID: '',
            systemUUID: '',
            bootID: '',
            kernelVersion: '',
            osImage: 'test kubelet (processes, no containers)',
            containerRuntimeVersion: 'test-kubelet://0',
            kubeletVersion: 'v0.0.0-test',
            kubeProxyVersion: '',
            operatingSystem: 'linux',
            architecture: arch(),
          },
        },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

export async function deleteNode(core: CoreV1Api, name: string): Promise<void> {
  try {
    await core.deleteNode({ name });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

function arch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch;
}

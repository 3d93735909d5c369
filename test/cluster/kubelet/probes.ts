// Probes as the kubelet runs them: httpGet (2xx/3xx is success) and tcpSocket against the pod's
// address, named ports resolved from the container's ports, Kubernetes' defaults for the timing
// fields. exec and grpc probes are not supported: they always fail, with a reason in the pod's log.
import type { V1Container, V1Probe } from '@kubernetes/client-node';
import { request } from 'node:http';
import { connect } from 'node:net';

export interface ProbeTiming {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

export function probeTiming(probe: V1Probe): ProbeTiming {
  return {
    initialDelayMs: (probe.initialDelaySeconds ?? 0) * 1000,
    periodMs: (probe.periodSeconds ?? 10) * 1000,
    timeoutMs: (probe.timeoutSeconds ?? 1) * 1000,
    successThreshold: probe.successThreshold ?? 1,
    failureThreshold: probe.failureThreshold ?? 3,
  };
}

export interface ProbeResult {
  ok: boolean;
  detail?: string;
}

export async function runProbe(probe: V1Probe, container: V1Container, podIp: string): Promise<ProbeResult> {
  const { timeoutMs } = probeTiming(probe);
  if (probe.httpGet) {
    const port = resolvePort(probe.httpGet.port, container);
    if (port === undefined) return { ok: false, detail: `unknown port '${probe.httpGet.port}'` };
    return httpProbe(podIp, port, probe.httpGet.path ?? '/', probe.httpGet.httpHeaders ?? [], timeoutMs);
  }
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port, container);
    if (port === undefined) return { ok: false, detail: `unknown port '${probe.tcpSocket.port}'` };
    return tcpProbe(podIp, port, timeoutMs);
  }
  return { ok: false, detail: 'exec and grpc probes are not supported by the test kubelet' };
}

function resolvePort(port: number | string, container: V1Container): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function httpProbe(
  host: string,
  port: number,
  path: string,
  headers: Array<{ name: string; value: string }>,
  timeoutMs: number,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = request(
      {
        host,
        port,
        path,
        headers: {
          'User-Agent': 'kube-probe/test-kubelet',
          ...Object.fromEntries(headers.map((h) => [h.name, h.value])),
        },
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve({ ok: code >= 200 && code < 400, detail: `HTTP ${code}` });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ ok: false, detail: err.message }));
    req.end();
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.on('connect', () => {
      socket.destroy();
      resolve({ ok: true });
    });
    socket.on('timeout', () => socket.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    socket.on('error', (err) => resolve({ ok: false, detail: err.message }));
  });
}

import { createServer, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../db/database.js';
import { startTelemetry } from './tracing.js';

interface Captured {
  path: string;
  contentType: string;
  apiKey: string | undefined;
  body: string;
}

const received: Captured[] = [];
const collector = createServer((req: IncomingMessage, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    received.push({
      path: req.url ?? '',
      contentType: String(req.headers['content-type']),
      apiKey: req.headers['x-api-key'] as string | undefined,
      body: Buffer.concat(chunks).toString('utf8'),
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mxcp-otlp-'));
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => collector.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

function config(port: number) {
  return {
    profileName: 'prod',
    site: { project: 'demo' },
    userProfile: {
      telemetry: {
        enabled: true,
        endpoint: `http://127.0.0.1:${port}`,
        headers: { 'x-api-key': 'k-123' },
        service_name: null,
        service_version: null,
        environment: null,
        resource_attributes: { team: 'data' },
        tracing: { enabled: true, console_export: true },
        metrics: { enabled: false, export_interval: 60 },
      },
    },
  };
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean };
type OtlpAttribute = { key: string; value: OtlpValue };
interface OtlpBody {
  resourceSpans: Array<{
    resource: { attributes: OtlpAttribute[] };
    scopeSpans: Array<{
      scope: { name: string };
      spans: Array<{ name: string; attributes: OtlpAttribute[] }>;
    }>;
  }>;
}

function attributeMap(attributes: OtlpAttribute[]): Record<string, unknown> {
  return Object.fromEntries(
    attributes.map((a) => [a.key, a.value.stringValue ?? a.value.intValue ?? a.value.boolValue]),
  );
}

describe('startTelemetry', () => {
  it('does nothing when telemetry is off', async () => {
    const handle = await startTelemetry(
      { profileName: 'dev', site: { project: 'demo' }, userProfile: {} },
      { env: {} },
    );
    expect(handle.tracing).toBe(false);
    await handle.shutdown();
  });

  it('exports spans over OTLP/HTTP to <endpoint>/v1/traces with MXCP resource attributes, and to the console', async () => {
    const { port } = collector.address() as AddressInfo;
    const consoleLines: string[] = [];
    const handle = await startTelemetry(config(port), {
      env: {},
      version: '9.9.9',
      writeConsole: (line) => consoleLines.push(line),
    });
    expect(handle.tracing).toBe(true);

    const db = await Database.open({ path: join(dir, 'db.duckdb'), readonly: false });
    try {
      await trace.getTracer('mxcp').startActiveSpan('mxcp.endpoint.execute', async (root) => {
        await db.query('SELECT $v AS v', { v: 'secret-param-7f3a' });
        root.end();
      });
    } finally {
      await db.close();
    }
    await handle.shutdown();

    expect(received.length).toBeGreaterThan(0);
    const request = received[0];
    expect(request.path).toBe('/v1/traces');
    expect(request.apiKey).toBe('k-123');
    expect(request.contentType).toContain('json');
    const body = JSON.parse(request.body) as OtlpBody;
    const resource = attributeMap(body.resourceSpans[0].resource.attributes);
    expect(resource).toMatchObject({
      'service.name': 'mxcp',
      'service.version': '9.9.9',
      'deployment.environment': 'prod',
      'mxcp.project': 'demo',
      'mxcp.profile': 'prod',
      team: 'data',
    });
    const spans = body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    expect(spans.map((s) => s.name).sort()).toEqual(['mxcp.duckdb.execute', 'mxcp.endpoint.execute']);
    const duckdb = spans.find((s) => s.name === 'mxcp.duckdb.execute')!;
    expect(attributeMap(duckdb.attributes)).toMatchObject({
      'db.system': 'duckdb',
      'db.operation': 'select',
    });
    expect(received.map((r) => r.body).join('')).not.toContain('secret-param-7f3a');

    const printed = consoleLines
      .map((l) => JSON.parse(l) as { span: { name: string } })
      .map((l) => l.span.name);
    expect(printed.sort()).toEqual(['mxcp.duckdb.execute', 'mxcp.endpoint.execute']);
  });
});

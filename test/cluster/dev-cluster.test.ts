// `make dev-cluster` works: it brings up its own control plane, kubelet, operator and the hello
// sample, prints an MCP URL that a real MCP client can call, and tears everything down on Ctrl-C.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, TSX_LOADER } from '../support/mxcp.js';
import { eventually } from './eventually.js';

describe('make dev-cluster', () => {
  it('prints an MCP URL serving the hello sample and a kubeconfig, and stops cleanly on SIGINT', async () => {
    const child = spawn(
      process.execPath,
      ['--import', TSX_LOADER, join(REPO_ROOT, 'test/cluster/dev-cluster.ts')],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, DEV_CLUSTER_PORT: '0' },
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const url = await eventually(
        async () => {
          if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}:\n${output}`);
          const m = /MCP URL:\s+(http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(output);
          if (!m) throw new Error('no MCP URL yet');
          return m[1];
        },
        () => true,
        { timeoutMs: 300_000, intervalMs: 500, what: 'the MCP URL' },
      );
      expect(output).toMatch(/kubeconfig: \/\S+/);
      expect(output).toMatch(/kubectl:\s+\S+kubectl --kubeconfig \S+ get mxcp/);
      const client = new Client({ name: 'dev-cluster-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url)) as Transport);
      const result = await client.callTool({ name: 'hello', arguments: { who: 'dev' } });
      expect(JSON.stringify(result.content)).toContain('hello dev');
      await client.close();
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited, output).toBe(0);
  }, 420_000);
});

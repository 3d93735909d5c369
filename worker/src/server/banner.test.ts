import { describe, expect, it } from 'vitest';
import {
  formatServeBanner,
  formatStartupFailure,
  httpUrl,
  startupFailureJson,
  wantsColor,
  type BannerInfo,
} from './banner.js';

const INFO: BannerInfo = {
  project: 'demo',
  profile: 'default',
  transport: 'streamable-http',
  host: 'localhost',
  port: 8000,
  readonly: true,
  stateless: false,
  sqlTools: false,
  counts: { tools: 3, resources: 1, prompts: 0 },
  skipped: 2,
};

const ANSI = '\u001b[';

describe('serve banner', () => {
  it('shows project, profile, transport, host, port, mode, stateless, SQL tools, counts, skipped and the listen URL', () => {
    const text = formatServeBanner(INFO);
    for (const line of [
      /Project:\s+demo/,
      /Profile:\s+default/,
      /Transport:\s+streamable-http/,
      /Host:\s+localhost/,
      /Port:\s+8000/,
      /Mode:\s+Read-only/,
      /Stateless:\s+No/,
      /SQL Tools:\s+Disabled/,
      /Endpoints:\s+3 tools, 1 resource, 0 prompts/,
      /Skipped:\s+2 endpoint\(s\) with errors/,
      /Listening on http:\/\/localhost:8000$/m,
    ]) {
      expect(text).toMatch(line);
    }
  });

  it('tells how to connect a client to the MCP URL', () => {
    const text = formatServeBanner(INFO);
    expect(text).toContain('claude mcp add --transport http demo http://localhost:8000/mcp');
    expect(text).toContain('npx @modelcontextprotocol/inspector');
  });

  it('uses a dialable host for a wildcard bind and the /sse URL for the SSE transport', () => {
    const text = formatServeBanner({
      ...INFO,
      host: '0.0.0.0',
      transport: 'sse',
      readonly: false,
      stateless: true,
      sqlTools: true,
    });
    expect(text).toMatch(/Listening on http:\/\/0\.0\.0\.0:8000/);
    expect(text).toContain('claude mcp add --transport sse demo http://localhost:8000/sse');
    expect(text).toMatch(/Mode:\s+Read-write/);
    expect(text).toMatch(/Stateless:\s+Yes/);
    expect(text).toMatch(/SQL Tools:\s+Enabled/);
  });

  it('quotes a project name that is not a plain shell word', () => {
    expect(formatServeBanner({ ...INFO, project: "my project's" })).toContain(
      `add --transport http 'my project'\\''s' http`,
    );
  });

  it('is plain without colour and coloured with it', () => {
    expect(formatServeBanner(INFO, false)).not.toContain(ANSI);
    expect(formatServeBanner(INFO, true)).toContain(ANSI);
  });
});

describe('startup failure report', () => {
  const failed = [
    { path: 'tools/bad.yml', error: "tool.parameters[0]: missing 'description'" },
    { path: 'prompts/p.yml', error: 'Message 0 uses undefined template variables: x' },
  ];

  it('counts the failed endpoints, lists each path with its error and suggests --ignore-errors', () => {
    const text = formatStartupFailure(failed);
    expect(text).toContain('❌ Server startup failed! Found 2 endpoint(s) with errors');
    expect(text).toContain("tools/bad.yml: tool.parameters[0]: missing 'description'");
    expect(text).toContain('prompts/p.yml: Message 0 uses undefined template variables: x');
    expect(text).toContain('--ignore-errors');
    expect(text).not.toContain(ANSI);
  });

  it('has a JSON form with status, message and failed_endpoints', () => {
    expect(startupFailureJson(failed)).toEqual({
      status: 'error',
      message: 'Server startup failed: 2 endpoint(s) with errors',
      failed_endpoints: failed,
    });
  });
});

describe('helpers', () => {
  it('brackets IPv6 hosts in URLs', () => {
    expect(httpUrl('::1', 80)).toBe('http://[::1]:80');
    expect(httpUrl('127.0.0.1', 80)).toBe('http://127.0.0.1:80');
  });

  it('wants colour only for a TTY', () => {
    expect(wantsColor({ isTTY: false })).toBe(false);
    expect(wantsColor({})).toBe(false);
    expect(wantsColor({ isTTY: true })).toBe(!process.env.NO_COLOR);
  });
});

// What `mxcp serve` prints: the startup banner for HTTP transports and the
// startup-failure report (human and `--json-output`), MXCP-SPEC §1 `serve`.
// Pure functions returning strings; the caller decides colour from its stream.
import pc from 'picocolors';

export type HttpTransportName = 'streamable-http' | 'sse';

export interface BannerInfo {
  project: string;
  profile: string;
  transport: HttpTransportName;
  host: string;
  port: number;
  readonly: boolean;
  stateless: boolean;
  sqlTools: boolean;
  counts: { tools: number; resources: number; prompts: number };
  /** Endpoints skipped because they failed to load (`--ignore-errors`). */
  skipped: number;
}

export interface FailedEndpoint {
  path: string;
  error: string;
}

/** Colour only for a terminal: piped output stays plain. */
export function wantsColor(stream: { isTTY?: boolean }): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR;
}

export function formatServeBanner(info: BannerInfo, color = false): string {
  const c = pc.createColors(color);
  const listen = httpUrl(info.host, info.port);
  const connectUrl = `${httpUrl(connectHost(info.host), info.port)}${info.transport === 'sse' ? '/sse' : '/mcp'}`;
  const clientTransport = info.transport === 'sse' ? 'sse' : 'http';
  const row = (label: string, value: string) => `  ${c.dim(label.padEnd(11))}${value}`;
  const { tools, resources, prompts } = info.counts;
  return [
    c.bold(c.cyan('🚀 MXCP Server')),
    row('Project:', c.bold(info.project)),
    row('Profile:', info.profile),
    row('Transport:', info.transport),
    row('Host:', info.host),
    row('Port:', String(info.port)),
    row('Mode:', info.readonly ? c.yellow('Read-only') : 'Read-write'),
    row('Stateless:', info.stateless ? 'Yes' : 'No'),
    row('SQL Tools:', info.sqlTools ? 'Enabled' : 'Disabled'),
    row(
      'Endpoints:',
      `${plural(tools, 'tool')}, ${plural(resources, 'resource')}, ${plural(prompts, 'prompt')}`,
    ),
    row('Skipped:', info.skipped > 0 ? c.yellow(`${info.skipped} endpoint(s) with errors`) : '0'),
    '',
    c.green(`✅ Listening on ${listen}`),
    '',
    `  MCP URL:   ${c.bold(connectUrl)}`,
    `  Claude:    claude mcp add --transport ${clientTransport} ${shellWord(info.project)} ${connectUrl}`,
    `  Inspector: npx @modelcontextprotocol/inspector  ${c.dim(`(transport ${info.transport === 'sse' ? 'SSE' : 'Streamable HTTP'}, URL ${connectUrl})`)}`,
    '',
  ].join('\n');
}

export function formatStartupFailure(failed: FailedEndpoint[], color = false): string {
  const c = pc.createColors(color);
  return [
    c.red(c.bold(`❌ Server startup failed! Found ${failed.length} endpoint(s) with errors:`)),
    ...failed.map((f) => `  • ${c.bold(f.path)}: ${f.error}`),
    '',
    c.yellow(
      '💡 Tip: fix the errors above, or start with --ignore-errors to serve the valid endpoints and skip the rest.',
    ),
    '',
  ].join('\n');
}

export interface StartupFailureJson {
  status: 'error';
  message: string;
  failed_endpoints: FailedEndpoint[];
}

export function startupFailureJson(failed: FailedEndpoint[]): StartupFailureJson {
  return {
    status: 'error',
    message: `Server startup failed: ${failed.length} endpoint(s) with errors`,
    failed_endpoints: failed.map((f) => ({ path: f.path, error: f.error })),
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

// A wildcard bind is not an address a client can dial.
function connectHost(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host;
}

/** `http://host:port`, with an IPv6 host in brackets. */
export function httpUrl(host: string, port: number): string {
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

function shellWord(word: string): string {
  return /^[\w.@%+=:,/-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

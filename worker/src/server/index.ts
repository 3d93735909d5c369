// The serving layer: MCP over streamable HTTP, legacy SSE and stdio on top of an
// Engine, plus what `mxcp serve` prints at startup.
export { createMcpServer, packageVersion, SERVER_NAME } from './mcp.js';
export type { EngineRef, McpServerOptions, ServerLogger } from './mcp.js';
export { startHttpServer, MCP_PATH } from './http.js';
export type { HttpServerHandle, HttpServerOptions } from './http.js';
export { serveStdio } from './stdio.js';
export type { StdioHandle, StdioOptions } from './stdio.js';
export { McpLogFanout, DEFAULT_SESSION_LOG_LEVEL, mcpLevelOf } from './logging.js';
export { allowedHostnames, isLoopbackHost } from './dns-rebinding.js';
export {
  formatServeBanner,
  formatStartupFailure,
  startupFailureJson,
  httpUrl,
  wantsColor,
} from './banner.js';
export type { BannerInfo, FailedEndpoint, HttpTransportName, StartupFailureJson } from './banner.js';
export { valueToText } from './results.js';

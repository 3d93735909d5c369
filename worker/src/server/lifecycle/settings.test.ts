import { describe, expect, it } from 'vitest';
import { lifecycleSettings } from './settings.js';

describe('lifecycleSettings', () => {
  it('leaves the admin port and socket off by default', () => {
    expect(lifecycleSettings({}, {}, 'localhost')).toEqual({
      reloadWaitTimeoutMs: 120_000,
      shutdownGraceMs: 5_000,
      secretsDir: undefined,
    });
  });

  it('turns the admin port on with a token file: port 8081 on the MCP host unless told otherwise', () => {
    expect(lifecycleSettings({ adminTokenFile: '/t' }, {}, '0.0.0.0').adminHttp).toEqual({
      host: '0.0.0.0',
      port: 8081,
      tokenFile: '/t',
    });
    const env = { MXCP_ADMIN_TOKEN_FILE: '/e', MXCP_ADMIN_PORT: '9000', MXCP_ADMIN_HOST: '10.0.0.1' };
    expect(lifecycleSettings({}, env, 'localhost').adminHttp).toEqual({
      host: '10.0.0.1',
      port: 9000,
      tokenFile: '/e',
    });
    expect(lifecycleSettings({ adminPort: '9100' }, env, 'localhost').adminHttp?.port).toBe(9100);
  });

  it('refuses an admin port without a token file', () => {
    expect(() => lifecycleSettings({ adminPort: '8081' }, {}, 'localhost')).toThrow(/--admin-token-file/);
  });

  it('enables the Unix socket with MXCP_ADMIN_ENABLED, at MXCP_ADMIN_SOCKET or MXCP’s default path', () => {
    expect(lifecycleSettings({}, { MXCP_ADMIN_ENABLED: 'true' }, 'h').adminSocket).toBe(
      '/run/mxcp/mxcp.sock',
    );
    const env = { MXCP_ADMIN_ENABLED: '1', MXCP_ADMIN_SOCKET: '/tmp/x.sock' };
    expect(lifecycleSettings({}, env, 'h').adminSocket).toBe('/tmp/x.sock');
    expect(lifecycleSettings({}, { MXCP_ADMIN_ENABLED: 'false' }, 'h').adminSocket).toBeUndefined();
  });

  it('reads durations in seconds and rejects nonsense', () => {
    const s = lifecycleSettings({ reloadWaitTimeout: '2.5' }, { MXCP_SHUTDOWN_GRACE: '30' }, 'h');
    expect([s.reloadWaitTimeoutMs, s.shutdownGraceMs]).toEqual([2500, 30_000]);
    expect(() => lifecycleSettings({ shutdownGrace: 'soon' }, {}, 'h')).toThrow(/--shutdown-grace/);
  });
});

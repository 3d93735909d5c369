import { describe, expect, it } from 'vitest';
import type { TelemetryConfig } from '../config/index.js';
import { parseKeyValueList, resolveTelemetrySettings, withPath } from './settings.js';

function source(telemetry?: Partial<TelemetryConfig>) {
  const full: TelemetryConfig | undefined = telemetry && {
    enabled: false,
    endpoint: null,
    headers: null,
    service_name: null,
    service_version: null,
    environment: null,
    resource_attributes: null,
    ...telemetry,
    tracing: { enabled: false, console_export: false, ...telemetry.tracing },
    metrics: { enabled: false, export_interval: 60, ...telemetry.metrics },
  };
  return { profileName: 'prod', site: { project: 'demo' }, userProfile: { telemetry: full } };
}

describe('resolveTelemetrySettings', () => {
  it('is off without a telemetry block or environment', () => {
    expect(resolveTelemetrySettings(source(), {}).tracing).toBe(false);
  });

  it('traces when the profile enables telemetry and tracing, appending /v1/traces to the endpoint', () => {
    const settings = resolveTelemetrySettings(
      source({
        enabled: true,
        endpoint: 'http://collector:4318/',
        tracing: { enabled: true, console_export: false },
      }),
      {},
      '2.0.0',
    );
    expect(settings.tracing).toBe(true);
    expect(settings.tracesUrl).toBe('http://collector:4318/v1/traces');
    expect(settings.resourceAttributes).toEqual({
      'service.name': 'mxcp',
      'service.version': '2.0.0',
      'deployment.environment': 'prod',
      'mxcp.project': 'demo',
      'mxcp.profile': 'prod',
    });
  });

  it('needs tracing.enabled as well as enabled when configured from the file', () => {
    const settings = resolveTelemetrySettings(source({ enabled: true, endpoint: 'http://c:4318' }), {});
    expect(settings.tracing).toBe(false);
  });

  it('lets environment variables override the file key by key', () => {
    const settings = resolveTelemetrySettings(
      source({
        enabled: false,
        endpoint: 'http://file:4318',
        headers: { 'x-a': 'file', 'x-b': 'file' },
        service_name: 'from-file',
        environment: 'staging',
        resource_attributes: { team: 'data', tier: 1 },
      }),
      {
        MXCP_TELEMETRY_ENABLED: 'true',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318/v1/traces',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-b=env%20value,broken,x-c=3',
        OTEL_SERVICE_NAME: 'from-env',
        OTEL_RESOURCE_ATTRIBUTES: 'team=platform',
      },
    );
    expect(settings.tracing).toBe(true);
    expect(settings.tracesUrl).toBe('http://env:4318/v1/traces');
    expect(settings.headers).toEqual({ 'x-a': 'file', 'x-b': 'env value', 'x-c': '3' });
    expect(settings.resourceAttributes).toMatchObject({
      'service.name': 'from-env',
      'deployment.environment': 'staging',
      team: 'platform',
      tier: 1,
    });
  });

  it('uses OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as a full URL, and honours OTEL_SDK_DISABLED', () => {
    const env = { MXCP_TELEMETRY_ENABLED: '1', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://x:1/custom' };
    expect(resolveTelemetrySettings(source(), env).tracesUrl).toBe('http://x:1/custom');
    expect(resolveTelemetrySettings(source(), { ...env, OTEL_SDK_DISABLED: 'true' }).tracing).toBe(false);
  });

  it('can switch the file setting off from the environment', () => {
    const on = source({
      enabled: true,
      endpoint: 'http://c:4318',
      tracing: { enabled: true, console_export: false },
    });
    expect(resolveTelemetrySettings(on, { MXCP_TELEMETRY_ENABLED: 'false' }).tracing).toBe(false);
  });

  it('traces to the console alone when console export is on and no endpoint is set', () => {
    const settings = resolveTelemetrySettings(source(), {
      MXCP_TELEMETRY_ENABLED: 'true',
      MXCP_TELEMETRY_TRACING_CONSOLE: 'true',
    });
    expect(settings).toMatchObject({ tracing: true, tracesUrl: null, consoleExport: true });
  });
});

describe('helpers', () => {
  it('appends a path only when missing', () => {
    expect(withPath('http://a:1', '/v1/traces')).toBe('http://a:1/v1/traces');
    expect(withPath('http://a:1/v1/traces/', '/v1/traces')).toBe('http://a:1/v1/traces');
  });

  it('parses OTel key=value lists', () => {
    expect(parseKeyValueList('a=1, b = two ,=x,c')).toEqual({ a: '1', b: 'two' });
    expect(parseKeyValueList(undefined)).toEqual({});
  });
});

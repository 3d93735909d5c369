// Starting and stopping trace export for `mxcp serve` (MXCP-SPEC §11): when the profile (or the
// environment) switches tracing on, a global tracer provider with MXCP's resource attributes,
// exporting over OTLP/HTTP and/or to stderr. Spans are made anywhere with
// `trace.getTracer('mxcp')`; they are no-ops until this runs.
import { context, trace, type TracerProvider } from '@opentelemetry/api';
import { FanOutSpanExporter, StderrSpanExporter, type SpanExporter } from './exporters.js';
import { resolveTelemetrySettings, type TelemetrySettings, type TelemetrySource } from './settings.js';

export interface TelemetryOptions {
  /** Defaults to process.env; OTEL_* and MXCP_TELEMETRY_* override the profile's block key by key. */
  env?: NodeJS.ProcessEnv;
  /** `service.version` unless the config sets one (the worker's package version). */
  version?: string;
  /** Where console export writes; defaults to stderr. */
  writeConsole?: (line: string) => void;
}

export interface TelemetryHandle {
  /** Whether spans are being exported. */
  readonly tracing: boolean;
  readonly settings: TelemetrySettings;
  /** Exports the spans finished so far. */
  flush(): Promise<void>;
  /** Flushes, stops exporting and unregisters the global provider. */
  shutdown(): Promise<void>;
}

/** Starts trace export if the settings ask for it; otherwise returns a handle that does nothing. */
export async function startTelemetry(
  config: TelemetrySource,
  opts: TelemetryOptions = {},
): Promise<TelemetryHandle> {
  const settings = resolveTelemetrySettings(config, opts.env ?? process.env, opts.version);
  if (!settings.tracing) {
    return { tracing: false, settings, flush: async () => {}, shutdown: async () => {} };
  }

  // Loaded only when tracing is on: the SDK is large and most runs never need it.
  const [{ NodeSDK }, { OTLPTraceExporter }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  const exporters: SpanExporter[] = [];
  if (settings.tracesUrl) {
    exporters.push(new OTLPTraceExporter({ url: settings.tracesUrl, headers: settings.headers }));
  }
  if (settings.consoleExport) exporters.push(new StderrSpanExporter(opts.writeConsole));

  const attributes = settings.resourceAttributes;
  const sdk = new NodeSDK({
    // Our attributes only (no host/process detection): what MXCP puts on its resource.
    autoDetectResources: true,
    resourceDetectors: [{ detect: () => ({ attributes }) }],
    traceExporter: exporters.length === 1 ? exporters[0] : new FanOutSpanExporter(exporters),
    // Traces only: metrics are scraped from /metrics, logs go to stderr.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();

  const flush = async (): Promise<void> => {
    await flushable(trace.getTracerProvider())?.forceFlush();
  };
  let stopping: Promise<void> | undefined;
  return {
    tracing: true,
    settings,
    flush,
    shutdown: () =>
      (stopping ??= (async () => {
        await sdk.shutdown();
        trace.disable();
        context.disable();
      })()),
  };
}

/** The SDK provider behind the API's proxy, when it can flush. */
function flushable(provider: TracerProvider): { forceFlush(): Promise<void> } | undefined {
  const delegate = (provider as { getDelegate?: () => TracerProvider }).getDelegate?.() ?? provider;
  const candidate = delegate as { forceFlush?: () => Promise<void> };
  return typeof candidate.forceFlush === 'function'
    ? (candidate as { forceFlush(): Promise<void> })
    : undefined;
}

// Span exporters of our own: the console export of MXCP's `tracing.console_export`, written to
// stderr as JSON lines (OTel's console exporter writes to stdout, which may carry MCP stdio),
// and a fan-out so OTLP and console export share one batch processor.
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';

export type SpanExporter = NodeSDKConfiguration['traceExporter'];
export type SpanProcessor = NonNullable<NodeSDKConfiguration['spanProcessors']>[number];
export type ReadableSpan = Parameters<SpanExporter['export']>[0][number];
type ExportResult = Parameters<Parameters<SpanExporter['export']>[1]>[0];

// ExportResultCode of @opentelemetry/core, which the worker does not depend on directly.
const SUCCESS = 0 as ExportResult['code'];

/** One JSON object per finished span, the fields a person reading a terminal needs. */
export function spanToJson(span: ReadableSpan): Record<string, unknown> {
  const ctx = span.spanContext();
  const [startS, startNs] = span.startTime;
  const [durS, durNs] = span.duration;
  return {
    name: span.name,
    trace_id: ctx.traceId,
    span_id: ctx.spanId,
    parent_span_id: span.parentSpanContext?.spanId ?? null,
    start: new Date(startS * 1000 + startNs / 1e6).toISOString(),
    duration_ms: durS * 1000 + durNs / 1e6,
    status: span.status,
    attributes: span.attributes,
  };
}

export class StderrSpanExporter implements SpanExporter {
  constructor(private readonly write: (line: string) => void = (line) => process.stderr.write(line)) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) this.write(`${JSON.stringify({ span: spanToJson(span) })}\n`);
    done({ code: SUCCESS });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** Hands every batch to each exporter; the batch fails if any of them fails. */
export class FanOutSpanExporter implements SpanExporter {
  constructor(private readonly exporters: SpanExporter[]) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    let pending = this.exporters.length;
    let failure: ExportResult | undefined;
    if (pending === 0) return done({ code: SUCCESS });
    for (const exporter of this.exporters) {
      exporter.export(spans, (result) => {
        if (result.code !== SUCCESS) failure ??= result;
        if (--pending === 0) done(failure ?? { code: SUCCESS });
      });
    }
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.exporters.map((e) => e.shutdown()));
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.exporters.map((e) => e.forceFlush?.()));
  }
}

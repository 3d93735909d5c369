// TEST HELPER: registers, once per test file (the global provider can be set once per process),
// a tracer provider whose spans are kept in memory, through the same NodeSDK the worker uses.
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { ReadableSpan, SpanProcessor } from '../exporters.js';

/** Keeps every finished span, synchronously on end(). */
export class RecordingSpanProcessor implements SpanProcessor {
  readonly spans: ReadableSpan[] = [];

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
  }

  reset(): void {
    this.spans.length = 0;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export function recordSpans(): { recorder: RecordingSpanProcessor; sdk: NodeSDK } {
  const recorder = new RecordingSpanProcessor();
  const sdk = new NodeSDK({
    spanProcessors: [recorder],
    autoDetectResources: false,
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return { recorder, sdk };
}

/** Every attribute value of every span (and span status messages), as strings. */
export function allAttributeText(spans: readonly ReadableSpan[]): string {
  return JSON.stringify(
    spans.map((s) => ({ name: s.name, attributes: s.attributes, status: s.status, events: s.events })),
  );
}

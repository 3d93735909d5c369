import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from './record.js';
import { auditLocation, listSegments, parseSegmentName, readSchemas } from './segments.js';
import { callRecord } from './testdata/records.js';
import { AuditWriter, type AuditWriterOptions } from './writer.js';

let root: string;
let base: string;
let logged: string[];
const writers: AuditWriter[] = [];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'mxcp-audit-writer-'));
  base = join(root, 'audit', 'logs-test.jsonl');
  logged = [];
});

afterEach(async () => {
  for (const w of writers.splice(0)) {
    await w.close();
    expect(w.stats().dropped).toBe(0);
  }
  rmSync(root, { recursive: true, force: true });
});

function writer(options: Partial<AuditWriterOptions> = {}): AuditWriter {
  const w = new AuditWriter({
    path: base,
    host: 'pod-a',
    flushIntervalMs: 60_000,
    logger: { error: (message) => logged.push(message) },
    ...options,
  });
  writers.push(w);
  return w;
}

function record(name: string, extra: Partial<AuditRecord> = {}): AuditRecord {
  return { ...callRecord({ operation_name: name }), ...extra };
}

function writtenNames(): string[] {
  return listSegments(base).flatMap((s) =>
    readFileSync(s.path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as AuditRecord).operation_name),
  );
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('AuditWriter', () => {
  it('writes nothing until a batch is full, then the whole batch in one segment', async () => {
    const w = writer({ batchSize: 3 });
    expect(await w.record(record('a'))).toBe(true);
    expect(await w.record(record('b'))).toBe(true);
    expect(listSegments(base)).toEqual([]);
    expect(w.stats().queued).toBe(2);
    await w.record(record('c'));
    await waitFor(() => w.stats().written === 3, 'the batch');
    expect(writtenNames()).toEqual(['a', 'b', 'c']);
    expect(listSegments(base)).toHaveLength(1);
  });

  it('writes a partial batch once the flush interval has passed', async () => {
    const w = writer({ batchSize: 100, flushIntervalMs: 20 });
    await w.record(record('lonely'));
    await waitFor(() => w.stats().written === 1, 'the timed flush');
    expect(writtenNames()).toEqual(['lonely']);
  });

  it('flush() and close() write what is queued', async () => {
    const w = writer({ batchSize: 100 });
    await w.record(record('one'));
    expect(await w.flush()).toBe(true);
    expect(writtenNames()).toEqual(['one']);
    for (const n of ['two', 'three']) await w.record(record(n));
    await w.close();
    expect(writtenNames()).toEqual(['one', 'two', 'three']);
    expect(w.stats()).toEqual({ written: 3, dropped: 0, failures: 0, queued: 0 });
  });

  it('starts a new segment once the current one has reached max_file_size, losing nothing', async () => {
    const w = writer({ batchSize: 1, maxFileSize: 300 });
    const names = Array.from({ length: 6 }, (_, i) => `tool_${i}`);
    for (const name of names) {
      await w.record(record(name));
      await w.flush();
    }
    const segments = listSegments(base);
    expect(segments.length).toBe(6); // every record is > 300 bytes
    expect(writtenNames()).toEqual(names);
    expect(new Set(segments.map((s) => s.path)).size).toBe(segments.length);
  });

  it('names segments per host and opens a new one at every start', async () => {
    const a = writer({ host: 'mxcp-7d9f-abc' });
    const b = writer({ host: 'mxcp-7d9f-xyz' });
    await a.record(record('from-a'));
    await b.record(record('from-b'));
    await a.flush();
    await b.flush();
    const again = writer({ host: 'mxcp-7d9f-abc' });
    await again.record(record('from-a-again'));
    await again.flush();

    const files = readdirSync(join(root, 'audit')).filter((f) => !f.includes('_schemas'));
    expect(files).toHaveLength(3);
    for (const f of files) expect(f).toMatch(/^logs-test-\d{8}T\d{6}(-\d+)?_mxcp-7d9f-(abc|xyz)\.jsonl$/);
    const location = auditLocation(base);
    const hosts = files.map((f) => parseSegmentName(location, f)?.host).sort();
    expect(hosts).toEqual(['mxcp-7d9f-abc', 'mxcp-7d9f-abc', 'mxcp-7d9f-xyz']);
    expect(a.currentSegment).not.toBe(again.currentSegment);
    // One schema line, however many writers started.
    expect(readSchemas(base).map((s) => `${s.schema_name}:${s.version}:${s.retention_days}`)).toEqual([
      'mxcp.endpoints:2:90',
    ]);
  });

  it('parses MXCP segment names and the legacy file, and ignores the schemas file', () => {
    const location = auditLocation(base);
    expect(parseSegmentName(location, 'logs-test-20250101T120000-2.jsonl')).toEqual({
      stamp: '20250101T120000',
      sequence: 2,
      host: null,
      legacy: false,
    });
    expect(parseSegmentName(location, 'logs-test.jsonl')?.legacy).toBe(true);
    expect(parseSegmentName(location, 'logs-test_schemas.jsonl')).toBeNull();
    expect(parseSegmentName(location, 'logs-test-eu.jsonl')).toBeNull();
  });

  it('holds callers back when the queue is full and a slow sink catches up, dropping nothing', async () => {
    let writes = 0;
    const slowAppend = async (path: string, data: string) => {
      writes++;
      await new Promise((r) => setTimeout(r, 15));
      await appendFile(path, data);
    };
    const w = writer({
      batchSize: 1,
      queueCapacity: 4,
      maxBatchRecords: 2,
      enqueueTimeoutMs: 60_000,
      appendFile: slowAppend,
    });
    const names = Array.from({ length: 40 }, (_, i) => `call_${i}`);
    const pending = names.map((name) => w.record(record(name)));
    expect(w.stats().queued).toBe(40); // 4 in the queue, the rest waiting for room
    expect((await Promise.all(pending)).every(Boolean)).toBe(true);
    await w.close();
    expect(w.stats()).toMatchObject({ written: 40, dropped: 0, failures: 0 });
    expect(writtenNames()).toEqual(names); // order kept through the wait list
    expect(writes).toBeGreaterThanOrEqual(20); // never more than two records per write
  });

  it('reports unhealthy while the sink fails, keeps the records, and recovers', async () => {
    const w = writer({ batchSize: 100, retryDelayMs: 20, maxRetryDelayMs: 50 });
    await w.record(record('before'));
    expect(await w.flush()).toBe(true);
    expect(w.healthy).toBe(true);

    // The audit directory becomes a file: every append and every new segment fails.
    const dir = join(root, 'audit');
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'not a directory');
    expect(await w.record(record('during-1'))).toBe(true);
    expect(await w.record(record('during-2'))).toBe(true);
    expect(await w.flush()).toBe(false);
    expect(w.healthy).toBe(false);
    expect(w.stats().failures).toBeGreaterThanOrEqual(1);
    expect(w.stats().queued).toBe(2);
    expect(logged.some((m) => m.startsWith('CRITICAL: Audit logging failed'))).toBe(true);

    rmSync(dir);
    await waitFor(() => w.stats().written === 3, 'the retry after recovery');
    expect(w.healthy).toBe(true);
    expect(writtenNames()).toEqual(['during-1', 'during-2']); // the old segment went with the directory
    expect(w.stats()).toMatchObject({ dropped: 0, queued: 0 });
  });

  it('cuts a half-written batch off a failed append (full disk), so no torn line stays', async () => {
    let failing = 2;
    const fullDisk = async (path: string, data: string) => {
      if (failing > 0) {
        failing--;
        // What a write into a full file system does: part of the data lands, then ENOSPC.
        await appendFile(path, data.slice(0, Math.floor(data.length / 2)));
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      await appendFile(path, data);
    };
    const w = writer({ batchSize: 100, retryDelayMs: 10, maxRetryDelayMs: 10, appendFile: fullDisk });
    await w.record(record('a'));
    await w.record(record('b'));
    expect(await w.flush()).toBe(false);
    await waitFor(() => w.stats().written === 2, 'the retry');
    expect(w.stats().failures).toBe(2);
    expect(listSegments(base)).toHaveLength(1); // the segment was restored and kept, not abandoned
    expect(readFileSync(listSegments(base)[0].path, 'utf8').endsWith('\n')).toBe(true);
    expect(writtenNames()).toEqual(['a', 'b']); // every line parses, each record once
  });

  it('removes a segment a failed append re-created (the old one vanished) instead of padding it', async () => {
    let failing = 0;
    const fullDisk = async (path: string, data: string) => {
      if (failing > 0) {
        failing--;
        rmSync(path); // e.g. a mount now hides the folder the segment was in
        await appendFile(path, data.slice(0, 10));
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      await appendFile(path, data);
    };
    const w = writer({ batchSize: 100, retryDelayMs: 10, maxRetryDelayMs: 10, appendFile: fullDisk });
    await w.record(record('first'));
    expect(await w.flush()).toBe(true);
    failing = 1;
    await w.record(record('second'));
    expect(await w.flush()).toBe(false);
    await waitFor(() => w.stats().written === 2, 'the retry');
    expect(writtenNames()).toEqual(['second']); // one clean new segment; no NUL padding, no torn line
    expect(listSegments(base)).toHaveLength(1);
  });

  it('writes BIGINT values a result carries instead of dropping the record', async () => {
    const w = writer();
    await w.record(record('big', { output_data: { small: 5n, big: 9007199254740993n } }));
    await w.flush();
    const [segment] = listSegments(base);
    expect(JSON.parse(readFileSync(segment.path, 'utf8')).output_data).toEqual({
      small: 5,
      big: '9007199254740993',
    });
  });

  it('copies every record to a stream as one JSON line', async () => {
    const lines: string[] = [];
    const w = writer({ copyTo: { write: (chunk: string) => lines.push(chunk) } });
    const r = record('shipped');
    await w.record(r);
    expect(lines).toEqual([JSON.stringify(r) + '\n']);
    await w.close();
    expect(existsSync(w.currentSegment as string)).toBe(true);
  });
});

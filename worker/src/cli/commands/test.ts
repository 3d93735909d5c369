// `mxcp test [TYPE NAME]`: run the `tests:` blocks through the engine, with
// progress on a TTY; exit code 1 unless every suite is ok.
import type { Command } from 'commander';
import { claimMappingsFor } from '../../auth/claim-mappings.js';
import type { EndpointKind } from '../../endpoints/schema.js';
import {
  endpointLabel,
  erroredSuite,
  runEndpointTests,
  suiteOfSuites,
  type EndpointTestResult,
  type TestableEndpoint,
} from '../../testing/runner.js';
import { renderProgressLine, renderTestReport } from '../../testing/report.js';
import { failureMessage, jsonOk, useColor } from '../output.js';
import { parseJsonObjectOption } from '../params.js';
import { openFromFlags } from '../project.js';

interface TestFlags {
  userContext?: string;
  requestHeaders?: string;
  profile?: string;
  jsonOutput?: boolean;
  debug?: boolean;
  readonly?: boolean;
}

export function registerTest(program: Command): void {
  program
    .command('test')
    .description('Run endpoint tests (exit code 1 on any failure)')
    .argument('[type]', 'tool, resource or prompt')
    .argument('[name]', 'endpoint name (resource: URI template)')
    .option('-u, --user-context <json>', 'user context for every test, JSON or @file.json')
    .option('--request-headers <json>', 'request headers, JSON or @file.json')
    .option('--profile <name>', 'profile to use')
    .option('--json-output', 'print JSON')
    .option('--debug', 'show error causes')
    .option('--readonly', 'open the database read-only')
    .action(async (type: string | undefined, name: string | undefined, flags: TestFlags) => {
      if (type !== undefined && !['tool', 'resource', 'prompt'].includes(type)) {
        throw new Error(`Invalid endpoint type '${type}': expected tool, resource or prompt`);
      }
      if (type !== undefined && name === undefined)
        throw new Error(`Give the ${type} name: mxcp test ${type} NAME`);
      await test(type as EndpointKind | undefined, name, flags);
    });
}

async function test(
  kind: EndpointKind | undefined,
  name: string | undefined,
  flags: TestFlags,
): Promise<void> {
  const userContext = parseJsonObjectOption(flags.userContext, '--user-context');
  const headers = parseJsonObjectOption(flags.requestHeaders, '--request-headers');
  const requestHeaders = headers
    ? Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]))
    : undefined;
  const started = performance.now();
  const opened = await openFromFlags(flags);
  try {
    let endpoints: TestableEndpoint[] = opened.loaded;
    let failures = opened.failures;
    if (kind !== undefined) {
      endpoints = endpoints.filter((e) => e.kind === kind && e.name === name);
      failures = failures.filter((f) => f.kind === kind && f.name === name);
      if (endpoints.length === 0 && failures.length === 0) throw new Error(`${kind} '${name}' not found`);
    }
    const color = useColor(process.stderr);
    const showProgress = !flags.jsonOutput && process.stderr.isTTY === true;
    const results: EndpointTestResult[] = failures.map((f) => ({
      endpoint: endpointLabel(f.kind ?? 'tool', f.name ?? f.path),
      path: f.path,
      test_results: erroredSuite(failureMessage(f)),
    }));
    for (const endpoint of endpoints) {
      const suite = await runEndpointTests(opened.engine, endpoint, {
        userContext,
        requestHeaders,
        claimMappings: claimMappingsFor(opened.config.userProfile.auth),
        onProgress: showProgress
          ? (event) => {
              const line = renderProgressLine(event, { color });
              process.stderr.write(`\r\x1b[2K${line}${event.type === 'endpoint-done' ? '\n' : ''}`);
            }
          : undefined,
      });
      results.push({
        endpoint: endpointLabel(endpoint.kind, endpoint.name),
        path: endpoint.path,
        test_results: suite,
      });
    }
    const all = suiteOfSuites(results);
    if (flags.jsonOutput) {
      process.stdout.write(
        jsonOk(kind !== undefined && results.length === 1 ? results[0].test_results : all) + '\n',
      );
    } else {
      const totalTime = (performance.now() - started) / 1000;
      process.stdout.write(
        renderTestReport(all, { color: useColor(process.stdout), debug: flags.debug, totalTime }),
      );
    }
    if (all.status !== 'ok') process.exitCode = 1;
  } finally {
    await opened.engine.close();
  }
}

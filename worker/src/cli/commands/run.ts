// `mxcp run tool|resource|prompt NAME`: one endpoint through the same pipeline
// as the server (validation, policies, SQL, reshaping, output validation), no
// audit. `--user-context` is the caller's raw profile; the profile's auth
// `claim_mappings` turn it into `user.capabilities`, as for a logged-in user.
import type { Command } from 'commander';
import { claimMappingsFor, withClaimCapabilities } from '../../auth/claim-mappings.js';
import {
  userContextFromJson,
  anonymousContext,
  type RequestContext,
  lowerCaseKeys,
} from '../../engine/context.js';
import type { EndpointKind } from '../../endpoints/schema.js';
import { jsonOk, renderValue, useColor, colors } from '../output.js';
import { collectParam, parseJsonObjectOption, parseParams } from '../params.js';
import { openFromFlags } from '../project.js';

interface RunFlags {
  param?: string[];
  userContext?: string;
  requestHeaders?: string;
  profile?: string;
  jsonOutput?: boolean;
  debug?: boolean;
  skipOutputValidation?: boolean;
  readonly?: boolean;
}

const KINDS: EndpointKind[] = ['tool', 'resource', 'prompt'];

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run one endpoint: mxcp run tool|resource|prompt NAME [--param k=v]')
    .argument('<type>', 'tool, resource or prompt')
    .argument('<name>', 'tool or prompt name, or resource URI template')
    .option(
      '-p, --param <name=value>',
      'parameter (repeatable); name=@file.json reads JSON',
      collectParam,
      [],
    )
    .option('-u, --user-context <json>', 'user context as JSON or @file.json')
    .option('--request-headers <json>', 'request headers as JSON or @file.json')
    .option('--profile <name>', 'profile to use')
    .option('--json-output', 'print JSON')
    .option('--debug', 'debug output')
    .option('--skip-output-validation', 'do not validate the result against the return type')
    .option('--readonly', 'open the database read-only')
    .action(async (type: string, name: string, flags: RunFlags) => {
      if (!KINDS.includes(type as EndpointKind)) {
        throw new Error(`Invalid endpoint type '${type}': expected tool, resource or prompt`);
      }
      await run(type as EndpointKind, name, flags);
    });
}

async function run(kind: EndpointKind, name: string, flags: RunFlags): Promise<void> {
  const params = parseParams(flags.param);
  const ctx = requestContext(flags);
  const opened = await openFromFlags(flags);
  try {
    if (ctx.user)
      ctx.user = withClaimCapabilities(ctx.user, claimMappingsFor(opened.config.userProfile.auth));
    const color = useColor(process.stdout);
    if (!flags.jsonOutput) {
      process.stdout.write(`${colors(color).cyan('🚀')} Running ${kind} ${colors(color).bold(name)}\n`);
      for (const [k, v] of Object.entries(params)) {
        const text = typeof v === 'string' ? v : JSON.stringify(v);
        process.stdout.write(`  ${k} = ${text.length > 50 ? text.slice(0, 47) + '...' : text}\n`);
      }
    }
    const result = await opened.engine.run(kind, name, params, ctx, {
      skipOutputValidation: flags.skipOutputValidation,
    });
    if (flags.jsonOutput) {
      process.stdout.write(jsonOk(result) + '\n');
    } else {
      process.stdout.write(`${colors(color).green('✅ Success!')}\n${renderValue(result, { color })}\n`);
    }
  } finally {
    await opened.engine.close();
  }
}

function requestContext(flags: RunFlags): RequestContext {
  const user = parseJsonObjectOption(flags.userContext, '--user-context');
  const headers = parseJsonObjectOption(flags.requestHeaders, '--request-headers') ?? {};
  const stringHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
  const ctx = anonymousContext('cli');
  // Header lookups are case-insensitive (get_request_header lower-cases too).
  ctx.headers = lowerCaseKeys(stringHeaders);
  if (user) ctx.user = userContextFromJson(user, 'cli');
  return ctx;
}

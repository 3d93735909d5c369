// User-config secrets as DuckDB secrets (MXCP-SPEC §8): every secret with parameters becomes
// `CREATE OR REPLACE TEMPORARY SECRET name (TYPE t, KEY 'value', …)` on each new connection, so
// DuckDB (httpfs, s3, …) can use them. Unlike MXCP, every value is written as an escaped SQL literal.
// As in MXCP, a failure (typically an unknown secret type, which is how secrets meant only for
// Python code look to DuckDB) does not stop startup. No secret value ever reaches a log line or an
// error message: DuckDB's message is scrubbed of the statement text and of every value.

import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbMessageOf } from './errors.js';
import type { DbLogger } from './log.js';
import { isBareWord, quoteIdentifier, quoteLiteral } from './sql-text.js';

export interface SecretSpec {
  name: string;
  type: string;
  parameters?: Record<string, unknown>;
}

/** The CREATE SECRET statement for a secret, or a reason why it cannot be expressed. */
export function secretStatement(secret: SecretSpec): { sql: string } | { skip: string } {
  const params = Object.entries(secret.parameters ?? {}).filter(([, v]) => v !== undefined);
  if (params.length === 0) return { skip: 'no parameters' };
  if (!isBareWord(secret.type)) return { skip: 'the type is not a DuckDB secret type name' };
  const options = [`TYPE ${secret.type}`];
  for (const [key, value] of params) {
    if (!isBareWord(key)) return { skip: `parameter name '${key}' is not a DuckDB option name` };
    options.push(`${key} ${renderValue(value)}`);
  }
  return {
    sql: `CREATE OR REPLACE TEMPORARY SECRET ${quoteIdentifier(secret.name)} (${options.join(', ')})`,
  };
}

function renderValue(value: unknown): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(renderValue).join(', ')}]`;
  if (typeof value === 'object') {
    // Header maps and the like: MAP(VARCHAR, VARCHAR).
    const entries = Object.entries(value as Record<string, unknown>).map(
      ([k, v]) => `${quoteLiteral(k)}: ${quoteLiteral(typeof v === 'string' ? v : JSON.stringify(v))}`,
    );
    return `MAP {${entries.join(', ')}}`;
  }
  return quoteLiteral(String(value));
}

/** Every string that could leak a secret value if it appeared in a message. */
function sensitiveStrings(secret: SecretSpec): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (v === null || v === undefined) return;
    if (typeof v === 'object') {
      for (const [k, inner] of Object.entries(v as Record<string, unknown>)) {
        if (!Array.isArray(v)) out.push(k);
        walk(inner);
      }
      return;
    }
    const s = String(v);
    out.push(s, s.replaceAll("'", "''"), s.replaceAll("'", "\\'"));
  };
  for (const value of Object.values(secret.parameters ?? {})) walk(value);
  return out.filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
}

/** DuckDB's message without the echoed statement and without any value of the secret. */
export function scrubSecretMessage(message: string, secret: SecretSpec): string {
  let text = message.split('\nLINE ')[0].trim();
  for (const s of sensitiveStrings(secret)) text = text.replaceAll(s, '***');
  return text;
}

const UNKNOWN_TYPE = /secret type .* not found|unknown secret type/i;

export async function injectSecrets(
  connection: DuckDBConnection,
  secrets: readonly SecretSpec[],
  logger: DbLogger,
): Promise<void> {
  for (const secret of secrets) {
    const statement = secretStatement(secret);
    if ('skip' in statement) {
      if (statement.skip !== 'no parameters') {
        logger.debug('secret not created in DuckDB', {
          secret: secret.name,
          type: secret.type,
          reason: statement.skip,
        });
      }
      continue;
    }
    try {
      await connection.run(statement.sql);
    } catch (err) {
      const reason = scrubSecretMessage(duckdbMessageOf(err), secret);
      const fields = { secret: secret.name, type: secret.type, reason };
      if (UNKNOWN_TYPE.test(reason)) logger.debug('secret type unknown to DuckDB; not created', fields);
      else logger.warn('DuckDB rejected a secret; not created', fields);
    }
  }
}

/** Drops temporary secrets a previous configuration created and the current one no longer has. */
export async function dropSecrets(
  connection: DuckDBConnection,
  names: readonly string[],
  logger: DbLogger,
): Promise<void> {
  for (const name of names) {
    try {
      await connection.run(`DROP TEMPORARY SECRET IF EXISTS ${quoteIdentifier(name)}`);
    } catch (err) {
      logger.warn('could not drop a removed DuckDB secret', { secret: name, reason: duckdbMessageOf(err) });
    }
  }
}

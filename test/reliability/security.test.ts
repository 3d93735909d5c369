// Hostile input against a real `mxcp serve`:
// - an SQL injection corpus through every parameter type (string, integer, number, boolean,
//   array, object, date): strings come back verbatim, typed parameters refuse the text with a
//   validation error, and the table is unchanged afterwards;
// - path traversal: `source.file: ../../…` is a load error naming the file, and a resource
//   URI template parameter holding `../` never reads the file outside the project.
// Secrets in audit and logs are covered by test/e2e/secret-leaks.test.ts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMxcp, startServe } from '../support/mxcp.js';
import { connectClient, pick, textOf, writeProject } from './support.js';

const CORPUS = [
  "'; DROP TABLE items; --",
  "x' OR '1'='1",
  '1; DELETE FROM items',
  '1 OR 1=1',
  "') UNION SELECT secret FROM vault --",
  '$name',
  "\\'; UPDATE items SET name='pwned'; --",
  "2024-01-01'; DROP TABLE items; --",
  '1e309',
  'NULL',
  "'||(SELECT count(*) FROM items)||'",
  'true; CHECKPOINT',
  "\u0000'; DROP TABLE items; --",
  'x'.repeat(pick(1000, 100_000)),
];

const tool = (name: string, type: string, extra: string, sql: string) => `mxcp: 1
tool:
  name: ${name}
  description: echoes its ${type} parameter
  parameters:
    - name: v
      type: ${type}
      description: the value${extra}
  source:
    code: ${sql}
`;

const SECRET_TEXT = 'outside-the-project-7f3k';

describe('security', () => {
  it('SQL injection through every parameter type changes nothing and echoes or refuses', async () => {
    const project = writeProject({
      'mxcp-site.yml': 'mxcp: 1\nproject: sec\nprofile: default\n',
      'tools/s.yml': tool(
        't_string',
        'string',
        '',
        'SELECT $v AS v, (SELECT count(*) FROM items WHERE name = $v)::INTEGER AS hits',
      ),
      'tools/i.yml': tool('t_integer', 'integer', '', 'SELECT $v AS v'),
      'tools/n.yml': tool('t_number', 'number', '', 'SELECT $v AS v'),
      'tools/b.yml': tool('t_boolean', 'boolean', '', 'SELECT $v AS v'),
      'tools/a.yml': tool(
        't_array',
        'array',
        '\n      items: { type: string }',
        'SELECT $v AS v, (SELECT count(*) FROM items WHERE list_contains($v, name))::INTEGER AS hits',
      ),
      'tools/o.yml': tool(
        't_object',
        'object',
        '\n      properties:\n        k: { type: string }',
        'SELECT $v AS v',
      ),
      'tools/d.yml': tool('t_date', 'string', '\n      format: date', 'SELECT $v::VARCHAR AS v'),
      'tools/count.yml':
        'mxcp: 1\ntool:\n  name: count_items\n  description: count\n  return: { type: integer }\n  source:\n    code: SELECT count(*)::INTEGER FROM items\n',
    });
    const setup = await runMxcp(
      ['query', "CREATE TABLE items AS SELECT * FROM (VALUES ('apple'), ('pear')) t(name)"],
      {
        cwd: project.dir,
      },
    );
    expect(setup.code, setup.stderr).toBe(0);
    const server = await startServe(project.dir);
    const client = await connectClient(server.url);
    const unexpected: string[] = [];
    try {
      const rows = (r: unknown) => JSON.parse(textOf(r)) as Array<Record<string, unknown>>;
      for (const attack of CORPUS) {
        const s = await client.callTool({ name: 't_string', arguments: { v: attack } });
        if (s.isError || rows(s)[0].v !== attack || rows(s)[0].hits !== 0)
          unexpected.push(`string ${attack.slice(0, 40)}: ${textOf(s).slice(0, 200)}`);
        const a = await client.callTool({ name: 't_array', arguments: { v: [attack, 'kiwi'] } });
        if (
          a.isError ||
          JSON.stringify(rows(a)[0].v) !== JSON.stringify([attack, 'kiwi']) ||
          rows(a)[0].hits !== 0
        )
          unexpected.push(`array ${attack.slice(0, 40)}: ${textOf(a).slice(0, 200)}`);
        const o = await client.callTool({ name: 't_object', arguments: { v: { k: attack } } });
        if (o.isError || (rows(o)[0].v as { k: string }).k !== attack)
          unexpected.push(`object ${attack.slice(0, 40)}: ${textOf(o).slice(0, 200)}`);
        for (const typed of ['t_integer', 't_number', 't_boolean', 't_date']) {
          const r = await client.callTool({ name: typed, arguments: { v: attack } });
          // Typed parameters either refuse the text as a validation error or hold a harmless typed
          // value (a boolean from text is `text == "true"`; "1e309" is a number; "NULL" is a date error).
          if (r.isError) {
            if (!/Error validating parameter 'v'|Failed to execute SQL: Conversion/.test(textOf(r)))
              unexpected.push(
                `${typed} ${attack.slice(0, 40)}: not a validation error: ${textOf(r).slice(0, 200)}`,
              );
          } else if (typed === 't_integer' || typed === 't_date') {
            unexpected.push(`${typed} accepted ${attack.slice(0, 40)}: ${textOf(r).slice(0, 200)}`);
          }
        }
      }
      expect(unexpected.slice(0, 10)).toEqual([]);
      expect(textOf(await client.callTool({ name: 'count_items', arguments: {} }))).toBe('2');
      const apple = await client.callTool({ name: 't_string', arguments: { v: 'apple' } });
      expect(rows(apple)[0].hits).toBe(1);
      console.log(`security: ${CORPUS.length} injection strings × 7 parameter types, table unchanged`);
    } finally {
      await client.close();
      expect(await server.stop()).toBe(0);
      project.cleanup();
    }
  }, 180_000);

  it('path traversal: source.file outside the project is a load error; resource parameters with ../ read nothing', async () => {
    const project = writeProject({
      'mxcp-site.yml': 'mxcp: 1\nproject: sec\nprofile: default\n',
      'tools/escape.yml':
        'mxcp: 1\ntool:\n  name: escape\n  description: reads SQL from outside\n  source:\n    file: ../../../../../../etc/passwd\n',
      'tools/escape2.yml':
        'mxcp: 1\ntool:\n  name: escape2\n  description: reads SQL from outside\n  source:\n    file: ../secret.sql\n',
      'notes/hello.txt': 'hello note',
      'resources/note.yml': `mxcp: 1
resource:
  uri: notes://{name}
  description: a note by name
  parameters:
    - { name: name, type: string, description: note name }
  source:
    code: SELECT content FROM read_text('notes/' || $name || '.txt')
`,
    });
    writeFileSync(join(project.root, 'secret.sql'), `SELECT '${SECRET_TEXT}'`);
    writeFileSync(join(project.root, 'secret.txt'), SECRET_TEXT);
    try {
      const validate = await runMxcp(['validate', '--json-output'], { cwd: project.dir });
      expect(validate.code).toBe(1);
      const body = JSON.parse(validate.stdout) as {
        result: { validated: Array<{ status: string; path: string; message?: string }> };
      };
      const byPath = Object.fromEntries(body.result.validated.map((v) => [v.path, v]));
      expect(byPath['tools/escape.yml'].status).toBe('error');
      expect(byPath['tools/escape2.yml'].status).toBe('error');
      expect(validate.stdout).not.toContain(SECRET_TEXT);
      expect(validate.stdout).not.toContain('root:x:0:0');

      const server = await startServe(project.dir, ['--ignore-errors']);
      const client = await connectClient(server.url);
      try {
        const hello = await client.readResource({ uri: 'notes://hello' });
        expect(JSON.stringify(hello)).toContain('hello note');
        for (const uri of [
          'notes://../secret',
          'notes://..%2Fsecret',
          'notes://../../secret',
          'notes://%2E%2E/secret',
        ]) {
          const answer = await client.readResource({ uri }).then(
            (r) => JSON.stringify(r),
            (e: Error) => e.message,
          );
          expect(answer, uri).not.toContain(SECRET_TEXT);
        }
        const tools = (await client.listTools()).tools.map((t) => t.name);
        expect(tools).not.toContain('escape');
        expect(tools).not.toContain('escape2');
      } finally {
        await client.close();
        expect(await server.stop()).toBe(0);
      }
    } finally {
      project.cleanup();
    }
  }, 120_000);
});

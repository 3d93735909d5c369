// The JSON Schema documents in docs/schemas/ are generated from the TypeBox
// definitions (the one source of truth); this fails when they are stale, and
// checks that they work as standalone schemas on real project files.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';

const Ajv2020 = Ajv2020Module.default;
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { jsonSchemaDocuments, renderJsonSchema } from '../worker/src/endpoints/json-schemas.js';
import { REPO_ROOT } from './support/mxcp.js';

const docs = jsonSchemaDocuments();

describe('generated JSON schemas (docs/schemas)', () => {
  it.each(Object.keys(docs))('%s is current (run `npm run generate` to refresh)', (file) => {
    const onDisk = readFileSync(join(REPO_ROOT, 'docs/schemas', file), 'utf8');
    expect(onDisk).toBe(renderJsonSchema(docs[file]));
  });

  it('the endpoint schema accepts every quickstart endpoint and rejects an unknown key', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(docs['mxcp-endpoint.schema.json']);
    for (const folder of ['tools', 'resources', 'prompts']) {
      const dir = join(REPO_ROOT, 'examples/quickstart', folder);
      for (const file of readdirSync(dir)) {
        const value = parse(readFileSync(join(dir, file), 'utf8'));
        expect(validate(value), `${folder}/${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
    }
    expect(validate({ tool: { name: 'x', source: { code: 'select 1' }, bogus: true } })).toBe(false);
    expect(
      validate({
        tool: {
          name: 'x',
          return: { type: 'array', items: { type: 'strng' } },
          source: { code: 'select 1' },
        },
      }),
    ).toBe(false);
  });

  it('the site schema accepts the quickstart mxcp-site.yml', () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(docs['mxcp-site.schema.json']);
    const site = parse(readFileSync(join(REPO_ROOT, 'examples/quickstart/mxcp-site.yml'), 'utf8'));
    expect(validate(site), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...site, unknown_key: 1 })).toBe(false);
  });
});

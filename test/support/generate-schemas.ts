// `npm run generate`: writes docs/schemas/*.json from the TypeBox definitions.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonSchemaDocuments, renderJsonSchema } from '../../worker/src/endpoints/json-schemas.js';

const out = join(import.meta.dirname, '../../docs/schemas');
for (const [file, doc] of Object.entries(jsonSchemaDocuments())) {
  writeFileSync(join(out, file), renderJsonSchema(doc));
  process.stdout.write(`wrote docs/schemas/${file}\n`);
}

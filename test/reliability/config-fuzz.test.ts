// A fuzzer over what users write: endpoint YAML and MxcpProject specs.
// - Endpoint files: a valid tool definition mutated (values swapped for wrong types, fields
//   dropped, keys renamed, YAML syntax broken, text truncated). `mxcp validate --json-output` on a
//   project of such files exits 1 without a stack trace, and names every file it refused with a
//   message; the loader in-process never throws.
// - MxcpProject CRs: config/samples mutated the same way and given to the operator's pure
//   render (and pre-flight): each either renders or throws RenderError, never a TypeError.
// Seeded (MXCP_FUZZ_SEED replays). Short form: 60 files and 150 CRs; long form: 600 and 3000.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { RenderError, render, type ResolvedRefs } from '../../operator/src/render/index.js';
import { preflightProject } from '../../operator/src/render/preflight.js';
import type { MxcpProject } from '../../operator/src/api/index.js';
import { REPO_ROOT, runMxcp } from '../support/mxcp.js';
import { fuzzSeed, pick, prng, writeProject } from './support.js';

const ENDPOINT_FILES = pick(60, 600);
const CR_MUTATIONS = pick(150, 3000);

const TOOL = {
  mxcp: 1,
  tool: {
    name: 'lookup',
    description: 'Looks a thing up',
    parameters: [
      { name: 'id', type: 'integer', description: 'the id', minimum: 0 },
      { name: 'tags', type: 'array', items: { type: 'string' }, description: 'tags' },
    ],
    return: { type: 'object', properties: { id: { type: 'integer' } } },
    policies: { input: [{ condition: 'id > 100', action: 'deny', reason: 'no' }] },
    source: { code: 'SELECT $id AS id, len($tags) AS n' },
    tests: [{ name: 't', arguments: [{ key: 'id', value: 1 }] }],
  },
};

type Rng = () => number;
const int = (rng: Rng, n: number) => Math.floor(rng() * n);
const choose = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)];
const WRONG_VALUES: unknown[] = [
  null,
  0,
  -1,
  3.5,
  true,
  '',
  'x',
  [],
  [1, 'a'],
  {},
  { a: { b: 1 } },
  '{{',
  '${NOPE}',
];

/** Every path (list of keys/indexes) to a value inside `value`. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

/** One structural mutation of a deep copy of `value`: set a wrong value, delete, or rename a key. */
function mutate(rng: Rng, value: unknown): unknown {
  const copy = structuredClone(value);
  const all = paths(copy).filter((p) => p.length > 0);
  if (all.length === 0) return structuredClone(choose(rng, WRONG_VALUES)); // a scalar or empty: replace it
  const path = choose(rng, all);
  let parent = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  const action = int(rng, 3);
  if (action === 0) parent[last] = structuredClone(choose(rng, WRONG_VALUES));
  else if (action === 1) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (!Array.isArray(parent)) {
    parent[`${String(last)}_x`] = parent[last];
    delete parent[last];
  }
  return copy;
}

/** A mutated endpoint file's text: structural mutations, sometimes with broken YAML syntax on top. */
function mutatedToolYaml(rng: Rng): string {
  let value: unknown = TOOL;
  for (let i = 0, n = 1 + int(rng, 3); i < n; i++) value = mutate(rng, value);
  const text = stringify(value);
  switch (int(rng, 6)) {
    case 0:
      return text.slice(0, int(rng, text.length)); // truncated
    case 1:
      return text.replace(/:/, ': : [');
    case 2:
      return text.replace(/\n {2}/, '\n\t');
    case 3:
      return `${text}\n  bad: indentation: here\n`;
    default:
      return text;
  }
}

describe('fuzzing endpoint YAML', () => {
  it(
    'mxcp validate refuses every broken file by name, exits 1, never crashes',
    async () => {
      const seed = fuzzSeed('endpoint-yaml-fuzz');
      const rng = prng(seed);
      const files: Record<string, string> = { 'mxcp-site.yml': 'mxcp: 1\nproject: fuzz\nprofile: default\n' };
      for (let i = 0; i < ENDPOINT_FILES; i++) {
        // Unique names so two valid mutations do not collide as duplicates.
        files[`tools/t${i}.yml`] = mutatedToolYaml(rng).replace(/name: lookup/, `name: lookup_${i}`);
      }
      files['tools/definitely_broken.yml'] = 'mxcp: 1\ntool:\n  name: [unclosed\n';
      const project = writeProject(files);
      try {
        const result = await runMxcp(['validate', '--json-output'], { cwd: project.dir });
        expect(result.code, result.stderr).toBe(1);
        expect(result.stderr + result.stdout).not.toMatch(
          /\n\s+at .+\(.+:\d+:\d+\)|TypeError|ReferenceError/,
        );
        const body = JSON.parse(result.stdout) as {
          result: { validated: Array<{ status: string; path: string; message?: string }> };
        };
        const validated = body.result.validated;
        expect(validated.length).toBe(ENDPOINT_FILES + 1);
        const failed = validated.filter((v) => v.status === 'error');
        expect(failed.map((f) => f.path)).toContain('tools/definitely_broken.yml');
        for (const f of failed) {
          expect(f.message, f.path).toBeTruthy();
          expect(f.message).not.toMatch(/TypeError|Cannot read properties|undefined is not/);
        }
        console.log(
          `endpoint-yaml-fuzz: ${ENDPOINT_FILES + 1} files, ${failed.length} refused with a message, ` +
            `${validated.length - failed.length} valid; seed ${seed}`,
        );
      } finally {
        project.cleanup();
      }
    },
    pick(120_000, 900_000),
  );
});

describe('fuzzing MxcpProject specs', () => {
  it(
    'render and pre-flight either succeed or throw RenderError, never a TypeError',
    async () => {
      const seed = fuzzSeed('mxcpproject-fuzz');
      const rng = prng(seed);
      const dir = join(REPO_ROOT, 'config/samples');
      const samples = readdirSync(dir)
        .filter((f) => f.startsWith('mxcp_'))
        .flatMap((f) =>
          parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as MxcpProject),
        )
        .filter((o) => o?.kind === 'MxcpProject');
      expect(samples.length).toBeGreaterThan(0);
      const refs: ResolvedRefs = {
        adminToken: 't',
        authSigningKey: 'k',
        defaultImage: 'worker:1',
        files: {},
      };
      const crashes: string[] = [];
      let rendered = 0;
      let refused = 0;
      for (let i = 0; i < CR_MUTATIONS; i++) {
        let cr = choose(rng, samples) as unknown;
        for (let m = 0, n = 1 + int(rng, 3); m < n; m++) cr = mutate(rng, cr);
        try {
          render(cr as MxcpProject, refs);
          rendered++;
        } catch (error) {
          if (error instanceof RenderError) refused++;
          else
            crashes.push(
              `${(error as Error).name}: ${(error as Error).message} for ${JSON.stringify(cr).slice(0, 400)}`,
            );
        }
      }
      // Pre-flight on mutated project files (each call writes a temp folder: fewer of them).
      for (let i = 0; i < Math.ceil(CR_MUTATIONS / 15); i++) {
        const files = {
          'mxcp-site.yml': 'mxcp: 1\nproject: demo\nprofile: default\n',
          'tools/t.yml': mutatedToolYaml(rng),
        };
        try {
          const problems = await preflightProject(files);
          for (const p of problems) expect(p.message).not.toMatch(/TypeError|Cannot read properties/);
        } catch (error) {
          crashes.push(`preflight threw ${(error as Error).name}: ${(error as Error).message}`);
        }
      }
      expect(crashes.slice(0, 5), `seed ${seed}`).toEqual([]);
      console.log(
        `mxcpproject-fuzz: ${CR_MUTATIONS} mutated CRs, ${rendered} rendered, ${refused} refused with RenderError; seed ${seed}`,
      );
    },
    pick(120_000, 900_000),
  );
});

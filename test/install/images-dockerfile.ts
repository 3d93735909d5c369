// Reading the container images' build files without a Docker engine: a small Dockerfile parser
// (stages, instructions, continuation lines, build arguments) and the .dockerignore rules (what
// the build context holds), so the image tests follow the files rather than a copy of them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/mxcp.js';

export const WORKER_DOCKERFILE = 'worker/Dockerfile';
export const OPERATOR_DOCKERFILE = 'operator/Dockerfile';
export const PROJECT_DOCKERFILE = 'images/worker/project.Dockerfile';

// ---- Dockerfiles --------------------------------------------------------------------------------

export interface Instruction {
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  args: string;
}

export interface Stage {
  /** The FROM image, with build arguments substituted from their defaults. */
  image: string;
  name?: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (pending !== '' && line.startsWith('#')) continue; // comments inside a continued RUN
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push((pending + line).trim());
    pending = '';
  }
  const parsed: Dockerfile = { globalArgs: {}, stages: [] };
  for (const line of logical) {
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line)!;
    const upper = keyword.toUpperCase();
    const stage = parsed.stages.at(-1);
    if (upper === 'FROM') {
      const [image, as, name] = args.split(/\s+/);
      const resolved = image.replace(/\$\{(\w+)\}/g, (_, arg: string) => parsed.globalArgs[arg] ?? '');
      parsed.stages.push({
        image: resolved,
        ...(as?.toUpperCase() === 'AS' ? { name } : {}),
        instructions: [],
      });
    } else if (!stage && upper === 'ARG') {
      const [name, value = ''] = args.split('=');
      parsed.globalArgs[name] = value;
    } else {
      if (!stage) throw new Error(`${upper} before the first FROM`);
      stage.instructions.push({ keyword: upper, args });
    }
  }
  return parsed;
}

export function readDockerfile(path: string): Dockerfile {
  return parseDockerfile(readFileSync(join(REPO_ROOT, path), 'utf8'));
}

export const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
export const last = (stage: Stage, keyword: string) => all(stage, keyword).at(-1)?.args;

/** `ENV A=1 B=2` lines of a stage, in order. */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of all(stage, 'ENV')) {
    for (const pair of args.split(/\s+/)) {
      const at = pair.indexOf('=');
      env[pair.slice(0, at)] = pair.slice(at + 1);
    }
  }
  return env;
}

/** `ARG NAME=default` lines of a stage. */
export function argsOf(stage: Stage): Record<string, string> {
  return Object.fromEntries(
    all(stage, 'ARG').map(({ args }) => {
      const at = args.indexOf('=');
      return at < 0 ? [args, ''] : [args.slice(0, at), args.slice(at + 1)];
    }),
  );
}

/** The `key="value"` pairs of a stage's LABEL lines. */
export function labelsOf(stage: Stage): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const { args } of all(stage, 'LABEL')) {
    for (const [, key, value] of args.matchAll(/([\w.-]+)="([^"]*)"/g)) labels[key] = value;
  }
  return labels;
}

/** An exec-form instruction's argument list (ENTRYPOINT, CMD, HEALTHCHECK … CMD). */
export function execForm(args: string): string[] {
  const json = args.startsWith('[') ? args : args.slice(args.indexOf('CMD') + 3).trim();
  return JSON.parse(json) as string[];
}

export interface Copy {
  /** The stage name of `--from=`, absent for the build context. */
  from?: string;
  chown?: string;
  sources: string[];
  target: string;
}

export function copiesOf(stage: Stage): Copy[] {
  return all(stage, 'COPY').map(({ args }) => {
    const words = args.split(/\s+/);
    const flag = (name: string) => words.find((w) => w.startsWith(`--${name}=`))?.slice(name.length + 3);
    const paths = words.filter((w) => !w.startsWith('--'));
    const from = flag('from');
    const chown = flag('chown');
    return {
      ...(from ? { from } : {}),
      ...(chown ? { chown } : {}),
      sources: paths.slice(0, -1),
      target: paths.at(-1)!,
    };
  });
}

// ---- .dockerignore --------------------------------------------------------------------------------

interface IgnoreRule {
  negated: boolean;
  pattern: string;
  regex: RegExp;
}

/** One pattern as Docker's matcher reads it: `*` and `?` within a path segment, `**` across them. */
function patternRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      if (pattern[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

export function parseDockerignore(text: string): IgnoreRule[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = (negated ? line.slice(1) : line).replace(/^\/+/, '').replace(/\/+$/, '');
      return { negated, pattern, regex: patternRegex(pattern) };
    });
}

/**
 * Whether the build context leaves `path` (relative, `/`-separated) out. As Docker does: a rule
 * matches a path or any of its parent folders, and the last matching rule wins.
 */
export function isIgnored(rules: IgnoreRule[], path: string): boolean {
  const parts = path.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (prefixes.some((prefix) => rule.regex.test(prefix))) ignored = !rule.negated;
  }
  return ignored;
}

/** Whether some `!rule` could bring back a path under the folder `dir`. */
function mayReinclude(rules: IgnoreRule[], dir: string): boolean {
  return rules.some((rule) => {
    if (!rule.negated) return false;
    const literal = rule.pattern.split(/[*?[]/)[0];
    return literal === '' || literal.startsWith(`${dir}/`) || `${dir}/`.startsWith(literal);
  });
}

/** The files the build context of `root` holds under `.dockerignore`, sorted. */
export function contextFiles(root: string, ignoreText: string): string[] {
  const rules = parseDockerignore(ignoreText);
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!isIgnored(rules, path) || mayReinclude(rules, path)) walk(path);
      } else if (!isIgnored(rules, path)) {
        found.push(path);
      }
    }
  };
  walk('');
  return found.sort();
}

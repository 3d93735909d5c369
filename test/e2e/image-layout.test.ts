// The container images' assumptions, checked without a Docker engine. A tiny Dockerfile parser
// reads images/worker/Dockerfile and images/worker/project.Dockerfile: their instructions must
// say what the operator's pods rely on (uid 1000, the MCP port's /health, pinned base images).
// Then the images' filesystem is rebuilt in a temp dir by following the Dockerfiles' own COPY,
// RUN and ENV lines (paths under /opt, /project and /usr/local/bin moved into the temp dir;
// apt-get and chown, which need a real image and root, skipped): the TypeScript is compiled as
// the build stage does, `mxcp` is run through its /usr/local/bin symlink with the images'
// environment, serves the python-demo fixture, passes its HEALTHCHECK command and `mxcp test`;
// and the project image's venv gets a requirements.txt installed that a Python tool imports.
import { spawn } from 'node:child_process';
import { builtinModules } from 'node:module';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCP_PORT } from '../../operator/src/api/mxcpproject.js';
import { WORKER_UID } from '../../operator/src/render/pod.js';
import { freePort, startServer, stopServer, waitUntilReady } from '../bench/processes.js';
import { REPO_ROOT } from '../support/mxcp.js';

// ---- a tiny Dockerfile parser ----------------------------------------------------------------------

interface Instruction {
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  args: string;
}

interface Stage {
  /** The FROM image, with build arguments substituted from their defaults. */
  image: string;
  name?: string;
  instructions: Instruction[];
}

interface Dockerfile {
  /** ARGs before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

function parseDockerfile(text: string): Dockerfile {
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

const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const last = (stage: Stage, keyword: string) => all(stage, keyword).at(-1)?.args;

/** `ENV A=1 B=2` lines of a stage, in order. */
function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of all(stage, 'ENV')) {
    for (const pair of args.split(/\s+/)) {
      const at = pair.indexOf('=');
      env[pair.slice(0, at)] = pair.slice(at + 1);
    }
  }
  return env;
}

const WORKER_DOCKERFILE = join(REPO_ROOT, 'images/worker/Dockerfile');
const PROJECT_DOCKERFILE = join(REPO_ROOT, 'images/worker/project.Dockerfile');
const worker = parseDockerfile(readFileSync(WORKER_DOCKERFILE, 'utf8'));
const project = parseDockerfile(readFileSync(PROJECT_DOCKERFILE, 'utf8'));
const runtime = worker.stages.at(-1)!;
const projectStage = project.stages.at(-1)!;

describe('the Dockerfiles', () => {
  it('parse into stages, continuation lines joined and comments dropped', () => {
    const parsed = parseDockerfile(
      '# c\nARG BASE=debian:12\nFROM ${BASE} AS one\nRUN a \\\n  # inside\n  && b\nUSER 7\n',
    );
    expect(parsed).toEqual({
      globalArgs: { BASE: 'debian:12' },
      stages: [
        {
          image: 'debian:12',
          name: 'one',
          instructions: [
            { keyword: 'RUN', args: 'a && b' },
            { keyword: 'USER', args: '7' },
          ],
        },
      ],
    });
  });

  it('build the worker on node:24-bookworm-slim in two stages, never from an unpinned or latest tag', () => {
    expect(worker.stages.map((s) => [s.name, s.image])).toEqual([
      ['build', 'node:24-bookworm-slim'],
      ['runtime', 'node:24-bookworm-slim'],
    ]);
    expect(project.stages.map((s) => s.image)).toEqual([project.globalArgs.WORKER_IMAGE]);
    for (const image of [...worker.stages, ...project.stages].map((s) => s.image)) {
      expect(image).toMatch(/^[\w./-]+:[\w.-]+$/);
      expect(image).not.toMatch(/:latest$/);
    }
    expect(project.globalArgs.WORKER_IMAGE).toMatch(/mxcp-worker:\d+\.\d+\.\d+$/);
  });

  it('compile with npm run build and ship production dependencies only', () => {
    const build = worker.stages[0];
    const runs = all(build, 'RUN').map((i) => i.args);
    expect(runs.some((r) => r.includes('npm run build'))).toBe(true);
    expect(runs.some((r) => r.includes('npm prune --omit=dev'))).toBe(true);
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      bin: Record<string, string>;
    };
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json');
    expect(pkg.bin.mxcp).toBe('bin/mxcp.js');
  });

  it("run as the operator's worker uid with Python 3 and venv installed, mxcp as the entry point", () => {
    expect(last(runtime, 'USER')).toBe(`${WORKER_UID}:${WORKER_UID}`);
    expect(last(projectStage, 'USER')).toBe(`${WORKER_UID}:${WORKER_UID}`);
    expect(
      all(runtime, 'RUN').some((i) => /apt-get install .*\bpython3\b.*\bpython3-venv\b/.test(i.args)),
    ).toBe(true);
    expect(last(runtime, 'WORKDIR')).toBe('/project');
    expect(JSON.parse(last(runtime, 'ENTRYPOINT')!)).toEqual(['mxcp']);
    expect(JSON.parse(last(runtime, 'CMD')!)).toEqual(
      expect.arrayContaining(['serve', '--host', '0.0.0.0', '--port', String(MCP_PORT)]),
    );
    expect(last(runtime, 'EXPOSE')).toBe(String(MCP_PORT));
    expect(envOf(runtime).MXCP_PYTHON_PACKAGE_DIR).toBe('/opt/mxcp/worker/python');
  });

  it('check health on the MCP port with an exec-form command the slim image can run', () => {
    const healthcheck = last(runtime, 'HEALTHCHECK')!;
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD') + 3)) as string[];
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    expect(command[2]).toContain(`http://127.0.0.1:${MCP_PORT}/health`);
  });

  it('install requirements.txt, when there is one, into a venv of uid 1000 that MXCP_PYTHON points at', () => {
    const steps = projectStage.instructions.map((i) => `${i.keyword} ${i.args}`);
    const index = (pattern: RegExp) => steps.findIndex((s) => pattern.test(s));
    expect(index(/^RUN .*chown 1000:1000 \/opt\/venv/)).toBeLessThan(index(/^USER 1000:1000/));
    expect(index(/^USER 1000:1000/)).toBeLessThan(index(/^RUN python3 -m venv \/opt\/venv$/));
    expect(steps).toContainEqual(
      expect.stringMatching(/^COPY --chown=1000:1000 \$\{PROJECT_DIR\} \/project$/),
    );
    expect(steps).toContainEqual(
      expect.stringMatching(
        /^RUN if \[ -f \/project\/requirements\.txt \]; then \/opt\/venv\/bin\/pip install .*-r \/project\/requirements\.txt; fi$/,
      ),
    );
    expect(envOf(projectStage).MXCP_PYTHON).toBe('/opt/venv/bin/python');
  });
});

// ---- the images' layout, rebuilt in a temp dir ------------------------------------------------------

let root = '';
let buildOut = '';

/** The image's absolute paths, moved into the temp dir; Debian's python3 is the one on PATH here. */
function inRoot(text: string): string {
  return text
    .replaceAll('/usr/bin/python3', 'python3')
    .replace(
      /(^|[\s=:'"])\/(opt|project|usr\/local\/bin)(?=[/\s'"]|$)/g,
      (_, before: string, dir: string) => {
        return `${before}${root}/${dir}`;
      },
    );
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, output }));
  });
}

/** A RUN line as the image would run it, minus what needs root or a package manager. */
async function runStep(args: string, cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  const script = inRoot(args).replace(/\bchown\s+\S+\s+\S+/g, 'true');
  const result = await run('sh', ['-c', script], { cwd, env });
  expect(result.code, `RUN ${args}\n${result.output}`).toBe(0);
}

/** Follows one stage's WORKDIR, COPY and RUN lines; returns the stage's environment. */
async function applyStage(
  stage: Stage,
  context: string,
  options: { args?: Record<string, string>; env: Record<string, string> },
): Promise<Record<string, string>> {
  const args: Record<string, string> = { ...options.args };
  const env: Record<string, string> = { ...options.env };
  let workdir = root;
  for (const { keyword, args: text } of stage.instructions) {
    const expanded = text.replace(/\$\{(\w+)\}/g, (whole, name: string) => args[name] ?? env[name] ?? whole);
    if (keyword === 'ARG') {
      const [name, value = ''] = expanded.split('=');
      args[name] = value;
    } else if (keyword === 'WORKDIR') {
      workdir = resolve(workdir, inRoot(expanded));
      mkdirSync(workdir, { recursive: true });
    } else if (keyword === 'ENV') {
      for (const pair of expanded.split(/\s+/)) {
        const at = pair.indexOf('=');
        env[pair.slice(0, at)] = inRoot(pair.slice(at + 1));
      }
    } else if (keyword === 'COPY') {
      const words = expanded.split(/\s+/);
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
      const [source, target] = words.filter((w) => !w.startsWith('--'));
      copyInto(from, source, resolve(workdir, inRoot(target)), context);
    } else if (keyword === 'RUN') {
      if (/apt-get/.test(expanded)) continue; // Debian packages: python3 and its venv are on this machine
      await runStep(expanded, workdir, { ...process.env, ...env });
    }
  }
  return env;
}

/** COPY from the build context or from the build stage (/src: the repository, compiled). */
function copyInto(from: string | undefined, source: string, target: string, context: string): void {
  mkdirSync(dirname(target), { recursive: true });
  if (from === undefined) {
    cpSync(join(context, source), target, {
      recursive: true,
      filter: (path) => !path.includes('__pycache__') && !path.endsWith('.duckdb'),
    });
    return;
  }
  expect(from).toBe('build');
  const inBuild = source.replace(/^\/src\/?/, '');
  if (inBuild === 'node_modules') {
    // `npm prune --omit=dev` cannot be run here; the runtime imports are checked against
    // package.json's dependencies instead.
    symlinkSync(join(REPO_ROOT, 'node_modules'), target, 'dir');
  } else if (inBuild.startsWith('dist')) {
    cpSync(join(buildOut, inBuild.slice('dist'.length)), target, { recursive: true });
  } else {
    cpSync(join(REPO_ROOT, inBuild), target, { recursive: true });
  }
}

/** Static `import … from`, `export … from`, bare `import '…'` and `import('…')` with a literal. */
const IMPORT_SPECIFIERS = [
  /^\s*(?:import|export)\s[^;]*?\bfrom\s*['"]([^'"]+)['"]/gm,
  /^\s*import\s*['"]([^'"]+)['"]/gm,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
];

/** The bare package names the compiled files import. */
function importedPackages(dir: string): Set<string> {
  const found = new Set<string>();
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.js')) continue;
    const code = readFileSync(join(dir, entry), 'utf8');
    for (const pattern of IMPORT_SPECIFIERS) {
      for (const [, spec] of code.matchAll(pattern)) {
        if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]))
          continue;
        const parts = spec.split('/');
        found.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
      }
    }
  }
  return found;
}

describe('the worker image layout, rebuilt from the Dockerfile', () => {
  let imageEnv: NodeJS.ProcessEnv = {};

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'mxcp-image-'));
    buildOut = join(root, 'build-dist');
    // The build stage's `npm run build`, into the temp dir (the shared dist/ is left alone).
    const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    const build = await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', buildOut], {
      cwd: REPO_ROOT,
    });
    expect(build.code, build.output).toBe(0);
    mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
    const stageEnv = await applyStage(runtime, REPO_ROOT, { env: {} });
    // The worker's own variables are the image's, not the developer's.
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('MXCP_') && name !== 'PYTHONPATH'),
    );
    imageEnv = {
      ...inherited,
      ...stageEnv,
      NO_COLOR: '1',
      HOME: join(root, 'home'),
      // /usr/local/bin first, as in the image; then this Node 24 for `#!/usr/bin/env node`.
      PATH: [join(root, 'usr/local/bin'), dirname(process.execPath), process.env.PATH].join(delimiter),
    };
    mkdirSync(join(root, 'home'));
  }, 300_000);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('has the compiled CLI, the Python package and an executable mxcp on PATH', async () => {
    const home = join(root, 'opt/mxcp');
    expect(existsSync(join(home, 'dist/worker/src/cli/main.js'))).toBe(true);
    expect(existsSync(join(home, 'worker/python/mxcp_host/__main__.py'))).toBe(true);
    expect(existsSync(join(home, 'worker/python/mxcp/runtime/__init__.py'))).toBe(true);
    expect(statSync(join(home, 'bin/mxcp.js')).mode & 0o111).not.toBe(0);
    expect(imageEnv.MXCP_PYTHON_PACKAGE_DIR).toBe(join(home, 'worker/python'));
    // The build context leaves out tests and testdata (Dockerfile.dockerignore): the build must not need them.
    const compiled = readdirSync(buildOut, { recursive: true, encoding: 'utf8' });
    expect(readdirSync(buildOut).sort()).toEqual(['operator', 'worker']); // nothing from outside the context
    expect(compiled.filter((file) => /(^|\/)testdata\/|\.test\.js$/.test(file))).toEqual([]);
    expect(readFileSync(join(REPO_ROOT, 'images/worker/Dockerfile.dockerignore'), 'utf8')).toMatch(
      /^\*\*\/\*\.test\.ts$[\s\S]*^\*\*\/testdata\/\*\*$/m,
    );

    const help = await run('mxcp', ['--help'], { cwd: join(root, 'project'), env: imageEnv });
    expect(help.code, help.output).toBe(0);
    expect(help.output).toMatch(/Usage: mxcp/);
    expect(help.output).toContain('serve');
  });

  it('imports only packages listed as production dependencies at run time', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const imported = [...importedPackages(join(root, 'opt/mxcp/dist/worker'))];
    expect(imported).toContain('@duckdb/node-api');
    expect(imported.filter((name) => !(name in pkg.dependencies))).toEqual([]);
  });

  it('passes the python-demo fixture tests with the Python package found where the image puts it', async () => {
    cpSync(join(REPO_ROOT, 'test/fixtures/python-demo'), join(root, 'project'), {
      recursive: true,
      filter: (path) => !path.includes('__pycache__') && !path.endsWith('.duckdb'),
    });
    const result = await run('mxcp', ['test'], {
      cwd: join(root, 'project'),
      env: { ...imageEnv, MXCP_CONFIG: join(root, 'project/user-config.yml') },
    });
    expect(result.output).toContain('rotates by the configured 3');
    expect(result.output).not.toContain('✗');
    expect(result.code, result.output).toBe(0);
  }, 180_000);

  it("serves the project and answers the image's HEALTHCHECK command", async () => {
    const port = await freePort();
    const healthcheck = last(runtime, 'HEALTHCHECK')!;
    const [node, flag, script] = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD') + 3)) as string[];
    const check = () =>
      run(node, [flag, script.replace(`:${MCP_PORT}/`, `:${port}/`)], { cwd: root, env: imageEnv });
    expect((await check()).code).toBe(1); // nothing listens yet

    const server = startServer({
      name: 'mxcp serve (image layout)',
      args: [
        join(root, 'usr/local/bin/mxcp'),
        'serve',
        '--transport',
        'streamable-http',
        '--port',
        String(port),
      ],
      cwd: join(root, 'project'),
      env: { ...imageEnv, MXCP_CONFIG: join(root, 'project/user-config.yml') },
      port,
    });
    try {
      await waitUntilReady(server, 90_000);
      const result = await check();
      expect(result.code, result.output).toBe(0);
    } finally {
      await stopServer(server);
    }
  }, 120_000);

  it("installs a project's requirements.txt into the venv its Python tools run in", async () => {
    // The project image's build context: a small project whose tool imports a package that is
    // only in the venv, installed from a local wheel (no index needed).
    const context = join(root, 'context');
    mkdirSync(join(context, 'tools'), { recursive: true });
    mkdirSync(join(context, 'python'), { recursive: true });
    writeFileSync(
      join(context, 'mxcp-site.yml'),
      'mxcp: 1\nproject: probe\nprofile: default\nprofiles:\n  default: {}\n',
    );
    writeFileSync(
      join(context, 'user-config.yml'),
      'mxcp: 1\nprojects:\n  probe:\n    profiles:\n      default:\n        secrets: []\n',
    );
    writeFileSync(
      join(context, 'python/greet.py'),
      'import mxcp_image_probe\n\n\ndef greet(name: str) -> str:\n    return mxcp_image_probe.greet(name)\n',
    );
    writeFileSync(
      join(context, 'tools/greet.yml'),
      [
        'mxcp: 1',
        'tool:',
        '  name: greet',
        '  description: Greets with a function from a requirements.txt package.',
        '  language: python',
        '  source: { file: ../python/greet.py }',
        '  parameters:',
        '    - { name: name, type: string, description: Who }',
        '  return: { type: string }',
        '  tests:',
        '    - name: from the wheel',
        '      arguments: [{ key: name, value: Ada }]',
        '      result: hello Ada, from a requirements.txt package',
        '',
      ].join('\n'),
    );
    const wheel = join(root, 'wheels/mxcp_image_probe-1.0-py3-none-any.whl');
    await writeWheel(wheel);
    writeFileSync(join(context, 'requirements.txt'), `${wheel}\n`);

    rmSync(join(root, 'project'), { recursive: true, force: true });
    const env = await applyStage(projectStage, context, {
      args: { PROJECT_DIR: '.' },
      env: Object.fromEntries(
        Object.entries(imageEnv).filter((e): e is [string, string] => e[1] !== undefined),
      ),
    });
    expect(env.MXCP_PYTHON).toBe(join(root, 'opt/venv/bin/python'));
    expect(existsSync(join(root, 'project/tools/greet.yml'))).toBe(true);

    const result = await run('mxcp', ['test', 'tool', 'greet'], {
      cwd: join(root, 'project'),
      env: { ...env, MXCP_CONFIG: join(root, 'project/user-config.yml') },
    });
    expect(result.output).not.toContain('✗');
    expect(result.code, result.output).toBe(0);
    // With the worker image's interpreter instead (the venv is first on PATH, so by its path) the
    // package is missing: the tool really ran in the venv.
    const system = await run('sh', ['-c', 'command -v python3'], { cwd: root, env: imageEnv });
    expect(system.output.trim()).not.toContain(join(root, 'opt/venv'));
    const plain = await run('mxcp', ['test', 'tool', 'greet'], {
      cwd: join(root, 'project'),
      env: { ...env, MXCP_PYTHON: system.output.trim(), MXCP_CONFIG: join(root, 'project/user-config.yml') },
    });
    expect(plain.code).not.toBe(0);
    expect(plain.output).toContain('mxcp_image_probe');
  }, 180_000);
});

/** A one-module wheel, written by Python's zipfile (pip installs it without an index). */
async function writeWheel(path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const script = `
import base64, hashlib, sys, zipfile
files = {
    "mxcp_image_probe/__init__.py": "def greet(name):\\n    return f'hello {name}, from a requirements.txt package'\\n",
    "mxcp_image_probe-1.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: mxcp-image-probe\\nVersion: 1.0\\n",
    "mxcp_image_probe-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: mxcp-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = []
with zipfile.ZipFile(sys.argv[1], "w") as wheel:
    for name, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
        wheel.writestr(name, data)
    record.append("mxcp_image_probe-1.0.dist-info/RECORD,,")
    wheel.writestr("mxcp_image_probe-1.0.dist-info/RECORD", "\\n".join(record) + "\\n")
`;
  const result = await run('python3', ['-c', script, path], { cwd: root });
  expect(result.code, result.output).toBe(0);
}

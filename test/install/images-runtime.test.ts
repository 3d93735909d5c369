// What the worker and operator images run, proven without a Docker engine: their filesystems are
// rebuilt in a temp dir by following the Dockerfiles' own lines (images-stage.ts): the build
// context filtered by .dockerignore, the build stage's `npm run build` on it, and each runtime
// stage's COPY lines and its real `npm install --omit=dev` from the lock file. Then the images'
// ENTRYPOINT and CMD run with the pinned Node 24, as uid 1000 when the tests run as root: the
// worker serves examples/quickstart (HEALTHCHECK, /health, an MCP tools/list and call) writing
// nothing outside /tmp, runs a Python project, and a project image's venv gets its
// requirements.txt; the operator answers --help and renders a sample MxcpProject.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { MCP_PORT } from '../../operator/src/api/mxcpproject.js';
import { freePort } from '../bench/processes.js';
import { useTestNamespace } from '../cluster/namespace.js';
import { applyProject, installCrd, sampleProject, waitConverged } from '../operator/operator-process.js';
import { REPO_ROOT } from '../support/mxcp.js';
import {
  contextFiles,
  execForm,
  last,
  OPERATOR_DOCKERFILE,
  PROJECT_DOCKERFILE,
  readDockerfile,
  WORKER_DOCKERFILE,
} from './images-dockerfile.js';
import { ImageRoot, IS_ROOT, run, type ImageState } from './images-stage.js';

const worker = readDockerfile(WORKER_DOCKERFILE);
const operator = readDockerfile(OPERATOR_DOCKERFILE);
const project = readDockerfile(PROJECT_DOCKERFILE);
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};

let tmp = '';
let image: ImageRoot;
let workerImage: ImageState;
let operatorImage: ImageState;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'mxcp-images-'));
  image = new ImageRoot(tmp);
  // The build context, exactly: what .dockerignore lets through.
  const context = join(tmp, 'context');
  for (const file of contextFiles(REPO_ROOT, readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8'))) {
    mkdirSync(dirname(join(context, file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(context, file));
  }
  // Both Dockerfiles have the same build stage (images-lint.test.ts): compiled once.
  await image.apply(worker.stages[0], context);
  workerImage = await image.apply(worker.stages[1], context);
  operatorImage = await image.apply(operator.stages[1], context);
}, 900_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** `command` run as the image's ENTRYPOINT with `args` for CMD, in its WORKDIR, as its USER. */
function runImage(state: ImageState, args: string[], env: Record<string, string> = {}) {
  const [command, ...rest] = state.entrypoint;
  return run(command, [...rest, ...args], {
    cwd: state.workdir,
    env: { ...image.processEnv(state), ...env },
    ...(state.user ? { user: state.user } : {}),
  });
}

/** A data volume (here under /tmp) that the pod's fsGroup makes writable for uid 1000. */
function dataVolume(): string {
  const dir = join(tmp, 'tmp/data');
  if (!existsSync(dir)) {
    mkdirSync(dir);
    chmodSync(dir, 0o1777);
  }
  return dir;
}

/** Every path under `dir` with its size and modification time (symlinks not followed). */
function snapshot(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const stat = lstatSync(join(dir, entry));
    found.set(entry, `${stat.size}:${stat.mtimeMs}`);
  }
  return found;
}

describe('the worker image', () => {
  it('holds the compiled worker, its Python package and an executable mxcp on PATH, run as uid 1000', async () => {
    const home = join(tmp, 'opt/mxcp');
    expect(existsSync(join(home, 'dist/worker/src/cli/main.js'))).toBe(true);
    expect(existsSync(join(home, 'dist/operator'))).toBe(false);
    expect(existsSync(join(home, 'worker/python/mxcp_host/__main__.py'))).toBe(true);
    expect(existsSync(join(home, 'worker/python/mxcp/runtime/__init__.py'))).toBe(true);
    expect(statSync(join(tmp, 'usr/local/bin/mxcp')).mode & 0o111).not.toBe(0);
    expect(workerImage.workdir).toBe(join(tmp, 'project'));
    if (IS_ROOT) expect(workerImage.user).toEqual({ uid: 1000, gid: 1000 });
    // The compiled output has no tests: the build context left them out and the build did not need them.
    const compiled = readdirSync(join(home, 'dist'), { recursive: true, encoding: 'utf8' });
    expect(compiled.filter((file) => /(^|\/)testdata\/|\.test\.js$/.test(file))).toEqual([]);

    const help = await runImage(workerImage, ['--help']);
    expect(help.code, help.output).toBe(0);
    expect(help.output).toMatch(/Usage: mxcp/);
    expect(help.output).toContain('serve');
  });

  it("installs the lock file's versions of the production dependencies and no dev dependency", () => {
    const modules = join(tmp, 'opt/mxcp/node_modules');
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string; dev?: boolean }>;
    };
    const installed = JSON.parse(readFileSync(join(modules, '.package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string }>;
    };
    const names = Object.keys(installed.packages);
    expect(names).toContain('node_modules/@duckdb/node-api');
    expect(names.length).toBeGreaterThan(100);
    for (const name of names) {
      expect(installed.packages[name].version, name).toBe(lock.packages[name]?.version);
      expect(lock.packages[name].dev ?? false, `${name} is a dev dependency`).toBe(false);
    }
    // The toolchain (typescript, vitest, tsx, the pinned node…): the dev dependencies no
    // production package needs as well (@types/node is both).
    const devOnly = Object.keys(pkg.devDependencies).filter((d) => lock.packages[`node_modules/${d}`]?.dev);
    expect(devOnly).toEqual(expect.arrayContaining(['typescript', 'vitest', 'tsx', 'node']));
    for (const dev of devOnly) expect(existsSync(join(modules, dev)), `${dev} (dev) installed`).toBe(false);
  });

  it('serves examples/quickstart with its ENTRYPOINT and CMD, healthy, over MCP, writing only under /tmp', async () => {
    cpSync(join(REPO_ROOT, 'examples/quickstart'), join(tmp, 'project'), {
      recursive: true,
      filter: (path) => !path.endsWith('.duckdb'),
    });
    const port = await freePort();
    const cmd = execForm(last(worker.stages[1], 'CMD')!);
    expect(cmd).toContain(String(MCP_PORT));
    const args = cmd.map((arg, i) => (cmd[i - 1] === '--port' ? String(port) : arg));
    const [node, flag, script] = execForm(last(worker.stages[1], 'HEALTHCHECK')!);
    const healthcheck = () =>
      run(node, [flag, script.replace(`:${MCP_PORT}/`, `:${port}/`)], {
        cwd: workerImage.workdir,
        env: image.processEnv(workerImage),
        ...(workerImage.user ? { user: workerImage.user } : {}),
      });
    expect((await healthcheck()).code).toBe(1); // nothing listens yet

    const before = { opt: snapshot(join(tmp, 'opt')), project: snapshot(join(tmp, 'project')) };
    // As the operator runs it: the database on a volume, not in the project.
    const env = { ...image.processEnv(workerImage), MXCP_DUCKDB_PATH: join(dataVolume(), 'mxcp.duckdb') };
    const [command, ...rest] = workerImage.entrypoint;
    const server = spawn(command, [...rest, ...args], {
      cwd: workerImage.workdir,
      env,
      ...(workerImage.user ?? {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    server.stdout.on('data', (d: Buffer) => (output += d.toString()));
    server.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      await waitFor(
        async () => (await healthcheck()).code === 0,
        server,
        () => output,
        90_000,
      );
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);

      const client = new Client({ name: 'images-runtime-test', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)) as Transport,
      );
      try {
        const tools = await client.listTools();
        expect(tools.tools.map((t) => t.name)).toEqual(
          expect.arrayContaining(['hello', 'list_products', 'product_by_id', 'sales_summary']),
        );
        const hello = await client.callTool({ name: 'hello', arguments: { name: 'Ada' } });
        expect(hello.isError ?? false).toBe(false);
        expect((hello.content as { text: string }[])[0].text).toContain('Hello, Ada!');
      } finally {
        await client.close();
      }
    } finally {
      expect(await stop(server), output).toBe(0);
    }
    expect(snapshot(join(tmp, 'opt'))).toEqual(before.opt);
    expect(snapshot(join(tmp, 'project'))).toEqual(before.project);
    expect(existsSync(join(dataVolume(), 'mxcp.duckdb'))).toBe(true);
  }, 180_000);

  it('runs Python endpoints with the package where the image puts it: python-demo passes mxcp test', async () => {
    const dir = join(tmp, 'project/python-demo');
    cpSync(join(REPO_ROOT, 'test/fixtures/python-demo'), dir, {
      recursive: true,
      filter: (path) => !path.includes('__pycache__') && !path.endsWith('.duckdb'),
    });
    const before = snapshot(dir);
    const result = await run(workerImage.entrypoint[0], ['test'], {
      cwd: dir,
      env: {
        ...image.processEnv(workerImage),
        MXCP_CONFIG: join(dir, 'user-config.yml'),
        MXCP_DUCKDB_PATH: join(dataVolume(), 'python-demo.duckdb'),
      },
      ...(workerImage.user ? { user: workerImage.user } : {}),
    });
    expect(result.output).toContain('rotates by the configured 3');
    expect(result.output).not.toContain('✗');
    expect(result.code, result.output).toBe(0);
    // PYTHONDONTWRITEBYTECODE: no __pycache__ in a project that may be mounted read-only.
    expect(snapshot(dir)).toEqual(before);
  }, 180_000);

  it("builds a project image whose venv has the project's requirements.txt, and its Python tools use it", async () => {
    const context = join(tmp, 'project-context');
    writeProbeProject(context);
    const wheel = join(tmp, 'wheels/mxcp_image_probe-1.0-py3-none-any.whl');
    await writeWheel(wheel);
    writeFileSync(join(context, 'requirements.txt'), `${wheel}\n`);

    rmSync(join(tmp, 'project'), { recursive: true, force: true });
    mkdirSync(join(tmp, 'project'));
    const projectImage = await image.apply(project.stages[0], context, {
      args: { PROJECT_DIR: '.' },
      from: workerImage,
    });
    expect(projectImage.env.MXCP_PYTHON).toBe(join(tmp, 'opt/venv/bin/python'));
    expect(existsSync(join(tmp, 'project/tools/greet.yml'))).toBe(true);
    if (IS_ROOT) expect(statSync(join(tmp, 'opt/venv')).uid).toBe(1000);

    const config = { MXCP_CONFIG: join(tmp, 'project/user-config.yml') };
    const result = await runImage(projectImage, ['test', 'tool', 'greet'], config);
    expect(result.output).not.toContain('✗');
    expect(result.code, result.output).toBe(0);
    // With the worker image's interpreter instead, the package is missing: the tool ran in the venv.
    const plain = await runImage(projectImage, ['test', 'tool', 'greet'], {
      ...config,
      MXCP_PYTHON: workerImage.env.MXCP_PYTHON,
    });
    expect(plain.code).not.toBe(0);
    expect(plain.output).toContain('mxcp_image_probe');
  }, 300_000);
});

describe('the operator image', () => {
  it('holds the compiled operator with the worker code it validates projects with, and mxcp-operator on PATH', async () => {
    const home = join(tmp, 'opt/mxcp-operator');
    expect(existsSync(join(home, 'dist/operator/src/main.js'))).toBe(true);
    expect(existsSync(join(home, 'dist/worker/src/config'))).toBe(true);
    expect(existsSync(join(home, 'worker/python'))).toBe(false);
    expect(statSync(join(tmp, 'usr/local/bin/mxcp-operator')).mode & 0o111).not.toBe(0);
    expect(operatorImage.cmd).toEqual(['run']);

    const help = await runImage(operatorImage, ['--help']);
    expect(help.code, help.output).toBe(0);
    expect(help.output).toMatch(/Usage: mxcp-operator/);
    expect(help.output).toMatch(/\brun\b/);
    expect(help.output).toMatch(/\brender\b/);
    const runHelp = await runImage(operatorImage, [...operatorImage.cmd, '--help']);
    expect(runHelp.code, runHelp.output).toBe(0);
    expect(runHelp.output).toContain('--leader-elect');
  });

  it('renders a sample MxcpProject into a Deployment of the worker image of the same version', async () => {
    // A file the image's user can read (the checkout may sit in a folder only root can enter).
    const sample = join(tmp, 'tmp/hello.yaml');
    cpSync(join(REPO_ROOT, 'config/samples/mxcp_v1alpha1_mxcpproject_hello.yaml'), sample);
    chmodSync(sample, 0o644);
    const rendered = await runImage(operatorImage, ['render', '-f', sample]);
    expect(rendered.code, rendered.output).toBe(0);
    const objects = parseAllDocuments(rendered.output).map(
      (d) =>
        d.toJS() as { kind: string; spec?: { template?: { spec: { containers: { image: string }[] } } } },
    );
    const deployment = objects.find((o) => o.kind === 'Deployment');
    expect(deployment?.spec?.template?.spec.containers[0].image).toBe(
      `ghcr.io/mxcp-operator/mxcp-worker:${pkg.version}`,
    );
  });

  describe('against the test control plane', () => {
    const ns = useTestNamespace();

    it('runs its CMD: healthy by its HEALTHCHECK, reconciles an MxcpProject, exits 0 on SIGTERM', async () => {
      const kc = ns.kubeConfig();
      await installCrd(kc);
      await applyProject(kc, sampleProject(ns.name, 'image-probe'));
      // The kubeconfig as a mounted file the image's user can read (a pod uses its ServiceAccount).
      const kubeconfig = join(tmp, 'tmp/kubeconfig.yaml');
      cpSync(ns.cluster.kubeconfigPath, kubeconfig);
      chmodSync(kubeconfig, 0o644);

      const healthPort = await freePort();
      const [node, flag, script] = execForm(last(operator.stages[1], 'HEALTHCHECK')!);
      expect(script).toContain(':8081/');
      const healthcheck = () =>
        run(node, [flag, script.replace(':8081/', `:${healthPort}/`)], {
          cwd: operatorImage.workdir,
          env: image.processEnv(operatorImage),
          ...(operatorImage.user ? { user: operatorImage.user } : {}),
        });
      expect((await healthcheck()).code).toBe(1); // nothing listens yet

      const [command, ...rest] = operatorImage.entrypoint;
      const args = [
        ...operatorImage.cmd,
        '--kubeconfig',
        kubeconfig,
        '--namespace',
        ns.name,
        '--no-leader-elect',
        `--health-port=${healthPort}`,
        '--metrics-port=0',
        '--bind-address=127.0.0.1',
      ];
      const child = spawn(command, [...rest, ...args], {
        cwd: operatorImage.workdir,
        env: image.processEnv(operatorImage),
        ...(operatorImage.user ?? {}),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      try {
        await waitFor(
          async () => (await healthcheck()).code === 0,
          child,
          () => output,
          90_000,
        );
        await waitConverged(kc, ns.name, 'image-probe', 120_000);
      } finally {
        expect(await stop(child), output.slice(-4000)).toBe(0);
      }
    }, 300_000);
  });
});

async function waitFor(
  ready: () => Promise<boolean>,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the image's command exited (${child.exitCode ?? child.signalCode}):\n${output()}`);
    }
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`not healthy after ${timeoutMs} ms:\n${output()}`);
}

/** SIGTERM, as `docker stop` sends; the exit code (a signal death counts as failure). */
function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('close', (code) => {
      clearTimeout(force);
      done(code);
    });
    child.kill('SIGTERM');
  });
}

/** A project whose Python tool imports a package that only its requirements.txt brings. */
function writeProbeProject(context: string): void {
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
}

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
  const result = await run('python3', ['-c', script, path], { cwd: tmp, env: process.env });
  expect(result.code, result.output).toBe(0);
}

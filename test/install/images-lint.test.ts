// The container images' build files, checked without a Docker engine: hadolint (installed from
// PyPI by images-hadolint.sh) on every Dockerfile; then what the operator's manifests and pods rely
// on, read from the Dockerfiles themselves (names and version, uid 1000, HOME on /tmp for a
// read-only root filesystem, health checks on the right ports); the .dockerignore context; and
// `make images` (images/build.sh). test/install/images-runtime.test.ts runs what the images run.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { MCP_PORT } from '../../operator/src/api/mxcpproject.js';
import { DEFAULT_WORKER_IMAGE } from '../../operator/src/cli/render.js';
import { WORKER_UID } from '../../operator/src/render/pod.js';
import { REPO_ROOT } from '../support/mxcp.js';
import {
  all,
  argsOf,
  contextFiles,
  copiesOf,
  envOf,
  execForm,
  isIgnored,
  labelsOf,
  last,
  OPERATOR_DOCKERFILE,
  parseDockerfile,
  parseDockerignore,
  PROJECT_DOCKERFILE,
  readDockerfile,
  WORKER_DOCKERFILE,
  type Dockerfile,
} from './images-dockerfile.js';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
};
const worker = readDockerfile(WORKER_DOCKERFILE);
const operator = readDockerfile(OPERATOR_DOCKERFILE);
const project = readDockerfile(PROJECT_DOCKERFILE);
const IMAGES: [string, Dockerfile][] = [
  [WORKER_DOCKERFILE, worker],
  [OPERATOR_DOCKERFILE, operator],
  [PROJECT_DOCKERFILE, project],
];
const runtimeOf = (file: Dockerfile) => file.stages.at(-1)!;

function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

describe('hadolint', () => {
  let hadolint = '';

  beforeAll(async () => {
    const install = await run('bash', [join(REPO_ROOT, 'test/install/images-hadolint.sh')]);
    expect(install.code, install.stderr).toBe(0);
    hadolint = install.stdout.trim().split('\n').at(-1)!;
  }, 300_000);

  it('finds nothing to report in the worker, operator and project Dockerfiles, styles included', async () => {
    const files = IMAGES.map(([path]) => path);
    const result = await run(hadolint, ['--no-color', '--failure-threshold', 'style', ...files]);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('is a working linter: it rejects a latest tag, root as the last user, ADD for plain files and cd', async () => {
    const bad = 'FROM node:latest\nUSER root\nADD src/ /app/\nRUN cd /app && npm install\n';
    const result = await run(hadolint, ['--no-color', '-'], { input: bad });
    expect(result.code).not.toBe(0);
    for (const rule of ['DL3007', 'DL3002', 'DL3020', 'DL3003']) expect(result.stdout).toContain(rule);
  });

  it('is told to ignore only unpinned Debian package versions, each ignore explained beside it', () => {
    for (const [path] of IMAGES) {
      const lines = readFileSync(join(REPO_ROOT, path), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (!line.includes('hadolint ignore')) return;
        expect(line, path).toBe('# hadolint ignore=DL3008');
        // The lines before say why: versions come with the pinned Debian release.
        expect(lines.slice(Math.max(0, i - 3), i).join(' '), path).toMatch(/Debian release/);
      });
    }
  });
});

describe('the Dockerfile reader', () => {
  it('parses stages, joins continuation lines and drops comments', () => {
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

  it('reads .dockerignore as Docker does: parents match, ** spans folders, the last rule wins', () => {
    const rules = parseDockerignore('# c\n*\n!src/**\n**/*.test.ts\n!src/keep.test.ts\n');
    expect(isIgnored(rules, 'node_modules/x/index.js')).toBe(true);
    expect(isIgnored(rules, 'README.md')).toBe(true);
    expect(isIgnored(rules, 'src/a/b.ts')).toBe(false);
    expect(isIgnored(rules, 'src/a/b.test.ts')).toBe(true);
    expect(isIgnored(rules, 'src/keep.test.ts')).toBe(false);
  });
});

describe('the worker and operator images', () => {
  it('build in two stages on node:24-bookworm-slim, never from an unpinned or latest tag', () => {
    for (const file of [worker, operator]) {
      expect(file.stages.map((s) => [s.name, s.image])).toEqual([
        ['build', 'node:24-bookworm-slim'],
        ['runtime', 'node:24-bookworm-slim'],
      ]);
    }
    expect(project.stages.map((s) => s.image)).toEqual([project.globalArgs.WORKER_IMAGE]);
    for (const [, file] of IMAGES) {
      for (const { image } of file.stages) {
        expect(image).toMatch(/^[\w./-]+:[\w.-]+$/);
        expect(image).not.toMatch(/:latest$/);
      }
      for (const stage of file.stages) expect(all(stage, 'ADD')).toEqual([]);
    }
  });

  it('compile once, the same way for both (npm run build is tsc), and ship production dependencies only', () => {
    expect(worker.stages[0].instructions).toEqual(operator.stages[0].instructions);
    const build = worker.stages[0];
    expect(all(build, 'RUN').map((i) => i.args)).toContain('npm run build');
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json');
    for (const file of [worker, operator]) {
      const runtime = runtimeOf(file);
      const installs = all(runtime, 'RUN').filter((i) => /\bnpm (ci|install)\b/.test(i.args));
      expect(installs).toHaveLength(1);
      expect(installs[0].args).toMatch(/^npm install --omit=dev\b/);
      expect(envOf(runtime).NODE_ENV).toBe('production');
      // Nothing of the build stage but its compiled output reaches the runtime image.
      const fromBuild = copiesOf(runtime).filter((c) => c.from === 'build');
      expect(fromBuild.flatMap((c) => c.sources).every((s) => s.startsWith('/src/dist/'))).toBe(true);
    }
  });

  it("run as uid 1000 (the operator's worker uid) with HOME on /tmp, for a read-only root filesystem", () => {
    for (const file of [worker, operator]) {
      const runtime = runtimeOf(file);
      expect(last(runtime, 'USER')).toBe(`${WORKER_UID}:${WORKER_UID}`);
      expect(envOf(runtime).HOME).toBe('/tmp');
    }
    expect(envOf(runtimeOf(worker)).PYTHONDONTWRITEBYTECODE).toBe('1');
    expect(last(runtimeOf(project), 'USER')).toBe(`${WORKER_UID}:${WORKER_UID}`);
  });

  it('start mxcp serve on the MCP port and mxcp-operator run, from their package.json bin entries', () => {
    const runtime = runtimeOf(worker);
    expect(execForm(last(runtime, 'ENTRYPOINT')!)).toEqual(['mxcp']);
    expect(execForm(last(runtime, 'CMD')!)).toEqual(
      expect.arrayContaining(['serve', '--host', '0.0.0.0', '--port', String(MCP_PORT)]),
    );
    expect(last(runtime, 'EXPOSE')).toBe(String(MCP_PORT));
    expect(last(runtime, 'WORKDIR')).toBe('/project');
    expect(
      all(runtime, 'RUN').some((i) => /apt-get install .*\bpython3\b.*\bpython3-venv\b/.test(i.args)),
    ).toBe(true);
    expect(envOf(runtime).MXCP_PYTHON).toBe('/usr/bin/python3');

    const operatorRuntime = runtimeOf(operator);
    expect(execForm(last(operatorRuntime, 'ENTRYPOINT')!)).toEqual(['mxcp-operator']);
    expect(execForm(last(operatorRuntime, 'CMD')!)).toEqual(['run']);
    expect(all(operatorRuntime, 'RUN').some((i) => i.args.includes('apt-get'))).toBe(false);

    // The bin scripts the images put on PATH are package.json's.
    for (const [file, command] of [
      [worker, 'mxcp'],
      [operator, 'mxcp-operator'],
    ] as const) {
      const copied = copiesOf(runtimeOf(file)).flatMap((c) => c.sources);
      expect(copied).toContain(pkg.bin[command]);
      expect(
        all(runtimeOf(file), 'RUN')
          .map((i) => i.args)
          .join(' '),
      ).toContain(`/usr/local/bin/${command}`);
    }
  });

  it('check health with exec-form Node fetch commands on the ports the manifests probe', () => {
    const worker_ = execForm(last(runtimeOf(worker), 'HEALTHCHECK')!);
    expect(worker_.slice(0, 2)).toEqual(['node', '-e']);
    expect(worker_[2]).toContain(`http://127.0.0.1:${MCP_PORT}/health'`);

    const probe = execForm(last(runtimeOf(operator), 'HEALTHCHECK')!);
    expect(probe.slice(0, 2)).toEqual(['node', '-e']);
    const manager = managerContainer();
    const healthPort = manager.ports.find((p) => p.name === 'health')!.containerPort;
    expect(manager.livenessProbe.httpGet.path).toBe('/healthz');
    expect(probe[2]).toContain(`http://127.0.0.1:${healthPort}/healthz'`);
    expect(last(runtimeOf(operator), 'EXPOSE')!.split(' ').map(Number)).toEqual(
      manager.ports.map((p) => p.containerPort),
    );
  });

  it('carry OCI labels with the package version, the version the manifests pull', () => {
    for (const [file, name] of [
      [worker, 'mxcp-worker'],
      [operator, 'mxcp-operator'],
    ] as const) {
      const runtime = runtimeOf(file);
      expect(argsOf(runtime).VERSION).toBe(pkg.version);
      expect(labelsOf(runtime)).toMatchObject({
        'org.opencontainers.image.title': name,
        'org.opencontainers.image.version': '${VERSION}',
        'org.opencontainers.image.licenses': 'Apache-2.0',
      });
      expect(labelsOf(runtime)['org.opencontainers.image.description']).not.toBe('');
    }
    const manager = managerContainer();
    expect(manager.image).toBe(`ghcr.io/mxcp-operator/mxcp-operator:${pkg.version}`);
    const workerImage = `ghcr.io/mxcp-operator/mxcp-worker:${pkg.version}`;
    expect(manager.env.find((e) => e.name === 'MXCP_WORKER_IMAGE')?.value).toBe(workerImage);
    expect(DEFAULT_WORKER_IMAGE).toBe(workerImage);
    expect(project.globalArgs.WORKER_IMAGE).toBe(workerImage);
  });

  it('install requirements.txt, when there is one, into a venv of uid 1000 that MXCP_PYTHON points at', () => {
    const stage = runtimeOf(project);
    const steps = stage.instructions.map((i) => `${i.keyword} ${i.args}`);
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
    expect(envOf(stage).MXCP_PYTHON).toBe('/opt/venv/bin/python');
  });
});

describe('the build context (.dockerignore)', () => {
  const files = contextFiles(REPO_ROOT, readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8'));

  it('holds every file and folder the worker and operator Dockerfiles copy from it', () => {
    const sources = [worker, operator]
      .flatMap((file) => file.stages.flatMap(copiesOf))
      .filter((copy) => copy.from === undefined)
      .flatMap((copy) => copy.sources);
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      expect(
        files.some((f) => f === source || f.startsWith(`${source}/`)),
        `${source} is not in the build context`,
      ).toBe(true);
    }
  });

  it('leaves out node_modules, .git, dist, tests, fixtures, caches and local databases', () => {
    expect(files.filter((f) => /^(node_modules|\.git|dist|test|docs|charts|examples)\//.test(f))).toEqual([]);
    expect(
      files.filter((f) => /\.test\.ts$|\.fixture\.ts$|(^|\/)testdata\/|__pycache__|\.pyc$|\.duckdb/.test(f)),
    ).toEqual([]);
    // Only what the build reads: package files, tsconfigs, bin scripts and the three source folders.
    const tops = [...new Set(files.map((f) => f.split('/').slice(0, 2).join('/')))].sort();
    expect(tops).toEqual([
      'bin/mxcp-operator.js',
      'bin/mxcp.js',
      'operator/src',
      'package-lock.json',
      'package.json',
      'tsconfig.build.json',
      'tsconfig.json',
      'worker/python',
      'worker/src',
    ]);
  });
});

describe('make images (images/build.sh)', () => {
  it('builds both images from the repository root, tagged with the package version', async () => {
    const result = await run('bash', ['images/build.sh', '--dry-run']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      `docker build -f ${WORKER_DOCKERFILE} --build-arg VERSION=${pkg.version} -t ghcr.io/mxcp-operator/mxcp-worker:${pkg.version} .`,
      `docker build -f ${OPERATOR_DOCKERFILE} --build-arg VERSION=${pkg.version} -t ghcr.io/mxcp-operator/mxcp-operator:${pkg.version} .`,
    ]);
    const other = await run('bash', ['images/build.sh', '--dry-run'], {
      env: { ...process.env, IMAGE_REGISTRY: 'registry.example.com/team', DOCKER: 'podman' },
    });
    expect(other.stdout).toContain(
      `podman build -f ${WORKER_DOCKERFILE} --build-arg VERSION=${pkg.version} -t registry.example.com/team/mxcp-worker:${pkg.version} .`,
    );
  });

  it('says Docker is needed, and fails, when there is no docker command', async () => {
    const result = await run('bash', ['images/build.sh'], {
      env: { ...process.env, DOCKER: 'docker-not-installed-here' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('make images needs Docker');
    expect(result.stderr).toContain("no 'docker-not-installed-here' command was found");
  });

  it('says the engine is not answering, and fails, when the client is there but its daemon is not', async () => {
    // `false` stands for a docker client whose `docker info` cannot reach a daemon.
    const result = await run('bash', ['images/build.sh'], { env: { ...process.env, DOCKER: 'false' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("no engine answered 'false info'");
  });
});

interface ManagerContainer {
  image: string;
  env: { name: string; value?: string }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string } };
}

function managerContainer(): ManagerContainer {
  const text = readFileSync(join(REPO_ROOT, 'config/manager/manager.yaml'), 'utf8');
  const deployment = parseAllDocuments(text)
    .map(
      (d) => d.toJS() as { kind?: string; spec?: { template: { spec: { containers: ManagerContainer[] } } } },
    )
    .find((d) => d.kind === 'Deployment')!;
  return deployment.spec!.template.spec.containers[0];
}

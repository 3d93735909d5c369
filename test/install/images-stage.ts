// An image's filesystem, rebuilt in a temp dir by following a Dockerfile stage's own lines: the
// image's absolute paths (/opt, /project, /src, /tmp, /usr/local/bin) move under the temp root,
// COPY copies from the build context or an earlier stage, RUN runs in `sh` with the stage's
// environment, and, when the tests run as root, RUN and the programs afterwards run as the
// stage's USER (uid 1000), so the kernel refuses writes the image would refuse. What needs a
// real image is left out and said so: apt-get (Debian's python3 and python3-venv are on this
// machine), the build stage's full `npm install` (the checkout's node_modules, from the same lock
// file, stands in), and `npm cache clean` (it would empty the shared npm cache).
import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { REPO_ROOT } from '../support/mxcp.js';
import { copiesOf, execForm, type Stage } from './images-dockerfile.js';

/** The node image's PATH, before the stage's own ENV lines. */
const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const MAPPED = ['opt', 'project', 'src', 'tmp', 'usr/local/bin'];
export const IS_ROOT = process.getuid?.() === 0;

export interface Ids {
  uid: number;
  gid: number;
}

export interface ImageState {
  env: Record<string, string>;
  /** The last USER, when the tests can switch to it (they run as root). */
  user?: Ids;
  workdir: string;
  entrypoint: string[];
  cmd: string[];
}

export interface RunResult {
  code: number | null;
  output: string;
}

export function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; user?: Ids },
): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      ...(options.user ?? {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, output }));
  });
}

export class ImageRoot {
  constructor(readonly root: string) {
    // The image's uid 1000 walks in from /tmp (mkdtemp makes 0700 folders).
    chmodSync(root, 0o755);
    mkdirSync(join(root, 'tmp'), { recursive: true });
    chmodSync(join(root, 'tmp'), 0o1777);
    mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
    // The node image's /usr/local/bin/node, as this Node 24: a copy, because uid 1000 may not be
    // able to reach the checkout's (a clone in a 0700 folder, such as a mkdtemp one).
    cpSync(process.execPath, join(root, 'usr/local/bin/node'));
    chmodSync(join(root, 'usr/local/bin/node'), 0o755);
  }

  /** The image's absolute paths moved into the temp root; other absolute paths are the machine's. */
  map(text: string): string {
    const dirs = MAPPED.map((d) => d.replace('/', '\\/')).join('|');
    const pattern = new RegExp(`(^|[\\s=:'"])\\/(${dirs})(?=[/\\s'":]|$)`, 'g');
    const mapped = text.replace(pattern, (_, before: string, dir: string) => `${before}${this.root}/${dir}`);
    return existsSync('/usr/bin/python3') ? mapped : mapped.replaceAll('/usr/bin/python3', 'python3');
  }

  /** The environment programs in the image see: the image's. */
  processEnv(state: Pick<ImageState, 'env'>): NodeJS.ProcessEnv {
    const kept = Object.fromEntries(
      Object.entries(process.env).filter(
        // HOME and the rest are the image's (its ENV), not the machine's.
        ([name]) =>
          !name.startsWith('MXCP_') &&
          !['PYTHONPATH', 'NODE_OPTIONS', 'PATH', 'HOME', 'USER', 'LOGNAME', 'VIRTUAL_ENV'].includes(name),
      ),
    );
    // `#!/usr/bin/env node` and the HEALTHCHECK's `node` find the image's (the pinned Node 24).
    return { ...kept, ...state.env, NO_COLOR: '1', PATH: state.env.PATH ?? this.map(IMAGE_PATH) };
  }

  /** Follows one stage's lines; `from` carries the state of the image this stage starts FROM. */
  async apply(
    stage: Stage,
    context: string,
    options: { args?: Record<string, string>; from?: ImageState } = {},
  ): Promise<ImageState> {
    const args: Record<string, string> = { ...options.args };
    const state: ImageState = {
      env: options.from ? { ...options.from.env } : { PATH: this.map(IMAGE_PATH) },
      ...(options.from?.user ? { user: options.from.user } : {}),
      workdir: options.from?.workdir ?? this.root,
      entrypoint: options.from?.entrypoint ?? [],
      cmd: options.from?.cmd ?? [],
    };
    const expand = (text: string) =>
      this.map(text).replace(/\$\{(\w+)\}/g, (whole, name: string) => args[name] ?? state.env[name] ?? whole);
    for (const instruction of stage.instructions) {
      const { keyword } = instruction;
      const text = expand(instruction.args);
      if (keyword === 'ARG') {
        const [name, value = ''] = text.split('=');
        args[name] = options.args?.[name] ?? value;
      } else if (keyword === 'WORKDIR') {
        state.workdir = resolve(state.workdir, text);
        mkdirSync(state.workdir, { recursive: true });
      } else if (keyword === 'ENV') {
        for (const pair of text.split(/\s+/)) {
          const at = pair.indexOf('=');
          state.env[pair.slice(0, at)] = pair.slice(at + 1);
        }
      } else if (keyword === 'USER') {
        const [uid, gid = uid] = text.split(':').map(Number);
        if (IS_ROOT) state.user = { uid, gid };
      } else if (keyword === 'COPY') {
        this.copy(copiesOf({ ...stage, instructions: [{ keyword, args: text }] })[0], context, state.workdir);
      } else if (keyword === 'RUN') {
        await this.runStep(text, state);
      } else if (keyword === 'ENTRYPOINT') {
        state.entrypoint = execForm(instruction.args);
      } else if (keyword === 'CMD') {
        state.cmd = execForm(instruction.args);
      }
    }
    return state;
  }

  private copy(copy: ReturnType<typeof copiesOf>[number], context: string, workdir: string): void {
    const target = resolve(workdir, copy.target);
    const intoFolder = copy.target.endsWith('/') || copy.sources.length > 1;
    for (const source of copy.sources) {
      // --from=<stage>: every stage lives in this one root, so the source path is already mapped.
      const from = copy.from ? source : join(context, source);
      const to = intoFolder ? join(target, basename(source)) : target;
      mkdirSync(dirname(to), { recursive: true });
      cpSync(from, to, { recursive: true });
      if (copy.chown && IS_ROOT) {
        const [uid, gid = uid] = copy.chown.split(':').map(Number);
        chownTree(to, uid, gid);
      }
    }
  }

  private async runStep(script: string, state: ImageState): Promise<void> {
    if (/\bapt-get\b/.test(script)) return;
    if (/^npm install(?![^&]*--omit=dev)/.test(script)) {
      // The build stage's full install: the checkout's node_modules comes from the same lock file.
      symlinkSync(join(REPO_ROOT, 'node_modules'), join(state.workdir, 'node_modules'), 'dir');
      return;
    }
    const command = script.replace(/\s*&&\s*npm cache clean --force/, '');
    const env = {
      ...this.processEnv(state),
      // npm runs as root in the image, with its cache in root's home: here, the shared cache.
      npm_config_cache: process.env.npm_config_cache ?? join(homedir(), '.npm'),
      npm_config_update_notifier: 'false',
    };
    const result = await run(
      'sh',
      ['-c', IS_ROOT ? command : command.replace(/\bchown\s+\S+\s+\S+/g, 'true')],
      {
        cwd: state.workdir,
        env,
        ...(state.user ? { user: state.user } : {}),
      },
    );
    if (result.code !== 0) throw new Error(`RUN ${script} failed (${result.code}):\n${result.output}`);
  }
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path)) chownTree(join(path, entry), uid, gid);
  }
}

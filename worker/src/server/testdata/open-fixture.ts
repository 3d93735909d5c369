// TEST HELPER: fixture MXCP projects opened with the real engine and real DuckDB.
// Each open works on a throwaway copy of the project folder, so test files that run
// in parallel never share a DuckDB file, and the user config is an empty file of
// its own (a developer's ~/.mxcp/config.yml must not leak into tests).
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadProjectConfig } from '../../config/index.js';
import type { RequestContext } from '../../engine/context.js';
import { openProject, type OpenedProject } from '../../engine/index.js';
import type { Engine } from '../../engine/types.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../../../..');
/** The serving-layer fixture project (this folder's `project/`). */
export const SERVER_PROJECT = join(import.meta.dirname, 'project');
/** tsx's loader by absolute path: `--import tsx` would resolve from the child's cwd (a temp project). */
export const TSX_LOADER = join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs');
export const CLI_MAIN = join(REPO_ROOT, 'worker/src/cli/main.ts');

export interface FixtureCopy {
  /** The copied project folder (holds mxcp-site.yml). */
  dir: string;
  /** Environment for loading it: MXCP_CONFIG names the copy's own empty user config. */
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

/** Copies `projectDir` (without any DuckDB files) to a fresh temporary folder. */
export function copyFixture(projectDir: string): FixtureCopy {
  const root = mkdtempSync(join(tmpdir(), 'mxcp-fixture-'));
  const dir = join(root, 'project');
  cpSync(projectDir, dir, { recursive: true, filter: (src) => !/\.duckdb(\.wal)?$/.test(src) });
  const userConfig = join(root, 'user-config.yml');
  writeFileSync(userConfig, 'mxcp: 1\n');
  // HOME too, so nothing else under the developer's home is read (e.g. by a child process).
  const env: NodeJS.ProcessEnv = { MXCP_CONFIG: userConfig, HOME: root };
  return { dir, env, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export interface OpenFixture {
  opened: OpenedProject;
  engine: OpenedProject['engine'];
  dir: string;
  /** Closes DuckDB and removes the copy. */
  cleanup(): Promise<void>;
}

/** Opens a copy of `projectDir` with loadProjectConfig + openProject; a fixture that fails to load throws. */
export async function openFixture(projectDir: string = SERVER_PROJECT): Promise<OpenFixture> {
  const copy = copyFixture(projectDir);
  try {
    const config = loadProjectConfig({ cwd: copy.dir, env: copy.env });
    const opened = await openProject(config);
    if (opened.failures.length > 0) {
      await opened.engine.close();
      const detail = opened.failures.map((f) => `${f.path}: ${f.errors.map((e) => e.message).join('; ')}`);
      throw new Error(`fixture project ${projectDir} has broken endpoints:\n${detail.join('\n')}`);
    }
    return {
      opened,
      engine: opened.engine,
      dir: copy.dir,
      cleanup: async () => {
        try {
          await opened.engine.close();
        } finally {
          copy.cleanup();
        }
      },
    };
  } catch (error) {
    copy.cleanup();
    throw error;
  }
}

/** A real engine seen from outside: every call goes to it unchanged. */
export interface WatchedEngine extends Engine {
  /** The request context of every call, in order. */
  readonly contexts: RequestContext[];
  /** Calls that have started and not yet settled. */
  readonly inFlight: number;
  /**
   * Holds every call that starts from now on before it reaches the engine, so a test can
   * have a call in flight for as long as it needs without burning CPU; the returned
   * function lets them through.
   */
  hold(): () => void;
}

/**
 * Observes the context the server hands the engine and how many calls are running.
 * It never answers anything itself: the caller type, the session id and a user's
 * id and raw profile reach the engine but no SQL helper can show them, and a call
 * "in flight" has no other outside signal.
 */
export function watchEngine(engine: Engine): WatchedEngine {
  const contexts: RequestContext[] = [];
  let inFlight = 0;
  let gate: Promise<void> | undefined;
  const track = async <T>(ctx: RequestContext, call: () => Promise<T>): Promise<T> => {
    contexts.push(ctx);
    inFlight++;
    try {
      if (gate) await gate;
      return await call();
    } finally {
      inFlight--;
    }
  };
  return {
    contexts,
    get inFlight() {
      return inFlight;
    },
    hold() {
      let release!: () => void;
      gate = new Promise<void>((resolve) => (release = resolve));
      return () => {
        gate = undefined;
        release();
      };
    },
    listTools: () => engine.listTools(),
    listResources: () => engine.listResources(),
    listPrompts: () => engine.listPrompts(),
    complete: (ref, argument, value) => engine.complete(ref, argument, value),
    callTool: (name, args, ctx) => track(ctx, () => engine.callTool(name, args, ctx)),
    readResource: (uri, ctx) => track(ctx, () => engine.readResource(uri, ctx)),
    getPrompt: (name, args, ctx) => track(ctx, () => engine.getPrompt(name, args, ctx)),
    run: (kind, name, args, ctx, options) => track(ctx, () => engine.run(kind, name, args, ctx, options)),
    close: () => engine.close(),
  };
}

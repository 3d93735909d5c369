import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { anonymousContext } from '../../engine/context.js';
import { Lifecycle } from './shutdown.js';
import { ReloadManager } from './reload-manager.js';
import { createReloadProject, type ReloadProject } from './testdata/reload-project.js';

let project: ReloadProject;
let manager: ReloadManager;

beforeEach(async () => {
  project = createReloadProject();
  manager = new ReloadManager(await project.load(), { load: project.load });
});

afterEach(async () => {
  project.releaseGate();
  await manager.close();
  project.cleanup();
});

const ctx = () => anonymousContext('http');
const exits: number[] = [];
const lifecycle = (graceMs: number) => new Lifecycle(manager, { graceMs, exit: (code) => exits.push(code) });

describe('Lifecycle.shutdown', () => {
  it('runs the phases in order: stop accepting, shutdown steps, close DuckDB, closing steps', async () => {
    const order: string[] = [];
    const db = manager.current.opened.engine.db;
    const dbOpen = () =>
      db.query('SELECT 1').then(
        () => 'open',
        () => 'closed',
      );
    const l = lifecycle(1000)
      .onClosed('admin', async () => void order.push(`admin:${await dbOpen()}`))
      .onShutdown('audit flush', async () => void order.push(`audit:${await dbOpen()}`))
      .onStopAccepting('mcp', () => void order.push('mcp'));
    expect(await l.shutdown()).toBe(0);
    expect(order).toEqual(['mcp', 'audit:open', 'admin:closed']);
  });

  it('waits for a running call within the grace period', async () => {
    const held = manager.engine().callTool('wait_gate', {}, ctx());
    while (manager.activeRequests === 0) await new Promise((r) => setTimeout(r, 10));
    const done = lifecycle(60_000).shutdown();
    await new Promise((r) => setTimeout(r, 100));
    project.writeGate();
    expect((await held).value).toBe(4);
    expect(await done).toBe(0);
  });

  it('interrupts queries still running after the grace period, so their calls fail instead of hanging', async () => {
    const call = manager.engine().callTool('endless', {}, ctx());
    const outcome = call.then(
      () => 'finished',
      (error: Error) => error.message,
    );
    while (manager.activeRequests === 0) await new Promise((r) => setTimeout(r, 10));
    expect(await lifecycle(300).shutdown()).toBe(0);
    expect(await outcome).toMatch(/interrupt/i);
  });

  it('exits 1 when a step fails, after running the others', async () => {
    const ran: string[] = [];
    const l = lifecycle(1000)
      .onShutdown('broken', () => {
        throw new Error('flush failed');
      })
      .onClosed('admin', () => void ran.push('admin'));
    expect(await l.shutdown()).toBe(1);
    expect(ran).toEqual(['admin']);
  });

  it('runs once however often it is asked', async () => {
    let steps = 0;
    const l = lifecycle(1000).onShutdown('count', () => void steps++);
    const [a, b] = await Promise.all([l.shutdown(), l.shutdown()]);
    expect([a, b, steps]).toEqual([0, 0, 1]);
  });
});

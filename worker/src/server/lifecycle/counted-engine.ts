// An engine that counts its calls in progress, so a reload can close the old runtime's DuckDB
// only after the calls that started on it have finished, and shutdown can wait for them.
import type { Activity } from '../activity.js';
import type { Engine } from '../../engine/types.js';

export function countedEngine(engine: Engine, activity: Activity): Engine {
  const counted = async <T>(work: () => Promise<T>): Promise<T> => {
    const end = activity.begin();
    try {
      return await work();
    } finally {
      end();
    }
  };
  return {
    listTools: () => engine.listTools(),
    listResources: () => engine.listResources(),
    listPrompts: () => engine.listPrompts(),
    complete: (ref, argument, value) => engine.complete(ref, argument, value),
    callTool: (name, args, ctx) => counted(() => engine.callTool(name, args, ctx)),
    readResource: (uri, ctx) => counted(() => engine.readResource(uri, ctx)),
    getPrompt: (name, args, ctx) => counted(() => engine.getPrompt(name, args, ctx)),
    run: (kind, name, args, ctx, options) => counted(() => engine.run(kind, name, args, ctx, options)),
    close: () => engine.close(),
  };
}

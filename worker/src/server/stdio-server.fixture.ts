// TEST FIXTURE: an MCP stdio server over the stand-in test engine, spawned as a
// child process by stdio.test.ts (the real `mxcp serve --transport stdio` lives in cli/).
import { serveStdio } from './stdio.js';
import { createTestEngine } from './test-engine.fixture.js';

const handle = await serveStdio(createTestEngine());
await handle.closed;

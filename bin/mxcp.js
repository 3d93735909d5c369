#!/usr/bin/env node
// Installed entry point: runs the compiled CLI (`make build` produces dist/).
import '../dist/worker/src/cli/main.js';

#!/usr/bin/env node
// Installed entry point of the operator: runs the compiled process entry (`make build` produces dist/).
import '../dist/operator/src/main.js';

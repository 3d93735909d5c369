#!/usr/bin/env node
// Process entry of the `mxcp-operator` binary (bin/mxcp-operator.js, the container's command): the
// operator's command line, whose default command `run` runs the operator (manager/run.ts) and whose
// `render` prints what it would apply.
import './cli/main.js';

#!/usr/bin/env node
// Published entry point of the hotdata-dlt command (the TypeScript source is src/cli.ts).
import '../dist/cli.js';

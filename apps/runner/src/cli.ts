#!/usr/bin/env node
// The `hotdata-dlt` command. Runs from source with `node --conditions=@hotdata-dlt/source src/cli.ts`
// (Node >= 22.18) and from dist/ through bin/hotdata-dlt.js when published.
import { main } from './main.ts';

const code = await main(process.argv);
process.exitCode = code;
// Open handles (keep-alive sockets, a closing server) must not hold the exit back once output is flushed.
setTimeout(() => process.exit(code), 1000).unref();

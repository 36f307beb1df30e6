#!/usr/bin/env node
/**
 * The `scelle` executable. Two V8 settings come before the modules load:
 * - the young generation keeps its initial size while they compile (V8 would double it twice,
 *   and a streaming command then carries ~5 MiB of heap it never uses); the default growth is
 *   restored afterwards, for commands that do make young garbage (a batch of signatures);
 * - `gc` is exposed, so that the streaming loops free the buffers of a large file as they go
 *   instead of letting tens of megabytes of them wait for the next collection (src/io/memory.ts).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--semi-space-growth-factor=1');
setFlagsFromString('--expose-gc');
globalThis.gc = runInNewContext('gc') as typeof globalThis.gc;

const { run } = await import('./main.js');
const { processIo } = await import('./io.js');
setFlagsFromString('--semi-space-growth-factor=2'); // V8's default

process.exitCode = await run(process.argv.slice(2), processIo());

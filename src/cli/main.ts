#!/usr/bin/env node
/**
 * The `tsbpf` executable: runs the command line (cli.ts). Built, that is dist/cli/tsbpf.cjs, the
 * whole command line in one CommonJS file run with a V8 code cache (code-cache.ts); from the
 * sources (no bundle beside this file), cli.ts itself.
 */
import { fileURLToPath } from 'node:url';
import { runCached } from './code-cache.js';

if (!runCached(fileURLToPath(new URL('./tsbpf.cjs', import.meta.url)))) await import('./cli.js');

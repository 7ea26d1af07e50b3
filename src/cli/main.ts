#!/usr/bin/env node
/**
 * The tsbpf command line.
 */
import { runDemo } from './demo.js';

const usage = `usage: tsbpf <command> [options]

commands:
  demo                     create a map in the kernel, fill it, count it, show it
  help                     this text
`;

function main(argv: string[]): number {
  const [cmd] = argv;
  switch (cmd) {
    case 'demo':
      console.log(runDemo());
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage);
      return cmd === undefined ? 1 : 0;
    default:
      process.stderr.write(`tsbpf: unknown command ${JSON.stringify(cmd)}\n${usage}`);
      return 2;
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`tsbpf: ${(e as Error).message}\n`);
  process.exitCode = 1;
}

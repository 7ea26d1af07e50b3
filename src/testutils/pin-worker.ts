/**
 * A second process for CLI tests: creates a hash map named NAME (default second_proc), fills it
 * with N entries, pins it at PATH, prints "ready <id>", then waits for stdin to close before
 * exiting (the pin keeps the map alive).
 * Usage: node --import tsx pin-worker.ts PATH N [NAME]
 */
import { BpfMap, MapType, u32, u64, ensureBpffs } from '../index.js';

const [path, n, name = 'second_proc'] = process.argv.slice(2);
ensureBpffs();
const m = BpfMap.create({ name, type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 4096 }, { key: u32, value: u64 });
for (let i = 0; i < Number(n); i++) m.update(i, BigInt(i));
m.pin(path);
process.stdout.write(`ready ${m.info().id}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  m.close();
  process.exit(0);
});

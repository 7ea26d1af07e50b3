/**
 * A second process for host-scan tests: creates a hash map named NAME with N entries (not
 * pinned), prints "ready <id>", and exits when its stdin closes; the map then has no owner left
 * but whoever else holds it.
 * Usage: node --import tsx map-owner.ts NAME N
 */
import { BpfMap, MapType, u32, u64 } from '../index.js';

const [name, n] = process.argv.slice(2);
const m = BpfMap.create({ name, type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 1024 }, { key: u32, value: u64 });
for (let i = 0; i < Number(n); i++) m.update(i, BigInt(i));
process.stdout.write(`ready ${m.info().id}\n`);
process.stdin.resume();
// The handler keeps the map referenced: without it the map is garbage, its fd closed by the
// finalizer, and the map freed while the test still expects it to live.
process.stdin.on('end', () => {
  m.close();
  process.exit(0);
});

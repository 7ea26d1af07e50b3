// A hash map as a global: TypeScript writes a `struct config` under key 0, the program reads it
// on every packet and accumulates a `struct stats` under key 0 of another map. Both structs are
// typed by tsbpf gen, padding included (config is { bool; 3 bytes padding; u32 }).
//
// Run: npx tsx examples/globalmap/main.ts (as root).
import { pathToFileURL } from 'node:url';
import { loadGlobalmap, type Stats } from './globalmap.js';

const GLOBAL_KEY = 0;

/** Stats after each phase: disabled, then min_len 100, then min_len 0. */
export function main(): { disabled: Stats | undefined; large: Stats | undefined; all: Stats | undefined } {
  using obj = loadGlobalmap();
  const { config, stats } = obj.maps;
  // skb->len of a socket filter counts from the network header: send n bytes after a 14-byte
  // Ethernet header.
  const send = (...lengths: number[]): void => {
    for (const n of lengths) obj.programs.account.test(Buffer.alloc(14 + n));
  };

  config.update(GLOBAL_KEY, { enabled: false, min_len: 0 });
  send(60, 1500);
  const disabled = stats.lookup(GLOBAL_KEY);

  config.update(GLOBAL_KEY, { enabled: true, min_len: 100 }); // changed while loaded
  send(60, 1500, 200);
  const large = stats.lookup(GLOBAL_KEY);

  config.update(GLOBAL_KEY, { enabled: true, min_len: 0 });
  send(60);
  return { disabled, large, all: stats.lookup(GLOBAL_KEY) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = main();
  console.log('disabled:        ', r.disabled ?? 'no stats yet');
  console.log('min_len 100:     ', r.large);
  console.log('min_len 0, +60 B:', r.all);
}

// Hash map basics: a socket filter counts packets per EtherType in a hash map, and TypeScript
// reads the map with the types tsbpf gen wrote (key: number, value: bigint).
//
// Run: npx tsx examples/hashmap/main.ts (as root). The program is run on synthetic Ethernet frames
// with BPF_PROG_TEST_RUN, so no network interface is touched.
import { pathToFileURL } from 'node:url';
import { loadHashmap } from './hashmap.js';

const NAMES: Record<number, string> = { 0x0800: 'IPv4', 0x86dd: 'IPv6', 0x0806: 'ARP' };

/**
 * An Ethernet frame with the given EtherType and 64 zero bytes of payload (BPF_PROG_TEST_RUN
 * wants at least a full IPv4 or IPv6 header after the Ethernet header for those types).
 */
export function frame(etherType: number): Buffer {
  const f = Buffer.alloc(14 + 64);
  f.writeUInt16BE(etherType, 12);
  return f;
}

/** Runs the counter over `frames` and returns the map's contents, sorted by EtherType. */
export function main(frames: readonly Buffer[] = [0x0800, 0x0800, 0x86dd, 0x0800, 0x0806, 0x86dd].map(frame)): Array<[number, bigint]> {
  using obj = loadHashmap();
  for (const f of frames) obj.programs.count_packets.test(f);
  return [...obj.maps.packets_by_proto.entries()].sort((a, b) => a[0] - b[0]);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [proto, packets] of main()) {
    console.log(`${(NAMES[proto] ?? 'other').padEnd(5)} 0x${proto.toString(16).padStart(4, '0')}: ${packets} packet(s)`);
  }
}

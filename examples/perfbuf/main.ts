// A perf event array of events: the same tracepoint as examples/ringbuf, but the program copies
// each `struct event` into this CPU's perf buffer with bpf_perf_event_output(). The reader maps
// one buffer per CPU; records keep their order per CPU, so sort by time or sequence if it matters.
//
// Run: npx tsx examples/perfbuf/main.ts (as root).
import { closeSync, openSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { PerfReader } from '../../src/perf/index.js';
import { Event, loadPerfbuf } from './perfbuf.js';

/** What the reader got: events (with the CPU each came from) and the count of lost samples. */
export interface PerfResult {
  events: Array<Event & { cpu: number }>;
  lost: number;
}

/** Opens each path and returns the events seen. */
export function main(paths: readonly string[] = ['/etc/hostname', '/etc/os-release', '/no/such/file']): PerfResult {
  using obj = loadPerfbuf({ constants: { target_pid: process.pid } });
  using reader = new PerfReader(obj.maps.events);
  {
    using _link = obj.programs.trace_openat.attach();
    for (const p of paths) {
      try {
        closeSync(openSync(p, 'r'));
      } catch {
        // ENOENT: the tracepoint fired on entry anyway
      }
    }
  }
  const events: Array<Event & { cpu: number }> = [];
  // Samples are padded to 8 bytes; the codec reads its bytes from the start. Each run of
  // samples comes from one CPU's buffer; lost samples add up in reader.lostSamples.
  reader.drainRecords(Event, (ev, { cpu }) => events.push({ ...ev, cpu }));
  return { events, lost: reader.lostSamples };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = main();
  for (const e of r.events) console.log(`cpu ${e.cpu} pid ${e.pid} ${e.comm}: openat(${JSON.stringify(e.filename)})`);
  console.log(`lost samples: ${r.lost}`);
}

// A ring buffer of events: a tracepoint on syscalls/sys_enter_openat sends one `struct event`
// per openat(2) of this process; TypeScript decodes them with the generated `Event` codec
// straight from the shared ring (`drainRecords` now, `for await (const ev of
// reader.records(Event))` in a long-running reader).
//
// Run: npx tsx examples/ringbuf/main.ts (as root).
import { closeSync, openSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { RingBufReader } from '../../src/ringbuf/index.js';
import { Event, loadRingbuf } from './ringbuf.js';

/** Opens each path (missing ones fail, but the syscall still happens) and returns the events seen. */
export function main(paths: readonly string[] = ['/etc/hostname', '/etc/os-release', '/no/such/file']): Event[] {
  using obj = loadRingbuf({ constants: { target_pid: process.pid } });
  using reader = new RingBufReader(obj.maps.events);
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
  // The records are in the ring as soon as the syscalls return: read them without waiting. A
  // record shorter than the codec would be a ShortRecordError, never a read past its end.
  const events: Event[] = [];
  reader.drainRecords(Event, (ev) => events.push(ev));
  return events;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const e of main()) console.log(`pid ${e.pid} tid ${e.tid} ${e.comm}: openat(${JSON.stringify(e.filename)}, flags 0x${e.flags.toString(16)})`);
}

// USDT: python's function__entry probe, traced with a program written against libbpf's
// <bpf/usdt.bpf.h>. attachUsdt finds the probe in python's .note.stapsdt, writes its argument
// specs where BPF_USDT() reads them, and raises the probe's semaphore while attached, so python
// runs the code that fires it. Each call arrives as a generated `Event` through a ring buffer.
//
// Run: npx tsx examples/usdt/main.ts [python3] (as root; python3 built with --with-dtrace, as Debian's).
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { RingBufReader } from '../../src/ringbuf/index.js';
import { attachUsdt, listUsdtProbes } from '../../src/link/index.js';
import { Event, loadUsdt } from './usdt.js';

/** The Python program traced: CPython 3.11 fires function__entry only while a profiler is set. */
export const SCRIPT = ['import sys', 'sys.setprofile(lambda *a: None)', 'def greet(name):', '  return "hello " + name', 'def main():', '  for n in ("usdt", "tsbpf"):', '    greet(n)', 'main()'].join('\n');

/** Runs `python` on {@link SCRIPT} with the probe attached; returns the calls it made, in order. */
export function main(python = '/usr/bin/python3'): { pid: number; events: Event[] } {
  const binary = realpathSync(python); // the probe lives in the file, not in the symlink's name
  using obj = loadUsdt();
  using reader = new RingBufReader(obj.maps.events);
  let pid = 0;
  {
    using _link = attachUsdt(binary, 'python', 'function__entry', obj.programs.python_entry);
    // Every python process is traced while attached; keep the events of the one started here.
    pid = Number(execFileSync(binary, ['-c', `import os\nprint(os.getpid())\n${SCRIPT}`], { encoding: 'utf8' }).trim());
  }
  const events: Event[] = [];
  reader.drainRecords(Event, (ev) => {
    if (ev.pid === pid) events.push(ev);
  });
  return { pid, events };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const python = process.argv[2] ?? '/usr/bin/python3';
  const probes = listUsdtProbes(realpathSync(python)).filter((p) => p.provider === 'python');
  console.log(`${python}: ${probes.map((p) => p.name).join(', ')}`);
  const { pid, events } = main(python);
  for (const e of events) console.log(`pid ${pid} ${e.filename}:${e.lineno} ${e.funcname}()`);
}

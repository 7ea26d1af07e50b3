/**
 * PerfReader: reads what BPF programs write with bpf_perf_event_output() to a
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY, one perf ring buffer per CPU.
 */
import { native } from '../sys/native.js';
import { Fd } from '../sys/fd.js';
import { Cmd } from '../sys/enums.gen.js';
import { MapElemAttr } from '../sys/attrs.js';
import { bpf, withPointers } from '../sys/syscall.js';
import { Errno, errnoOf } from '../sys/errno.js';
import { pageSize } from '../sys/page-size.js';
import { MAP_SHARED, PROT_READ, PROT_WRITE, mapMemory, unmap } from '../sys/mmap.js';
import {
  PERF_COUNT_SW_BPF_OUTPUT,
  PERF_EVENT_IOC_ENABLE,
  PERF_FLAG_FD_CLOEXEC,
  PERF_SAMPLE_RAW,
  PerfAttrFlag,
  PerfEventAttr,
  PerfType,
  PERF_ATTR_SIZE,
} from '../sys/perf-attrs.js';
import { ClosedError, syscallError } from '../sys/errors.js';
import { MapType, mapTypeShortName } from '../types.js';
import { possibleCpus } from '../codec/codec.js';
import { EventReader } from '../events/event-reader.js';
import { openReaderMap, type MapSource } from '../events/map-fd.js';
import type { BatchOptions } from '../events/read-options.js';
import { PerfRing, type PerfRecordBatch, type PerfRecordExtra } from './ring.js';
import { CpuRings, type PerfRecord } from './cpu-rings.js';

export type { PerfRecord } from './cpu-rings.js';

/** Options of {@link PerfReader}. */
export interface PerfReaderOptions {
  /**
   * Size of each CPU's buffer in bytes, rounded up to a power-of-two number of pages (default
   * 64 KiB). Memory is locked: the total counts against `kernel.perf_event_mlock_kb` and
   * RLIMIT_MEMLOCK for unprivileged users.
   */
  perCpuBufferSize?: number;
  /** Wake readers after this many samples on a CPU (`wakeup_events`; default 1). Exclusive with `watermark`. */
  wakeupEvents?: number;
  /** Wake readers once this many bytes are in a CPU's buffer (`watermark` + `wakeup_watermark`). Exclusive with `wakeupEvents`. */
  watermark?: number;
  /** Whether a pending read keeps the process alive (default true). */
  ref?: boolean;
}

/**
 * Options of {@link PerfReader.readBatch}.
 * @deprecated the same as {@link BatchOptions} (one name for both readers); use that.
 */
export type PerfBatchOptions = BatchOptions;

interface CpuRing {
  cpu: number;
  fd: Fd;
  mapping: ArrayBuffer | undefined;
  ring: PerfRing | undefined;
  inMap: boolean;
}

const DEFAULT_BUFFER = 64 * 1024;

/**
 * Reads a perf event array (BPF_MAP_TYPE_PERF_EVENT_ARRAY) through one perf ring buffer per CPU.
 *
 * For each possible CPU (offline ones are skipped) it opens a PERF_COUNT_SW_BPF_OUTPUT software
 * event with PERF_SAMPLE_RAW, maps its buffer, stores the event fd in the map at index `cpu`
 * and enables it. Programs then write with `bpf_perf_event_output(ctx, &map, BPF_F_CURRENT_CPU,
 * data, size)`.
 *
 * Same reading API as the ring buffer reader ({@link EventReader}): `for await`,
 * `read({ timeoutMs, signal })`, `records(codec)` for decoded samples, `readBatch(cb)` /
 * `drain(cb)` with in-place views and `readBatches(cb)` / `drainBatches(cb)` with runs of
 * offsets and lengths. Records keep their order per CPU; there is no order across CPUs. When a buffer is full the kernel drops samples and later writes a
 * PERF_RECORD_LOST: it comes out as a record with `lostSamples` > 0 (not as an error), and
 * {@link PerfReader.lostSamples} keeps the total.
 *
 * Wake-ups follow `wakeupEvents` / `watermark`: with more than one event per wake-up, samples can
 * sit in a buffer unnoticed; a read that times out checks the buffers once more.
 *
 * The reader owns every event fd and mapping, and a duplicate fd of the map (when the process
 * may make one); `close()` removes its entries from the map and releases everything. A
 * failure half way through opening releases what was opened.
 *
 * @example
 * using reader = new PerfReader(events, { perCpuBufferSize: 1 << 16 });
 * for await (const ev of reader.records(Event)) console.log(ev.pid);
 * @throws {TypeError} / {RangeError} for a wrong map type or options, before any syscall.
 * @throws {SyscallError} when opening, mapping or enabling an event, or the map update, fails.
 * @remarks Requires Linux 4.4 (bpf_perf_event_output); Linux 4.1 for data_offset in the metadata page.
 */
export class PerfReader extends EventReader<PerfRecord, PerfRecordExtra, PerfRecordBatch> {
  /** The map's name. */
  readonly name: string;
  /** Bytes of each CPU's data area. */
  readonly perCpuBufferSize: number;
  readonly #mapFd: number;
  readonly #ownMap: Fd | undefined;
  readonly #rings: CpuRing[] = [];

  /**
   * Opens the per-CPU buffers of `map` (a {@link BpfMap} of type `MapType.PerfEventArray`, or `{ fd }`).
   */
  constructor(map: MapSource, opts: PerfReaderOptions = {}) {
    const givenName = typeof map === 'object' && map !== null && typeof map.name === 'string' ? map.name : undefined;
    const label0 = `perf ${givenName ?? '?'}`;
    const { pages, attr } = checkOptions(opts, label0);
    const page = pageSize();
    const rm = openReaderMap(map, label0);
    const name = givenName ?? rm.info.name;
    super(`perf ${name}`);
    this.name = name;
    this.#mapFd = rm.fd;
    this.#ownMap = rm.owned;
    this.perCpuBufferSize = pages * page;
    try {
      if (rm.info.type !== MapType.PerfEventArray) {
        throw new TypeError(`${this.label}: map type is ${mapTypeShortName(rm.info.type)}, not perf_event_array (BPF_MAP_TYPE_PERF_EVENT_ARRAY)`);
      }
      const ncpu = possibleCpus();
      const a = native();
      const key = new Uint8Array(4);
      const value = new Uint8Array(4);
      const keyView = new DataView(key.buffer);
      const valueView = new DataView(value.buffer);
      for (let cpu = 0; cpu < ncpu; cpu++) {
        const ctx = `${this.label}: cpu ${cpu}`;
        let raw: number;
        try {
          raw = a.perfEventOpen(attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
        } catch (e) {
          const errno = errnoOf(e);
          if (errno === 19 /* ENODEV */) continue; // offline CPU
          if (!errno) throw e;
          throw syscallError('perf_event_open', 'PERF_COUNT_SW_BPF_OUTPUT', errno, `${ctx}: open event`, undefined, e);
        }
        const r: CpuRing = { cpu, fd: Fd.own(raw), mapping: undefined, ring: undefined, inMap: false };
        this.#rings.push(r);
        r.mapping = mapMemory(raw, (1 + pages) * page, PROT_READ | PROT_WRITE, MAP_SHARED, 0, `${ctx}: map buffer`);
        r.ring = new PerfRing(r.mapping, page, cpu, ctx);
        keyView.setUint32(0, cpu, true);
        valueView.setUint32(0, raw, true);
        bpf(Cmd.BPF_MAP_UPDATE_ELEM, MapElemAttr.encode({ map_fd: rm.fd, key, value, flags: 0 }), `${ctx}: put event fd into the map`, (errno) =>
          errno === Errno.E2BIG ? `the map has ${rm.info.maxEntries} entries; it needs one per possible CPU (${ncpu})` : undefined,
        );
        r.inMap = true;
        try {
          a.ioctl(raw, PERF_EVENT_IOC_ENABLE, 0);
        } catch (e) {
          const errno = errnoOf(e);
          if (!errno) throw e;
          throw syscallError('ioctl', 'PERF_EVENT_IOC_ENABLE', errno, `${ctx}: enable event`, undefined, e);
        }
      }
      const rings = new CpuRings(this.#rings.map((r) => r.ring!));
      // A perf event's readiness is a flag perf_poll() clears: a write just before a wait can
      // leave no readiness behind, so the poller checks the buffers once the wait is set up,
      // with the kernel's own wake-up rule (watermark bytes, or wakeupEvents records).
      const wake = opts.watermark !== undefined ? { bytes: opts.watermark, events: 1 } : { events: opts.wakeupEvents ?? 1 };
      this.start(rings, this.#rings.map((r) => r.fd.raw()), opts.ref ?? true, () => rings.wakeable(wake));
    } catch (e) {
      this.release();
      throw e;
    }
  }

  /** The CPUs read (possible CPUs that were online at creation). */
  get cpus(): number[] {
    return this.#rings.map((r) => r.cpu);
  }

  /** Samples lost on all CPUs since the reader started (the sum of the lost-samples records read so far). */
  get lostSamples(): number {
    let n = 0;
    for (const r of this.#rings) n += r.ring?.lostSamples ?? 0;
    return n;
  }

  /** Bytes written and not yet read, over all CPUs. */
  pendingBytes(): number {
    if (this.closed) throw new ClosedError(this.label);
    let n = 0;
    for (const r of this.#rings) n += r.ring!.pending();
    return n;
  }

  /** A short description: `perf events (2 CPUs x 65536 B)`. */
  override toString(): string {
    return `${this.label} (${this.#rings.length} CPUs x ${this.perCpuBufferSize} B${this.closed ? ', closed' : ''})`;
  }

  /** Removes the events from the map, unmaps and closes every ring, then the map fd; errors on the way are ignored (the fds close regardless). */
  protected override release(): void {
    const key = new Uint8Array(4);
    const keyView = new DataView(key.buffer);
    for (const r of this.#rings) {
      r.ring?.detach();
      if (r.inMap) {
        keyView.setUint32(0, r.cpu, true);
        // The map holds a reference to the event until its entry goes.
        native().bpfRet(Cmd.BPF_MAP_DELETE_ELEM, withPointers(MapElemAttr.encode({ map_fd: this.#mapFd, key })));
        r.inMap = false;
      }
      try {
        unmap(r.mapping);
      } catch {
        // already unmapped
      }
      r.mapping = undefined;
      r.fd.close();
    }
    this.#rings.length = 0;
    this.#ownMap?.close();
  }
}

/** Validates options before any syscall; returns the data pages per CPU and the encoded attr. */
function checkOptions(opts: PerfReaderOptions, label: string): { pages: number; attr: Uint8Array } {
  if (!opts || typeof opts !== 'object') throw new TypeError(`${label}: options must be an object`);
  const known = new Set(['perCpuBufferSize', 'wakeupEvents', 'watermark', 'ref']);
  for (const k of Object.keys(opts)) if (!known.has(k)) throw new TypeError(`${label}: unknown option ${k} (known: ${[...known].join(', ')})`);
  const size = opts.perCpuBufferSize ?? DEFAULT_BUFFER;
  if (!Number.isInteger(size) || size < 1 || size > 2 ** 30) throw new RangeError(`${label}: perCpuBufferSize must be an integer in [1, 2^30], got ${String(opts.perCpuBufferSize)}`);
  const page = pageSize();
  let pages = 1;
  while (pages * page < size) pages *= 2;
  if (opts.wakeupEvents !== undefined && opts.watermark !== undefined) throw new TypeError(`${label}: wakeupEvents and watermark exclude each other`);
  let flags = 0n;
  let wakeup = 1;
  if (opts.watermark !== undefined) {
    const w = opts.watermark;
    if (!Number.isInteger(w) || w < 1 || w >= pages * page) throw new RangeError(`${label}: watermark must be an integer in [1, ${pages * page}) bytes, got ${String(w)}`);
    flags |= PerfAttrFlag.Watermark;
    wakeup = w;
  } else if (opts.wakeupEvents !== undefined) {
    const w = opts.wakeupEvents;
    if (!Number.isInteger(w) || w < 1 || w > 0xffff_ffff) throw new RangeError(`${label}: wakeupEvents must be a positive integer, got ${String(w)}`);
    wakeup = w;
  }
  const { bytes } = PerfEventAttr.encode({
    type: PerfType.Software,
    size: PERF_ATTR_SIZE,
    config: PERF_COUNT_SW_BPF_OUTPUT,
    sample_period: 1,
    sample_type: PERF_SAMPLE_RAW,
    flags,
    wakeup_events: wakeup,
  });
  return { pages, attr: bytes };
}

/**
 * MapIterator: the kernel's map iterator (`iter/bpf_map`) running the scan program of
 * map-iter-program.ts. One {@link MapIterator.read} is one pass over every map on the host: one
 * BPF_ITER_CREATE and reads of its file until the end. It holds a program and an iterator link,
 * never a map, so keeping it between scans keeps no map alive.
 */
import { Program } from '../prog/program.js';
import { attachIter, type IterLink } from '../link/iter.js';
import { resolveAttachTarget } from '../link/attach-target.js';
import { loadKernelSpec, type Spec } from '../btf/index.js';
import { AttachType, ProgramType } from '../types.js';
import { ClosedError, NotSupportedError } from '../sys/errors.js';
import { Errno } from '../sys/errno.js';
import { bpfMapOffsets, decodeMapRecords, mapIterProgram, MAP_RECORD_SIZE, type MapRecord } from './map-iter-program.js';

/** Options of {@link MapIterator.load}. */
export interface MapIteratorOptions {
  /** The kernel BTF to take `struct bpf_map` offsets and the attach target from (default: vmlinux, read once per process). */
  kernelBtf?: Spec;
}

/** The `iter/bpf_map` scan program, loaded and attached; read it once per scan. */
export class MapIterator implements Disposable {
  #prog: Program;
  #link: IterLink;
  #buf = new Uint8Array(64 * MAP_RECORD_SIZE);
  #closed = false;

  private constructor(prog: Program, link: IterLink) {
    this.#prog = prog;
    this.#link = link;
  }

  /**
   * Builds the program from kernel BTF, loads it and makes the iterator link.
   * @throws {NotSupportedError} when the kernel lacks something it needs (BTF, the `bpf_map`
   *   iterator, the `bpf_map_sum_elem_count` kfunc of Linux 6.6+, `struct bpf_map.elem_count`),
   *   with the kernel's refusal as `cause`.
   */
  static load(opts: MapIteratorOptions = {}): MapIterator {
    const context = 'map scan: load iter/bpf_map program';
    let prog: Program | undefined;
    try {
      const spec = opts.kernelBtf ?? loadKernelSpec();
      const target = resolveAttachTarget(ProgramType.Tracing, AttachType.TRACE_ITER, 'bpf_map', { kernelBtf: spec, modules: false });
      prog = Program.load(
        { name: 'tsbpf_map_scan', type: ProgramType.Tracing, expectedAttachType: AttachType.TRACE_ITER, attachBtfId: target.btfId, license: 'GPL', instructions: mapIterProgram(bpfMapOffsets(spec)) },
        { kernelBtf: spec },
      );
      return new MapIterator(prog, attachIter(prog));
    } catch (e) {
      prog?.close();
      const errno = (e as { errno?: number }).errno ?? Errno.EOPNOTSUPP;
      throw new NotSupportedError('bpf', 'BPF_PROG_LOAD', errno, context, (e as Error).message, { cause: e });
    }
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * One pass over every map on the host: a record per map, in id order. Opens no map; the
   * iterator file is closed before returning.
   */
  read(): MapRecord[] {
    if (this.#closed) throw new ClosedError('map scan: iterator');
    const it = this.#link.open();
    let len = 0;
    try {
      for (;;) {
        if (this.#buf.length - len < MAP_RECORD_SIZE * 16) {
          const bigger = new Uint8Array(this.#buf.length * 2);
          bigger.set(this.#buf.subarray(0, len));
          this.#buf = bigger;
        }
        const n = it.read(this.#buf.subarray(len));
        if (n === 0) break;
        len += n;
      }
    } finally {
      it.close();
    }
    return decodeMapRecords(this.#buf.subarray(0, len));
  }

  /** Detaches the iterator and unloads the program. Later calls do nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#link.close();
    this.#prog.close();
  }

  /** Same as {@link MapIterator.close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}

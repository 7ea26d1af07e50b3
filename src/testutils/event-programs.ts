/**
 * Hand-assembled producers for the event reader tests and benchmarks: programs that emit
 * 16-byte records `{ u64 seq; u64 extra }` to a ring buffer or a perf event array, many per run
 * (bpf_loop), numbered by a counter in an array map so the consumer can check order and loss.
 */
import { Assembler, HelperId, R0, R1, R2, R3, R4, R5, R6, R7, R8, R10 } from '../asm/index.js';
import { BpfMap } from '../map/map.js';
import { Program } from '../prog/program.js';
import { MapType, ProgramType } from '../types.js';
import { u32, u64 } from '../codec/codec.js';

/** BPF_F_CURRENT_CPU as the u64 the perf helper wants (the low 32 bits set, no more). */
const BPF_F_CURRENT_CPU = 0xffff_ffffn;
/** BPF_F_TEST_RUN_ON_CPU. */
export const BPF_F_TEST_RUN_ON_CPU = 1;

/** Options of the producers. */
export interface ProducerOptions {
  /** Records per run (bpf_loop iterations, at most 8M). */
  perRun: number;
  /** Ring buffer output flags (BPF_RB_NO_WAKEUP = 1, BPF_RB_FORCE_WAKEUP = 2); default 0. */
  ringbufFlags?: number;
  /** Records per run to reserve and then discard, interleaved (one discard after each emitted record when true). */
  discardEvery?: boolean;
}

/** A loaded producer: its program, its sequence counter, and how to run it. */
export interface Producer extends Disposable {
  readonly program: Program;
  /** Array map of one u64: the next sequence number (per CPU for perf producers). */
  readonly counter: BpfMap<number, bigint> | BpfMap<number, bigint[]>;
  /** Runs the program `runs` times (emitting `runs * perRun` records); for perf, on `cpu`. */
  run(runs?: number, cpu?: number): void;
  close(): void;
}

/**
 * A socket filter that writes `perRun` records `{ seq, index }` to ring buffer `events` with
 * bpf_ringbuf_output (or, with `discardEvery`, also reserves and discards one record after each).
 * Run it with `run(n)`: one BPF_PROG_TEST_RUN with `repeat = n`.
 */
export function ringbufProducer(events: BpfMap<unknown, unknown>, opts: ProducerOptions): Producer {
  const counter = BpfMap.create({ name: 'rb_seq', type: MapType.Array, keySize: 4, valueSize: 8, maxEntries: 1 }, { key: u32, value: u64 });
  try {
    const a = new Assembler()
      .mov64(R1, opts.perRun)
      .ldFunc(R2, 'emit')
      .mov64(R3, 0)
      .mov64(R4, 0)
      .call(HelperId.loop)
      .mov64(R0, 0)
      .exit()
      .label('emit')
      .mov64(R6, R1)
      .stw(R10, -4, 0)
      .ldMapFd(R1, 'counter')
      .mov64(R2, R10)
      .add64(R2, -4)
      .call(HelperId.map_lookup_elem)
      .jeq(R0, 0, 'out')
      .ldxdw(R7, R0, 0)
      .mov64(R8, R7)
      .add64(R8, 1)
      .stxdw(R0, 0, R8)
      .stxdw(R10, -24, R7)
      .stxdw(R10, -16, R6)
      .ldMapFd(R1, 'events')
      .mov64(R2, R10)
      .add64(R2, -24)
      .mov64(R3, 16)
      .mov64(R4, opts.ringbufFlags ?? 0)
      .call(HelperId.ringbuf_output);
    if (opts.discardEvery) {
      a.ldMapFd(R1, 'events')
        .mov64(R2, 16)
        .mov64(R3, 0)
        .call(HelperId.ringbuf_reserve)
        .jeq(R0, 0, 'out')
        .mov64(R1, R0)
        .mov64(R2, 0)
        .call(HelperId.ringbuf_discard);
    }
    a.label('out').mov64(R0, 0).exit();
    const program = Program.load(
      { name: 'rb_producer', type: ProgramType.SocketFilter, license: 'GPL', instructions: a.build() },
      { maps: { counter, events } },
    );
    const packet = new Uint8Array(64);
    return {
      program,
      counter,
      run(runs = 1) {
        program.test(packet, { repeat: runs });
      },
      close() {
        program.close();
        counter.close();
      },
      [Symbol.dispose]() {
        this.close();
      },
    };
  } catch (e) {
    counter.close();
    throw e;
  }
}

/**
 * A raw tracepoint program that writes `perRun` records `{ seq, cpu }` to perf event array
 * `events` on the current CPU (bpf_perf_event_output with BPF_F_CURRENT_CPU), `seq` counting per
 * CPU. `run(n, cpu)` test-runs it `n` times on `cpu` (BPF_F_TEST_RUN_ON_CPU).
 */
export function perfProducer(events: BpfMap<unknown, unknown>, opts: ProducerOptions): Producer {
  const counter = BpfMap.create({ name: 'pf_seq', type: MapType.PerCpuArray, keySize: 4, valueSize: 8, maxEntries: 1 });
  try {
    const insns = new Assembler()
      .stxdw(R10, -8, R1) // the context, for the callback
      .mov64(R1, opts.perRun)
      .ldFunc(R2, 'emit')
      .mov64(R3, R10)
      .add64(R3, -8)
      .mov64(R4, 0)
      .call(HelperId.loop)
      .mov64(R0, 0)
      .exit()
      .label('emit')
      .ldxdw(R6, R2, 0) // ctx
      .stw(R10, -4, 0)
      .ldMapFd(R1, 'counter')
      .mov64(R2, R10)
      .add64(R2, -4)
      .call(HelperId.map_lookup_elem)
      .jeq(R0, 0, 'out')
      .ldxdw(R7, R0, 0)
      .mov64(R8, R7)
      .add64(R8, 1)
      .stxdw(R0, 0, R8)
      .stxdw(R10, -24, R7)
      .call(HelperId.get_smp_processor_id)
      .stxdw(R10, -16, R0)
      .mov64(R1, R6)
      .ldMapFd(R2, 'events')
      .ldImm64(R3, BPF_F_CURRENT_CPU)
      .mov64(R4, R10)
      .add64(R4, -24)
      .mov64(R5, 16)
      .call(HelperId.perf_event_output)
      .label('out')
      .mov64(R0, 0)
      .exit()
      .build();
    const program = Program.load(
      { name: 'pf_producer', type: ProgramType.RawTracePoint, license: 'GPL', instructions: insns },
      { maps: { counter, events } },
    );
    const ctx = new Uint8Array(8);
    return {
      program,
      counter: counter as unknown as BpfMap<number, bigint[]>,
      run(runs = 1, cpu = 0) {
        // Raw tracepoint test runs take no repeat count: one run per call.
        for (let i = 0; i < runs; i++) program.test(new Uint8Array(0), { ctxIn: ctx, flags: BPF_F_TEST_RUN_ON_CPU, cpu });
      },
      close() {
        program.close();
        counter.close();
      },
      [Symbol.dispose]() {
        this.close();
      },
    };
  } catch (e) {
    counter.close();
    throw e;
  }
}

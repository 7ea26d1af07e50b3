/**
 * Tiny programs for the link tests, written with the Assembler. Most count events of one
 * process in an array map of u64 slots: slot 0 holds the pid to count (set by the test), slot 1
 * the count, slot 2 the last value `value` loaded, slot 3 the sum of those values.
 */
import { Assembler, R0, R1, R2, R3, R4, R5, R6, R7, R8, R10, type Instruction } from '../asm/index.js';
import { BpfMap } from '../map/map.js';
import { Program } from '../prog/program.js';
import { MapType, ProgramType } from '../types.js';
import { u32, u64 } from '../codec/codec.js';

/** Slots of a {@link counterMap}. */
export const Slot = { pid: 0, count: 1, last: 2, sum: 3, other: 4 } as const;

/** An array map of 8 u64 slots. */
export function counterMap(name = 'link_counts'): BpfMap<number, bigint> {
  return BpfMap.create({ name, type: MapType.Array, keySize: 4, valueSize: 8, maxEntries: 8 }, { key: u32, value: u64 });
}

/** r0 = &map[slot] or jumps to `out` when null; clobbers r1-r5. */
function slotPtr(a: Assembler, mapFd: number, slot: number): Assembler {
  return a.stw(R10, -4, slot).ldMapFd(R1, mapFd).mov64(R2, R10).add64(R2, -4).call('map_lookup_elem').jeq(R0, 0, 'out');
}

/**
 * A program that, when the current process is map[pid], adds 1 to map[count]; with `value`, it
 * first loads a u64 from the context at that offset (r6 = ctx) and stores it in map[last] and
 * adds it to map[sum]. With `matchAt`, it counts only when the u64 at ctx+matchAt.off equals
 * matchAt.value. With `cookie`, the value stored is bpf_get_attach_cookie() instead.
 */
export function pidCounter(mapFd: number, opts: { value?: number; cookie?: boolean; matchAt?: { off: number; value: number }; ret?: number } = {}): Instruction[] {
  const a = new Assembler().mov64(R6, R1);
  if (opts.value !== undefined) a.ldxdw(R8, R6, opts.value);
  if (opts.matchAt) a.ldxdw(R1, R6, opts.matchAt.off).jne(R1, opts.matchAt.value, 'out');
  a.call('get_current_pid_tgid').rsh64(R0, 32).mov64(R7, R0);
  slotPtr(a, mapFd, 0).ldxdw(R1, R0, 0).jne(R1, R7, 'out');
  slotPtr(a, mapFd, 1).mov64(R1, 1).atomicAdd64(R0, 0, R1);
  if (opts.cookie) a.mov64(R1, R6).call('get_attach_cookie').mov64(R8, R0);
  if (opts.value !== undefined || opts.cookie) {
    slotPtr(a, mapFd, 2).stxdw(R0, 0, R8);
    slotPtr(a, mapFd, 3).atomicAdd64(R0, 0, R8);
  }
  return a.label('out').mov64(R0, opts.ret ?? 0).exit().build();
}

/** Loads a program of `type` from instructions (license GPL). */
export function loadTestProgram(name: string, type: number, instructions: Instruction[], extra: { expectedAttachType?: number; attachBtfId?: number } = {}): Program {
  return Program.load({ name, type, instructions, license: 'GPL', ...extra });
}

/** A socket filter that keeps every packet (`keep`) or drops every packet. */
export function socketFilter(keep: boolean): Program {
  const a = new Assembler();
  if (keep) a.ldxw(R0, R1, 0); // skb->len
  else a.mov64(R0, 0);
  return loadTestProgram(keep ? 'sf_keep' : 'sf_drop', ProgramType.SocketFilter, a.exit().build());
}

/**
 * An XDP or tc program that counts IPv4 UDP packets to `dropPort` in map[slot 0] and drops them,
 * counts those to `passPort` in map[slot 1] and passes them, and passes everything else.
 * `ctx`: where the packet pointers are (XDP: data 0, data_end 4; __sk_buff: 76, 80), and the
 * verdicts.
 */
export function udpPortFilter(mapFd: number, dropPort: number, passPort: number, ctx: { data: number; dataEnd: number; pass: number; drop: number }): Instruction[] {
  const be16 = (p: number): number => ((p & 0xff) << 8) | (p >> 8); // a big-endian port loaded little-endian
  const a = new Assembler()
    .ldxw(R2, R1, ctx.data)
    .ldxw(R3, R1, ctx.dataEnd)
    .mov64(R4, R2)
    .add64(R4, 38)
    .jgt(R4, R3, 'pass')
    .ldxh(R4, R2, 12)
    .jne(R4, 0x0008, 'pass') // ETH_P_IP
    .ldxb(R4, R2, 14)
    .jne(R4, 0x45, 'pass') // IPv4, no options
    .ldxb(R4, R2, 23)
    .jne(R4, 17, 'pass') // UDP
    .ldxh(R5, R2, 36) // destination port
    .mov64(R6, 0)
    .jeq(R5, be16(dropPort), 'count')
    .mov64(R6, 1)
    .jeq(R5, be16(passPort), 'count')
    .ja('pass')
    .label('count')
    .stxw(R10, -4, R6)
    .ldMapFd(R1, mapFd)
    .mov64(R2, R10)
    .add64(R2, -4)
    .call('map_lookup_elem')
    .jeq(R0, 0, 'pass')
    .mov64(R1, 1)
    .atomicAdd64(R0, 0, R1)
    .jeq(R6, 1, 'pass')
    .mov64(R0, ctx.drop)
    .exit()
    .label('pass')
    .mov64(R0, ctx.pass)
    .exit();
  return a.build();
}

/** An `iter/bpf_map` program printing each map's id on a line; `idOffset` = offsetof(struct bpf_map, id). */
export function mapIdIterator(idOffset: number): Instruction[] {
  return new Assembler()
    .ldxdw(R7, R1, 0) // ctx->meta
    .ldxdw(R8, R1, 8) // ctx->map
    .jeq(R8, 0, 'out')
    .ldxw(R1, R8, idOffset)
    .stxdw(R10, -16, R1)
    .stw(R10, -8, 0x000a7525) // "%u\n\0"
    .stw(R10, -4, 0)
    .ldxdw(R1, R7, 0) // meta->seq
    .mov64(R2, R10)
    .add64(R2, -8)
    .mov64(R3, 4)
    .mov64(R4, R10)
    .add64(R4, -16)
    .mov64(R5, 8)
    .call('seq_printf')
    .label('out')
    .mov64(R0, 0)
    .exit()
    .build();
}


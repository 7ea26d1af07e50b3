/**
 * The counting programs, written with tsbpf's own assembler so no user needs clang to count.
 */
import { Assembler, R0, R1, R2, R3, R4, R10, type Instruction } from '../asm/index.js';

/** The map reference name the counting programs use; pass the map's fd under this name. */
export const COUNTED_MAP = 'counted';

/**
 * `return bpf_map_sum_elem_count(&map);` — 4 slots: the kernel's own per-CPU element counter of a
 * hash-family map (kernel 6.6+), summed by the kfunc.
 */
export function kernelCounterProgram(): Instruction[] {
  return new Assembler().ldMapFd(R1, COUNTED_MAP).callKfunc('bpf_map_sum_elem_count').exit().build();
}

/**
 * `u64 n = 0; bpf_for_each_map_elem(&map, cb, &n, 0); return n;` with `cb` adding 1 and
 * returning 0 (continue). The context lives on the stack, as the verifier requires (`R3
 * type=map_value expected=fp` otherwise), and the callback returns a constant in [0, 1].
 */
export function forEachCounterProgram(): Instruction[] {
  return new Assembler()
    .stdw(R10, -8, 0)
    .ldMapFd(R1, COUNTED_MAP)
    .ldFunc(R2, 'count_one')
    .mov64(R3, R10)
    .add64(R3, -8)
    .mov64(R4, 0)
    .call('for_each_map_elem')
    .ldxdw(R0, R10, -8)
    .exit()
    .label('count_one')
    .ldxdw(R0, R4, 0)
    .add64(R0, 1)
    .stxdw(R4, 0, R0)
    .mov64(R0, 0)
    .exit()
    .build();
}

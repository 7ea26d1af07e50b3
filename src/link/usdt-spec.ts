/**
 * The value of libbpf's USDT spec map (`__bpf_usdt_specs`): `struct __bpf_usdt_spec` from
 * `<bpf/usdt.bpf.h>`, which `bpf_usdt_arg()`, `bpf_usdt_arg_cnt()` and `bpf_usdt_cookie()` read
 * in the BPF program. One spec describes the arguments of one probe site; the program finds it
 * by the spec id carried in the BPF cookie (or, without cookies, through the IP-to-spec-id map).
 *
 * Layout (x86-64, little-endian), 208 bytes:
 *
 * ```c
 * struct __bpf_usdt_arg_spec {   // 16 bytes
 *   __u64 val_off;               //  0: constant, or displacement for reg-deref
 *   enum __bpf_usdt_arg_type arg_type; // 8: 0 const, 1 reg, 2 reg-deref
 *   short reg_off;               // 12: offsetof(struct pt_regs, <reg>)
 *   bool arg_signed;             // 14
 *   char arg_bitshift;           // 15: 64 - 8 * size
 * };
 * struct __bpf_usdt_spec {
 *   struct __bpf_usdt_arg_spec args[12]; //   0
 *   __u64 usdt_cookie;                   // 192
 *   short arg_cnt;                       // 200
 * };
 * ```
 */
import { USDT_MAX_ARGS, type UsdtArg } from './usdt-args.js';

/** `sizeof(struct __bpf_usdt_spec)`: the value size the spec map must have. */
export const USDT_SPEC_SIZE = 208;
/** `sizeof(struct __bpf_usdt_arg_spec)`. */
export const USDT_ARG_SPEC_SIZE = 16;
/** `enum __bpf_usdt_arg_type`. */
export const UsdtArgType = { Const: 0, Reg: 1, RegDeref: 2 } as const;

const COOKIE_OFFSET = USDT_MAX_ARGS * USDT_ARG_SPEC_SIZE;
const ARG_CNT_OFFSET = COOKIE_OFFSET + 8;

/**
 * Encodes a `struct __bpf_usdt_spec` for `args`, with `regOffset` giving the `struct pt_regs`
 * offset of a register field and `cookie` the value `bpf_usdt_cookie()` returns.
 * @throws {RangeError} for more than 12 arguments or a register offset that does not fit a short.
 */
export function encodeUsdtSpec(args: readonly UsdtArg[], regOffset: (field: string) => number, cookie: bigint): Uint8Array {
  if (args.length > USDT_MAX_ARGS) throw new RangeError(`usdt spec: ${args.length} arguments, at most ${USDT_MAX_ARGS}`);
  const out = new Uint8Array(USDT_SPEC_SIZE);
  const v = new DataView(out.buffer);
  args.forEach((a, i) => {
    const o = i * USDT_ARG_SPEC_SIZE;
    let type: number;
    let valOff = 0n;
    let reg = 0;
    switch (a.kind) {
      case 'const':
        type = UsdtArgType.Const;
        valOff = a.value;
        break;
      case 'reg':
        type = UsdtArgType.Reg;
        reg = regOffset(a.field);
        break;
      case 'deref':
        type = UsdtArgType.RegDeref;
        valOff = a.offset;
        reg = regOffset(a.field);
        break;
    }
    if (!Number.isInteger(reg) || reg < 0 || reg > 0x7fff) throw new RangeError(`usdt spec: argument ${i}: register offset ${reg} does not fit a short`);
    v.setBigUint64(o, BigInt.asUintN(64, valOff), true);
    v.setUint32(o + 8, type, true);
    v.setInt16(o + 12, reg, true);
    v.setUint8(o + 14, a.signed ? 1 : 0);
    v.setUint8(o + 15, 64 - 8 * a.size);
  });
  v.setBigUint64(COOKIE_OFFSET, BigInt.asUintN(64, cookie), true);
  v.setInt16(ARG_CNT_OFFSET, args.length, true);
  return out;
}

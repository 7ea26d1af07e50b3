/**
 * Struct layouts: each field with its offset and size, defined once, encoded into a reusable buffer.
 */

/** How a field is stored: integers, a pointer (a buffer whose address is written), or a fixed char array. */
export type FieldKind = 'u32' | 's32' | 'u64' | 'ptr' | 'str';

/**
 * How many bytes the kernel reads or writes through a pointer field: the integer field `count`
 * times `recSize` (a number of bytes, or the name of the field holding the record size).
 */
export interface PointerLength {
  /** The field holding the element count (or the byte length, with `recSize` 1). */
  readonly count: string;
  /** Bytes per element: a constant, or the field holding it (default 1). */
  readonly recSize?: number | string;
}

/** A field of a kernel struct: byte offset, byte size and kind. */
export interface Field {
  readonly offset: number;
  readonly size: number;
  readonly kind: FieldKind;
  /** For a pointer field: the fields that say how far the kernel goes through it (checked by `encode`). */
  readonly length?: PointerLength;
}

/** A value given for a field when encoding: numbers and bigints for integers, a buffer for pointers, a string for names. */
export type FieldValue = number | bigint | Uint8Array | string | null | undefined;

/** An encoded struct: its bytes and the pointer fields for the native call. */
export interface Encoded {
  readonly bytes: Uint8Array;
  readonly ptrs: Array<number | Uint8Array | null>;
}

/** A u32 field at `offset`. */
export const u32 = (offset: number): Field => ({ offset, size: 4, kind: 'u32' });
/** An s32 field at `offset`. */
export const s32 = (offset: number): Field => ({ offset, size: 4, kind: 's32' });
/** A u64 field at `offset`. */
export const u64 = (offset: number): Field => ({ offset, size: 8, kind: 'u64' });
/**
 * A pointer (aligned u64) field at `offset`; `length` names the fields that bound it, e.g.
 * `ptr(56, { count: 'nr_map_ids', recSize: 4 })`, so `encode` can check the buffer is big enough.
 */
export const ptr = (offset: number, length?: PointerLength): Field => (length ? { offset, size: 8, kind: 'ptr', length } : { offset, size: 8, kind: 'ptr' });
/** A NUL-padded char array of `size` bytes at `offset`. */
export const str = (offset: number, size: number): Field => ({ offset, size, kind: 'str' });

/**
 * A struct layout: `encode` writes given fields into a zeroed buffer (reused between calls when
 * `reuse` is set) and `decode` reads integer fields back.
 */
export class Layout<F extends Record<string, Field>> {
  /** The pointer fields with a {@link PointerLength}, checked on every encode. */
  readonly #bounded: Array<[keyof F & string, Field & { length: PointerLength }]> = [];

  constructor(
    /** The struct's name (for errors). */
    readonly name: string,
    /** The struct's size in bytes as this library passes it. */
    readonly size: number,
    /** The fields by kernel name. */
    readonly fields: F,
  ) {
    for (const [k, f] of Object.entries(fields)) {
      if (f.offset + f.size > size) throw new Error(`layout ${name}: field ${k} past the end`);
      if (!f.length) continue;
      if (f.kind !== 'ptr') throw new Error(`layout ${name}: field ${k}: only pointer fields have a length`);
      for (const by of [f.length.count, f.length.recSize]) {
        if (typeof by !== 'string') continue;
        const g = fields[by];
        if (!g || (g.kind !== 'u32' && g.kind !== 'u64')) throw new Error(`layout ${name}: field ${k}: length field ${by} is not an integer field of the layout`);
      }
      this.#bounded.push([k, f as Field & { length: PointerLength }]);
    }
  }

  /** Encodes `values` into a fresh zeroed buffer (or `into`, zeroed first). */
  encode(values: { [K in keyof F]?: FieldValue }, into?: Uint8Array): Encoded {
    const bytes = into ?? new Uint8Array(this.size);
    if (into) bytes.fill(0, 0, this.size);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const ptrs: Array<number | Uint8Array | null> = [];
    for (const key in values) {
      const v = values[key];
      if (v === undefined) continue;
      const f = this.fields[key];
      if (!f) throw new Error(`layout ${this.name}: no field ${String(key)}`);
      switch (f.kind) {
        case 'u32':
          view.setUint32(f.offset, this.#int(key, v, 0, 0xffffffff), true);
          break;
        case 's32':
          view.setInt32(f.offset, this.#int(key, v, -0x80000000, 0x7fffffff), true);
          break;
        case 'u64':
          view.setBigUint64(f.offset, this.#u64(key, v), true);
          break;
        case 'ptr':
          if (v !== null) {
            if (!(v instanceof Uint8Array)) throw new TypeError(`layout ${this.name}: field ${String(key)} wants a Uint8Array`);
            ptrs.push(f.offset, v);
          }
          break;
        case 'str': {
          const b = Buffer.from(String(v), 'utf8');
          bytes.set(b.subarray(0, f.size - 1), f.offset);
          break;
        }
      }
    }
    this.#checkLengths(bytes, values);
    return { bytes, ptrs };
  }

  // The last check before the kernel: a count or size that is not an integer of the field's width
  // is refused here rather than wrapped (a -1 count would become 0xffffffff).
  #int(key: string | number | symbol, v: FieldValue, min: number, max: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new RangeError(`layout ${this.name}: field ${String(key)} must be an integer in [${min}, ${max}], got ${typeof v === 'number' ? v : typeof v}`);
    }
    return v;
  }

  #u64(key: string | number | symbol, v: FieldValue): bigint {
    const b = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : undefined;
    if (b === undefined || b < 0n || b > 0xffffffffffffffffn) {
      throw new RangeError(`layout ${this.name}: field ${String(key)} must be an integer in [0, 2^64 - 1], got ${typeof v === 'number' || typeof v === 'bigint' ? String(v) : typeof v}`);
    }
    return b;
  }

  /**
   * Checks every bounded pointer field given a buffer in `values`: what its count (times record
   * size) says the kernel may read or write must lie inside that buffer. A null pointer carries
   * no memory (the kernel takes it as absent or fails with EFAULT), and a union member not given
   * may be another member's bytes, so neither is checked.
   */
  #checkLengths(bytes: Uint8Array, values: { [K in keyof F]?: FieldValue }): void {
    for (const [key, f] of this.#bounded) {
      const buf = values[key];
      if (!(buf instanceof Uint8Array)) continue;
      const { count: countField, recSize } = f.length;
      const count = this.#countOf(bytes, countField);
      const rec = typeof recSize === 'string' ? this.#countOf(bytes, recSize) : (recSize ?? 1);
      const need = count * rec;
      const have = buf.byteLength;
      if (need > have) {
        const per = recSize === undefined || recSize === 1 ? '' : typeof recSize === 'string' ? ` x ${recSize} ${rec}` : ` x ${rec}`;
        throw new RangeError(`layout ${this.name}: field ${key}: ${countField} ${count}${per} is ${need} bytes, but the buffer has ${have}`);
      }
    }
  }

  /** Reads an integer field by name as a number (u64 counts past 2^53 cannot be buffer lengths anyway). */
  #countOf(bytes: Uint8Array, name: string): number {
    const f = this.fields[name as keyof F];
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return f.kind === 'u64' ? Number(view.getBigUint64(f.offset, true)) : view.getUint32(f.offset, true);
  }

  /** Reads a u32/s32/u64 field. */
  get(bytes: Uint8Array, key: keyof F): number | bigint {
    const f = this.fields[key];
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    switch (f.kind) {
      case 'u32':
        return view.getUint32(f.offset, true);
      case 's32':
        return view.getInt32(f.offset, true);
      default:
        return view.getBigUint64(f.offset, true);
    }
  }

  /** Reads a u32 field as a number. */
  u32(bytes: Uint8Array, key: keyof F): number {
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(this.fields[key].offset, true);
  }

  /** Reads a u64 field as a bigint. */
  u64(bytes: Uint8Array, key: keyof F): bigint {
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(this.fields[key].offset, true);
  }

  /** Reads a char array field up to its first NUL. */
  string(bytes: Uint8Array, key: keyof F): string {
    const f = this.fields[key];
    const raw = bytes.subarray(f.offset, f.offset + f.size);
    const end = raw.indexOf(0);
    return Buffer.from(raw.subarray(0, end < 0 ? raw.length : end)).toString('utf8');
  }
}

/**
 * Writes the address of each pointer field's buffer (0 for null) into the struct's own bytes.
 *
 * The addon patches the pointer fields of the attr it is handed; a struct the kernel reaches
 * through a pointer (an info struct under BPF_OBJ_GET_INFO_BY_FD), or an attr passed to the
 * no-throw `bpfRet`, needs its addresses written here. The buffers must stay referenced until the
 * call returns (they are, by `enc.ptrs`). Returns `enc.bytes`.
 */
export function writePointers(enc: Encoded, addressOf: (buf: Uint8Array) => bigint): Uint8Array {
  const view = new DataView(enc.bytes.buffer, enc.bytes.byteOffset, enc.bytes.byteLength);
  for (let i = 0; i < enc.ptrs.length; i += 2) {
    const buf = enc.ptrs[i + 1] as Uint8Array | null;
    view.setBigUint64(enc.ptrs[i] as number, buf ? addressOf(buf) : 0n, true);
  }
  return enc.bytes;
}

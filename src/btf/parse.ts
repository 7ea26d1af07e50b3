import { extraSize, intEncoding, K, TYPE_HEADER } from './decode.js';
import { BtfParseError } from './errors.js';
import { readBtfHeader, viewOf } from './header.js';
import { Spec } from './spec.js';
import { StringTable } from './strings.js';
import { KIND_BY_NUMBER } from './types.js';

/** Options of {@link parseBtf}. */
export interface ParseBtfOptions {
  /**
   * The base spec of split BTF: module BTF from `/sys/kernel/btf/<module>` is split over
   * vmlinux. Type ids and string offsets of the blob continue after the base's.
   */
  base?: Spec;
}

/**
 * Parses a `.BTF` blob (the `.BTF` section of a clang object, `/sys/kernel/btf/vmlinux`, or with
 * `opts.base` a module's split BTF) into a {@link Spec}.
 *
 * The whole blob is validated up front: header, section bounds, every type's kind and record
 * length, every referenced type id and string offset. Types themselves are decoded lazily on
 * access. The spec keeps a reference to `bytes`; do not modify them afterwards.
 *
 * @throws {BtfParseError} if the blob is malformed; `reason` says how.
 * @example
 * const spec = parseBtf(readFileSync('/sys/kernel/btf/vmlinux'));
 */
export function parseBtf(bytes: Uint8Array, opts: ParseBtfOptions = {}): Spec {
  const view = viewOf(bytes);
  const h = readBtfHeader(view);
  const base = opts.base;
  const strStart = h.hdrLen + h.strOff;
  const strBytes = bytes.subarray(strStart, strStart + h.strLen);
  if (!base && (h.strLen === 0 || strBytes[0] !== 0)) {
    throw new BtfParseError('bad-string-table', 'btf: string table: does not start with a NUL byte', strStart);
  }
  if (h.strLen > 0 && strBytes[h.strLen - 1] !== 0) {
    throw new BtfParseError(
      'bad-string-table',
      `btf: string table: not NUL-terminated (length ${h.strLen} may be wrong)`,
      strStart + h.strLen - 1,
    );
  }
  const strings = new StringTable(strBytes, base?.strings);
  const typeStart = h.hdrLen + h.typeOff;
  const offsets = scanTypes(view, typeStart, typeStart + h.typeLen, base ? base.typeCount : 1);
  validateTypes(view, offsets, base ? base.typeCount : 1, strings.length);
  return new Spec({ base, strings, count: offsets.length, raw: { view, offsets } });
}

/** Finds the start of every type record in `[start, end)`, checking kinds and record lengths. */
function scanTypes(view: DataView, start: number, end: number, firstId: number): Uint32Array {
  const offsets = new Uint32Array(Math.floor((end - start) / TYPE_HEADER));
  let n = 0;
  let off = start;
  while (off < end) {
    const id = firstId + n;
    if (off + TYPE_HEADER > end) {
      throw new BtfParseError(
        'truncated',
        `btf: type ${id}: record at offset ${off - start} runs past the type section (${end - start} bytes)`,
        off,
        id,
      );
    }
    const info = view.getUint32(off + 4, true);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const extra = extraSize(kind, vlen);
    if (extra < 0) throw new BtfParseError('unknown-kind', `btf: type ${id}: unknown kind ${kind}`, off + 4, id);
    const next = off + TYPE_HEADER + extra;
    if (next > end) {
      const hasVlen = extra !== 0 && extra !== 4 && kind !== K.Array;
      throw new BtfParseError(
        hasVlen ? 'bad-vlen' : 'truncated',
        hasVlen
          ? `btf: type ${id}: ${KIND_BY_NUMBER[kind]} vlen ${vlen} runs past the type section`
          : `btf: type ${id}: ${KIND_BY_NUMBER[kind]} record runs past the type section`,
        off,
        id,
      );
    }
    offsets[n++] = off;
    off = next;
  }
  return offsets.subarray(0, n);
}

/** Checks every string offset, type id and constrained value of the scanned records. */
function validateTypes(view: DataView, offsets: Uint32Array, firstId: number, strLen: number): void {
  const total = firstId + offsets.length;
  const badName = (id: number, what: string, off: number, at: number): BtfParseError =>
    new BtfParseError(
      'bad-string-offset',
      `btf: type ${id}: ${what}string offset ${off} out of range (string table is ${strLen} bytes)`,
      at,
      id,
    );
  const badRef = (id: number, what: string, ref: number, at: number): BtfParseError =>
    new BtfParseError(
      'bad-type-id',
      `btf: type ${id}: ${what}type id ${ref} out of range (have ${total} types)`,
      at,
      id,
    );
  for (let i = 0; i < offsets.length; i++) {
    const off = offsets[i];
    const id = firstId + i;
    const nameOff = view.getUint32(off, true);
    if (nameOff >= strLen) throw badName(id, 'name: ', nameOff, off);
    const info = view.getUint32(off + 4, true);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const st = view.getUint32(off + 8, true);
    const p = off + TYPE_HEADER;
    switch (kind) {
      case K.Int: {
        const enc = (view.getUint32(p, true) >>> 24) & 0xf;
        if (intEncoding(enc) === undefined) {
          throw new BtfParseError('bad-value', `btf: type ${id}: int: unsupported encoding 0x${enc.toString(16)}`, p, id);
        }
        break;
      }
      case K.Ptr:
      case K.Typedef:
      case K.Volatile:
      case K.Const:
      case K.Restrict:
      case K.TypeTag:
      case K.DeclTag:
        if (st >= total) throw badRef(id, '', st, off + 8);
        break;
      case K.Func:
        if (st >= total) throw badRef(id, '', st, off + 8);
        if (vlen > 2) throw new BtfParseError('bad-value', `btf: type ${id}: func: unknown linkage ${vlen}`, off + 4, id);
        break;
      case K.Var: {
        if (st >= total) throw badRef(id, '', st, off + 8);
        const linkage = view.getUint32(p, true);
        if (linkage > 2) throw new BtfParseError('bad-value', `btf: type ${id}: var: unknown linkage ${linkage}`, p, id);
        break;
      }
      case K.Array: {
        const elem = view.getUint32(p, true);
        const index = view.getUint32(p + 4, true);
        if (elem >= total) throw badRef(id, 'element ', elem, p);
        if (index >= total) throw badRef(id, 'index ', index, p + 4);
        break;
      }
      case K.Struct:
      case K.Union:
        for (let j = 0, q = p; j < vlen; j++, q += 12) {
          const mn = view.getUint32(q, true);
          if (mn >= strLen) throw badName(id, `member ${j}: name: `, mn, q);
          const mt = view.getUint32(q + 4, true);
          if (mt >= total) throw badRef(id, `member ${j}: `, mt, q + 4);
        }
        break;
      case K.Enum:
        for (let j = 0, q = p; j < vlen; j++, q += 8) {
          const vn = view.getUint32(q, true);
          if (vn >= strLen) throw badName(id, `value ${j}: name: `, vn, q);
        }
        break;
      case K.Enum64:
        for (let j = 0, q = p; j < vlen; j++, q += 12) {
          const vn = view.getUint32(q, true);
          if (vn >= strLen) throw badName(id, `value ${j}: name: `, vn, q);
        }
        break;
      case K.FuncProto:
        if (st >= total) throw badRef(id, 'return ', st, off + 8);
        for (let j = 0, q = p; j < vlen; j++, q += 8) {
          const pn = view.getUint32(q, true);
          if (pn >= strLen) throw badName(id, `param ${j}: name: `, pn, q);
          const pt = view.getUint32(q + 4, true);
          if (pt >= total) throw badRef(id, `param ${j}: `, pt, q + 4);
        }
        break;
      case K.Datasec:
        for (let j = 0, q = p; j < vlen; j++, q += 12) {
          const vt = view.getUint32(q, true);
          if (vt >= total) throw badRef(id, `var ${j}: `, vt, q);
        }
        break;
      default:
        break; // fwd, float: nothing to check
    }
  }
}

/**
 * Checks of one raw type record beyond its kind and length (which the scan checks): every string
 * offset, type id and constrained value. `parseBtf` runs them on every record up front; a lazily
 * validated spec (the kernel's BTF) runs them on each record the first time it is decoded.
 */
import { extraSize, intEncoding, K, TYPE_HEADER } from './decode.js';
import { BtfParseError } from './errors.js';

function badName(id: number, what: string, off: number, at: number, strLen: number): BtfParseError {
  return new BtfParseError(
    'bad-string-offset',
    `btf: type ${id}: ${what}string offset ${off} out of range (string table is ${strLen} bytes)`,
    at,
    id,
  );
}

function badRef(id: number, what: string, ref: number, at: number, total: number): BtfParseError {
  return new BtfParseError('bad-type-id', `btf: type ${id}: ${what}type id ${ref} out of range (have ${total} types)`, at, id);
}

/**
 * Checks the record of type `id` at byte `off` of `view`: names inside a string table of
 * `strLen` bytes, referenced ids below `total`, known int encodings and linkages. The record
 * itself must already be known to lie inside the type section, or `section` (the type section's
 * byte range in `view`) be given to check that too.
 *
 * @throws {BtfParseError} naming the type and the bad field.
 */
export function validateType(
  view: DataView,
  off: number,
  id: number,
  total: number,
  strLen: number,
  section?: { start: number; end: number },
): void {
  if (section) {
    const inside = off >= section.start && off % 4 === (section.start % 4) && off + TYPE_HEADER <= section.end;
    const extra = inside ? extraSize((view.getUint32(off + 4, true) >>> 24) & 0x1f, view.getUint32(off + 4, true) & 0xffff) : -1;
    if (!inside || extra < 0 || off + TYPE_HEADER + extra > section.end) {
      throw new BtfParseError('truncated', `btf: type ${id}: record at offset ${off} is not a valid record of the type section`, off, id);
    }
  }
  const nameOff = view.getUint32(off, true);
  if (nameOff >= strLen) throw badName(id, 'name: ', nameOff, off, strLen);
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
      if (st >= total) throw badRef(id, '', st, off + 8, total);
      break;
    case K.Func:
      if (st >= total) throw badRef(id, '', st, off + 8, total);
      if (vlen > 2) throw new BtfParseError('bad-value', `btf: type ${id}: func: unknown linkage ${vlen}`, off + 4, id);
      break;
    case K.Var: {
      if (st >= total) throw badRef(id, '', st, off + 8, total);
      const linkage = view.getUint32(p, true);
      if (linkage > 2) throw new BtfParseError('bad-value', `btf: type ${id}: var: unknown linkage ${linkage}`, p, id);
      break;
    }
    case K.Array: {
      const elem = view.getUint32(p, true);
      const index = view.getUint32(p + 4, true);
      if (elem >= total) throw badRef(id, 'element ', elem, p, total);
      if (index >= total) throw badRef(id, 'index ', index, p + 4, total);
      break;
    }
    case K.Struct:
    case K.Union:
      for (let j = 0, q = p; j < vlen; j++, q += 12) {
        const mn = view.getUint32(q, true);
        if (mn >= strLen) throw badName(id, `member ${j}: name: `, mn, q, strLen);
        const mt = view.getUint32(q + 4, true);
        if (mt >= total) throw badRef(id, `member ${j}: `, mt, q + 4, total);
      }
      break;
    case K.Enum:
      for (let j = 0, q = p; j < vlen; j++, q += 8) {
        const vn = view.getUint32(q, true);
        if (vn >= strLen) throw badName(id, `value ${j}: name: `, vn, q, strLen);
      }
      break;
    case K.Enum64:
      for (let j = 0, q = p; j < vlen; j++, q += 12) {
        const vn = view.getUint32(q, true);
        if (vn >= strLen) throw badName(id, `value ${j}: name: `, vn, q, strLen);
      }
      break;
    case K.FuncProto:
      if (st >= total) throw badRef(id, 'return ', st, off + 8, total);
      for (let j = 0, q = p; j < vlen; j++, q += 8) {
        const pn = view.getUint32(q, true);
        if (pn >= strLen) throw badName(id, `param ${j}: name: `, pn, q, strLen);
        const pt = view.getUint32(q + 4, true);
        if (pt >= total) throw badRef(id, `param ${j}: `, pt, q + 4, total);
      }
      break;
    case K.Datasec:
      for (let j = 0, q = p; j < vlen; j++, q += 12) {
        const vt = view.getUint32(q, true);
        if (vt >= total) throw badRef(id, `var ${j}: `, vt, q, total);
      }
      break;
    default:
      break; // fwd, float: nothing to check
  }
}

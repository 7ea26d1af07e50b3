import { extraSize, K, TYPE_HEADER } from './decode.js';
import { BtfParseError } from './errors.js';
import { BTF_HEADER_SIZE, readBtfHeader, viewOf } from './header.js';
import type { LazyBytes } from './lazy-bytes.js';
import type { NameIndexArrays } from './name-index.js';
import { Spec } from './spec.js';
import { StringTable } from './strings.js';
import { KIND_BY_NUMBER } from './types.js';
import { validateType } from './validate.js';

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
  return parse(bytes, opts.base, false);
}

/**
 * Like {@link parseBtf}, but checks only the header, the string table and each record's kind and
 * length up front; each type's names and references are checked when it is first decoded (and
 * `typeById` throws {@link BtfParseError} then). For the kernel's BTF, where a program touches a
 * few hundred of 100,000+ types.
 */
export function parseBtfLazily(bytes: Uint8Array, base?: Spec, saved?: SavedIndex): Spec {
  return parse(bytes, base, true, saved);
}

/** Record offsets and a name index saved from an earlier parse of the same bytes (the kernel BTF cache). */
export interface SavedIndex {
  offsets: Uint32Array;
  nameIndex: NameIndexArrays;
  /**
   * When `bytes`, `offsets` and the name index are views of one buffer read on demand (the
   * kernel BTF cache read page by page): how to fill a range of it before reading it.
   */
  lazyBytes?: LazyBytes;
}

function parse(bytes: Uint8Array, base: Spec | undefined, lazy: boolean, saved?: SavedIndex): Spec {
  const view = viewOf(bytes);
  const fill = saved?.lazyBytes;
  fill?.fill(bytes.byteOffset, bytes.byteOffset + BTF_HEADER_SIZE);
  const h = readBtfHeader(view);
  const strStart = h.hdrLen + h.strOff;
  const strBytes = bytes.subarray(strStart, strStart + h.strLen);
  if (fill && h.strLen > 0) {
    fill.fill(strBytes.byteOffset, strBytes.byteOffset + 1);
    fill.fill(strBytes.byteOffset + h.strLen - 1, strBytes.byteOffset + h.strLen);
  }
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
  const strings = new StringTable(strBytes, base?.strings, fill);
  const typeStart = h.hdrLen + h.typeOff;
  const firstId = base ? base.typeCount : 1;
  const section = { start: typeStart, end: typeStart + h.typeLen };
  if (saved) {
    // Every record is bounds-checked when decoded, so saved offsets cannot point outside the section.
    const raw = { view, offsets: saved.offsets, lazy: true, section, nameIndex: saved.nameIndex, lazyBytes: fill, strBytes };
    return new Spec({ base, strings, count: saved.offsets.length, raw });
  }
  const offsets = scanTypes(view, section.start, section.end, firstId);
  if (!lazy) {
    const total = firstId + offsets.length;
    for (let i = 0; i < offsets.length; i++) validateType(view, offsets[i], firstId + i, total, strings.length);
  }
  return new Spec({ base, strings, count: offsets.length, raw: { view, offsets, lazy, section } });
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


import { BtfParseError } from './errors.js';

/** The magic number at the start of `.BTF` and `.BTF.ext` blobs (`BTF_MAGIC`). */
export const BTF_MAGIC = 0xeb9f;

/** Size of the `.BTF` header this parser knows (`struct btf_header`). */
export const BTF_HEADER_SIZE = 24;

/** The decoded `struct btf_header` of a `.BTF` blob; offsets are relative to the header's end. */
export interface BtfHeader {
  version: number;
  flags: number;
  hdrLen: number;
  typeOff: number;
  typeLen: number;
  strOff: number;
  strLen: number;
}

/** Returns a little-endian DataView over exactly the bytes of `bytes`. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Checks the magic, version and header length common to `.BTF` and `.BTF.ext` headers and returns
 * the header length. `what` prefixes messages (`btf` or `btf ext`).
 *
 * @throws {BtfParseError} on short data, a wrong or big-endian magic, version != 1, or a bad
 * header length.
 */
export function checkPreamble(view: DataView, what: string, minHdrLen: number): number {
  if (view.byteLength < 8) {
    throw new BtfParseError('truncated', `${what}: header: data too short (${view.byteLength} bytes)`, 0);
  }
  const magic = view.getUint16(0, true);
  if (magic !== BTF_MAGIC) {
    if (magic === 0x9feb) {
      throw new BtfParseError('big-endian', `${what}: header: big-endian BTF is not supported`, 0);
    }
    throw new BtfParseError(
      'bad-magic',
      `${what}: header: bad magic 0x${magic.toString(16).padStart(4, '0')} (want 0xeb9f)`,
      0,
    );
  }
  const version = view.getUint8(2);
  if (version !== 1) {
    throw new BtfParseError('bad-version', `${what}: header: unsupported version ${version}`, 2);
  }
  const hdrLen = view.getUint32(4, true);
  if (hdrLen < minHdrLen) {
    throw new BtfParseError('bad-header', `${what}: header: header length ${hdrLen} is less than ${minHdrLen}`, 4);
  }
  if (hdrLen > view.byteLength) {
    throw new BtfParseError(
      'truncated',
      `${what}: header: header length ${hdrLen} exceeds data (${view.byteLength} bytes)`,
      4,
    );
  }
  return hdrLen;
}

/**
 * Checks that section `[hdrLen + off, hdrLen + off + len)` lies inside the data and returns its
 * absolute start offset.
 */
export function checkSection(view: DataView, what: string, name: string, hdrLen: number, off: number, len: number): number {
  const start = hdrLen + off;
  if (start + len > view.byteLength) {
    throw new BtfParseError(
      'truncated',
      `${what}: header: ${name} section (offset ${off}, length ${len}) exceeds data (${view.byteLength - hdrLen} bytes after header)`,
      start,
    );
  }
  return start;
}

/**
 * Reads and validates the header of a `.BTF` blob.
 *
 * @throws {BtfParseError} if the header is malformed or its sections run past the data.
 */
export function readBtfHeader(view: DataView): BtfHeader {
  const hdrLen = checkPreamble(view, 'btf', BTF_HEADER_SIZE);
  const h: BtfHeader = {
    version: view.getUint8(2),
    flags: view.getUint8(3),
    hdrLen,
    typeOff: view.getUint32(8, true),
    typeLen: view.getUint32(12, true),
    strOff: view.getUint32(16, true),
    strLen: view.getUint32(20, true),
  };
  if (h.typeOff % 4 !== 0) {
    throw new BtfParseError('bad-header', `btf: header: type section offset ${h.typeOff} is not 4-byte aligned`, 8);
  }
  checkSection(view, 'btf', 'type', hdrLen, h.typeOff, h.typeLen);
  checkSection(view, 'btf', 'string', hdrLen, h.strOff, h.strLen);
  const tEnd = h.typeOff + h.typeLen;
  const sEnd = h.strOff + h.strLen;
  if (h.typeLen > 0 && h.strLen > 0 && h.typeOff < sEnd && h.strOff < tEnd) {
    throw new BtfParseError('bad-header', `btf: header: type and string sections overlap`, 8);
  }
  return h;
}

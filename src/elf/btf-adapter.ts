/**
 * The parts of `src/btf` the ELF reader uses, in one place, and the per-section shape the reader
 * wants for `.BTF.ext` records.
 */
import { parseBtfExt, type CoreReloKind, type Spec } from '../btf/index.js';

export { alignof, BtfError, BtfParseError, parseBtf, resolveType, sizeof } from '../btf/index.js';
export { BtfPatch } from '../btf/patch.js';
export type { DatasecType, Type, VarSecinfo } from '../btf/index.js';
export type { Spec, CoreReloKind };

/** A func info record: `insnOff` in bytes within its ELF section. */
export interface ExtFuncRecord {
  insnOff: number;
  typeId: number;
}

/** A line info record: `insnOff` in bytes within its ELF section. */
export interface ExtLineRecord {
  insnOff: number;
  fileNameOff: number;
  lineOff: number;
  lineCol: number;
  fileName: string;
  line: string;
}

/** A CO-RE relocation record: `insnOff` in bytes within its ELF section. */
export interface ExtCoreRecord {
  insnOff: number;
  typeId: number;
  accessStr: string;
  kind: CoreReloKind;
}

/** The `.BTF.ext` records of one ELF section. */
export interface SectionExtInfo {
  funcInfo: ExtFuncRecord[];
  lineInfo: ExtLineRecord[];
  coreRelos: ExtCoreRecord[];
}

/**
 * Parses `.BTF.ext` with `src/btf` and regroups its records by ELF section name.
 *
 * @throws {BtfParseError} on a malformed blob
 */
export function readBtfExt(bytes: Uint8Array, spec: Spec): Map<string, SectionExtInfo> {
  const ext = parseBtfExt(bytes, spec);
  const out = new Map<string, SectionExtInfo>();
  const get = (name: string): SectionExtInfo => {
    let e = out.get(name);
    if (!e) out.set(name, (e = { funcInfo: [], lineInfo: [], coreRelos: [] }));
    return e;
  };
  for (const [sec, list] of ext.funcInfos) {
    for (const r of list) get(sec).funcInfo.push({ insnOff: r.insnByteOffset, typeId: r.typeId });
  }
  for (const [sec, list] of ext.lineInfos) {
    for (const r of list) {
      get(sec).lineInfo.push({
        insnOff: r.insnByteOffset,
        fileNameOff: r.fileNameOffset,
        lineOff: r.lineOffset,
        lineCol: ((r.lineNumber << 10) | (r.column & 0x3ff)) >>> 0,
        fileName: r.fileName,
        line: r.line,
      });
    }
  }
  for (const [sec, list] of ext.coreRelos) {
    for (const r of list) get(sec).coreRelos.push({ insnOff: r.insnByteOffset, typeId: r.typeId, accessStr: r.accessStr, kind: r.kind });
  }
  return out;
}

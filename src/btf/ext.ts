/**
 * Parser for the `.BTF.ext` section clang writes next to `.BTF`: per ELF section, the function
 * records (`bpf_func_info`), source line records (`bpf_line_info`) and CO-RE relocations
 * (`bpf_core_relo`) of the programs in it.
 *
 * Instruction offsets are kept as clang writes them: byte offsets from the start of the ELF
 * section (divide by 8 for an instruction index). Strings come from the `.BTF` string table.
 */
import { BtfParseError } from './errors.js';
import { checkPreamble, checkSection, viewOf } from './header.js';
import type { Spec } from './spec.js';

/** A function record: the FUNC type describing the subprogram starting at `insnByteOffset`. */
export interface FuncInfo {
  /** Byte offset of the function's first instruction in its ELF section. */
  insnByteOffset: number;
  /** Type id of the FUNC in `.BTF`. */
  typeId: number;
}

/** A source line record (`bpf_line_info`). */
export interface LineInfo {
  /** Byte offset of the first instruction of the line in its ELF section. */
  insnByteOffset: number;
  /** Source file name. */
  fileName: string;
  /** The source line's text. */
  line: string;
  /** Line number (`line_col >> 10`). */
  lineNumber: number;
  /** Column (`line_col & 0x3ff`). */
  column: number;
  /** String offsets as stored, for re-encoding without a new string table. */
  fileNameOffset: number;
  lineOffset: number;
}

/**
 * What a CO-RE relocation asks for (`enum bpf_core_relo_kind`, `BPF_CORE_*`), in the kernel's
 * numbering order.
 */
export type CoreReloKind =
  | 'field_byte_offset'
  | 'field_byte_size'
  | 'field_exists'
  | 'field_signed'
  | 'field_lshift_u64'
  | 'field_rshift_u64'
  | 'type_id_local'
  | 'type_id_target'
  | 'type_exists'
  | 'type_size'
  | 'enumval_exists'
  | 'enumval_value'
  | 'type_matches';

/** The `BPF_CORE_*` number of each relocation kind (index = number). */
export const CORE_RELO_KINDS: readonly CoreReloKind[] = [
  'field_byte_offset',
  'field_byte_size',
  'field_exists',
  'field_signed',
  'field_lshift_u64',
  'field_rshift_u64',
  'type_id_local',
  'type_id_target',
  'type_exists',
  'type_size',
  'enumval_exists',
  'enumval_value',
  'type_matches',
];

/** A CO-RE relocation record (`bpf_core_relo`). */
export interface CoreRelo {
  /** Byte offset of the instruction to patch in its ELF section. */
  insnByteOffset: number;
  /** Root type id in the object's `.BTF` (the local type). */
  typeId: number;
  /** Access string such as `0:1:2` (member/element indices from the root type). */
  accessStr: string;
  kind: CoreReloKind;
}

/** A parsed `.BTF.ext` section; each map is keyed by ELF section name (`socket`, `.text`, …). */
export interface BtfExt {
  funcInfos: Map<string, FuncInfo[]>;
  lineInfos: Map<string, LineInfo[]>;
  coreRelos: Map<string, CoreRelo[]>;
}

const EXT_HEADER_MIN = 24;
const EXT_HEADER_CORE = 32;
const FUNC_INFO_MIN = 8;
const LINE_INFO_MIN = 16;
const CORE_RELO_MIN = 16;

/**
 * Parses a `.BTF.ext` blob. `spec` is the `.BTF` of the same object: its string table holds the
 * section names, file names, source lines and access strings, and type ids are checked against
 * it.
 *
 * Record sizes come from the blob (`rec_size`); records larger than this parser knows are read
 * and their extra bytes ignored.
 *
 * @throws {BtfParseError} if the blob is malformed: short data, bad magic, sections past the end,
 * record sizes too small or not a multiple of 4, string offsets or type ids out of range,
 * unknown relocation kinds.
 */
export function parseBtfExt(bytes: Uint8Array, spec: Spec): BtfExt {
  const view = viewOf(bytes);
  const hdrLen = checkPreamble(view, 'btf ext', EXT_HEADER_MIN);
  const funcOff = view.getUint32(8, true);
  const funcLen = view.getUint32(12, true);
  const lineOff = view.getUint32(16, true);
  const lineLen = view.getUint32(20, true);
  let coreOff = 0;
  let coreLen = 0;
  if (hdrLen >= EXT_HEADER_CORE) {
    coreOff = view.getUint32(24, true);
    coreLen = view.getUint32(28, true);
  }
  const r = new Reader(view, spec);
  const funcStart = checkSection(view, 'btf ext', 'func_info', hdrLen, funcOff, funcLen);
  const lineStart = checkSection(view, 'btf ext', 'line_info', hdrLen, lineOff, lineLen);
  const coreStart = checkSection(view, 'btf ext', 'core_relo', hdrLen, coreOff, coreLen);
  return {
    funcInfos: r.section('func_info', funcStart, funcLen, FUNC_INFO_MIN, (at, ctx) => ({
      insnByteOffset: view.getUint32(at, true),
      typeId: r.typeId(view.getUint32(at + 4, true), at + 4, ctx),
    })),
    lineInfos: r.section('line_info', lineStart, lineLen, LINE_INFO_MIN, (at, ctx) => {
      const fileNameOffset = view.getUint32(at + 4, true);
      const lineOffset = view.getUint32(at + 8, true);
      const lineCol = view.getUint32(at + 12, true);
      return {
        insnByteOffset: view.getUint32(at, true),
        fileName: r.string(fileNameOffset, at + 4, `${ctx}: file name`),
        line: r.string(lineOffset, at + 8, `${ctx}: line`),
        lineNumber: lineCol >>> 10,
        column: lineCol & 0x3ff,
        fileNameOffset,
        lineOffset,
      };
    }),
    coreRelos: r.section('core_relo', coreStart, coreLen, CORE_RELO_MIN, (at, ctx) => {
      const kindNum = view.getUint32(at + 12, true);
      const kind = CORE_RELO_KINDS[kindNum];
      if (kind === undefined) {
        throw new BtfParseError('unknown-relocation-kind', `btf ext: ${ctx}: unknown relocation kind ${kindNum}`, at + 12);
      }
      return {
        insnByteOffset: view.getUint32(at, true),
        typeId: r.typeId(view.getUint32(at + 4, true), at + 4, ctx),
        accessStr: r.string(view.getUint32(at + 8, true), at + 8, `${ctx}: access string`),
        kind,
      };
    }),
  };
}

class Reader {
  constructor(
    readonly view: DataView,
    readonly spec: Spec,
  ) {}

  string(off: number, at: number, ctx: string): string {
    if (!this.spec.strings.has(off)) {
      throw new BtfParseError(
        'bad-string-offset',
        `btf ext: ${ctx}: string offset ${off} out of range (string table is ${this.spec.strings.length} bytes)`,
        at,
      );
    }
    return this.spec.strings.get(off);
  }

  typeId(id: number, at: number, ctx: string): number {
    if (id >= this.spec.typeCount) {
      throw new BtfParseError('bad-type-id', `btf ext: ${ctx}: type id ${id} out of range (have ${this.spec.typeCount} types)`, at);
    }
    return id;
  }

  /** Reads one info section: `u32 rec_size`, then blocks of `{ sec_name_off, num_info, records }`. */
  section<T>(
    name: string,
    start: number,
    len: number,
    minRecord: number,
    read: (at: number, ctx: string) => T,
  ): Map<string, T[]> {
    const out = new Map<string, T[]>();
    if (len === 0) return out;
    const view = this.view;
    const end = start + len;
    if (len < 4) throw new BtfParseError('truncated', `btf ext: ${name}: section too short for a record size (${len} bytes)`, start);
    const recSize = view.getUint32(start, true);
    if (recSize < minRecord || recSize % 4 !== 0) {
      throw new BtfParseError(
        'bad-value',
        `btf ext: ${name}: record size ${recSize} is invalid (need a multiple of 4, at least ${minRecord})`,
        start,
      );
    }
    let off = start + 4;
    while (off < end) {
      if (off + 8 > end) throw new BtfParseError('truncated', `btf ext: ${name}: block header at offset ${off - start} runs past the section`, off);
      const secName = this.string(view.getUint32(off, true), off, `${name}: section name`);
      const num = view.getUint32(off + 4, true);
      const ctx = `${name}: section ${secName || '<empty>'}`;
      off += 8;
      if (num > (end - off) / recSize) {
        throw new BtfParseError('truncated', `btf ext: ${ctx}: ${num} records of ${recSize} bytes run past the section`, off - 4);
      }
      let list = out.get(secName);
      if (!list) out.set(secName, (list = []));
      for (let i = 0; i < num; i++, off += recSize) list.push(read(off, `${ctx}: record ${i}`));
    }
    return out;
  }
}

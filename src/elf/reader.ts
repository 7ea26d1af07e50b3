/**
 * loadCollectionSpec: read a clang `-target bpf` object into a {@link CollectionSpec}.
 */
import { readFileSync } from 'node:fs';
import type { Instruction } from '../asm/index.js';
import { readBtfExt, type DatasecType, type SectionExtInfo, type Spec, type VarSecinfo } from './btf-adapter.js';
import type { CollectionSpec, ExternSpec, MapSlotInit, ProgramSpec, VariableSpec } from '../spec/index.js';
import type { MapSpec } from '../spec/map.js';
import { MapType } from '../types.js';
import { fixupBtf, type KconfigLayout } from './btf-fixup.js';
import { parseMapDef, type BtfMapDef } from './btf-maps.js';
import { ElfFile, SectionFlag, SectionIndex, SectionType, SymbolBinding, SymbolType, type ElfSymbol } from './elf-file.js';
import { ElfParseError, UnknownSectionError } from './errors.js';
import {
  applyLineInfo,
  applyRelocations,
  decodeCodeSection,
  linkProgram,
  type CodeSection,
  type Func,
  type SymbolTarget,
} from './programs.js';
import { parseSectionName } from './section-names.js';
import { readStructOps } from './struct-ops.js';

/** BPF_F_RDONLY_PROG: programs may only read the map (`.rodata`). */
export const BPF_F_RDONLY_PROG = 1 << 7;
/** BPF_F_MMAPABLE: the array map can be mmap()ed (global variables). */
export const BPF_F_MMAPABLE = 1 << 10;

const DATA_SECTION = /^\.(data|rodata|bss)(\..+)?$/;

/** An extern's declaration in the object's BTF. */
interface ExternDecl {
  sec: string;
  typeId: number;
  /** A FUNC (kfunc) rather than a VAR. */
  func: boolean;
}
/** A bound on the work of linking: every program gets a copy of the subprograms it calls. */
const MAX_TOTAL_INSTRUCTIONS = 16_000_000;

/**
 * Reads a BPF object file (from a path or its bytes) into a {@link CollectionSpec}.
 *
 * Programs are the functions of every executable section except `.text`; functions in `.text`
 * are subprograms, appended to each program that calls them. Maps come from the BTF-style
 * `.maps` section and from the data sections (`.data*`, `.rodata*`, `.bss*`), which become
 * single-element array maps. Variables of `.struct_ops` and `.struct_ops.link` become
 * {@link CollectionSpec.structOps} (their maps depend on the kernel's struct, so they are made at
 * load). The result is plain data and the same on every machine.
 *
 * @example
 * const spec = loadCollectionSpec('testdata/build/count.bpf.o');
 * spec.programs.refresh_count.type; // ProgramType.SocketFilter
 * spec.maps.my_map.maxEntries;      // 102400
 * @throws {ElfParseError} when the object is malformed or uses an unsupported feature;
 *   {@link UnknownSectionError} for a program section whose name libbpf would not know
 */
export function loadCollectionSpec(input: Uint8Array | string): CollectionSpec {
  const bytes = typeof input === 'string' ? readFileSync(input) : input;
  return new Reader(bytes).read();
}

class Reader {
  private readonly elf: ElfFile;
  private btf: Spec | undefined;
  private kconfig: KconfigLayout[] = [];
  private kconfigSize = 0;
  private readonly kconfigByName = new Map<string, KconfigLayout>();
  private ext = new Map<string, SectionExtInfo>();
  private readonly maps: Record<string, MapSpec> = {};
  private readonly mapDefs = new Map<string, BtfMapDef>();
  /** `.maps` variables by section offset. */
  private readonly mapsByOffset = new Map<number, string>();
  private readonly externs: Record<string, ExternSpec> = {};
  private readonly variables: Record<string, VariableSpec> = {};
  private datasecs: Map<string, DatasecType> | undefined;
  private externDecls: Map<string, ExternDecl> | undefined;

  constructor(bytes: Uint8Array) {
    this.elf = new ElfFile(bytes);
  }

  read(): CollectionSpec {
    const { elf } = this;
    if (elf.fileType !== 1) throw new ElfParseError(`elf: e_type is ${elf.fileType}, want 1 (ET_REL, a relocatable object)`);
    const license = this.license();
    const kernelVersion = this.version();
    const btfSec = elf.section('.BTF');
    let btfBytes: Uint8Array | undefined;
    let btf: Spec | undefined;
    const extSec = elf.section('.BTF.ext');
    if (btfSec) {
      const fixed = fixupBtf(elf.data(btfSec), elf);
      this.kconfig = fixed.kconfig.vars;
      for (const k of this.kconfig) this.kconfigByName.set(k.name, k);
      this.kconfigSize = fixed.kconfig.size;
      btfBytes = fixed.bytes;
      btf = this.btf = fixed.spec;
      if (extSec) this.ext = readBtfExt(elf.data(extSec), btf);
    }
    if (elf.section('maps')) {
      throw new ElfParseError(
        'elf: section maps: legacy map definitions (struct bpf_map_def) are not supported: declare maps in SEC(".maps") with __uint/__type',
        'maps',
      );
    }
    if (elf.sections.some((s) => s.name.startsWith('.addr_space.'))) {
      throw new ElfParseError('elf: arena globals (__arena, .addr_space.N sections) are not supported yet');
    }
    this.readBtfMaps();
    this.readDataSections();
    this.readKconfig();
    const programs = this.readPrograms(license, kernelVersion);
    const structOps = readStructOps(elf, this.btf, (name) => this.datasec(name)?.ds, programs);
    const spec: CollectionSpec = {
      maps: this.maps,
      programs,
      variables: this.variables,
      externs: this.externs,
      mapSlots: this.readMapSlots(programs),
      license,
      kernelVersion,
    };
    if (Object.keys(structOps).length > 0) spec.structOps = structOps;
    if (btfBytes && btf) {
      spec.btfBytes = btfBytes;
      spec.btf = btf;
      if (extSec) spec.btfExt = elf.data(extSec).slice();
    }
    return spec;
  }

  private license(): string {
    const sec = this.elf.section('license');
    if (!sec) return '';
    const data = this.elf.data(sec);
    const nul = data.indexOf(0);
    return new TextDecoder().decode(nul >= 0 ? data.subarray(0, nul) : data);
  }

  private version(): number {
    const sec = this.elf.section('version');
    if (!sec) return 0;
    const data = this.elf.data(sec);
    if (data.length !== 4) throw new ElfParseError(`elf: section version: size ${data.length}, want 4`, 'version');
    return new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true);
  }

  /** The DATASEC named `name` and its entries (VAR type, offset, size), if the object has BTF. */
  private datasec(name: string): { ds: DatasecType; infos: readonly VarSecinfo[] } | undefined {
    if (!this.btf) return undefined;
    if (!this.datasecs) {
      this.datasecs = new Map();
      for (const t of this.btf.ownTypes()) if (t.kind === 'datasec' && !this.datasecs.has(t.name)) this.datasecs.set(t.name, t);
    }
    const ds = this.datasecs.get(name);
    if (!ds) return undefined;
    return { ds, infos: ds.vars };
  }

  private readBtfMaps(): void {
    const sec = this.elf.section('.maps');
    if (!sec) return;
    const found = this.datasec('.maps');
    if (!found || !this.btf) {
      throw new ElfParseError('elf: section .maps: BTF-style maps need BTF: compile with -g', '.maps');
    }
    for (const vs of found.infos) {
      const v = this.btf.typeById(vs.type);
      if (v.kind !== 'var') throw new ElfParseError(`elf: .BTF: datasec .maps: entry type ${vs.type} is not a var`, '.BTF');
      if (vs.offset > sec.size || vs.size > sec.size - vs.offset) {
        throw new ElfParseError(`elf: map ${v.name}: definition at ${vs.offset}+${vs.size} outside section .maps (${sec.size} bytes)`, '.maps');
      }
      if (this.maps[v.name]) throw new ElfParseError(`elf: map ${v.name}: defined twice`, '.maps');
      const def = parseMapDef(this.btf, v.name, v.type);
      this.maps[v.name] = def.spec;
      this.mapDefs.set(v.name, def);
      this.mapsByOffset.set(vs.offset, v.name);
    }
  }

  private readDataSections(): void {
    const objectsBySection = new Map<number, ElfSymbol[]>();
    for (const s of this.elf.symbols()) {
      if (s.type !== SymbolType.Object) continue;
      let list = objectsBySection.get(s.sectionIndex);
      if (!list) objectsBySection.set(s.sectionIndex, (list = []));
      list.push(s);
    }
    for (const sec of this.elf.sections) {
      if (!DATA_SECTION.test(sec.name) || (sec.flags & SectionFlag.Alloc) === 0) continue;
      if (sec.type !== SectionType.ProgBits && sec.type !== SectionType.NoBits) continue;
      if (sec.size === 0) continue;
      if (sec.size > 0xffffffff) throw new ElfParseError(`elf: section ${sec.name}: size ${sec.size} too large for a map value`, sec.name);
      if (this.maps[sec.name]) throw new ElfParseError(`elf: section ${sec.name}: defined twice`, sec.name);
      const rodata = sec.name.startsWith('.rodata');
      const found = this.datasec(sec.name);
      let mmapable = false;
      if (found && this.btf) {
        for (const vs of found.infos) {
          const v = this.btf.typeById(vs.type);
          if (v.kind !== 'var') continue;
          const isStatic = v.linkage === 'static';
          if (!isStatic) mmapable = true;
          this.addVariable({
            name: v.name,
            mapName: sec.name,
            offset: vs.offset,
            size: vs.size,
            typeId: v.type,
            constant: rodata,
            isStatic,
          });
        }
      } else {
        for (const s of objectsBySection.get(sec.index) ?? []) {
          if (!s.name) continue;
          this.addVariable({
            name: s.name,
            mapName: sec.name,
            offset: s.value,
            size: s.size,
            typeId: 0,
            constant: rodata,
            isStatic: s.binding === SymbolBinding.Local,
          });
        }
      }
      const spec: MapSpec = {
        name: sec.name,
        type: MapType.Array,
        keySize: 4,
        valueSize: sec.size,
        maxEntries: 1,
        flags: (rodata ? BPF_F_RDONLY_PROG : 0) | (mmapable ? BPF_F_MMAPABLE : 0),
        btfKeyTypeId: 0,
        btfValueTypeId: found?.ds.id ?? 0,
      };
      if (sec.type !== SectionType.NoBits) {
        spec.contents = [{ key: new Uint8Array(4), value: this.elf.data(sec).slice() }];
      }
      if (rodata) spec.freeze = true;
      this.maps[sec.name] = spec;
    }
  }

  private addVariable(v: VariableSpec): void {
    if (v.offset > 0xffffffff || v.size > 0xffffffff) {
      throw new ElfParseError(`elf: variable ${v.name}: offset or size out of range`, v.mapName);
    }
    if (!(v.name in this.variables)) this.variables[v.name] = v;
  }

  private readKconfig(): void {
    if (this.kconfig.length === 0) return;
    for (const k of this.kconfig) {
      this.addVariable({ name: k.name, mapName: '.kconfig', offset: k.offset, size: k.size, typeId: k.typeId, constant: true, isStatic: false });
    }
    this.maps['.kconfig'] = {
      name: '.kconfig',
      type: MapType.Array,
      keySize: 4,
      valueSize: Math.max(this.kconfigSize, 1),
      maxEntries: 1,
      flags: BPF_F_RDONLY_PROG | BPF_F_MMAPABLE,
      btfKeyTypeId: 0,
      btfValueTypeId: this.datasec('.kconfig')?.ds.id ?? 0,
      freeze: true,
    };
  }

  /**
   * Where the BTF declares an extern: `.ksyms` or `.kconfig`, its type, and whether it is a
   * function (a FUNC, so a kfunc whether the code calls it or takes its address) or a variable.
   */
  private externInfo(name: string): ExternDecl | undefined {
    const btf = this.btf;
    if (!btf) return undefined;
    if (!this.externDecls) {
      const decls = new Map<string, ExternDecl>();
      // Extern FUNCs were replaced by dummy_ksym in .ksyms; they keep their FUNC type.
      for (const t of btf.ownTypes()) if (t.kind === 'func' && !decls.has(t.name)) decls.set(t.name, { sec: '.ksyms', typeId: t.id, func: true });
      for (const secName of ['.ksyms', '.kconfig']) {
        for (const vs of this.datasec(secName)?.infos ?? []) {
          const t = btf.typeById(vs.type);
          if (t.kind === 'var') decls.set(t.name, { sec: secName, typeId: t.type, func: false });
        }
      }
      this.externDecls = decls;
    }
    return this.externDecls.get(name);
  }

  private resolveTarget = (sym: ElfSymbol, ins: Instruction, context: string): SymbolTarget => {
    const name = sym.name || `symbol ${sym.index}`;
    if (sym.sectionIndex === SectionIndex.Undef) {
      if (!sym.name) throw new ElfParseError(`elf: ${context}: relocation against an unnamed undefined symbol`);
      const weak = sym.binding === SymbolBinding.Weak;
      const info = this.externInfo(sym.name);
      const isCall = ins.opcode === 0x85;
      // The kind comes from BTF: a FUNC is a kfunc even when only its address is taken
      // (`bpf_ksym_exists(kfunc)`); without BTF, a call can only be to a kfunc.
      if (info?.func || (!info && isCall)) {
        this.externs[sym.name] = { name: sym.name, kind: 'kfunc', weak, typeId: info?.typeId ?? 0 };
        return { kind: 'kfunc', name: sym.name };
      }
      if (!info) {
        throw new ElfParseError(`elf: ${context}: extern ${sym.name}: no BTF declaration (compile with -g and declare it __ksym or __kconfig)`);
      }
      if (info.sec === '.kconfig') {
        const k = this.kconfigByName.get(sym.name);
        if (!k) throw new ElfParseError(`elf: ${context}: kconfig extern ${sym.name} missing from .kconfig`);
        this.externs[sym.name] = { name: sym.name, kind: 'kconfig', weak, offset: k.offset, size: k.size, typeId: k.typeId };
        return { kind: 'kconfig', name: sym.name, offset: k.offset + ins.imm };
      }
      this.externs[sym.name] = { name: sym.name, kind: 'ksym', weak, typeId: info.typeId };
      return { kind: 'ksym', name: sym.name };
    }
    const target = this.elf.sections[sym.sectionIndex];
    if (!target) throw new ElfParseError(`elf: ${context}: symbol ${name} in section ${sym.sectionIndex}, which does not exist`);
    if (target.name === '.maps') {
      const mapName = sym.type === SymbolType.Section ? this.mapsByOffset.get(sym.value + ins.imm) : sym.name;
      if (!mapName || !this.maps[mapName]) throw new ElfParseError(`elf: ${context}: reference to unknown map ${mapName ?? `at offset ${sym.value + ins.imm}`}`);
      return { kind: 'map', name: mapName };
    }
    if (this.maps[target.name] && DATA_SECTION.test(target.name)) {
      const offset = sym.value + ins.imm;
      if (offset < 0 || offset >= target.size) {
        throw new ElfParseError(`elf: ${context}: offset ${offset} of ${name} outside section ${target.name} (${target.size} bytes)`);
      }
      return { kind: 'data', map: target.name, offset };
    }
    throw new ElfParseError(`elf: ${context}: unsupported relocation against ${name} in section ${target.name}`, target.name);
  };

  private readPrograms(license: string, kernelVersion: number): Record<string, ProgramSpec> {
    const { elf } = this;
    const funcSyms = new Map<number, ElfSymbol[]>();
    for (const s of elf.symbols()) {
      if (s.type !== SymbolType.Func) continue;
      let list = funcSyms.get(s.sectionIndex);
      if (!list) funcSyms.set(s.sectionIndex, (list = []));
      list.push(s);
    }
    const code: CodeSection[] = [];
    for (const sec of elf.sections) {
      if (sec.type !== SectionType.ProgBits || (sec.flags & SectionFlag.ExecInstr) === 0 || sec.size === 0) continue;
      code.push(decodeCodeSection(elf, sec, funcSyms.get(sec.index) ?? []));
    }
    const funcsByName = new Map<string, Func>();
    for (const c of code) {
      if (c.funcs.length === 0) {
        if (c.sec.name === '.text') continue;
        throw new ElfParseError(`elf: section ${c.sec.name}: code without function symbols`, c.sec.name);
      }
      for (const f of c.funcs) {
        if (funcsByName.has(f.name)) throw new ElfParseError(`elf: function ${f.name}: defined twice`, c.sec.name);
        funcsByName.set(f.name, f);
      }
    }
    const starts = new Map<string, Func>();
    for (const c of code) for (const f of c.funcs) starts.set(`${c.sec.index}:${f.startSlot}`, f);
    const funcAt = (secIdx: number, slot: number): Func | undefined => starts.get(`${secIdx}:${slot}`);
    const rels = elf.relocationSections();
    for (const c of code) {
      applyRelocations(elf, c, rels.get(c.sec.index), funcAt, this.resolveTarget);
      applyLineInfo(c, this.ext.get(c.sec.name));
    }
    const programs: Record<string, ProgramSpec> = {};
    let totalInsns = 0;
    for (const c of code) {
      if (c.sec.name === '.text') continue;
      let info: ReturnType<typeof parseSectionName>;
      for (const f of c.funcs) {
        if (f.binding === SymbolBinding.Local) {
          throw new ElfParseError(`elf: section ${c.sec.name}: program ${f.name} is static: programs must be global functions`, c.sec.name);
        }
        info ??= parseSectionName(c.sec.name);
        if (!info) throw new UnknownSectionError(c.sec.name, f.name);
        const linked = linkProgram(f, funcsByName, (g) => this.ext.get(g.section.sec.name));
        totalInsns += linked.instructions.length;
        if (totalInsns > MAX_TOTAL_INSTRUCTIONS) {
          throw new ElfParseError(`elf: programs total more than ${MAX_TOTAL_INSTRUCTIONS} instructions after linking subprograms`);
        }
        const p: ProgramSpec = {
          name: f.name,
          sectionName: c.sec.name,
          type: info.type,
          flags: info.flags,
          instructions: linked.instructions,
          license,
          kernelVersion,
          funcInfo: linked.funcInfo,
          lineInfo: linked.lineInfo,
          coreRelos: linked.coreRelos,
          attachBtf: info.attachBtf,
        };
        if (info.expectedAttachType !== undefined) p.expectedAttachType = info.expectedAttachType;
        if (info.attachTo !== undefined) p.attachTo = info.attachTo;
        programs[f.name] = p;
      }
    }
    return programs;
  }

  /** Static slots of outer maps (`.values = { [1] = &inner }`) from `.rel.maps`. */
  private readMapSlots(programs: Record<string, ProgramSpec>): Record<string, MapSlotInit[]> {
    const out: Record<string, MapSlotInit[]> = {};
    const sec = this.elf.section('.maps');
    if (!sec) return out;
    const rel = this.elf.relocationSections().get(sec.index);
    if (!rel) return out;
    const found = this.datasec('.maps');
    if (!found || !this.btf) return out;
    const infos = [...found.infos].sort((a, b) => a.offset - b.offset);
    const containing = (off: number) => {
      let lo = 0;
      let hi = infos.length - 1;
      let best = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (infos[mid].offset <= off) {
          best = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      const i = best >= 0 ? infos[best] : undefined;
      return i && off < i.offset + i.size ? i : undefined;
    };
    for (const r of this.elf.relocations(rel)) {
      const vs = containing(r.offset);
      const outer = vs ? this.btf.typeById(vs.type).name : undefined;
      const def = outer ? this.mapDefs.get(outer) : undefined;
      if (!vs || !outer || !def || def.valuesOffset === undefined) {
        throw new ElfParseError(`elf: section .maps: relocation at offset ${r.offset} is not inside a map's values`, '.maps');
      }
      const delta = r.offset - vs.offset - def.valuesOffset;
      if (delta < 0 || delta % 8 !== 0) {
        throw new ElfParseError(`elf: map ${outer}: relocation at offset ${r.offset} is not a values slot`, '.maps');
      }
      const index = delta / 8;
      if (index >= def.spec.maxEntries) throw new ElfParseError(`elf: map ${outer}: initial slot ${index} beyond max_entries ${def.spec.maxEntries}`, '.maps');
      const sym = this.elf.symbol(r.symbol, `map ${outer}`);
      if (def.valuesArePrograms ? !programs[sym.name] : !this.maps[sym.name]) {
        throw new ElfParseError(`elf: map ${outer}: slot ${index}: unknown ${def.valuesArePrograms ? 'program' : 'map'} ${sym.name || `symbol ${sym.index}`}`, '.maps');
      }
      (out[outer] ??= []).push({ index, target: sym.name });
    }
    return out;
  }
}



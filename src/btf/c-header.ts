/** Orders every printable type of a spec into a header body that C compilers accept. */
import { cycleError, isBuiltinTypedef, MAX_PRINT_DEPTH } from './c-format.js';
import { CPrinter, type CPrinterOptions } from './c-declarator.js';
import { Names } from './c-names.js';
import type { Spec } from './spec.js';
import type { AnyEnumType, Type } from './types.js';

type State = 'visiting' | 'done';

/** Orders and emits every printable type of a spec as a compilable header body. */
export class HeaderEmitter {
  readonly #spec: Spec;
  readonly #names: Names;
  readonly #p: CPrinter;
  readonly #out: string[] = [];
  readonly #state = new Map<number, State>();
  readonly #declared = new Set<string>();
  readonly #anonVisiting = new Set<number>();

  constructor(spec: Spec, opts: CPrinterOptions) {
    this.#spec = spec;
    this.#names = Names.forHeader(spec);
    this.#p = new CPrinter(spec, this.#names, opts);
  }

  /** `extern` declarations of every FUNC tagged `bpf_kfunc`, in id order, one per name. */
  kfuncs(): string {
    const spec = this.#spec;
    const seen = new Set<string>();
    const lines: string[] = [];
    const before = this.#out.length;
    for (const t of spec) {
      if (t.kind !== 'decl_tag' || t.name !== 'bpf_kfunc' || t.componentIdx !== -1) continue;
      const fn = spec.typeById(t.type);
      if (fn.kind !== 'func' || seen.has(fn.name)) continue;
      seen.add(fn.name);
      this.#need(fn.type, false, 0);
      lines.push(`extern ${this.#p.decl(fn.id, fn.name, 0)} __weak __ksym;\n`);
    }
    // Types the prototypes needed that the type pass did not emit (rare) go first.
    return this.#out.splice(before).join('') + lines.join('');
  }

  run(): string {
    const spec = this.#spec;
    const referenced = referencedIds(spec);
    const lateEnums: number[] = [];
    for (const t of spec) {
      switch (t.kind) {
        case 'struct':
        case 'union':
          if (t.name !== '') this.#define(t.id, 0);
          break;
        case 'enum':
        case 'enum64':
          if (t.name !== '') this.#define(t.id, 0);
          else if (!referenced.has(t.id)) this.#emitAnonEnum(t);
          else lateEnums.push(t.id);
          break;
        case 'typedef':
          if (!isBuiltinTypedef(t.name)) this.#define(t.id, 0);
          break;
        case 'fwd':
          this.#declare(t);
          break;
        default:
          break;
      }
    }
    for (const id of lateEnums) {
      const t = spec.typeById(id);
      if ((t.kind === 'enum' || t.kind === 'enum64') && !this.#p.emittedAnonEnums.has(id)) this.#emitAnonEnum(t);
    }
    return this.#out.join('');
  }

  #emitAnonEnum(t: AnyEnumType): void {
    this.#p.emittedAnonEnums.add(t.id);
    this.#out.push(`${this.#p.enumBody(t, 0)};\n\n`);
  }

  /** Emits `struct foo;` once for a named struct/union/fwd not yet defined or declared. */
  #declare(t: Type): void {
    if (this.#state.get(t.id) === 'done') return;
    const kind = t.kind === 'fwd' ? t.fwdKind : t.kind;
    const key = `${kind} ${this.#names.tag(t)}`;
    if (this.#declared.has(key)) return;
    this.#declared.add(key);
    this.#out.push(`${key};\n\n`);
  }

  /** Emits the full definition of a named struct/union/enum or a typedef, dependencies first. */
  #define(id: number, depth: number): void {
    const state = this.#state.get(id);
    if (state === 'done') return;
    if (state === 'visiting' || depth > MAX_PRINT_DEPTH) throw cycleError(id);
    const t = this.#spec.typeById(id);
    this.#state.set(id, 'visiting');
    switch (t.kind) {
      case 'struct':
      case 'union':
        for (const m of t.members) this.#need(m.type, true, depth + 1);
        this.#out.push(`${this.#p.body(t, 0, 0)};\n\n`);
        this.#declared.add(`${t.kind} ${this.#names.tag(t)}`);
        break;
      case 'enum':
      case 'enum64':
        this.#out.push(`${this.#p.enumBody(t, 0)};\n\n`);
        break;
      case 'typedef':
        this.#need(t.type, false, depth + 1);
        this.#out.push(`typedef ${this.#p.decl(t.type, this.#names.ident(t), 0)};\n\n`);
        break;
      default:
        break;
    }
    this.#state.set(id, 'done');
  }

  /** Makes type `id` usable: complete if `byValue`, else at least declared. */
  #need(id: number, byValue: boolean, depth: number): void {
    if (depth > MAX_PRINT_DEPTH) throw cycleError(id);
    const t = this.#spec.typeById(id);
    switch (t.kind) {
      case 'ptr':
        this.#need(t.type, false, depth + 1);
        return;
      case 'array':
        this.#need(t.type, true, depth + 1);
        return;
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
        this.#need(t.type, byValue, depth + 1);
        return;
      case 'typedef':
        if (isBuiltinTypedef(t.name)) {
          this.#need(t.type, byValue, depth + 1);
          return;
        }
        this.#define(id, depth + 1);
        if (byValue) this.#need(t.type, true, depth + 1);
        return;
      case 'func_proto':
        this.#need(t.returnType, false, depth + 1);
        for (const p of t.params) this.#need(p.type, false, depth + 1);
        return;
      case 'struct':
      case 'union':
        if (t.name !== '') {
          if (byValue) this.#define(id, depth + 1);
          else this.#declare(t);
          return;
        }
        if (this.#anonVisiting.has(id)) return;
        this.#anonVisiting.add(id);
        for (const m of t.members) this.#need(m.type, true, depth + 1);
        this.#anonVisiting.delete(id);
        return;
      case 'enum':
      case 'enum64':
        if (t.name !== '') this.#define(id, depth + 1);
        return;
      case 'fwd':
        this.#declare(t);
        return;
      default:
        return;
    }
  }
}

/** Ids referenced by any type that is printed as C (so not by func, var, datasec, decl_tag). */
function referencedIds(spec: Spec): Set<number> {
  const out = new Set<number>();
  for (const t of spec) {
    switch (t.kind) {
      case 'ptr':
      case 'array':
      case 'typedef':
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
        out.add(t.type);
        break;
      case 'struct':
      case 'union':
        for (const m of t.members) out.add(m.type);
        break;
      case 'func_proto':
        out.add(t.returnType);
        for (const p of t.params) out.add(p.type);
        break;
      default:
        break;
    }
  }
  return out;
}

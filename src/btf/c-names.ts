/** Names the C printer uses for types: plain, or renamed `name___N` for a whole header. */
import type { Spec } from './spec.js';
import type { AnyEnumType, Type, TypedefType } from './types.js';

/** Names used when printing: renamed duplicates for a whole header, plain names otherwise. */
export class Names {
  readonly #tags = new Map<number, string>();
  readonly #idents = new Map<number, string>();
  readonly #enumerators = new Map<number, string[]>();

  /** Assigns `name___N` to the N-th distinct type claiming a name, as bpftool does. */
  static forHeader(spec: Spec): Names {
    const n = new Names();
    const tagCount = new Map<string, number>();
    const tagKind = new Map<string, string>();
    const identCount = new Map<string, number>();
    const claim = (counts: Map<string, number>, name: string): string => {
      const c = (counts.get(name) ?? 0) + 1;
      counts.set(name, c);
      return c === 1 ? name : `${name}___${c}`;
    };
    const fwds: Type[] = [];
    for (const t of spec) {
      switch (t.kind) {
        case 'struct':
        case 'union':
        case 'enum':
        case 'enum64':
          if (t.name !== '') {
            const tagKey = t.kind === 'enum64' ? 'enum' : t.kind;
            if (!tagKind.has(t.name)) tagKind.set(t.name, tagKey);
            n.#tags.set(t.id, claim(tagCount, t.name));
          }
          if (t.kind === 'enum' || t.kind === 'enum64') {
            n.#enumerators.set(t.id, t.values.map((v) => claim(identCount, v.name)));
          }
          break;
        case 'fwd':
          fwds.push(t);
          break;
        case 'typedef':
          n.#idents.set(t.id, claim(identCount, t.name));
          break;
        default:
          break;
      }
    }
    for (const t of fwds) {
      if (t.kind !== 'fwd') continue;
      const kind = tagKind.get(t.name);
      if (kind === undefined) {
        tagKind.set(t.name, t.fwdKind);
        n.#tags.set(t.id, claim(tagCount, t.name));
      } else if (kind === t.fwdKind) {
        n.#tags.set(t.id, t.name);
      } else {
        n.#tags.set(t.id, claim(tagCount, t.name));
      }
    }
    return n;
  }

  tag(t: Type): string {
    return this.#tags.get(t.id) ?? t.name;
  }

  ident(t: TypedefType): string {
    return this.#idents.get(t.id) ?? t.name;
  }

  enumerator(t: AnyEnumType, i: number): string {
    return this.#enumerators.get(t.id)?.[i] ?? t.values[i].name;
  }
}

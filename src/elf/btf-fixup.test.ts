import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBtf } from '../btf/index.js';
import { fixtureBytes } from '../testutils/bpf-objects.js';
import { loadCollectionSpec } from './reader.js';

test('a hidden global function (usdt.bpf.h\'s __weak __hidden bpf_usdt_arg) becomes static in the BTF handed to the kernel, as libbpf does', (t) => {
  const bytes = fixtureBytes(t, 'usdt');
  if (!bytes) return;
  const spec = loadCollectionSpec(bytes);
  const btf = parseBtf(spec.btfBytes!);
  const linkage = (name: string): string | undefined => {
    const f = btf.typesByName(name).find((x) => x.kind === 'func');
    return f?.kind === 'func' ? f.linkage : undefined;
  };
  assert.equal(linkage('bpf_usdt_arg'), 'static', 'hidden: the verifier checks it in its caller\'s context');
  assert.equal(linkage('bpf_usdt_arg_cnt'), 'static');
  assert.equal(linkage('on_args'), 'global', 'programs keep their linkage');
});

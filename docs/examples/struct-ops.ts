/**
 * Snippets for docs/api.md: struct_ops maps (kernel structs of BPF programs) and their links.
 * Regions are copied into the docs by scripts/docs-snippets.mjs; `npm run typecheck` compiles them.
 */
import { StructOpsError, loadCollection, type Collection } from '../../src/index.js';
import { attachStructOps, type StructOpsLink } from '../../src/link/index.js';

/** Registering a congestion control. */
export function register(): void {
  // #region struct-ops-attach
  using coll = loadCollection('tcpcc.bpf.o');       // SEC(".struct_ops.link") struct tcp_congestion_ops tsbpf_cc
  const cc = coll.structOps.tsbpf_cc;                 // StructOps: cc.map, cc.programs.cong_avoid, cc.typeName
  using link = cc.attach();                           // "tsbpf_cc" is now in tcp_available_congestion_control
  // sockets select it with setsockopt(IPPROTO_TCP, TCP_CONGESTION, "tsbpf_cc"); link.close() unregisters it
  // #endregion
}

/** Swapping the registered map. */
export function swap(coll: Collection): void {
  // #region struct-ops-update
  using link = coll.structOp('cc_v1').attach() as StructOpsLink;
  link.update(coll.structOp('cc_v2'), { replace: coll.structOp('cc_v1') }); // atomic: never unregistered meanwhile
  link.info().structOps?.mapId;                                             // cc_v2's map id
  // #endregion
}

/** A struct_ops map by hand. */
export function byMap(coll: Collection): void {
  // #region attach-struct-ops
  using link = attachStructOps(coll.maps.tsbpf_cc); // a .struct_ops.link map whose value is set
  // #endregion
}

/** The typed error. */
export function errors(): void {
  // #region struct-ops-error
  try {
    loadCollection('tcpcc.bpf.o');
  } catch (e) {
    if (e instanceof StructOpsError) console.error(e.structOps, e.typeName, e.member, e.reason);
    // struct_ops tsbpf_cc: struct tcp_congestion_ops: member name: size 8 in the object, 16 in the kernel
  }
  // #endregion
}

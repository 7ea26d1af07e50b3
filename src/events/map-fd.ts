/**
 * The map fd an event reader works on: its own duplicate when the process may make one, so the
 * reader does not depend on the caller keeping the map open.
 */
import { Cmd } from '../sys/enums.gen.js';
import { GetIdAttr } from '../sys/attrs.js';
import { bpfFd } from '../sys/syscall.js';
import { Fd } from '../sys/fd.js';
import { readMapInfo, type MapInfo } from '../map/info.js';
import { PermissionError } from '../sys/errors.js';

/** A map as the readers accept it: a {@link BpfMap}, or anything with an open map fd. */
export interface MapSource {
  /** An open fd of the map. */
  readonly fd: number;
  /** The map's name, for messages (default: the kernel's name). */
  readonly name?: string;
}

/** The reader's handle on a map: its info and an fd it owns (`owned`) or borrows. */
export interface ReaderMap {
  readonly info: MapInfo;
  readonly fd: number;
  /** Set when the fd is the reader's own duplicate, closed with the reader. */
  readonly owned: Fd | undefined;
}

/**
 * Reads the map's info and opens a second fd on it (BPF_MAP_GET_FD_BY_ID). Without the
 * privilege for that (CAP_SYS_ADMIN), borrows the caller's fd instead: then the map must stay
 * open as long as the reader.
 */
export function openReaderMap(src: MapSource | number, context: string): ReaderMap {
  const raw = typeof src === 'number' ? src : src?.fd;
  if (!Number.isInteger(raw) || raw < 0) throw new TypeError(`${context}: expected a map (BpfMap or { fd }), got ${String(src)}`);
  const info = readMapInfo(raw, context);
  try {
    const fd = bpfFd(Cmd.BPF_MAP_GET_FD_BY_ID, GetIdAttr.encode({ id: info.id }), `${context}: duplicate map fd`);
    return { info, fd: fd.raw(), owned: fd };
  } catch (e) {
    if (e instanceof PermissionError) return { info, fd: raw, owned: undefined };
    throw e;
  }
}

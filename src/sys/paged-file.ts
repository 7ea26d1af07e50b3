/**
 * A cache file read on demand: a buffer of the file's size (zero until filled; the OS backs the
 * untouched part of a large allocation lazily) filled a page ({@link PAGE_SIZE}, 16 KiB) at a time, with bounded
 * preads, as callers ask for byte ranges. A process that needs a few hundred scattered bytes of
 * a 7 MB file reads a few pages instead of all of it.
 *
 * Every read is bounded by the size the file had when it was opened, and after every read the
 * file is checked again (`fstat`: device, inode, size, mtime, owner, mode): a short read or any
 * difference breaks the file for good, and every later fill reports failure, so bytes of a
 * truncated or rewritten file are never mixed in silently. Nothing is memory-mapped (a file
 * truncated under a mapping would crash the process).
 *
 * The descriptor is not kept between uses: it is opened on the first fill of a synchronous run
 * of work and closed in a microtask when that run ends (reopened and checked against the first
 * `fstat` next time), and closed for good once every page is in. So no descriptor outlives the
 * current job, whatever holds the file, and a rename over the path (how cache files are
 * rewritten) fails the identity check instead of mixing two files.
 */
import { closeSync, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { openCacheFile } from './cache-file.js';

/** The unit of reads, in bytes. */
export const PAGE_SIZE = 1 << 14;

/** A cache file whose bytes are read on demand; see the module overview. */
export class PagedFile {
  /** The file's bytes: those of filled ranges are the file's, the rest zero. */
  readonly bytes: Uint8Array;
  readonly #path: string;
  readonly #stat: Stats;
  readonly #loaded: Uint8Array;
  #missing: number;
  #fd: number | undefined;
  #closeQueued = false;
  #broken = false;
  #reads = 0;

  /**
   * Opens cache file `path` (with the owner, mode and size checks of src/sys/cache-file.ts);
   * undefined if it is missing or fails them. Nothing is read yet.
   */
  static open(path: string, minSize: number, maxSize: number): PagedFile | undefined {
    const open = openCacheFile(path, minSize, maxSize);
    return open && new PagedFile(path, open.fd, open.stat);
  }

  private constructor(path: string, fd: number, stat: Stats) {
    this.#path = path;
    this.#stat = stat;
    this.bytes = new Uint8Array(stat.size);
    const pages = Math.ceil(stat.size / PAGE_SIZE);
    this.#loaded = new Uint8Array(pages);
    this.#missing = pages;
    this.#fd = fd;
    this.#queueClose();
  }

  /** Whether every byte is filled (the descriptor is then closed for good). */
  get complete(): boolean {
    return this.#missing === 0;
  }

  /** Whether a read failed or the file changed: every later fill fails. */
  get broken(): boolean {
    return this.#broken;
  }

  /** The number of preads so far (for tests and measurements). */
  get reads(): number {
    return this.#reads;
  }

  /**
   * Makes bytes `[start, end)` (clamped to the file) hold the file's contents; false if they
   * cannot be read (see the module overview), and then the file is broken.
   */
  fill(start: number, end: number): boolean {
    if (this.#missing === 0) return true;
    if (this.#broken) return false;
    // The common case, kept cheap: a range of at most a page whose ends are in filled pages.
    if (start >= 0 && end <= this.bytes.length && end - start <= PAGE_SIZE && this.#loaded[Math.floor(start / PAGE_SIZE)] && this.#loaded[Math.floor((end - 1) / PAGE_SIZE)]) {
      return true;
    }
    const lo = Math.max(0, start);
    const hi = Math.min(this.bytes.length, end);
    if (!(hi > lo)) return true; // also NaN
    const last = Math.floor((hi - 1) / PAGE_SIZE);
    for (let p = Math.floor(lo / PAGE_SIZE); p <= last; p++) {
      if (this.#loaded[p]) continue;
      let q = p + 1;
      while (q <= last && !this.#loaded[q]) q++;
      if (!this.#read(p, q)) return false;
      p = q;
    }
    return true;
  }

  /**
   * Makes the bytes from `start` up to and including the first NUL byte at or after it (or up
   * to `end`, clamped to the file) hold the file's contents: a NUL-terminated string. False
   * like {@link fill}.
   */
  fillString(start: number, end: number): boolean {
    const hi = Math.min(this.bytes.length, end);
    let pos = Math.max(0, start);
    while (pos < hi) {
      const pageEnd = Math.min(hi, (Math.floor(pos / PAGE_SIZE) + 1) * PAGE_SIZE);
      if (!this.fill(pos, pageEnd)) return false;
      // Unfilled bytes are zero, so the search stops at the next unfilled page at the latest.
      const nul = this.bytes.indexOf(0, pos);
      if (nul >= 0 && nul < pageEnd) return true;
      pos = pageEnd;
    }
    return true;
  }

  /** Fills every byte not filled yet (in as few reads as the gaps allow); false like {@link fill}. */
  fillAll(): boolean {
    return this.fill(0, this.bytes.length);
  }

  /**
   * Declares every byte filled: the caller wrote the contents itself (from another source after
   * this file broke). Closes the descriptor for good.
   */
  markFilled(): void {
    this.#loaded.fill(1);
    this.#missing = 0;
    this.close();
  }

  /** Closes the descriptor if it is open (a later fill reopens it). Idempotent. */
  close(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }

  /** Reads pages `[p, q)`, which are not loaded; false (and broken) on any failure or change. */
  #read(p: number, q: number): boolean {
    const off = p * PAGE_SIZE;
    const len = Math.min(this.bytes.length, q * PAGE_SIZE) - off;
    if (!(off >= 0 && len > 0 && off + len <= this.bytes.length)) return this.#break();
    try {
      const fd = this.#fd ?? this.#reopen();
      if (fd === undefined) return this.#break();
      for (let got = 0; got < len; ) {
        this.#reads++;
        const n = readSync(fd, this.bytes, off + got, len - got, off + got);
        if (n <= 0) return this.#break(); // truncated since it was opened
        got += n;
      }
      if (!this.#same(fstatSync(fd))) return this.#break();
    } catch {
      return this.#break();
    }
    this.#loaded.fill(1, p, q);
    this.#missing -= q - p;
    if (this.#missing === 0) this.close();
    return true;
  }

  /** Opens the file again; undefined if it is no longer the file first opened. */
  #reopen(): number | undefined {
    const fd = openSync(this.#path, 'r');
    let ok = false;
    try {
      ok = this.#same(fstatSync(fd));
    } finally {
      if (!ok) closeSync(fd);
    }
    if (!ok) return undefined;
    this.#fd = fd;
    this.#queueClose();
    return fd;
  }

  #same(st: Stats): boolean {
    const a = this.#stat;
    return st.dev === a.dev && st.ino === a.ino && st.size === a.size && st.mtimeMs === a.mtimeMs && st.uid === a.uid && st.mode === a.mode;
  }

  #break(): false {
    this.#broken = true;
    this.close();
    return false;
  }

  #queueClose(): void {
    if (this.#closeQueued) return;
    this.#closeQueued = true;
    queueMicrotask(() => {
      this.#closeQueued = false;
      this.close();
    });
  }
}

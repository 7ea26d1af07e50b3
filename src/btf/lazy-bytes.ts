/**
 * Bytes under a parsed spec that are read in on demand (the kernel BTF cache, read page by
 * page): the spec, its string table and its name index call these before reading a range of
 * their buffer. Offsets are byte offsets in the ArrayBuffer under the spec's views, clamped to
 * it. Each call throws a `BtfError` if the bytes cannot be had; it never leaves a range
 * unfilled and returns.
 */
export interface LazyBytes {
  /** Makes bytes `[start, end)` present. */
  fill(start: number, end: number): void;
  /** Makes the bytes from `start` through the first NUL byte after it (or up to `end`) present. */
  fillString(start: number, end: number): void;
  /** Makes every byte present: before a full scan. */
  fillAll(): void;
}

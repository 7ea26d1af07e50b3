/**
 * Errors of the event readers.
 */

/**
 * A record header in an mmap'd ring made no sense (a length past the published data, a record
 * shorter than its header). The kernel never writes such records; seeing one means the memory is
 * not what the reader thinks it is. The reader stops at the bad record and does not advance.
 */
export class CorruptRecordError extends Error {
  constructor(
    /** Which reader: `ringbuf events`, `perf events: cpu 1`. */
    readonly readerName: string,
    /** The record's position in the ring (bytes since the ring was created). */
    readonly position: number,
    detail: string,
  ) {
    super(`${readerName}: corrupt record at position ${position}: ${detail}`);
  }
}
CorruptRecordError.prototype.name = 'CorruptRecordError';

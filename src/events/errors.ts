/**
 * Errors of the event readers (ring buffer and perf).
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

/**
 * A record is shorter than the codec it is decoded with (`reader.records(Event)`,
 * `decodeRecord(Event, bytes)`): the program sent another type, or the codec is out of date.
 * Nothing past the record is read. When a reader throws it, the record counts as consumed (the
 * same as a callback that throws), so the next read goes on with the next record.
 */
export class ShortRecordError extends RangeError {
  constructor(
    /** Which reader (`ringbuf events`), or what decoded (`decodeRecord`). */
    readonly readerName: string,
    /** The codec's name, or `<size>-byte codec` when it has none. */
    readonly codecName: string,
    /** The record's length in bytes. */
    readonly length: number,
    /** The codec's size in bytes. */
    readonly expected: number,
  ) {
    super(`${readerName}: decode ${codecName}: record of ${length} bytes is shorter than the ${expected}-byte codec`);
  }
}
ShortRecordError.prototype.name = 'ShortRecordError';

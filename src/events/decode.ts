/**
 * Decoding event records with a {@link Codec}: {@link decodeRecord} for a sample in a
 * `Uint8Array`, and the length-checked decoder the readers' `records(codec)` use.
 */
import type { Codec } from '../codec/codec.js';
import { ShortRecordError } from './errors.js';

/** Reads one value out of a record in place; checks the record's length first. */
export type RecordDecoder<T> = (view: DataView, offset: number, length: number) => T;

/** The codec's name for messages. */
function codecName(codec: Codec<unknown>): string {
  return codec.name ?? `${codec.size}-byte codec`;
}

/**
 * Checks that `codec` is a codec and returns a decoder that refuses records shorter than it.
 * @param label names the reader in errors (`ringbuf events`).
 * @throws {TypeError} when `codec` is not a {@link Codec}.
 */
export function recordDecoder<T>(codec: Codec<T>, label: string): RecordDecoder<T> {
  if (!codec || typeof codec !== 'object' || typeof codec.decode !== 'function' || !Number.isInteger(codec.size) || codec.size < 0) {
    throw new TypeError(`${label}: expected a codec ({ size, decode(view, offset) }), got ${String(codec)}`);
  }
  const size = codec.size;
  return (view, offset, length) => {
    if (length < size) throw new ShortRecordError(label, codecName(codec), length, size);
    return codec.decode(view, offset);
  };
}

/**
 * Decodes one record held in a `Uint8Array` (a `sample` from `read()` or `for await`, or any
 * copy) with `codec`, reading from `bytes[offset]`, without building a DataView by hand. The
 * record may be longer than the codec (perf samples carry padding); a shorter one is an error,
 * never a read past its end.
 *
 * @example
 * const rec = await reader.read();
 * if (rec) console.log(decodeRecord(Event, rec.sample).pid);
 * @throws {ShortRecordError} when `bytes` holds fewer than `codec.size` bytes from `offset`.
 * @throws {TypeError} when `bytes` is not a Uint8Array or `codec` not a codec.
 * @throws {RangeError} when `offset` is not an integer in `[0, bytes.length]`.
 */
export function decodeRecord<T>(codec: Codec<T>, bytes: Uint8Array, offset = 0): T {
  const label = 'decodeRecord';
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${label}: expected a Uint8Array, got ${String(bytes)}`);
  if (!Number.isInteger(offset) || offset < 0 || offset > bytes.length) throw new RangeError(`${label}: offset ${String(offset)} is outside [0, ${bytes.length}]`);
  const decode = recordDecoder(codec, label);
  return decode(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset, bytes.length - offset);
}

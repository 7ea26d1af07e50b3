/**
 * An instruction stream could not be encoded, decoded or assembled.
 *
 * The message is a chain of lowercase `context: cause` segments starting with `asm:`, e.g.
 * `asm: decode: slot 7: truncated ld_imm64` or `asm: instruction 3: jeq: label out: not defined`.
 * The typed fields say where: {@link AsmError.index} is the instruction index,
 * {@link AsmError.slot} the 8-byte slot index, {@link AsmError.label} the label involved.
 */
export class AsmError extends Error {
  /** Index of the offending instruction (logical, ld_imm64 counts once), when known. */
  readonly index: number | undefined;
  /** Index of the offending 8-byte slot, when known. */
  readonly slot: number | undefined;
  /** Name of the label involved (unknown, duplicate, or out of jump range), when any. */
  readonly label: string | undefined;

  constructor(message: string, where: { index?: number; slot?: number; label?: string } = {}, options?: ErrorOptions) {
    super(`asm: ${message}`, options);
    this.index = where.index;
    this.slot = where.slot;
    this.label = where.label;
  }
}
AsmError.prototype.name = 'AsmError';

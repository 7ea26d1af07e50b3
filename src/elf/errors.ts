/**
 * Errors thrown while reading a BPF ELF object.
 */

/**
 * A BPF ELF object could not be read: it is malformed, truncated, or uses a feature the reader
 * does not support.
 *
 * The message is a chain of lowercase `context: cause` segments, starting with `elf:`, e.g.
 * `elf: section 7 (.relsocket): symbol index 99 out of range (17 symbols)`.
 * {@link ElfParseError.section} names the section involved, when there is one.
 */
export class ElfParseError extends Error {
  /**
   * @param message the full message, already prefixed with its context
   * @param section the ELF section the problem was found in, if any
   */
  constructor(
    message: string,
    readonly section?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
ElfParseError.prototype.name = 'ElfParseError';

/**
 * An executable section's name matches no known program type (libbpf's `SEC()` conventions).
 *
 * @example
 * // elf: section "my_custom_sec": unknown program section name (function handle_it)
 */
export class UnknownSectionError extends ElfParseError {
  /**
   * @param sectionName the ELF section name, e.g. `my_custom_sec`
   * @param functionName the first function found in it
   */
  constructor(
    readonly sectionName: string,
    readonly functionName: string | undefined,
  ) {
    super(
      `elf: section ${JSON.stringify(sectionName)}: unknown program section name` +
        (functionName ? ` (function ${functionName})` : '') +
        ': use a libbpf SEC() name such as "socket", "xdp", "tracepoint/<category>/<name>", "fentry/<function>"',
      sectionName,
    );
  }
}
UnknownSectionError.prototype.name = 'UnknownSectionError';

/**
 * Private: where a TCP session's answers are gathered before the write.
 *
 * @module
 */

const encoder = new TextEncoder();
/** The starting size of the output buffer; it grows for an unusually long read's answers. */
const START_BYTES = 16_384;

/**
 * One output buffer shared by every session of a service (answers are
 * gathered and written within one synchronous step, never two sessions at
 * once). An answer line is copied in from bytes encoded once per distinct
 * text (a whole-second format answers the same text all second), so the
 * common read — one or sixteen requests — allocates nothing.
 *
 * @example Usage
 * ```ts
 * import { AnswerOut } from "./_answer_out.ts";
 * const out = new AnswerOut();
 * out.push("1795000000", "\n");
 * out.push("1795000000", "\r\n");
 * const bytes = out.take();
 * if (new TextDecoder().decode(bytes!) !== "1795000000\n1795000000\r\n") throw new Error();
 * if (out.take() !== null) throw new Error("taken");
 * ```
 */
export class AnswerOut {
  #buffer = new Uint8Array(START_BYTES);
  #length = 0;
  #lastText = "";
  #lastBytes = new Uint8Array(0);

  /**
   * Appends one answer line.
   *
   * @param text The answer, without its line ending.
   * @param ending `"\n"` or `"\r\n"`.
   */
  push(text: string, ending: string): void {
    if (text !== this.#lastText) {
      this.#lastText = text;
      this.#lastBytes = encoder.encode(text);
    }
    const bytes = this.#lastBytes;
    const end = this.#length + bytes.length + 2;
    if (end > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(end, this.#buffer.length * 2));
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
    }
    const buffer = this.#buffer;
    buffer.set(bytes, this.#length);
    let at = this.#length + bytes.length;
    if (ending === "\r\n") buffer[at++] = 13;
    buffer[at++] = 10;
    this.#length = at;
  }

  /**
   * Takes what was appended since the last take.
   *
   * @returns A view valid until the next `push` (copy it to keep it), or null when empty.
   */
  take(): Uint8Array | null {
    if (this.#length === 0) return null;
    const bytes = this.#buffer.subarray(0, this.#length);
    this.#length = 0;
    return bytes;
  }
}

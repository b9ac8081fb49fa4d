/**
 * Private: the bytes a TCP session writes for the answers of one read.
 *
 * @module
 */

import type { Session } from "./_session.ts";

const encoder = new TextEncoder();

/**
 * Turns a session's gathered answers into bytes. The common read — one
 * request, answered in a whole-second format — is written from bytes
 * encoded once per answer text and line ending, shared by every session.
 *
 * @example Usage
 * ```ts ignore
 * const bytes = new AnswerBytes().take(session); // null when nothing was answered
 * ```
 */
export class AnswerBytes {
  #lastText = "";
  #lastLf: Uint8Array | null = null;
  #lastCrLf: Uint8Array | null = null;

  /**
   * Takes the answers of the session's current read.
   *
   * @param session Whose answers; they are cleared.
   * @returns The bytes to write, or null when there are none.
   */
  take(session: Session): Uint8Array | null {
    const first = session.first;
    if (first !== null) {
      session.first = null;
      const ending = session.firstEnding;
      // The answer of a whole-second format is the same string all second.
      if (first !== this.#lastText) {
        this.#lastText = first;
        this.#lastLf = this.#lastCrLf = null;
      }
      if (ending === "\n") return this.#lastLf ??= encoder.encode(first + ending);
      if (ending === "\r\n") return this.#lastCrLf ??= encoder.encode(first + ending);
      return encoder.encode(first + ending);
    }
    if (session.out === "") return null;
    const bytes = encoder.encode(session.out);
    session.out = "";
    return bytes;
  }
}

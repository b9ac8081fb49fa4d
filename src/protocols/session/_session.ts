/**
 * Private: what the session service keeps per open TCP session.
 *
 * @module
 */

import type { StreamConn } from "../../io/stream.ts";
import type { ServiceCounters, SessionCloseReason } from "../../ops/counters.ts";
import { RequestFramer } from "./request_framer.ts";
import type { SessionState } from "./session_protocol.ts";

/**
 * One open TCP session.
 *
 * @example Usage
 * ```ts ignore
 * const session = new Session(conn, "192.0.2.1", state, performance.now(), counters, buffer);
 * session.push("OK", "\n");
 * ```
 */
export class Session {
  readonly conn: StreamConn;
  readonly key: string;
  readonly framer: RequestFramer;
  readonly state: SessionState;
  readonly counters: ServiceCounters;
  /** When the last complete request (or the connection) came. */
  lastRequestAt: number;
  /** When unfinished bytes last arrived; 0 when none are held. */
  partialAt = 0;
  /** The line ending of the last request, reused for server-initiated lines. */
  ending = "\n";
  /**
   * The first answer of the current read and its line ending, kept apart so
   * the common read (one request, one cached answer) is written from cached
   * bytes with no string joined or encoded; null when none.
   */
  first: string | null = null;
  firstEnding = "\n";
  /** Answers of the current read after the first, joined with their endings. */
  out = "";
  /** The write in flight, if any; writes are chained so lines never interleave. */
  writing: Promise<void> | null = null;

  /** Adds one answer line to those of the current read. */
  push(text: string, ending: string): void {
    if (this.first === null && this.out === "") {
      this.first = text;
      this.firstEnding = ending;
      return;
    }
    if (this.first !== null) {
      this.out = this.first + this.firstEnding;
      this.first = null;
    }
    this.out += text + ending;
  }
  closeReason: SessionCloseReason = "peer";

  constructor(
    conn: StreamConn,
    key: string,
    state: SessionState,
    now: number,
    counters: ServiceCounters,
    buffer: Uint8Array,
  ) {
    this.framer = new RequestFramer(buffer);
    this.conn = conn;
    this.key = key;
    this.state = state;
    this.lastRequestAt = now;
    this.counters = counters;
  }
}

/**
 * Private: what the session service keeps per open TCP session.
 *
 * @module
 */

import type { ReadableListener, StreamConn } from "../../io/stream.ts";
import type { ConnectionEnded } from "../../io/stream_server.ts";
import type { ServiceCounters, SessionCloseReason } from "../../ops/counters.ts";
import type { RequestFramer } from "./request_framer.ts";
import type { SessionState } from "./session_protocol.ts";

/**
 * One open TCP session.
 *
 * @example Usage
 * ```ts ignore
 * const session = new Session(conn, "192.0.2.1", state, performance.now(), counters, new RequestFramer(),
 *   (s) => s.push("OK", "\n"), () => {});
 * session.push("OK", "\n");
 * ```
 */
export class Session implements ReadableListener {
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

  /** The connection has bytes: the service takes its step. */
  onReadable(): void {
    this.#step(this);
  }

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
  /** Set once the session is to end after its last write (end of stream, cap, quit). */
  done = false;
  /** The service's step for a readable connection (shared by all sessions). */
  readonly #step: (session: Session) => void;
  /** Tells the server the session has ended. */
  readonly ended: ConnectionEnded;

  constructor(
    conn: StreamConn,
    key: string,
    state: SessionState,
    now: number,
    counters: ServiceCounters,
    framer: RequestFramer,
    step: (session: Session) => void,
    ended: ConnectionEnded,
  ) {
    this.framer = framer;
    this.#step = step;
    this.ended = ended;
    this.conn = conn;
    this.key = key;
    this.state = state;
    this.lastRequestAt = now;
    this.counters = counters;
  }
}

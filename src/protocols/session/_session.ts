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
 *   (s) => s.conn.tryWrite(new TextEncoder().encode("OK\n")), () => {});
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
  /** The write in flight, if any; writes are chained so lines never interleave. */
  writing: Promise<void> | null = null;

  /** The connection has bytes: the service takes its step. */
  onReadable(): void {
    this.#step(this);
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

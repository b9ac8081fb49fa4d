/**
 * The session service on TCP: sessions around {@linkcode SessionProtocol}
 * (UDP is `session_datagrams.ts`).
 *
 * A TCP session is driven by its connection: told when bytes are there
 * ({@linkcode StreamConn.whenReadable}), it reads them into one scratch
 * buffer shared by all sessions, answers every request of the read in one
 * write (at once when the socket takes it), and asks again. An idle session
 * is only its objects: no buffer (one is lent while part of a request is
 * held), no promise, frame or closure. Sessions are closed by one periodic
 * sweep when no complete request came for the idle timeout: no timer per
 * request or per session. A request with no LF is answered once the client
 * half-closes or has been quiet for the partial wait (one shared ticker
 * serves them all); such a request does not extend the idle deadline, so
 * bytes trickled one at a time cannot hold a session open.
 *
 * @module
 */

import { logger } from "../../ops/log.ts";
import {
  FRAMER_BUFFER_BYTES,
  FrameResult,
  LINE_ENDINGS,
  RequestFramer,
  Terminator,
} from "./request_framer.ts";
import { BufferPool } from "./buffer_pool.ts";
import { AnswerOut } from "./_answer_out.ts";
import {
  BUSY_ANSWER,
  BYE_ANSWER,
  type SessionProtocol,
  TOO_LONG_ANSWER,
} from "./session_protocol.ts";
import { SessionLimits } from "./session_limits.ts";
import {
  closeQuietly,
  type ConnectionEnded,
  isDisconnect,
  writeAll,
} from "../../io/stream_server.ts";
import type { StreamConn } from "../../io/stream.ts";
import { peerKey } from "../../admission/peer.ts";
import type { ServiceCounters } from "../../ops/counters.ts";
import { Session } from "./_session.ts";
import type { SessionServiceOptions, SessionSettings } from "./session_service_options.ts";

const encoder = new TextEncoder();
const log = logger("client");

/**
 * Serves TCP sessions: `handleConnection` for each connection.
 *
 * @example Usage
 * ```ts ignore
 * const service = new SessionService({ protocol, idleTimeoutMs: 120_000, partialWaitMs: 50,
 *   maxSessions: 10_000, maxSessionsPerIp: 100 });
 * new TcpServer(listener, "session", (conn, counters, ended) =>
 *   service.handleConnection(conn, counters, ended), counters).serve();
 * ```
 */
export class SessionService {
  readonly #protocol: SessionProtocol;
  #idleTimeoutMs: number;
  #partialWaitMs: number;
  readonly #limits: SessionLimits;
  readonly #now: () => number;
  readonly #sessions = new Set<Session>();
  readonly #partials = new Set<Session>();
  #sweepTimer: ReturnType<typeof setInterval> | null = null;
  #partialTimer: ReturnType<typeof setTimeout> | null = null;

  /** @param options The protocol, the timeouts and the limits. */
  constructor(options: SessionServiceOptions) {
    this.#protocol = options.protocol;
    this.#idleTimeoutMs = options.idleTimeoutMs;
    this.#partialWaitMs = options.partialWaitMs;
    this.#limits = new SessionLimits(
      options.maxSessions,
      options.maxSessionsPerIp,
      options.limitsBuffer,
    );
    this.#now = options.now ?? (() => performance.now());
  }

  /** The session counters, to share with workers. */
  get limitsBuffer(): SharedArrayBuffer {
    return this.#limits.buffer;
  }

  /**
   * Runs one TCP session to its end. Never throws for client behaviour.
   *
   * @param conn The accepted connection; closed at the session's end.
   * @param counters The session/tcp counters.
   * @param ended Told of the session's end, after the connection is closed.
   * @returns For a client refused as busy, the promise of its refusal;
   *   otherwise nothing, the end coming through `ended` (see `ConnectionHandler`).
   */
  handleConnection(
    conn: StreamConn,
    counters: ServiceCounters,
    ended: ConnectionEnded,
  ): Promise<void> | void {
    const key = peerKey(conn.remoteAddr);
    if (!this.#limits.admit(key)) return this.#refuseBusy(conn, key, counters);
    const session = new Session(
      conn,
      key,
      this.#protocol.newState(true),
      this.#now(),
      counters,
      new RequestFramer(this.#buffers),
      this.#readable,
      ended,
    );
    this.#sessions.add(session);
    counters.sessionsOpen++;
    this.#startSweep();
    try {
      conn.setNoDelay(true);
    } catch (error) {
      return this.#end(session, error);
    }
    this.#wait(session);
  }

  /** Says BUSY to a client past the session limits and closes. */
  async #refuseBusy(conn: StreamConn, key: string, counters: ServiceCounters): Promise<void> {
    log.debug("refused {peer}: {reason}", { peer: key, reason: "busy" });
    counters.refused.busy++;
    counters.sessionsClosed.busy++;
    try {
      await writeAll(conn, encoder.encode(BUSY_ANSWER + "\n"));
    } catch {
      // the client left first
    } finally {
      closeQuietly(conn);
    }
  }

  /**
   * Asks to be told when the session's connection has bytes. Meanwhile the
   * session is only its objects: no buffer, promise, frame or closure.
   */
  #wait(session: Session): void {
    try {
      session.conn.whenReadable(session);
    } catch (error) {
      this.#end(session, error);
    }
  }

  /**
   * The session loop's one step, called through the session when its
   * connection is readable: read, answer, write, then wait again — or, when
   * the socket did not take the whole answer, after the rest is written.
   */
  readonly #readable = (session: Session): void => {
    let write: Promise<void> | null;
    try {
      write = this.#onReadable(session);
    } catch (error) {
      return this.#end(session, error);
    }
    if (write === null) {
      if (session.done) this.#end(session);
      else this.#wait(session);
      return;
    }
    write.then(() => {
      if (session.writing === write) session.writing = null;
      if (session.done) this.#end(session);
      else this.#wait(session);
    }, (error) => this.#end(session, error));
  };

  /** Ends a session once: counts, closes, frees, and tells the server. */
  #end(session: Session, error?: unknown): void {
    if (!this.#sessions.delete(session)) return;
    if (error !== undefined && !isDisconnect(error)) { // closed by the sweep, shutdown, or the peer: not an error
      session.closeReason = "error";
      log.warn("session with {peer} failed: {error}", {
        peer: session.key,
        error: String(error),
      });
    }
    this.#partials.delete(session);
    this.#limits.release(session.key);
    closeQuietly(session.conn);
    session.framer.release();
    session.counters.sessionsOpen--;
    session.counters.sessionsClosed[session.closeReason]++;
    if (this.#sessions.size === 0) this.#stopSweep();
    session.ended(session.conn);
  }

  /**
   * Reads what the connection has, answers every complete request in it, and
   * marks the session ended at the end of the stream, an over-long request or
   * `quit`.
   *
   * @returns The write of the answers (see {@linkcode SessionService.#sendOut}), or null.
   */
  #onReadable(session: Session): Promise<void> | null {
    const framer = session.framer;
    const count = session.conn.tryRead(framer.space());
    if (count === 0) return null; // nothing after all: wait again
    this.#current = session;
    if (count === null) {
      this.#partials.delete(session);
      framer.flush(this.#onRequest);
      session.done = true;
      return this.#sendOut(session);
    }
    this.#completed = false;
    const result = framer.commit(count, this.#onRequest);
    if (this.#completed) session.lastRequestAt = this.#now();
    if (result === FrameResult.TooLong) {
      session.counters.drops.oversized++;
      this.#out.push(TOO_LONG_ANSWER, session.ending);
      session.closeReason = "cap";
      session.done = true;
      log.debug("closing {peer}: request too long", { peer: session.key });
      return this.#sendOut(session);
    }
    if (framer.pending > 0) this.#markPartial(session);
    else if (session.partialAt !== 0) {
      session.partialAt = 0;
      this.#partials.delete(session);
    }
    if (session.state.closing) {
      session.closeReason = "quit";
      session.done = true;
    }
    return this.#sendOut(session);
  }

  /** Lends framers the buffers for unfinished requests; its scratch takes every read. */
  readonly #buffers = new BufferPool(FRAMER_BUFFER_BYTES);

  /** The session whose bytes the framer is handing over (framer calls are synchronous). */
  #current: Session | null = null;

  /** Answers one request of {@linkcode SessionService.#current}. */
  readonly #onRequest = (
    buffer: Uint8Array,
    start: number,
    end: number,
    ending: Terminator,
  ): void => {
    const session = this.#current!;
    if (ending !== Terminator.None) this.#completed = true;
    if (session.state.closing) return;
    session.counters.requests++;
    session.ending = LINE_ENDINGS[ending];
    this.#out.push(this.#protocol.answer(session.state, buffer, start, end), session.ending);
    session.counters.answers++;
  };

  /** Whether the framer handed over a complete (LF-ended) request since reset. */
  #completed = false;

  /**
   * Writes the answers gathered so far, after any write in flight: at once
   * when the socket takes them all (the common case: no promise, no frame),
   * else the rest by an awaited write.
   *
   * @returns The write (also left in `session.writing` for later writes to
   * chain on; whoever awaits it clears that), or the write in flight, or null
   * when nothing is left to write. Never throws: a failed write rejects.
   */
  #sendOut(session: Session): Promise<void> | null {
    const bytes = this.#out.take();
    if (bytes === null) return session.writing;
    const previous = session.writing;
    let write: Promise<void>;
    if (previous === null) {
      let sent: number;
      try {
        sent = session.conn.tryWrite(bytes);
      } catch (error) {
        return Promise.reject(error);
      }
      if (sent === bytes.length) return null;
      write = writeAll(session.conn, bytes.slice(sent)); // a copy: the view is reused
    } else {
      const rest = bytes.slice();
      write = previous.then(() => writeAll(session.conn, rest));
    }
    session.writing = write;
    return write;
  }

  /** Gathers the answers of one step, for all sessions in turn. */
  readonly #out = new AnswerOut();

  #markPartial(session: Session): void {
    if (this.#partialWaitMs <= 0) return;
    session.partialAt = this.#now();
    this.#partials.add(session);
    if (this.#partialTimer === null) {
      this.#partialTimer = setTimeout(() => this.#answerPartials(), this.#partialWaitMs);
    }
  }

  /** The shared ticker: answers every request left unfinished for the partial wait. */
  #answerPartials(): void {
    this.#partialTimer = null;
    const now = this.#now();
    let next = Infinity;
    for (const session of this.#partials) {
      const due = session.partialAt + this.#partialWaitMs;
      if (due > now) {
        next = Math.min(next, due);
        continue;
      }
      this.#partials.delete(session);
      session.partialAt = 0;
      const ending = session.ending;
      this.#current = session;
      session.framer.flush(this.#onRequest);
      session.ending = ending; // a request answered for quiet does not set the line ending
      const write = this.#sendOut(session) ?? Promise.resolve();
      write.then(
        () => {
          if (session.writing === write) session.writing = null;
          if (session.state.closing) {
            session.closeReason = "quit";
            closeQuietly(session.conn);
          }
        },
        () => closeQuietly(session.conn),
      );
    }
    if (next !== Infinity) {
      this.#partialTimer = setTimeout(() => this.#answerPartials(), Math.max(1, next - now));
    }
  }

  #startSweep(): void {
    if (this.#sweepTimer !== null) return;
    const period = Math.max(10, Math.min(1000, Math.floor(this.#idleTimeoutMs / 4)));
    this.#sweepTimer = setInterval(() => this.#sweepIdle(), period);
  }

  #stopSweep(): void {
    if (this.#sweepTimer === null) return;
    clearInterval(this.#sweepTimer);
    this.#sweepTimer = null;
  }

  /** The one periodic sweep: closes sessions idle past the timeout. */
  #sweepIdle(): void {
    const deadline = this.#now() - this.#idleTimeoutMs;
    for (const session of this.#sessions) {
      if (session.lastRequestAt <= deadline) {
        session.closeReason = "idle";
        log.debug("closing {peer}: idle", { peer: session.key });
        closeQuietly(session.conn);
      }
    }
  }

  /** Applies a reload's settings: timeouts from the next sweep, limits from the next session. */
  reconfigure(settings: SessionSettings): void {
    this.#idleTimeoutMs = settings.idleTimeoutMs;
    this.#partialWaitMs = settings.partialWaitMs;
    this.#limits.setLimits(settings.maxSessions, settings.maxSessionsPerIp);
  }

  /**
   * Says `BYE shutting down` to every open session and closes it.
   *
   * @param timeoutMs How long to wait for the goodbyes to be written.
   */
  async shutdown(timeoutMs: number): Promise<void> {
    this.#stopSweep();
    if (this.#partialTimer !== null) clearTimeout(this.#partialTimer);
    const goodbyes = [...this.#sessions].map((session) => {
      session.closeReason = "shutdown";
      session.state.closing = true;
      this.#out.push(BYE_ANSWER + " shutting down", session.ending);
      return (this.#sendOut(session) ?? Promise.resolve()).catch(() => {});
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled(goodbyes),
      new Promise((resolve) => timer = setTimeout(resolve, timeoutMs)),
    ]);
    clearTimeout(timer);
    for (const session of this.#sessions) closeQuietly(session.conn);
  }
}

/**
 * The session service on TCP and UDP: thin network loops around
 * {@linkcode SessionProtocol}.
 *
 * TCP sessions read into one fixed 256-byte buffer each, answer every request
 * of a read in one write, and are closed by one periodic sweep when no
 * complete request came for the idle timeout: no timer per request or per
 * session. A request with no LF is answered once the client half-closes or
 * has been quiet for the partial wait (one shared ticker serves them all);
 * such a request does not extend the idle deadline, so bytes trickled one at
 * a time cannot hold a session open.
 *
 * @module
 */

import { logger } from "../../ops/log.ts";
import {
  FRAMER_BUFFER_BYTES,
  FrameResult,
  MAX_REQUEST_BYTES,
  Terminator,
} from "./request_framer.ts";
import {
  BUSY_ANSWER,
  BYE_ANSWER,
  type SessionProtocol,
  type SessionState,
  TOO_LONG_ANSWER,
} from "./session_protocol.ts";
import { SessionLimits } from "./session_limits.ts";
import { closeQuietly, isDisconnect, writeAll } from "../../io/stream_server.ts";
import type { StreamConn } from "../../io/stream.ts";
import { peerKey } from "../../admission/peer.ts";
import type { ServiceCounters } from "../../ops/counters.ts";
import { Session } from "./_session.ts";
import type { SessionServiceOptions, SessionSettings } from "./session_service_options.ts";

const encoder = new TextEncoder();
const log = logger("client");
const LINE_ENDINGS = ["\n", "\n", "\r\n"]; // indexed by Terminator
/** Framer buffers carved from one slab (64 KiB). */
const BUFFERS_PER_SLAB = 256;

/**
 * Serves session requests: `handleConnection` for each TCP connection,
 * `handleDatagram` for each UDP datagram.
 *
 * @example Usage
 * ```ts ignore
 * const service = new SessionService({ protocol, idleTimeoutMs: 120_000, partialWaitMs: 50,
 *   maxSessions: 10_000, maxSessionsPerIp: 100 });
 * new TcpServer(listener, "session", (conn) => service.handleConnection(conn)).serve();
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
  readonly #udpState: SessionState;
  #sweepTimer: ReturnType<typeof setInterval> | null = null;
  #partialTimer: ReturnType<typeof setTimeout> | null = null;
  #lastUdpText = "";
  #lastUdpBytes: Uint8Array[] = [];

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
    this.#udpState = this.#protocol.newState(false);
  }

  /** The session counters, to share with workers. */
  get limitsBuffer(): SharedArrayBuffer {
    return this.#limits.buffer;
  }

  /**
   * Runs one TCP session to its end. Never throws for client behaviour.
   *
   * @param conn The accepted connection; closed when this returns.
   * @param counters The session/tcp counters.
   */
  async handleConnection(conn: StreamConn, counters: ServiceCounters): Promise<void> {
    const key = peerKey(conn.remoteAddr);
    if (!this.#limits.admit(key)) {
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
      return;
    }
    const session = new Session(
      conn,
      key,
      this.#protocol.newState(true),
      this.#now(),
      counters,
      this.#takeBuffer(),
    );
    this.#sessions.add(session);
    counters.sessionsOpen++;
    this.#startSweep();
    // The session loop is inlined here (not a second async function) and the
    // framer callbacks are shared by all sessions: an idle session then holds
    // one suspended frame and no closures of its own.
    try {
      conn.setNoDelay(true);
      const framer = session.framer;
      while (true) {
        let count: number | null;
        try {
          count = await conn.read(framer.space());
        } catch (error) {
          if (isDisconnect(error)) break; // closed by the sweep, shutdown, or the peer
          throw error;
        }
        if (count === null) {
          this.#partials.delete(session);
          this.#current = session;
          framer.flush(this.#onRequest);
          const write = this.#sendOut(session);
          if (write !== null) await write;
          break;
        }
        this.#current = session;
        this.#completed = false;
        const result = framer.commit(count, this.#onRequest);
        if (this.#completed) session.lastRequestAt = this.#now();
        if (result === FrameResult.TooLong) {
          counters.drops.oversized++;
          session.push(TOO_LONG_ANSWER, session.ending);
          session.closeReason = "cap";
          log.debug("closing {peer}: request too long", { peer: session.key });
          const write = this.#sendOut(session);
          if (write !== null) await write;
          break;
        }
        if (framer.pending > 0) this.#markPartial(session);
        else if (session.partialAt !== 0) {
          session.partialAt = 0;
          this.#partials.delete(session);
        }
        const write = this.#sendOut(session);
        if (write !== null) {
          await write;
          if (session.writing === write) session.writing = null;
        }
        if (session.state.closing) {
          session.closeReason = "quit";
          break;
        }
      }
    } catch (error) {
      if (!isDisconnect(error)) {
        session.closeReason = "error";
        log.warn("session with {peer} failed: {error}", { peer: key, error: String(error) });
      }
    } finally {
      this.#sessions.delete(session);
      this.#partials.delete(session);
      this.#limits.release(key);
      closeQuietly(conn);
      this.#freeBuffers.push(session.framer.buffer); // no read is in flight any more
      counters.sessionsOpen--;
      counters.sessionsClosed[session.closeReason]++;
      if (this.#sessions.size === 0) this.#stopSweep();
    }
  }

  /**
   * A framer buffer: a view of a shared slab rather than an ArrayBuffer of its
   * own (each ArrayBuffer costs a backing store and its bookkeeping besides its
   * bytes). Buffers come back when their session ends; slabs are kept.
   */
  #takeBuffer(): Uint8Array {
    const free = this.#freeBuffers.pop();
    if (free !== undefined) return free;
    const slab = new Uint8Array(FRAMER_BUFFER_BYTES * BUFFERS_PER_SLAB);
    for (let i = BUFFERS_PER_SLAB - 1; i > 0; i--) {
      this.#freeBuffers.push(slab.subarray(i * FRAMER_BUFFER_BYTES, (i + 1) * FRAMER_BUFFER_BYTES));
    }
    return slab.subarray(0, FRAMER_BUFFER_BYTES);
  }

  readonly #freeBuffers: Uint8Array[] = [];

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
    session.push(this.#protocol.answer(session.state, buffer, start, end), session.ending);
    session.counters.answers++;
  };

  /** Whether the framer handed over a complete (LF-ended) request since reset. */
  #completed = false;

  /**
   * Writes the answers gathered so far, after any write in flight.
   *
   * @returns The write (also left in `session.writing` for later writes to
   * chain on; whoever awaits it clears that), or the write in flight, or null.
   */
  #sendOut(session: Session): Promise<void> | null {
    const bytes = this.#takeOut(session);
    if (bytes === null) return session.writing;
    const previous = session.writing;
    const write = previous === null
      ? writeAll(session.conn, bytes)
      : previous.then(() => writeAll(session.conn, bytes));
    session.writing = write;
    return write;
  }

  /** The answers of the current read as bytes, or null when there are none. */
  #takeOut(session: Session): Uint8Array | null {
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

  #lastText = "";
  #lastLf: Uint8Array | null = null;
  #lastCrLf: Uint8Array | null = null;

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
      session.push(BYE_ANSWER + " shutting down", session.ending);
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

  /**
   * Answers one UDP datagram: one request, stateless.
   *
   * @param request The datagram's payload.
   * @param counters The session/udp counters; an oversized datagram counts as a drop.
   * @returns The answer datagram, or null to drop (oversized).
   */
  handleDatagram(request: Uint8Array, counters: ServiceCounters): Uint8Array | null {
    let end = request.length;
    if (end > MAX_REQUEST_BYTES) {
      counters.drops.oversized++;
      return null;
    }
    let ending: Terminator = Terminator.None;
    if (end > 0 && request[end - 1] === 10) {
      end--;
      ending = Terminator.Lf;
      if (end > 0 && request[end - 1] === 13) {
        end--;
        ending = Terminator.CrLf;
      }
    }
    const state = this.#udpState;
    const text = this.#protocol.answer(state, request, 0, end);
    state.closing = false;
    if (text !== this.#lastUdpText) {
      this.#lastUdpText = text;
      this.#lastUdpBytes = [];
    }
    return this.#lastUdpBytes[ending] ??= encoder.encode(text + LINE_ENDINGS[ending]);
  }
}

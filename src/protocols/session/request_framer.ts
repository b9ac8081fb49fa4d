/**
 * Splits a session's byte stream into requests: the bytes up to LF, a CR
 * before the LF dropped, at most {@linkcode MAX_REQUEST_BYTES} bytes with the
 * terminator. A session holds a buffer only while it holds part of a
 * request: reads land in a scratch buffer shared by every framer, complete
 * requests are handed over from there, and only an unfinished tail is kept,
 * in a fixed buffer lent by a {@linkcode BufferPool}. Memory stays bounded
 * whatever the client sends, an idle session holds no buffer, and nothing is
 * allocated on the hot path.
 *
 * @module
 */

import { BufferPool } from "./buffer_pool.ts";

/** The most bytes a request may take, its terminator included. */
export const MAX_REQUEST_BYTES = 128;

/** The size of a framer's buffer: twice the cap. */
export const FRAMER_BUFFER_BYTES = MAX_REQUEST_BYTES * 2;

/**
 * How a request ended: `Lf`, `CrLf`, or `None` when the client half-closed
 * or went quiet before sending one (see {@linkcode RequestFramer.flush}).
 */
export const Terminator = { None: 0, Lf: 1, CrLf: 2 } as const;
/** One of the {@linkcode Terminator} values. */
export type Terminator = typeof Terminator[keyof typeof Terminator];

/** The line ending an answer to a request takes, indexed by its {@linkcode Terminator}. */
export const LINE_ENDINGS: readonly string[] = ["\n", "\n", "\r\n"];

/**
 * Receives one request: `buffer[start..end)` (terminator excluded) and how it
 * ended. The bytes are only valid during the call.
 */
export type RequestHandler = (
  buffer: Uint8Array,
  start: number,
  end: number,
  terminator: Terminator,
) => void;

/**
 * What {@linkcode RequestFramer.commit} found: `Ok` (every complete request
 * handed over, the rest kept) or `TooLong` (a request passed the cap; the
 * session answers the error and closes).
 */
export const FrameResult = { Ok: 0, TooLong: 1 } as const;
/** One of the {@linkcode FrameResult} values. */
export type FrameResult = typeof FrameResult[keyof typeof FrameResult];

/**
 * The framer of one session. Read into {@linkcode RequestFramer.space}, then
 * call {@linkcode RequestFramer.commit} with the count read, before anything
 * else runs: the space may be the scratch buffer every framer of the pool
 * shares.
 *
 * @example Usage
 * ```ts
 * import { RequestFramer } from "./request_framer.ts";
 * const framer = new RequestFramer();
 * const lines: string[] = [];
 * const bytes = new TextEncoder().encode("timestamp\r\nrfc3339\n");
 * framer.space().set(bytes);
 * framer.commit(bytes.length, (b, s, e) => lines.push(new TextDecoder().decode(b.subarray(s, e))));
 * if (lines.join() !== "timestamp,rfc3339") throw new Error("framing");
 * ```
 */
export class RequestFramer {
  readonly #pool: BufferPool;
  /**
   * The lent buffer holding an unfinished request, or null when none is held.
   * Twice the cap: a partial request (< cap) plus one more read always fit.
   */
  #held: Uint8Array | null = null;
  /** Bytes before this were handed over by `flush`. */
  #start = 0;
  /** Bytes before this hold data. */
  #end = 0;

  /**
   * @param pool Lends the buffers, of {@linkcode FRAMER_BUFFER_BYTES}; by
   * default a pool of this framer's own.
   */
  constructor(pool: BufferPool = new BufferPool(FRAMER_BUFFER_BYTES)) {
    if (pool.size !== FRAMER_BUFFER_BYTES) {
      throw new RangeError(`Cannot frame requests: need ${FRAMER_BUFFER_BYTES}-byte buffers`);
    }
    this.#pool = pool;
  }

  /** Bytes held of an unfinished request. */
  get pending(): number {
    return this.#end - this.#start;
  }

  /** Whether this framer holds a lent buffer (only while {@linkcode RequestFramer.pending}). */
  get holding(): boolean {
    return this.#held !== null;
  }

  /**
   * Where to read: the pool's scratch buffer when nothing is held, else the
   * held buffer after the held bytes. Valid until the next `commit` of any
   * framer of the pool.
   *
   * @returns A view to read into.
   */
  space(): Uint8Array {
    const held = this.#held;
    return held === null ? this.#pool.scratch : held.subarray(this.#end);
  }

  /**
   * Takes `count` bytes just read into {@linkcode RequestFramer.space} and
   * hands every complete request to `onRequest`, in order.
   *
   * @param count How many bytes were read.
   * @param onRequest Called once per complete request.
   * @returns {@linkcode FrameResult.TooLong} once a request passes the cap
   * (the requests before it were handed over); otherwise `Ok`.
   */
  commit(count: number, onRequest: RequestHandler): FrameResult {
    const held = this.#held;
    const buffer = held ?? this.#pool.scratch;
    const end = this.#end + count;
    let start = this.#start;
    let scan = this.#end;
    while (true) {
      const lf = buffer.indexOf(10, scan);
      if (lf === -1 || lf >= end) break;
      if (lf + 1 - start > MAX_REQUEST_BYTES) return this.#reset(FrameResult.TooLong);
      const crlf = lf > start && buffer[lf - 1] === 13;
      onRequest(buffer, start, crlf ? lf - 1 : lf, crlf ? Terminator.CrLf : Terminator.Lf);
      start = scan = lf + 1;
    }
    const rest = end - start;
    // With no LF yet, the terminator still to come makes rest + 1 bytes.
    if (rest >= MAX_REQUEST_BYTES) return this.#reset(FrameResult.TooLong);
    if (rest === 0) return this.#reset(FrameResult.Ok);
    if (held === null) {
      const kept = this.#pool.take();
      kept.set(buffer.subarray(start, end));
      this.#held = kept;
    } else if (start > 0) buffer.copyWithin(0, start, end);
    this.#start = 0;
    this.#end = rest;
    return FrameResult.Ok;
  }

  /**
   * Hands over the unfinished request, if any, as one with no terminator: at
   * half-close, or when the client has gone quiet. A lone CR at the end is
   * dropped as if it were the start of a CR LF.
   *
   * @param onRequest Called once if bytes were held.
   * @returns Whether a request was handed over.
   */
  flush(onRequest: RequestHandler): boolean {
    const start = this.#start;
    const end = this.#end;
    const held = this.#held;
    if (start === end || held === null) return false;
    try {
      onRequest(held, start, held[end - 1] === 13 ? end - 1 : end, Terminator.None);
    } finally {
      this.#reset(FrameResult.Ok);
    }
    return true;
  }

  /** Drops whatever is held and gives the buffer back: at the session's end. */
  release(): void {
    this.#reset(FrameResult.Ok);
  }

  #reset(result: FrameResult): FrameResult {
    this.#start = this.#end = 0;
    if (this.#held !== null) {
      this.#pool.give(this.#held);
      this.#held = null;
    }
    return result;
  }
}

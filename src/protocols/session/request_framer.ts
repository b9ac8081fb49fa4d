/**
 * Splits a session's byte stream into requests: the bytes up to LF, a CR
 * before the LF dropped, at most {@linkcode MAX_REQUEST_BYTES} bytes with the
 * terminator. One fixed buffer per session, so memory stays bounded whatever
 * the client sends, and no allocation on the hot path.
 *
 * @module
 */

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
 * call {@linkcode RequestFramer.commit} with the count read.
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
  /** Twice the cap: a partial request (< cap) plus one more read always fit. */
  readonly buffer: Uint8Array;
  /** Bytes before this were handed over by `flush` and await compaction. */
  #start = 0;
  /** Bytes before this hold data. */
  #end = 0;

  /**
   * @param buffer Where to hold bytes: {@linkcode FRAMER_BUFFER_BYTES} of them
   * (e.g. a view of a slab shared with other sessions); a new buffer by default.
   */
  constructor(buffer: Uint8Array = new Uint8Array(FRAMER_BUFFER_BYTES)) {
    if (buffer.length !== FRAMER_BUFFER_BYTES) {
      throw new RangeError(`Cannot frame requests: need a ${FRAMER_BUFFER_BYTES}-byte buffer`);
    }
    this.buffer = buffer;
  }

  /** Bytes held of an unfinished request. */
  get pending(): number {
    return this.#end - this.#start;
  }

  /**
   * The free part of the buffer, to read into. It stays valid across a
   * {@linkcode RequestFramer.flush}, so a read may be in flight meanwhile.
   *
   * @returns A view of the buffer after the held bytes.
   */
  space(): Uint8Array {
    return this.#end === 0 ? this.buffer : this.buffer.subarray(this.#end);
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
    const buffer = this.buffer;
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
    if (rest > 0 && start > 0) buffer.copyWithin(0, start, end);
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
    if (start === end) return false;
    this.#start = end;
    onRequest(this.buffer, start, this.buffer[end - 1] === 13 ? end - 1 : end, Terminator.None);
    return true;
  }

  #reset(result: FrameResult): FrameResult {
    this.#start = this.#end = 0;
    return result;
  }
}

/**
 * TCP on the `deno` engine: Deno's own listener and connections behind the
 * stream half of the seam. Deno has no readiness call, so
 * {@linkcode DenoConn.whenReadable} reads ahead into a buffer of the
 * connection's own, which the next reads return first.
 *
 * @module
 */

import type {
  AcceptableListener,
  ReadableListener,
  StreamConn,
  StreamListener,
} from "../stream.ts";

/** How much {@linkcode DenoConn.whenReadable} reads ahead at most. */
const READ_AHEAD_BYTES = 1024;

/**
 * A `Deno.TcpConn` as a {@linkcode StreamConn}.
 *
 * @example Usage
 * ```ts
 * import { DenoConn } from "./stream.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const client = Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * const conn = new DenoConn(await listener.accept());
 * const peer = await client;
 * await peer.write(new TextEncoder().encode("hi"));
 * await new Promise<void>((onReadable) => conn.whenReadable({ onReadable }));
 * if (conn.tryRead(new Uint8Array(8)) !== 2) throw new Error("read ahead");
 * peer.close();
 * conn.close();
 * listener.close();
 * ```
 */
export class DenoConn implements StreamConn {
  /** The peer's address. */
  readonly remoteAddr: Deno.NetAddr;
  readonly #conn: Deno.TcpConn;
  /** Bytes read ahead by `whenReadable()`, `[#start, #end)` not yet taken. */
  #ahead: Uint8Array | null = null;
  #start = 0;
  #end = 0;
  /** The end of the stream, or the error, met while reading ahead. */
  #ended = false;
  #failed: Error | null = null;

  /** @param conn The accepted connection; this owns it from now on. */
  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.remoteAddr = conn.remoteAddr;
  }

  /**
   * Reads bytes read ahead first, then from the socket.
   *
   * @param buffer Where the bytes go.
   * @returns How many arrived, or null at the end of the stream.
   */
  read(buffer: Uint8Array): Promise<number | null> {
    if (this.#start < this.#end || this.#ended || this.#failed !== null) {
      try {
        return Promise.resolve(this.tryRead(buffer));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#conn.read(buffer);
  }

  /**
   * Reads ahead unless bytes, the end or an error are in hand already, then
   * tells `listener`.
   *
   * @param listener Called once, from a promise continuation.
   */
  whenReadable(listener: ReadableListener): void {
    const ready = this.#start < this.#end || this.#ended || this.#failed !== null
      ? Promise.resolve()
      : this.#readAhead();
    ready.then(() => listener.onReadable());
  }

  async #readAhead(): Promise<void> {
    const buffer = this.#ahead ??= new Uint8Array(READ_AHEAD_BYTES);
    try {
      const count = await this.#conn.read(buffer);
      if (count === null) this.#ended = true;
      else {
        this.#start = 0;
        this.#end = count;
      }
    } catch (error) {
      this.#failed = error instanceof Error ? error : new Error(String(error));
    }
  }

  /**
   * Takes what `whenReadable()` read ahead.
   *
   * @param buffer Where the bytes go.
   * @returns How many bytes (0: none in hand), or null at the end of the stream.
   * @throws {Error} The error met while reading ahead.
   */
  tryRead(buffer: Uint8Array): number | null {
    if (this.#start < this.#end) {
      const count = Math.min(buffer.length, this.#end - this.#start);
      buffer.set(this.#ahead!.subarray(this.#start, this.#start + count));
      this.#start += count;
      return count;
    }
    if (this.#failed !== null) throw this.#failed;
    return this.#ended ? null : 0;
  }

  /**
   * Writes as much of `bytes` as the socket takes.
   *
   * @param bytes What to write.
   * @returns How many bytes were taken.
   */
  write(bytes: Uint8Array): Promise<number> {
    return this.#conn.write(bytes);
  }

  /**
   * Deno cannot write without waiting: takes nothing, so that
   * {@linkcode DenoConn.write} writes it all.
   *
   * @returns 0.
   */
  tryWrite(_bytes: Uint8Array): number {
    return 0;
  }

  /** Closes the connection; a read in flight fails with `BadResource`. */
  close(): void {
    this.#conn.close();
  }

  /**
   * Turns Nagle's algorithm off (true) or on.
   *
   * @param noDelay Whether small writes go out at once.
   */
  setNoDelay(noDelay?: boolean): void {
    this.#conn.setNoDelay(noDelay);
  }
}

/**
 * A `Deno.TcpListener` as a {@linkcode StreamListener} of {@linkcode DenoConn}s.
 *
 * @example Usage
 * ```ts
 * import { DenoListener } from "./stream.ts";
 * const listener = new DenoListener(Deno.listen({ hostname: "127.0.0.1", port: 0 }));
 * listener.close();
 * listener.close(); // idempotent
 * ```
 */
export class DenoListener implements StreamListener {
  /** The address bound. */
  readonly addr: Deno.NetAddr;
  readonly #listener: Deno.TcpListener;

  /** @param listener The bound listener; this owns it from now on. */
  constructor(listener: Deno.TcpListener) {
    this.#listener = listener;
    this.addr = listener.addr;
  }

  /** A connection accepted ahead by `whenAcceptable()`, not yet taken. */
  #ahead: DenoConn | null = null;
  /** The error met accepting ahead, not yet thrown. */
  #failed: Error | null = null;
  #waiting = false;

  /**
   * Accepts ahead unless a connection or an error is in hand already, then
   * tells `listener`.
   *
   * @param listener Called once, from a promise continuation.
   */
  whenAcceptable(listener: AcceptableListener): void {
    if (this.#waiting) throw new Deno.errors.Busy("a listener is already waiting");
    this.#waiting = true;
    const ready = this.#ahead !== null || this.#failed !== null
      ? Promise.resolve()
      : this.#acceptAhead();
    ready.then(() => {
      this.#waiting = false;
      listener.onAcceptable();
    });
  }

  async #acceptAhead(): Promise<void> {
    try {
      this.#ahead = new DenoConn(await this.#listener.accept());
    } catch (error) {
      this.#failed = error instanceof Error ? error : new Error(String(error));
    }
  }

  /**
   * Takes what `whenAcceptable()` accepted ahead.
   *
   * @returns The connection, or null for none in hand.
   * @throws {Error} The error met accepting ahead.
   */
  tryAccept(): DenoConn | null {
    const ahead = this.#ahead;
    if (ahead !== null) {
      this.#ahead = null;
      return ahead;
    }
    const failed = this.#failed;
    if (failed !== null) {
      this.#failed = null;
      throw failed;
    }
    return null;
  }

  /** Stops listening; a connection accepted ahead and not taken is closed. Idempotent. */
  close(): void {
    try {
      this.#listener.close();
    } catch {
      // closed already
    }
    this.#ahead?.close();
    this.#ahead = null;
  }
}

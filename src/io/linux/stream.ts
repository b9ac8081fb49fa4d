/**
 * TCP connections on the kernel engine: accepted sockets served by the
 * isolate's {@linkcode EpollLoop}, implementing {@linkcode StreamConn}, so
 * every stream service runs on them unchanged (the listener is
 * `listener.ts`).
 *
 * Why: a connection with a `conn.read()` in flight costs Deno about 5 KB;
 * here a connection waiting in `whenReadable` costs one small object. Reads
 * and writes are tried at once (non-blocking); only when the kernel says
 * "not now" does the connection wait for the socket's next edge-triggered
 * event. A connection joins the epoll set only the first time it has to
 * wait.
 *
 * @module
 */

import {
  EAGAIN,
  EINTR,
  EPOLLERR,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  EPOLLRDHUP,
  IPPROTO_TCP,
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  TCP_NODELAY,
} from "./constants.ts";
import { ONE } from "./bind_socket.ts";
import { closedError, Waiting } from "./_waiting.ts";
import { type EpollLoop, type EpollTarget, MAX_AT_ONCE_PER_TURN } from "./epoll_loop.ts";
import { socketError } from "./kernel_libc.ts";
import type { ReadableListener, StreamConn } from "../stream.ts";

/** An `int` option value of 0, as `setsockopt` takes it. */
const ZERO = new Uint8Array(4);
/** A sentinel: the kernel said "try again later". */
const AGAIN = -1;

/** The `BigInt` of lengths up to 4 KiB, so no BigInt is made per ordinary read or write. */
const sizes: bigint[] = [];
function sizeOf(length: number): bigint {
  return length <= 4096 ? sizes[length] ??= BigInt(length) : BigInt(length);
}

/** {@linkcode EpollConn}'s state bits. */
const CLOSED = 1, READABLE = 2, PEER_DONE = 4, WRITABLE = 8, WATCHED = 16;

/**
 * One accepted connection: the subset of `Deno.TcpConn` clockd uses.
 * Writes never raise SIGPIPE (`MSG_NOSIGNAL`).
 */
export class EpollConn implements StreamConn, EpollTarget {
  /** The peer's address. */
  readonly remoteAddr: Deno.NetAddr;
  /** The local address (the listener's). */
  readonly localAddr: Deno.NetAddr;
  readonly #loop: EpollLoop;
  readonly #fd: number;
  /**
   * The connection's state as bits of one small integer (five booleans as
   * fields would cost a word each in every connection): {@linkcode CLOSED},
   * {@linkcode READABLE} (a read may find bytes: false after EAGAIN until the
   * next edge), {@linkcode PEER_DONE} (the peer's FIN or an error was
   * reported: then a short read does not mean "drained", since no further
   * edge will come), {@linkcode WRITABLE}, and {@linkcode WATCHED} (in the
   * epoll set).
   */
  #flags = READABLE | WRITABLE;
  #reading: Waiting<number | null> | null = null;
  /** Waits for the next edge (see {@linkcode EpollConn.whenReadable}). */
  #ready: ReadableListener | null = null;
  #writing: Waiting<number> | null = null;
  #turn = -1;
  #readsThisTurn = 0;

  /** @internal Made by {@linkcode EpollListener.accept}. */
  constructor(loop: EpollLoop, fd: number, remoteAddr: Deno.NetAddr, localAddr: Deno.NetAddr) {
    this.#loop = loop;
    this.#fd = fd;
    this.remoteAddr = remoteAddr;
    this.localAddr = localAddr;
  }

  /**
   * Joins the epoll set the first time a read or write has to wait: a
   * connection that never waits (a daytime answer written at once, then
   * closed) costs no `epoll_ctl`. Adding a socket that is already ready
   * reports it at once, so no edge is lost in between.
   */
  #watch(): Error | null {
    if ((this.#flags & WATCHED) !== 0) return null;
    try {
      this.#loop.add(this.#fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP, this);
    } catch (error) {
      return error as Error;
    }
    this.#flags |= WATCHED;
    return null;
  }

  /**
   * Reads into `buffer`.
   *
   * @param buffer Where the bytes go.
   * @returns How many arrived, or null at the end of the stream.
   */
  read(buffer: Uint8Array): Promise<number | null> {
    this.#loop.promised = true;
    if ((this.#flags & CLOSED) !== 0) return Promise.reject(closedError());
    if (this.#reading !== null) {
      return Promise.reject(new Deno.errors.Busy("a read is already in flight"));
    }
    let defer = false;
    if ((this.#flags & READABLE) !== 0) {
      if (this.#turn !== this.#loop.turn) {
        this.#turn = this.#loop.turn;
        this.#readsThisTurn = 0;
      }
      if (++this.#readsThisTurn <= MAX_AT_ONCE_PER_TURN) {
        const result = this.#tryRead(buffer);
        if (result instanceof Error) return Promise.reject(result);
        if (result !== AGAIN) return Promise.resolve(result);
      } else defer = true;
    }
    const failed = this.#watch();
    if (failed !== null) return Promise.reject(failed);
    if (defer) this.#loop.defer(this);
    return new Promise((resolve, reject) => {
      this.#reading = new Waiting(buffer, resolve, reject);
    });
  }

  /**
   * Tells `listener` when a read would not wait, holding nothing but the
   * listener meanwhile: at the socket's next edge, or at the start of the
   * loop's next turn when it is not known to be drained (or is closed).
   *
   * @param listener Called once.
   * @throws {Deno.errors.Busy} With a read or another listener waiting.
   * @throws {Error} When the socket cannot join the epoll set.
   */
  whenReadable(listener: ReadableListener): void {
    if (this.#reading !== null || this.#ready !== null) {
      throw new Deno.errors.Busy("a read is already in flight");
    }
    if ((this.#flags & (READABLE | CLOSED)) === 0) {
      const failed = this.#watch();
      if (failed !== null) throw failed;
    } else this.#loop.defer(this);
    this.#ready = listener;
  }

  /**
   * Reads what is there now. No `recv` is made when the last one drained the
   * socket (edge-triggered: a new edge comes with new bytes).
   *
   * @param buffer Where the bytes go.
   * @returns How many arrived (0: none yet), or null at the end of the stream.
   * @throws {Deno.errors.BadResource} Once closed, and the socket's errors.
   */
  tryRead(buffer: Uint8Array): number | null {
    if ((this.#flags & CLOSED) !== 0) throw closedError();
    if ((this.#flags & READABLE) === 0) return 0;
    const result = this.#tryRead(buffer);
    if (result instanceof Error) throw result;
    return result === AGAIN ? 0 : result;
  }

  /**
   * Writes as much of `bytes` as the socket takes.
   *
   * @param bytes What to write.
   * @returns How many bytes were taken (at least one, unless `bytes` is empty).
   */
  write(bytes: Uint8Array): Promise<number> {
    this.#loop.promised = true;
    if ((this.#flags & CLOSED) !== 0) return Promise.reject(closedError());
    if (this.#writing !== null) {
      return Promise.reject(new Deno.errors.Busy("a write is already in flight"));
    }
    if (bytes.length === 0) return Promise.resolve(0);
    if ((this.#flags & WRITABLE) !== 0) {
      const result = this.#trySend(bytes);
      if (result instanceof Error) return Promise.reject(result);
      if (result !== AGAIN) return Promise.resolve(result);
    }
    const failed = this.#watch();
    if (failed !== null) return Promise.reject(failed);
    return new Promise((resolve, reject) => {
      this.#writing = new Waiting(bytes, resolve, reject);
    });
  }

  /**
   * Sends what the socket takes now.
   *
   * @param bytes What to write.
   * @returns How many bytes were taken (0: the socket is full, or a write is in flight).
   * @throws {Deno.errors.BadResource} Once closed, and the socket's errors.
   */
  tryWrite(bytes: Uint8Array): number {
    if ((this.#flags & CLOSED) !== 0) throw closedError();
    if (this.#writing !== null || (this.#flags & WRITABLE) === 0 || bytes.length === 0) return 0;
    const result = this.#trySend(bytes);
    if (result instanceof Error) throw result;
    return result === AGAIN ? 0 : result;
  }

  /**
   * Turns Nagle's algorithm off (true) or on.
   *
   * @param noDelay Whether small writes go out at once.
   */
  setNoDelay(noDelay = true): void {
    if ((this.#flags & CLOSED) !== 0) throw closedError();
    this.#loop.libc.symbols.setsockopt(this.#fd, IPPROTO_TCP, TCP_NODELAY, noDelay ? ONE : ZERO, 4);
  }

  /**
   * Closes the connection; a read or write in flight fails with `BadResource`.
   *
   * @throws {Deno.errors.BadResource} If it is closed already.
   */
  close(): void {
    if ((this.#flags & CLOSED) !== 0) throw closedError();
    this.#flags |= CLOSED;
    this.#loop.remove(this.#fd);
    this.#loop.libc.symbols.close(this.#fd);
    if (this.#reading !== null || this.#writing !== null) this.#loop.promised = true;
    this.#reading?.reject(closedError());
    this.#writing?.reject(closedError());
    this.#reading = this.#writing = null;
    if (this.#ready !== null) this.#loop.defer(this); // told at the next turn
  }

  /** @internal Called by the loop. */
  onEvents(events: number): void {
    // Only an edge handed to a readiness listener is known to leave no work
    // behind; any other (a promise settled, or an edge no one waited for)
    // lets the loop yield to the runtime before it waits again.
    if (this.#ready === null) this.#loop.promised = true;
    if ((this.#flags & CLOSED) !== 0) {
      const ready = this.#ready;
      this.#ready = null;
      ready?.onReadable();
      return;
    }
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
      this.#flags |= READABLE;
      if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) this.#flags |= PEER_DONE;
      const ready = this.#ready;
      const reading = this.#reading;
      if (ready !== null) {
        this.#ready = null;
        ready.onReadable();
      } else if (reading !== null) {
        const result = this.#tryRead(reading.bytes);
        if (result !== AGAIN) {
          this.#reading = null;
          reading.settle(result);
        }
      }
    }
    if ((this.#flags & CLOSED) !== 0) return;
    if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
      this.#flags |= WRITABLE;
      const writing = this.#writing;
      if (writing !== null) {
        const result = this.#trySend(writing.bytes);
        if (result !== AGAIN) {
          this.#writing = null;
          this.#loop.promised = true;
          writing.settle(result);
        }
      }
    }
  }

  /** One `recv`: a count, null at the end, AGAIN, or the error. */
  #tryRead(buffer: Uint8Array): number | null | Error {
    while (true) {
      const count = this.#loop.libc.symbols.recv(this.#fd, buffer, sizeOf(buffer.length), 0);
      if (count > 0) {
        // A short read drained the socket; bytes arriving later raise a new
        // edge. Not so after the FIN was reported: no edge would follow.
        if (count < buffer.length && (this.#flags & PEER_DONE) === 0) this.#flags &= ~READABLE;
        return count;
      }
      if (count === 0) return buffer.length === 0 ? 0 : null;
      const errno = this.#loop.errno();
      if (errno === EINTR) continue;
      if (errno === EAGAIN) {
        this.#flags &= ~READABLE;
        return AGAIN;
      }
      return socketError(errno, "read");
    }
  }

  /** One `send`: a count, AGAIN, or the error. */
  #trySend(bytes: Uint8Array): number | Error {
    while (true) {
      const count = this.#loop.libc.symbols.send(
        this.#fd,
        bytes,
        sizeOf(bytes.length),
        MSG_NOSIGNAL | MSG_DONTWAIT,
      );
      if (count >= 0) {
        if (count < bytes.length) this.#flags &= ~WRITABLE;
        return count === 0 ? AGAIN : count;
      }
      const errno = this.#loop.errno();
      if (errno === EINTR) continue;
      if (errno === EAGAIN) {
        this.#flags &= ~WRITABLE;
        return AGAIN;
      }
      return socketError(errno, "write");
    }
  }
}

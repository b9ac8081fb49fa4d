/**
 * TCP on the kernel engine: listening sockets and connections opened through
 * libc and served by the isolate's {@linkcode EpollLoop}, implementing
 * {@linkcode StreamListener} and {@linkcode StreamConn}, so the accept loop
 * and every stream service run on them unchanged.
 *
 * Why: a connection with a `conn.read()` in flight costs Deno about 5 KB;
 * here it costs one small object and a pending promise. Reads and writes are
 * tried at once (non-blocking); only when the kernel says "not now" does a
 * promise wait for the socket's next edge-triggered event. A connection
 * joins the epoll set only the first time it has to wait.
 *
 * @module
 */

import {
  EAGAIN,
  ECONNABORTED,
  EINTR,
  EPOLLERR,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  EPOLLRDHUP,
  IPPROTO_TCP,
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  TCP_NODELAY,
} from "./constants.ts";
import { bindSocket, ONE } from "./bind_socket.ts";
import { type EpollLoop, type EpollTarget, MAX_AT_ONCE_PER_TURN } from "./epoll_loop.ts";
import { socketError } from "./kernel_libc.ts";
import { SOCKADDR_BYTES, sockaddrHostname, sockaddrPort } from "./sockaddr.ts";
import type { StreamConn, StreamListener } from "../stream.ts";

const LISTEN_BACKLOG = 4096;

const closedError = () => new Deno.errors.BadResource("the connection is closed");
/** An `int` option value of 0, as `setsockopt` takes it. */
const ZERO = new Uint8Array(4);
/** A sentinel: the kernel said "try again later". */
const AGAIN = -1;

/** The `BigInt` of lengths up to 4 KiB, so no BigInt is made per ordinary read or write. */
const sizes: bigint[] = [];
function sizeOf(length: number): bigint {
  return length <= 4096 ? sizes[length] ??= BigInt(length) : BigInt(length);
}

/**
 * A read, write or accept waiting for its socket's next event: the buffer it
 * works on and the promise it settles.
 */
class Waiting<T> {
  constructor(
    readonly bytes: Uint8Array,
    readonly resolve: (value: T) => void,
    readonly reject: (error: Error) => void,
  ) {}

  /** Settles the promise with a result or an error. */
  settle(result: T | Error): void {
    if (result instanceof Error) this.reject(result);
    else this.resolve(result);
  }
}

/** An accept waits on no buffer. */
const NO_BYTES = new Uint8Array(0);

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
  #closed = false;
  /** Whether a read may find bytes now (false after EAGAIN until the next edge). */
  #readable = true;
  /**
   * Whether the peer's FIN (or an error) has been reported: then a short
   * read does not mean "drained", since no further edge will come; the next
   * read must go to the kernel to see the end of the stream.
   */
  #peerDone = false;
  #writable = true;
  #reading: Waiting<number | null> | null = null;
  #writing: Waiting<number> | null = null;
  #turn = -1;
  #readsThisTurn = 0;
  #watched = false;

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
    if (this.#watched) return null;
    try {
      this.#loop.add(this.#fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP, this);
    } catch (error) {
      return error as Error;
    }
    this.#watched = true;
    return null;
  }

  /**
   * Reads into `buffer`.
   *
   * @param buffer Where the bytes go.
   * @returns How many arrived, or null at the end of the stream.
   */
  read(buffer: Uint8Array): Promise<number | null> {
    if (this.#closed) return Promise.reject(closedError());
    if (this.#reading !== null) {
      return Promise.reject(new Deno.errors.Busy("a read is already in flight"));
    }
    let defer = false;
    if (this.#readable) {
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
   * Writes as much of `bytes` as the socket takes.
   *
   * @param bytes What to write.
   * @returns How many bytes were taken (at least one, unless `bytes` is empty).
   */
  write(bytes: Uint8Array): Promise<number> {
    if (this.#closed) return Promise.reject(closedError());
    if (this.#writing !== null) {
      return Promise.reject(new Deno.errors.Busy("a write is already in flight"));
    }
    if (bytes.length === 0) return Promise.resolve(0);
    if (this.#writable) {
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
   * Turns Nagle's algorithm off (true) or on.
   *
   * @param noDelay Whether small writes go out at once.
   */
  setNoDelay(noDelay = true): void {
    if (this.#closed) throw closedError();
    this.#loop.libc.symbols.setsockopt(this.#fd, IPPROTO_TCP, TCP_NODELAY, noDelay ? ONE : ZERO, 4);
  }

  /**
   * Closes the connection; a read or write in flight fails with `BadResource`.
   *
   * @throws {Deno.errors.BadResource} If it is closed already.
   */
  close(): void {
    if (this.#closed) throw closedError();
    this.#closed = true;
    this.#loop.remove(this.#fd);
    this.#loop.libc.symbols.close(this.#fd);
    this.#reading?.reject(closedError());
    this.#writing?.reject(closedError());
    this.#reading = this.#writing = null;
  }

  /** @internal Called by the loop. */
  onEvents(events: number): void {
    if (this.#closed) return;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
      this.#readable = true;
      if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) this.#peerDone = true;
      const reading = this.#reading;
      if (reading !== null) {
        const result = this.#tryRead(reading.bytes);
        if (result !== AGAIN) {
          this.#reading = null;
          reading.settle(result);
        }
      }
    }
    if (this.#closed) return;
    if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
      this.#writable = true;
      const writing = this.#writing;
      if (writing !== null) {
        const result = this.#trySend(writing.bytes);
        if (result !== AGAIN) {
          this.#writing = null;
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
        if (count < buffer.length && !this.#peerDone) this.#readable = false;
        return count;
      }
      if (count === 0) return buffer.length === 0 ? 0 : null;
      const errno = this.#loop.errno();
      if (errno === EINTR) continue;
      if (errno === EAGAIN) {
        this.#readable = false;
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
        if (count < bytes.length) this.#writable = false;
        return count === 0 ? AGAIN : count;
      }
      const errno = this.#loop.errno();
      if (errno === EINTR) continue;
      if (errno === EAGAIN) {
        this.#writable = false;
        return AGAIN;
      }
      return socketError(errno, "write");
    }
  }
}

/**
 * A listening socket with SO_REUSEPORT: the subset of `Deno.TcpListener`
 * clockd uses.
 */
export class EpollListener implements StreamListener, EpollTarget {
  /** The address bound. */
  readonly addr: Deno.NetAddr;
  readonly #loop: EpollLoop;
  readonly #fd: number;
  readonly #peer = new Uint8Array(SOCKADDR_BYTES);
  readonly #peerView = new DataView(this.#peer.buffer);
  readonly #peerLength = new Uint32Array(1);
  readonly #peerLengthBytes = new Uint8Array(this.#peerLength.buffer);
  #closed = false;
  #turn = -1;
  #acceptsThisTurn = 0;
  #accepting: Waiting<EpollConn> | null = null;

  private constructor(loop: EpollLoop, fd: number, addr: Deno.NetAddr) {
    this.#loop = loop;
    this.#fd = fd;
    this.addr = addr;
    loop.add(fd, EPOLLIN, this);
  }

  /**
   * Binds and listens, sharing the port with other sockets that set
   * SO_REUSEPORT (the other workers, or the primary's own listener).
   *
   * @param loop The loop that serves it.
   * @param hostname A numeric address, `""` for every interface, or `localhost`.
   * @param port The port; 0 lets the kernel choose.
   * @returns The listener.
   * @throws {Error} When the address is not numeric or the port cannot be bound.
   */
  static bind(loop: EpollLoop, hostname: string, port: number): EpollListener {
    const { fd, addr } = bindSocket(loop.libc, SOCK_STREAM, hostname, port);
    if (loop.libc.symbols.listen(fd, LISTEN_BACKLOG) !== 0) {
      const error = socketError(loop.errno(), "listen");
      loop.libc.symbols.close(fd);
      throw error;
    }
    return new EpollListener(loop, fd, addr);
  }

  /**
   * Waits for the next connection.
   *
   * @returns The connection.
   * @throws {Deno.errors.BadResource} Once the listener is closed.
   * @throws {Error} When `accept4` fails (e.g. out of descriptors); the caller backs off.
   */
  accept(): Promise<EpollConn> {
    if (this.#closed) return Promise.reject(closedError());
    if (this.#accepting !== null) {
      return Promise.reject(new Deno.errors.Busy("an accept is already in flight"));
    }
    if (this.#turn !== this.#loop.turn) {
      this.#turn = this.#loop.turn;
      this.#acceptsThisTurn = 0;
    }
    if (++this.#acceptsThisTurn <= MAX_AT_ONCE_PER_TURN) {
      const result = this.#tryAccept();
      if (result instanceof Error) return Promise.reject(result);
      if (result !== null) return Promise.resolve(result);
    } else this.#loop.defer(this);
    return new Promise((resolve, reject) => {
      this.#accepting = new Waiting(NO_BYTES, resolve, reject);
    });
  }

  /** Stops listening; an accept in flight fails with `BadResource`. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#loop.remove(this.#fd);
    this.#loop.libc.symbols.close(this.#fd);
    this.#accepting?.reject(closedError());
    this.#accepting = null;
  }

  /** @internal Called by the loop. */
  onEvents(): void {
    const accepting = this.#accepting;
    if (this.#closed || accepting === null) return;
    const result = this.#tryAccept();
    if (result === null) return;
    this.#accepting = null;
    accepting.settle(result);
  }

  /** One `accept4`: a connection, null for "none yet", or the error. */
  #tryAccept(): EpollConn | null | Error {
    const s = this.#loop.libc.symbols;
    while (true) {
      this.#peerLength[0] = SOCKADDR_BYTES;
      const fd = s.accept4(
        this.#fd,
        this.#peer,
        this.#peerLengthBytes,
        SOCK_NONBLOCK | SOCK_CLOEXEC,
      );
      if (fd >= 0) {
        const remote: Deno.NetAddr = {
          transport: "tcp",
          hostname: sockaddrHostname(this.#peerView, 0),
          port: sockaddrPort(this.#peerView, 0),
        };
        return new EpollConn(this.#loop, fd, remote, this.addr);
      }
      const errno = this.#loop.errno();
      // A connection reset while queued, or an interrupted call: try the next one.
      if (errno === EINTR || errno === ECONNABORTED) continue;
      if (errno === EAGAIN) return null;
      return socketError(errno, "accept");
    }
  }
}

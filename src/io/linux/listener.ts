/**
 * TCP listeners on the kernel engine: SO_REUSEPORT sockets served by the
 * isolate's {@linkcode EpollLoop}, implementing {@linkcode StreamListener}
 * with {@linkcode EpollConn} connections, so the accept loop runs on them
 * unchanged.
 *
 * @module
 */

import {
  EAGAIN,
  ECONNABORTED,
  EINTR,
  EPOLLIN,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_STREAM,
} from "./constants.ts";
import { bindSocket } from "./bind_socket.ts";
import { type EpollLoop, type EpollTarget, MAX_AT_ONCE_PER_TURN } from "./epoll_loop.ts";
import { socketError } from "./kernel_libc.ts";
import { SOCKADDR_BYTES, sockaddrHostname, sockaddrPort } from "./sockaddr.ts";
import { EpollConn } from "./stream.ts";
import { closedError } from "./_waiting.ts";
import type { AcceptableListener, StreamListener } from "../stream.ts";

const LISTEN_BACKLOG = 4096;

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
  /** Who waits in {@linkcode EpollListener.whenAcceptable}. */
  #ready: AcceptableListener | null = null;
  /** Since the last edge, `accept4` has not said EAGAIN (connections may be queued). */
  #acceptable = true;
  /** A call from the loop's next turn is due (one at a time: each could ask for another). */
  #retrying = false;

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
   * Calls `listener.onAcceptable()` once, from the loop, when a connection
   * may be waiting (or the listener was closed).
   *
   * @param listener Told once.
   */
  whenAcceptable(listener: AcceptableListener): void {
    if (this.#ready !== null) throw new Deno.errors.Busy("a listener is already waiting");
    if (this.#closed) {
      queueMicrotask(() => listener.onAcceptable()); // the loop may be stopping too
      return;
    }
    this.#ready = listener;
    if (this.#acceptable) this.#retry();
  }

  /**
   * Takes the next queued connection, without waiting: at most
   * {@linkcode MAX_AT_ONCE_PER_TURN} in one turn of the loop (after that,
   * null, and the loop comes back to it next turn).
   *
   * @returns The connection, or null for none now.
   * @throws {Deno.errors.BadResource} Once the listener is closed.
   * @throws {Error} When `accept4` fails (e.g. out of descriptors).
   */
  tryAccept(): EpollConn | null {
    if (this.#closed) throw closedError();
    if (!this.#acceptable) return null;
    if (this.#turn !== this.#loop.turn) {
      this.#turn = this.#loop.turn;
      this.#acceptsThisTurn = 0;
    }
    if (++this.#acceptsThisTurn > MAX_AT_ONCE_PER_TURN) {
      this.#retry();
      return null;
    }
    const result = this.#tryAccept();
    if (result instanceof Error) throw result;
    if (result === null) this.#acceptable = false;
    return result;
  }

  /** Stops listening; a waiting listener is told (its `tryAccept` then fails). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#loop.remove(this.#fd);
    this.#loop.libc.symbols.close(this.#fd);
    const ready = this.#ready;
    this.#ready = null;
    if (ready !== null) queueMicrotask(() => ready.onAcceptable()); // the loop may be stopping too
  }

  /** Has the loop call {@linkcode EpollListener.onEvents} in its next turn, once. */
  #retry(): void {
    if (this.#retrying) return;
    this.#retrying = true;
    this.#loop.defer(this);
  }

  /** @internal Called by the loop: an edge (connections queued), or a deferred retry. */
  onEvents(): void {
    this.#retrying = false;
    this.#acceptable = true;
    const ready = this.#ready;
    if (ready === null) return;
    this.#ready = null;
    ready.onAcceptable();
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

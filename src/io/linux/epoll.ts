/**
 * TCP through an epoll loop of clockd's own, for the opt-in engine
 * `--tcp-engine epoll`: listening sockets and connections opened through
 * libc, with the part of `Deno.TcpListener` and `Deno.TcpConn` that clockd's
 * services use, so {@linkcode TcpServer}, the session service and the
 * one-shot services run on it unchanged.
 *
 * Why: a connection with a `conn.read()` in flight costs Deno about 5 KB,
 * more than a whole idle session of the Go server it replaces; here it costs
 * one small object and a pending promise. Reads and writes are tried at once
 * (non-blocking); only when the kernel says "not now" does a promise wait for
 * the socket's next edge-triggered epoll event.
 *
 * The loop blocks in `epoll_wait` for at most {@linkcode EPOLL_WAIT_MS} at a
 * time (up to {@linkcode MAX_IDLE_WAIT_MS} once idle), then yields a
 * macrotask so that promise continuations, timers and worker messages run:
 * it belongs in a Web Worker that does nothing else, and a timer there may
 * fire up to {@linkcode MAX_IDLE_WAIT_MS} late when nothing else happens. Only `buffer` and `pointer` values returned by libc
 * cross the FFI boundary, so the FFI permission can stay scoped to libc's path.
 *
 * @module
 */

import { ERRNO_SYMBOLS, openLibc, readErrno } from "./libc.ts";
import {
  EPOLL_CTL_ADD,
  EPOLL_EVENT_BYTES,
  EPOLL_EVENT_DATA,
  EPOLLERR,
  EPOLLET,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  EPOLLRDHUP,
  IPPROTO_TCP,
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_SOCKET,
  TCP_NODELAY,
} from "./constants.ts";
import { encodeSockaddr, SOCKADDR_BYTES, sockaddrHostname, sockaddrPort } from "./sockaddr.ts";

/**
 * The libc functions the epoll engine binds (and `bench/probes/` reuses).
 * `recv`/`send` return `ssize_t`, read as i32: counts stay below 2^31 here,
 * -1 stays -1, and the call is cheaper.
 */
export const EPOLL_LIBC_SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  listen: { parameters: ["i32", "i32"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  accept4: { parameters: ["i32", "buffer", "buffer", "i32"], result: "i32" },
  epoll_create1: { parameters: ["i32"], result: "i32" },
  epoll_ctl: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32" },
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "i32" },
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  ...ERRNO_SYMBOLS,
} as const;

type Libc = Deno.DynamicLibrary<typeof EPOLL_LIBC_SYMBOLS>;

const EVENT_BYTES = EPOLL_EVENT_BYTES;
const EVENT_DATA = EPOLL_EVENT_DATA;
const MAX_EVENTS = 256;
const LISTEN_BACKLOG = 4096;

const EINTR = 4;
const EAGAIN = 11;
const EPIPE = 32;
const ECONNABORTED = 103;
const ECONNRESET = 104;
const ENOTCONN = 107;

/**
 * The longest the loop blocks in `epoll_wait` before letting timers and
 * messages run (ms), right after activity; each turn with no events doubles
 * it, up to {@linkcode MAX_IDLE_WAIT_MS}, so an idle server costs next to
 * no CPU.
 */
export const EPOLL_WAIT_MS = 10;
/** The longest wait of a long-idle loop (ms): how late a timer may fire then. */
export const MAX_IDLE_WAIT_MS = 100;
/** How long an idle turn hands the thread back to the runtime (ms). */
const IDLE_YIELD_MS = 1;

/**
 * How many reads (or accepts) one socket may complete at once within one
 * turn of the loop; past that it waits for the next turn, so a client that
 * keeps its socket full cannot starve the others.
 */
export const MAX_AT_ONCE_PER_TURN = 16;

/** What the loop calls when a registered descriptor has events. */
interface EpollTarget {
  onEvents(events: number): void;
}

/** The events a deferred target is called with: "try again". */
const RETRY_EVENTS = EPOLLIN | EPOLLOUT;

/**
 * One epoll instance and the loop that serves it.
 *
 * @example Usage
 * ```ts ignore
 * const loop = EpollLoop.open();
 * const listener = EpollListener.bind(loop, "127.0.0.1", 0);
 * const conn = await listener.accept();
 * await conn.write(new TextEncoder().encode("hello\n"));
 * conn.close();
 * listener.close();
 * await loop.close();
 * ```
 */
export class EpollLoop {
  /** @internal libc, for the sockets of this loop. */
  readonly libc: Libc;
  readonly #fd: number;
  readonly #targets = new Map<number, EpollTarget>();
  readonly #events = new Uint8Array(EVENT_BYTES * MAX_EVENTS);
  readonly #eventsView = new DataView(this.#events.buffer);
  readonly #event = new Uint8Array(EVENT_BYTES);
  readonly #eventView = new DataView(this.#event.buffer);
  readonly #channel = new MessageChannel();
  #wake: (() => void) | null = null;
  #closed = false;
  readonly #done: Promise<void>;
  /** Targets to call at the start of the next turn (see {@linkcode EpollLoop.defer}). */
  #deferred: EpollTarget[] = [];
  /** @internal Counts the loop's turns, for per-turn limits. */
  turn = 0;
  /** How long the next `epoll_wait` may block (ms). */
  #idleWait = EPOLL_WAIT_MS;

  private constructor(libc: Libc, fd: number) {
    this.libc = libc;
    this.#fd = fd;
    this.#channel.port1.onmessage = () => {
      const wake = this.#wake;
      this.#wake = null;
      wake?.();
    };
    this.#done = this.#run();
  }

  /**
   * Opens an epoll instance and starts its loop.
   *
   * @returns The loop.
   * @throws {Error} Off Linux x86_64/aarch64, or when libc cannot be loaded.
   */
  static open(): EpollLoop {
    if (Deno.build.arch !== "x86_64" && Deno.build.arch !== "aarch64") {
      throw new Error(`needs x86_64 or aarch64 Linux, this is ${Deno.build.arch}`);
    }
    const libc = openLibc(EPOLL_LIBC_SYMBOLS, "--tcp-engine epoll");
    if ("error" in libc) throw new Error(libc.error);
    const fd = libc.symbols.epoll_create1(SOCK_CLOEXEC);
    if (fd < 0) {
      libc.close();
      throw new Error("epoll_create1 failed");
    }
    return new EpollLoop(libc, fd);
  }

  /** @internal The errno of the last failed call on this thread. */
  errno(): number {
    return readErrno(this.libc.symbols);
  }

  /** @internal Watches `fd` for edges of the given events. */
  add(fd: number, events: number, target: EpollTarget): void {
    this.#eventView.setUint32(0, events | EPOLLET, true);
    this.#eventView.setUint32(EVENT_DATA, fd, true);
    this.#eventView.setUint32(EVENT_DATA + 4, 0, true);
    if (this.libc.symbols.epoll_ctl(this.#fd, EPOLL_CTL_ADD, fd, this.#event) !== 0) {
      throw new Error(`epoll_ctl failed (errno ${this.errno()})`);
    }
    this.#targets.set(fd, target);
  }

  /** @internal Forgets `fd` (closing it removes it from the epoll set). */
  remove(fd: number): void {
    this.#targets.delete(fd);
  }

  /** @internal Calls `target` again at the start of the next turn. */
  defer(target: EpollTarget): void {
    this.#deferred.push(target);
  }

  async #run(): Promise<void> {
    const epoll = this.libc.symbols.epoll_wait;
    await null; // start after the caller's synchronous setup, not inside open()
    while (!this.#closed) {
      this.turn++;
      const deferred = this.#deferred;
      const retried = deferred.length > 0;
      if (retried) {
        this.#deferred = [];
        for (const target of deferred) target.onEvents(RETRY_EVENTS);
      }
      // Retried work may have resolved promises: poll without blocking.
      const ready = epoll(this.#fd, this.#events, MAX_EVENTS, retried ? 0 : this.#idleWait);
      const busy = ready > 0 || retried;
      this.#idleWait = busy ? EPOLL_WAIT_MS : Math.min(this.#idleWait * 2, MAX_IDLE_WAIT_MS);
      for (let i = 0; i < ready; i++) {
        const at = i * EVENT_BYTES;
        const target = this.#targets.get(this.#eventsView.getUint32(at + EVENT_DATA, true));
        target?.onEvents(this.#eventsView.getUint32(at, true));
      }
      if (busy) {
        // Busy: one macrotask, the cheapest way to let promise continuations,
        // due timers and messages run.
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          this.#channel.port2.postMessage(null);
        });
      } else {
        // Idle: a real timer lets the runtime park, which is when it polls
        // its own I/O (Deno's sockets, other isolates' messages) and timers.
        await new Promise<void>((resolve) => setTimeout(resolve, IDLE_YIELD_MS));
      }
    }
  }

  /**
   * Stops the loop once its current turn ends and frees the instance. Close
   * every listener and connection first.
   */
  async close(): Promise<void> {
    if (this.#closed) return await this.#done;
    this.#closed = true;
    await this.#done;
    this.#channel.port1.close();
    this.#channel.port2.close();
    this.libc.symbols.close(this.#fd);
    this.libc.close();
  }
}

/** The error a failed socket call maps to, as Deno's own TCP would throw it. */
function socketError(errno: number, what: string): Error {
  switch (errno) {
    case ECONNRESET:
      return new Deno.errors.ConnectionReset(`${what}: connection reset by peer`);
    case EPIPE:
      return new Deno.errors.BrokenPipe(`${what}: broken pipe`);
    case ECONNABORTED:
      return new Deno.errors.ConnectionAborted(`${what}: connection aborted`);
    case ENOTCONN:
      return new Deno.errors.NotConnected(`${what}: not connected`);
    default:
      return new Error(`${what} failed (errno ${errno})`);
  }
}

const closedError = () => new Deno.errors.BadResource("the connection is closed");
/** An `int` option value of 1 and of 0, as `setsockopt` takes them. */
const ONE = new Uint8Array(new Int32Array([1]).buffer);
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
export class EpollConn implements EpollTarget {
  /** The peer's address. */
  readonly remoteAddr: Deno.NetAddr;
  /** The local address (the listener's). */
  readonly localAddr: Deno.NetAddr;
  readonly #loop: EpollLoop;
  readonly #fd: number;
  #closed = false;
  /** Whether a read may find bytes now (false after EAGAIN until the next edge). */
  #readable = true;
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
        // A short read drained the socket; bytes arriving later raise a new edge.
        if (count < buffer.length) this.#readable = false;
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
export class EpollListener implements EpollTarget {
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
    const s = loop.libc.symbols;
    const address = new Uint8Array(SOCKADDR_BYTES);
    const encoded = encodeSockaddr(hostname, port, address);
    if (encoded === null) throw new Error(`needs a numeric address, got "${hostname}"`);
    const fd = s.socket(encoded.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw new Error(`cannot create a TCP socket (errno ${loop.errno()})`);
    const fail = (what: string): never => {
      const errno = loop.errno();
      s.close(fd);
      throw new Error(`${what} (errno ${errno})`);
    };
    if (s.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, ONE, 4) !== 0) fail("cannot set SO_REUSEADDR");
    if (s.setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, ONE, 4) !== 0) fail("cannot set SO_REUSEPORT");
    if (s.bind(fd, address, encoded.length) !== 0) fail(`cannot bind tcp port ${port}`);
    if (s.listen(fd, LISTEN_BACKLOG) !== 0) fail(`cannot listen on tcp port ${port}`);
    const length = new Uint32Array([SOCKADDR_BYTES]);
    if (s.getsockname(fd, address, new Uint8Array(length.buffer)) !== 0) fail("getsockname failed");
    const view = new DataView(address.buffer);
    return new EpollListener(loop, fd, {
      transport: "tcp",
      hostname: sockaddrHostname(view, 0),
      port: sockaddrPort(view, 0),
    });
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
      return new Error(`accept failed (errno ${errno})`);
    }
  }
}

/**
 * The kernel engine's event loop: one edge-triggered epoll instance per
 * isolate, serving its TCP listeners, connections and UDP sockets.
 *
 * The loop blocks in `epoll_wait` for at most {@linkcode EPOLL_WAIT_MS} at a
 * time right after activity (up to {@linkcode MAX_IDLE_WAIT_MS} once idle),
 * then yields a macrotask so that promise continuations, timers and worker
 * messages run: it belongs in a Web Worker that does nothing else, and a
 * timer there may fire up to {@linkcode MAX_IDLE_WAIT_MS} late when nothing
 * else happens. Events are handled synchronously as they are read, so a
 * datagram's answer leaves before the loop yields; after a turn that started
 * no promise work (see {@linkcode EpollLoop.promised}), the loop waits for
 * the next events at once, yielding at least every {@linkcode EPOLL_WAIT_MS}.
 *
 * @module
 */

import {
  EPOLL_CTL_ADD,
  EPOLL_EVENT_BYTES,
  EPOLL_EVENT_DATA,
  EPOLLET,
  EPOLLIN,
  EPOLLOUT,
  SOCK_CLOEXEC,
} from "./constants.ts";
import { errnoOf, type KernelLibc, openKernelLibc } from "./kernel_libc.ts";

const MAX_EVENTS = 256;

/**
 * The longest the loop blocks in `epoll_wait` before letting timers and
 * messages run (ms), right after activity; each turn with no events doubles
 * it, up to {@linkcode MAX_IDLE_WAIT_MS}, so an idle server costs next to
 * no CPU.
 */
export const EPOLL_WAIT_MS = 10;
/** The longest wait of a long-idle loop (ms): how late a timer may fire then. */
export const MAX_IDLE_WAIT_MS = 100;
/**
 * The longest the loop blocks after a turn it did not yield (ms): the next
 * client's datagram or request is usually on its way; if not, the loop
 * yields rather than keep the runtime's own events waiting.
 */
const SKIPPED_WAIT_MS = 1;
/** How long an idle turn hands the thread back to the runtime (ms). */
const IDLE_YIELD_MS = 1;

/**
 * How many reads, accepts or datagram batches one socket may complete at
 * once within one turn of the loop; past that it waits for the next turn,
 * so a client that keeps its socket full cannot starve the others.
 */
export const MAX_AT_ONCE_PER_TURN = 16;

/** What the loop calls when a registered descriptor has events. */
export interface EpollTarget {
  /** Handles the events (a bit set of `EPOLLIN`, `EPOLLOUT` …). */
  onEvents(events: number): void;
}

/** The events a deferred target is called with: "try again". */
const RETRY_EVENTS = EPOLLIN | EPOLLOUT;

/**
 * One epoll instance and the loop that serves it.
 *
 * @example Usage
 * ```ts ignore
 * import { EpollLoop } from "./epoll_loop.ts";
 * const loop = EpollLoop.open();
 * // ... bind listeners and sockets on it ...
 * await loop.close();
 * ```
 */
export class EpollLoop {
  /** libc, for the sockets of this loop. */
  readonly libc: KernelLibc;
  readonly #fd: number;
  readonly #targets = new Map<number, EpollTarget>();
  readonly #events = new Uint8Array(EPOLL_EVENT_BYTES * MAX_EVENTS);
  readonly #eventsView = new DataView(this.#events.buffer);
  readonly #event = new Uint8Array(EPOLL_EVENT_BYTES);
  readonly #eventView = new DataView(this.#event.buffer);
  readonly #channel = new MessageChannel();
  #closed = false;
  readonly #done: Promise<void>;
  #stopped: () => void = () => {};
  /** Targets to call at the start of the next turn (see {@linkcode EpollLoop.defer}). */
  #deferred: EpollTarget[] = [];
  /** Counts the loop's turns, for per-turn limits. */
  turn = 0;
  /**
   * Set by a target that started promise work this turn: returned a promise
   * (`read`, `write`, `accept`) or settled one. The loop then yields to the
   * runtime before it waits again, so the continuations run at once; after a
   * turn without any (datagrams answered, sessions served by `whenReadable`
   * and `tryWrite`), it waits for the next events at once.
   */
  promised = false;
  /** How long the next `epoll_wait` may block (ms). */
  #idleWait = EPOLL_WAIT_MS;

  private constructor(libc: KernelLibc, fd: number) {
    this.libc = libc;
    this.#fd = fd;
    this.#channel.port1.onmessage = this.#next;
    this.#done = new Promise((resolve) => this.#stopped = resolve);
    // Start after the caller's synchronous setup, not inside open().
    setTimeout(this.#next, 0);
  }

  /**
   * Opens an epoll instance and starts its loop.
   *
   * @returns The loop.
   * @throws {Error} Off Linux x86_64/aarch64, or when libc cannot be loaded.
   */
  static open(): EpollLoop {
    const libc = openKernelLibc();
    if ("error" in libc) throw new Error(libc.error);
    const fd = libc.symbols.epoll_create1(SOCK_CLOEXEC);
    if (fd < 0) {
      libc.close();
      throw new Error("epoll_create1 failed");
    }
    return new EpollLoop(libc, fd);
  }

  /** The errno of the last failed call on this thread. */
  errno(): number {
    return errnoOf(this.libc);
  }

  /** Watches `fd` for edges of the given events. */
  add(fd: number, events: number, target: EpollTarget): void {
    this.#eventView.setUint32(0, events | EPOLLET, true);
    this.#eventView.setUint32(EPOLL_EVENT_DATA, fd, true);
    this.#eventView.setUint32(EPOLL_EVENT_DATA + 4, 0, true);
    if (this.libc.symbols.epoll_ctl(this.#fd, EPOLL_CTL_ADD, fd, this.#event) !== 0) {
      throw new Error(`epoll_ctl failed (errno ${this.errno()})`);
    }
    this.#targets.set(fd, target);
  }

  /** Forgets `fd` (closing it removes it from the epoll set). */
  remove(fd: number): void {
    this.#targets.delete(fd);
  }

  /** Calls `target` again at the start of the next turn. */
  defer(target: EpollTarget): void {
    this.#deferred.push(target);
  }

  /**
   * Runs turns until one should yield, then schedules the next run as a
   * macrotask: a message when busy, a timer when idle. Each run starts as a
   * macrotask, after the runtime has run every promise continuation (however
   * deeply chained), due timer and message; so waiting in `epoll_wait` never
   * leaves work behind.
   */
  #turns(): void {
    const epoll = this.libc.symbols.epoll_wait;
    /** Whether any turn of this run had events (or retried work). */
    let active = false;
    /** When this run went on past a turn without yielding (0: it has not). */
    let goingOnSince = 0;
    while (!this.#closed) {
      this.turn++;
      this.promised = false;
      const deferred = this.#deferred;
      const retried = deferred.length > 0;
      if (retried) {
        this.#deferred = [];
        for (const target of deferred) target.onEvents(RETRY_EVENTS);
      }
      // Retried work may have resolved promises: poll without blocking.
      // After turns without a yield, block no longer than the runtime may go
      // without one.
      let wait = retried ? 0 : this.#idleWait;
      if (goingOnSince !== 0) {
        // Deno delivers its own events (messages, timers, async ops) through
        // promise continuations, so some may be waiting: block only briefly
        // before yielding. An integer (FFI takes no -0 or fraction), >= 0.
        const left = Math.ceil(EPOLL_WAIT_MS - (performance.now() - goingOnSince));
        wait = left > 0 ? Math.min(wait, left, SKIPPED_WAIT_MS) : 0;
      }
      const ready = epoll(this.#fd, this.#events, MAX_EVENTS, wait);
      if (ready > 0 || retried) {
        active = true;
        this.#idleWait = EPOLL_WAIT_MS;
      }
      for (let i = 0; i < ready; i++) {
        const at = i * EPOLL_EVENT_BYTES;
        const target = this.#targets.get(this.#eventsView.getUint32(at + EPOLL_EVENT_DATA, true));
        target?.onEvents(this.#eventsView.getUint32(at, true));
      }
      // A turn that started no promise work left nothing to run: wait for the
      // next events at once (a yield costs a round through the runtime, which
      // the next client would wait for), unless a yield is due.
      if (ready > 0 && !this.promised && this.#deferred.length === 0) {
        // The budget runs from the first turn that went on: a long idle
        // wait before it does not use it up.
        const now = performance.now();
        if (goingOnSince === 0) goingOnSince = now;
        if (now - goingOnSince < EPOLL_WAIT_MS) continue;
      }
      break;
    }
    if (!active) this.#idleWait = Math.min(this.#idleWait * 2, MAX_IDLE_WAIT_MS);
    if (this.#closed) this.#stopped();
    // Busy (this run had events, though its last wait may have found none):
    // a message, the cheapest macrotask. Idle: a real timer lets the runtime
    // park, which is when it polls its own I/O (other isolates' messages)
    // and timers.
    else if (active) this.#channel.port2.postMessage(null);
    else setTimeout(this.#next, IDLE_YIELD_MS);
  }

  readonly #next = () => this.#turns();

  /**
   * Stops the loop once its current turn ends and frees the instance. Close
   * every listener, connection and socket first.
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

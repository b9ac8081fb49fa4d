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
 * datagram's answer leaves before the loop yields; after a turn of datagram
 * sockets only (nothing left to run), the loop waits for the next events at
 * once, yielding at least every {@linkcode EPOLL_WAIT_MS}.
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
  /**
   * True when `onEvents` does all its work at once: it settles no promise
   * and queues no other work. After a turn of such targets only, the loop
   * waits for the next events at once instead of yielding to the runtime
   * first (it still yields every {@linkcode EPOLL_WAIT_MS}).
   */
  readonly synchronous?: boolean;
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
  #wake: (() => void) | null = null;
  #closed = false;
  readonly #done: Promise<void>;
  /** Targets to call at the start of the next turn (see {@linkcode EpollLoop.defer}). */
  #deferred: EpollTarget[] = [];
  /** Counts the loop's turns, for per-turn limits. */
  turn = 0;
  /** How long the next `epoll_wait` may block (ms). */
  #idleWait = EPOLL_WAIT_MS;
  /** When the loop last yielded to the runtime (`performance.now()`). */
  #yieldedAt = 0;
  /** Whether the last turn went on without yielding. */
  #skipped = false;

  private constructor(libc: KernelLibc, fd: number) {
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
      // Without a yield since the last turn, block no longer than the
      // runtime may go without one.
      let wait = retried ? 0 : this.#idleWait;
      if (this.#skipped) {
        // An integer (FFI takes no -0 or fraction), at least 0.
        const left = Math.ceil(EPOLL_WAIT_MS - (performance.now() - this.#yieldedAt));
        wait = left > 0 ? Math.min(wait, left) : 0;
      }
      const ready = epoll(this.#fd, this.#events, MAX_EVENTS, wait);
      const busy = ready > 0 || retried;
      this.#idleWait = busy ? EPOLL_WAIT_MS : Math.min(this.#idleWait * 2, MAX_IDLE_WAIT_MS);
      let synchronous = !retried;
      for (let i = 0; i < ready; i++) {
        const at = i * EPOLL_EVENT_BYTES;
        const target = this.#targets.get(this.#eventsView.getUint32(at + EPOLL_EVENT_DATA, true));
        if (target === undefined) continue;
        if (target.synchronous !== true) synchronous = false;
        target.onEvents(this.#eventsView.getUint32(at, true));
      }
      // A turn of datagram sockets only left nothing to run: wait for the
      // next datagram at once (a yield costs a round through the runtime,
      // which the next client would wait for), unless a yield is due.
      if (busy && synchronous && this.#deferred.length === 0 && ready > 0) {
        if (performance.now() - this.#yieldedAt < EPOLL_WAIT_MS) {
          this.#skipped = true;
          continue;
        }
      }
      this.#skipped = false;
      this.#yieldedAt = performance.now();
      if (busy) {
        // Busy: one macrotask, the cheapest way to let promise continuations,
        // due timers and messages run.
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          this.#channel.port2.postMessage(null);
        });
      } else {
        // Idle: a real timer lets the runtime park, which is when it polls
        // its own I/O (other isolates' messages) and timers.
        await new Promise<void>((resolve) => setTimeout(resolve, IDLE_YIELD_MS));
      }
    }
  }

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

/**
 * The UDP client loop every datagram workload shares (`session-udp`,
 * `time-udp`, `ntp`, `roughtime-udp`): what differs is the request and the
 * check, passed in.
 *
 * @module
 */

import type { WorkerSpec } from "../worker_protocol.ts";
import { type Client, closeQuietly, errorText } from "./_io.ts";
import type { Tally } from "./tally.ts";
import type { Watchdog, Watched } from "./watchdog.ts";

/** What a UDP client makes of a datagram: `ok`, `stale` (keep waiting), or why it is wrong. */
export type Verdict = "ok" | "stale" | string;

/** What a datagram workload asks and how it checks the answers. */
export interface DatagramAsk {
  /** The next request to send. */
  request(): Uint8Array;
  /** Checks an answer to the request just made, on the timed path: keep it cheap. */
  check(answer: Uint8Array, request: Uint8Array): Verdict;
  /**
   * A deeper check of some answers, after the answer is timed: resolves to
   * true when it verified this one, false when it skipped it; rejects
   * when the answer is wrong (an error, besides the answer already
   * counted: it came in time). Absent: none.
   */
  audit?(answer: Uint8Array, request: Uint8Array): Promise<boolean>;
}

/**
 * A UDP client asking one datagram at a time; its socket is replaced after
 * a timeout.
 *
 * @example Usage
 * ```ts
 * import { DatagramClient } from "./datagram.ts";
 * import { Tally } from "./tally.ts";
 * import { Watchdog } from "./watchdog.ts";
 * const spec = { workload: "time-udp", hostname: "127.0.0.1", port: 10037, clients: 1,
 *   warmupSeconds: 0, seconds: 1, timeoutMs: 2000 } as const;
 * const ask = { request: () => new Uint8Array(0), check: (a: Uint8Array) => a.length === 4 ? "ok" : "size" };
 * const client = new DatagramClient(spec, new Tally(), new Watchdog(2000), ask);
 * // then: await client.setup(); await client.run();
 * if (client.askedAt !== 0) throw new Error("nothing asked yet");
 * ```
 */
export class DatagramClient implements Client, Watched {
  /** When the outstanding ask started, 0 while none is. */
  askedAt = 0;
  #socket: Deno.DatagramConn | null = null;
  readonly #buffer = new Uint8Array(2048);

  /**
   * @param spec Where to send and the timeout.
   * @param tally Where answers and errors are counted.
   * @param watchdog What times asks out.
   * @param ask The requests and checks.
   */
  constructor(
    readonly spec: WorkerSpec,
    readonly tally: Tally,
    readonly watchdog: Watchdog,
    readonly ask: DatagramAsk,
  ) {}

  /** Closes the socket so the outstanding receive fails. */
  expire(): void {
    closeQuietly(this.#socket);
  }

  /** Opens a socket on a free port. */
  setup(): Promise<boolean> {
    this.watchdog.watch(this);
    this.#socket = Deno.listenDatagram({ transport: "udp", hostname: this.spec.hostname, port: 0 });
    return Promise.resolve(true);
  }

  async #ask(socket: Deno.DatagramConn, request: Uint8Array): Promise<Uint8Array> {
    const target = {
      transport: "udp",
      hostname: this.spec.hostname,
      port: this.spec.port,
    } as const;
    await socket.send(request, target);
    while (true) {
      let answer: Uint8Array;
      try {
        [answer] = await socket.receive(this.#buffer);
      } catch (error) {
        if (this.askedAt === 0) throw new Error(`no answer within ${this.spec.timeoutMs} ms`);
        throw error;
      }
      const verdict = this.ask.check(answer, request);
      if (verdict === "ok") return answer;
      if (verdict === "stale") {
        this.tally.stale++;
        continue;
      }
      throw new Error(verdict);
    }
  }

  /** Asks until the window ends, on a new socket after an error. */
  async run(): Promise<void> {
    while (performance.now() < this.tally.to) {
      if (this.#socket === null) await this.setup();
      const socket = this.#socket!;
      const request = this.ask.request();
      const t0 = performance.now();
      this.askedAt = t0;
      try {
        const answer = await this.#ask(socket, request);
        this.askedAt = 0;
        this.tally.answered(t0, performance.now());
        if (this.ask.audit !== undefined && await this.ask.audit(answer, request)) {
          this.tally.verified++;
        }
      } catch (error) {
        this.askedAt = 0;
        this.tally.fail(errorText(error));
        closeQuietly(socket);
        this.#socket = null;
      }
    }
    closeQuietly(this.#socket);
  }
}

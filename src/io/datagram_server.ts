/**
 * The one UDP receive loop every UDP service runs: one reused receive buffer
 * (`for await` over a DatagramConn allocates 64 KiB per datagram), the
 * handler called synchronously per datagram, its answer sent back, and
 * errors from one datagram (ICMP-reported refusals, send failures) never
 * stopping the loop.
 *
 * @module
 */

import { logger } from "../ops/log.ts";
import type { ServiceCounters } from "../ops/metrics.ts";

/**
 * Answers one datagram. The request view is only valid during the call; the
 * returned bytes are sent before the next datagram is read, so a handler may
 * reuse one output buffer. Return null to send nothing, after counting the
 * drop's reason in `counters.drops`.
 */
export type DatagramHandler = (
  request: Uint8Array,
  remote: Deno.NetAddr,
  counters: ServiceCounters,
) => Uint8Array | null;

/** Large enough for any request worth reading; longer datagrams are cut here. */
const RECEIVE_BUFFER_BYTES = 2048;
const log = logger("udp");

/**
 * Serves one UDP socket.
 *
 * @example Usage
 * ```ts ignore
 * import { UdpServer } from "./datagram_server.ts";
 * const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
 * const server = new UdpServer(socket, "echo", (request) => request.slice(), counters);
 * server.serve();
 * ```
 */
export class UdpServer {
  readonly #socket: Deno.DatagramConn;
  readonly #name: string;
  readonly #handle: DatagramHandler;
  readonly #counters: ServiceCounters;
  #closed = false;

  /**
   * @param socket The bound socket; the server owns it from now on.
   * @param name The service name, for logs.
   * @param handle Called once per datagram.
   * @param counters Counts requests, answers and send errors.
   */
  constructor(
    socket: Deno.DatagramConn,
    name: string,
    handle: DatagramHandler,
    counters: ServiceCounters,
  ) {
    this.#socket = socket;
    this.#name = name;
    this.#handle = handle;
    this.#counters = counters;
  }

  /** The bound address. */
  get addr(): Deno.NetAddr {
    return this.#socket.addr as Deno.NetAddr;
  }

  /**
   * Receives until {@linkcode UdpServer.close}.
   *
   * @returns A promise that settles when the loop has stopped.
   */
  async serve(): Promise<void> {
    const buffer = new Uint8Array(RECEIVE_BUFFER_BYTES);
    const counters = this.#counters;
    while (!this.#closed) {
      let request: Uint8Array;
      let remote: Deno.NetAddr;
      try {
        [request, remote] = await this.#socket.receive(buffer) as [Uint8Array, Deno.NetAddr];
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) break;
        continue; // e.g. ECONNREFUSED reported for an earlier send
      }
      counters.requests++;
      let answer: Uint8Array | null;
      try {
        answer = this.#handle(request, remote, counters);
      } catch (error) {
        counters.errors++;
        log.error("{service}: handler failed: {error}", {
          service: this.#name,
          error: String(error),
        });
        continue;
      }
      if (answer === null) continue;
      try {
        await this.#socket.send(answer, remote);
        counters.answers++;
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) break;
        counters.errors++;
      }
    }
  }

  /** Stops receiving and closes the socket. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#socket.close();
    } catch {
      // already closed
    }
  }
}

/**
 * The one datagram loop every UDP service runs, engine-free: it takes each
 * batch an engine received, counts it, calls the service's handler per
 * datagram with the datagram's receive time, queues the answers, and counts
 * what was sent. A handler that throws costs its datagram only.
 *
 * @module
 */

import type { Instant } from "../time/instant.ts";
import { logger } from "../ops/log.ts";
import type { ServiceCounters } from "../ops/metrics.ts";
import type { DatagramBatch, DatagramEndpoint, DatagramSink } from "./datagram.ts";

/**
 * Answers one datagram. The request view and the remote address are valid
 * only during the call; the returned bytes are copied before the next
 * datagram is handled, so a handler may reuse one output buffer. Return null
 * to send nothing, after counting the drop's reason in `counters.drops`.
 */
export type DatagramHandler = (
  request: Uint8Array,
  remote: Deno.NetAddr,
  counters: ServiceCounters,
  receivedAt: Instant,
) => Uint8Array | null;

const log = logger("udp");

/**
 * Serves one datagram endpoint.
 *
 * @example Usage
 * ```ts ignore
 * import { DatagramServer } from "./datagram_server.ts";
 * const server = new DatagramServer(engine.listenDatagram("127.0.0.1", 0), "echo",
 *   (request) => request, metrics.counter("echo", "udp"));
 * const done = server.serve();
 * server.close();
 * await done;
 * ```
 */
export class DatagramServer implements DatagramSink {
  readonly #endpoint: DatagramEndpoint;
  readonly #name: string;
  readonly #handle: DatagramHandler;
  readonly #counters: ServiceCounters;
  /** Writes the transmit time into an answer just before it leaves (NTP). */
  readonly stamp?: (answer: Uint8Array, transmit: Instant) => void;

  /**
   * @param endpoint The bound socket; the server owns it from now on.
   * @param name The service name, for logs.
   * @param handle Called once per datagram.
   * @param counters Counts requests, answers and errors.
   * @param stamp Writes the transmit time into each answer just before the send.
   */
  constructor(
    endpoint: DatagramEndpoint,
    name: string,
    handle: DatagramHandler,
    counters: ServiceCounters,
    stamp?: (answer: Uint8Array, transmit: Instant) => void,
  ) {
    this.#endpoint = endpoint;
    this.#name = name;
    this.#handle = handle;
    this.#counters = counters;
    if (stamp !== undefined) this.stamp = stamp;
  }

  /** The bound address. */
  get addr(): Deno.NetAddr {
    return this.#endpoint.addr;
  }

  /**
   * Serves until {@linkcode DatagramServer.close}.
   *
   * @returns A promise that settles when the endpoint has stopped.
   */
  serve(): Promise<void> {
    return this.#endpoint.serve(this);
  }

  /** Handles one batch: called by the engine. */
  onBatch(batch: DatagramBatch): void {
    const counters = this.#counters;
    const count = batch.count;
    counters.requests += count;
    for (let i = 0; i < count; i++) {
      let answer: Uint8Array | null;
      try {
        answer = this.#handle(batch.payload(i), batch.peer(i), counters, batch.receivedAt(i));
      } catch (error) {
        counters.errors++;
        log.error("{service}: handler failed: {error}", {
          service: this.#name,
          error: String(error),
        });
        continue;
      }
      if (answer !== null && !batch.reply(i, answer)) counters.errors++;
    }
  }

  /** Counts what a batch's send did: called by the engine. */
  onSent(sent: number, failed: number): void {
    this.#counters.answers += sent;
    this.#counters.errors += failed;
  }

  /** Stops receiving and closes the socket. Idempotent. */
  close(): void {
    this.#endpoint.close();
  }
}

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
import type { ServiceCounters } from "../ops/counters.ts";
import type { DatagramBatch, DatagramEndpoint, DatagramSink } from "./datagram.ts";

/**
 * Answers one datagram. The request view and the remote address are valid
 * only during the call; the returned bytes are copied before the next
 * datagram is handled, so a handler may reuse one output buffer. Return null
 * to send nothing, after counting the drop's reason in `counters.drops`.
 * `index` is the datagram's place in its batch, for a service that answers
 * a whole batch at its end (see {@linkcode BatchEnd}).
 */
export type DatagramHandler = (
  request: Uint8Array,
  remote: Deno.NetAddr,
  counters: ServiceCounters,
  receivedAt: Instant,
  index: number,
) => Uint8Array | null;

/**
 * Called once after every datagram of a batch was handled, for a service
 * whose handler kept requests to answer together (Roughtime signs one
 * batch once): `reply(index, answer)` queues the answer to datagram `index`.
 */
export type BatchEnd = (
  reply: (index: number, answer: Uint8Array) => void,
  counters: ServiceCounters,
) => void;

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
  readonly #endBatch: BatchEnd | undefined;

  /**
   * @param endpoint The bound socket; the server owns it from now on.
   * @param name The service name, for logs.
   * @param handle Called once per datagram.
   * @param counters Counts requests, answers and errors.
   * @param stamp Writes the transmit time into each answer just before the send.
   * @param endBatch Answers what the handler kept, once per batch.
   */
  constructor(
    endpoint: DatagramEndpoint,
    name: string,
    handle: DatagramHandler,
    counters: ServiceCounters,
    stamp?: (answer: Uint8Array, transmit: Instant) => void,
    endBatch?: BatchEnd,
  ) {
    this.#endpoint = endpoint;
    this.#name = name;
    this.#handle = handle;
    this.#counters = counters;
    if (stamp !== undefined) this.stamp = stamp;
    this.#endBatch = endBatch;
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
        answer = this.#handle(batch.payload(i), batch.peer(i), counters, batch.receivedAt(i), i);
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
    if (this.#endBatch === undefined) return;
    try {
      this.#endBatch((i, answer) => {
        if (!batch.reply(i, answer)) counters.errors++;
      }, counters);
    } catch (error) {
      counters.errors++;
      log.error("{service}: batch failed: {error}", { service: this.#name, error: String(error) });
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

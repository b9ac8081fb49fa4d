/**
 * The datagram half of the seam between clockd's services and its I/O
 * engines. An engine receives datagrams in batches (one at a time on Deno's
 * own sockets, up to {@linkcode MAX_BATCH} per `recvmmsg` on the kernel
 * engine), each with the time it arrived, hands every batch to a
 * {@linkcode DatagramSink}, and sends the answers the sink queued, stamped
 * just before they leave. The sink (`DatagramServer`) is engine-free.
 *
 * @module
 */

import type { Instant } from "../time/instant.ts";

/** The most datagrams one batch holds on any engine. */
export const MAX_BATCH = 32;
/** The longest datagram payload an engine reads; longer ones are cut here. */
export const MAX_DATAGRAM_BYTES = 2048;

/**
 * The datagrams of one receive, valid only during {@linkcode DatagramSink.onBatch}.
 *
 * @example Answer every datagram of a batch with its own bytes
 * ```ts
 * import type { DatagramBatch } from "./datagram.ts";
 * function echo(batch: DatagramBatch): void {
 *   for (let i = 0; i < batch.count; i++) batch.reply(i, batch.payload(i));
 * }
 * void echo;
 * ```
 */
export interface DatagramBatch {
  /** How many datagrams arrived. */
  readonly count: number;
  /** Datagram `i`'s payload (a view into the engine's buffer). */
  payload(i: number): Uint8Array;
  /** Datagram `i`'s sender (possibly one reused object: do not keep it). */
  peer(i: number): Deno.NetAddr;
  /** When datagram `i` arrived: the kernel's receive stamp where the engine has one. */
  receivedAt(i: number): Instant;
  /**
   * Queues `answer` (copied) as the answer to datagram `i`.
   *
   * @returns False when the engine cannot take it (too long).
   */
  reply(i: number, answer: Uint8Array): boolean;
}

/** What an engine feeds with batches: one per datagram listener. */
export interface DatagramSink {
  /** Handles one batch, queueing answers with {@linkcode DatagramBatch.reply}. */
  onBatch(batch: DatagramBatch): void;
  /**
   * Called for each answer just before the batch is sent, with the time it
   * leaves (one clock read per batch): NTP writes its transmit time here. An
   * engine may stamp an answer more than once (the kernel engine does it
   * twice, the first pass warming its caches); the last time written is the
   * one sent. Absent: no clock is read.
   */
  stamp?: (answer: Uint8Array, transmit: Instant) => void;
  /** After the send: how many answers left and how many the kernel refused. */
  onSent(sent: number, failed: number): void;
}

/**
 * A bound datagram socket of some engine.
 *
 * @example Serve a socket until it is closed
 * ```ts
 * import type { DatagramEndpoint, DatagramSink } from "./datagram.ts";
 * async function run(endpoint: DatagramEndpoint, sink: DatagramSink): Promise<void> {
 *   await endpoint.serve(sink); // settles once endpoint.close() was called
 * }
 * void run;
 * ```
 */
export interface DatagramEndpoint {
  /** The address bound. */
  readonly addr: Deno.NetAddr;
  /**
   * Delivers batches to `sink` until {@linkcode DatagramEndpoint.close}.
   *
   * @returns A promise that settles when the endpoint has stopped.
   */
  serve(sink: DatagramSink): Promise<void>;
  /** Stops receiving and closes the socket. Idempotent. */
  close(): void;
}

/**
 * The Roughtime service on clockd's seam: over UDP, the datagrams of one
 * receive batch are kept by the handler and answered together at the
 * batch's end under one signature; over TCP, each framed packet of a
 * connection is answered in turn. Drops are counted (`malformed`, or
 * `unsynchronised` while the clock cannot honestly claim a radius), never
 * fatal.
 *
 * @module
 */

import type { BatchEnd, DatagramHandler } from "../../io/datagram_server.ts";
import { closeQuietly, writeAll } from "../../io/stream_server.ts";
import type { StreamConn } from "../../io/stream.ts";
import type { ServiceCounters } from "../../ops/counters.ts";
import type { Clock } from "../../time/clock.ts";
import { ROUGHTIME_MAX_REQUEST_BYTES } from "./constants.ts";
import { roughtimeFrameLength } from "./framing.ts";
import type { RoughtimeDropReason } from "./request.ts";
import type { RoughtimeResponder } from "./responder.ts";

/** How long a TCP connection may stay silent between packets before it is closed, ms. */
export const ROUGHTIME_TCP_IDLE_MS = 10_000;

/** Settings of a {@linkcode RoughtimeService}. */
export interface RoughtimeServiceOptions {
  /** Signs the answers. */
  responder: RoughtimeResponder;
  /** The time answers carry (MIDP). */
  clock: Clock;
  /**
   * The radius the clock can honestly claim now, microseconds; null while
   * it cannot (unsynchronised): then nothing is answered.
   */
  radiusMicros: () => number | null;
  /**
   * How long a TCP connection may be silent, ms.
   *
   * @default {ROUGHTIME_TCP_IDLE_MS}
   */
  idleTimeoutMs?: number;
}

/**
 * Roughtime over UDP and TCP.
 *
 * @example Usage
 * ```ts
 * import { RoughtimeService } from "./roughtime_service.ts";
 * import { RoughtimeResponder } from "./responder.ts";
 * import { buildRoughtimeRequest } from "./request.ts";
 * import { ROUGHTIME_PROFILES } from "./versions.ts";
 * import { Metrics } from "../../ops/metrics.ts";
 * import { systemClock } from "../../time/clock.ts";
 * const responder = RoughtimeResponder.create({ rootSeed: new Uint8Array(32), now: systemClock.now() });
 * const service = new RoughtimeService({ responder, clock: systemClock, radiusMicros: () => 1_000_000 });
 * const counters = new Metrics().counter("roughtime", "udp");
 * const request = buildRoughtimeRequest({ profiles: [ROUGHTIME_PROFILES.rfc], nonce: new Uint8Array(32) });
 * const peer = { transport: "udp", hostname: "127.0.0.1", port: 4000 } as const;
 * if (service.handleDatagram(request, peer, counters, systemClock.now(), 0) !== null) throw new Error();
 * const answers: Uint8Array[] = [];
 * service.endBatch((_, answer) => answers.push(answer), counters);
 * if (answers.length !== 1 || answers[0].length > request.length) throw new Error();
 * ```
 */
export class RoughtimeService {
  readonly #responder: RoughtimeResponder;
  readonly #clock: Clock;
  readonly #radius: () => number | null;
  readonly #idleTimeoutMs: number;
  /** The current batch's kept requests (copied) and their places in it. */
  #pending: Uint8Array[] = [];
  #indexes: number[] = [];

  /** @param options The responder, the clock, the radius and the TCP idle bound. */
  constructor(options: RoughtimeServiceOptions) {
    this.#responder = options.responder;
    this.#clock = options.clock;
    this.#radius = options.radiusMicros;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? ROUGHTIME_TCP_IDLE_MS;
  }

  /** The long-term public key clients are configured with. */
  get publicKey(): Uint8Array {
    return this.#responder.publicKey;
  }

  /**
   * Keeps one datagram (copied) for the batch's end, where it is parsed,
   * answered or counted as dropped. Never answers now.
   */
  readonly handleDatagram: DatagramHandler = (request, _remote, _counters, _receivedAt, index) => {
    this.#pending.push(request.slice());
    this.#indexes.push(index);
    return null;
  };

  /** Answers the batch's kept datagrams under one signature per version group. */
  readonly endBatch: BatchEnd = (reply, counters) => {
    const requests = this.#pending;
    if (requests.length === 0) return;
    const indexes = this.#indexes;
    this.#pending = [];
    this.#indexes = [];
    const outcomes = this.#responder.answerBatch(
      requests,
      this.#clock.now(),
      this.#radius(),
      { transport: "udp" },
    );
    outcomes.forEach((outcome, i) => {
      if (outcome.answer === null) countDrop(counters, outcome.drop);
      else reply(indexes[i], outcome.answer);
    });
  };

  /**
   * Serves one TCP connection: framed packets answered in order until the
   * peer closes, stays silent too long, or sends a bad packet (closed).
   *
   * @param conn The connection (owned: closed here).
   * @param counters The `roughtime`/`tcp` counters.
   */
  async handleConnection(conn: StreamConn, counters: ServiceCounters): Promise<void> {
    let buffered = new Uint8Array(0);
    const chunk = new Uint8Array(ROUGHTIME_MAX_REQUEST_BYTES);
    let timer = setTimeout(() => closeQuietly(conn), this.#idleTimeoutMs);
    try {
      while (true) {
        const length = roughtimeFrameLength(buffered, ROUGHTIME_MAX_REQUEST_BYTES);
        if (length === "invalid") {
          counters.requests++;
          counters.drops.malformed++;
          return;
        }
        if (length !== "incomplete" && buffered.length >= length) {
          const packet = buffered.slice(0, length);
          buffered = buffered.slice(length);
          counters.requests++;
          const [outcome] = this.#responder.answerBatch(
            [packet],
            this.#clock.now(),
            this.#radius(),
            { transport: "tcp" },
          );
          if (outcome.answer === null) {
            countDrop(counters, outcome.drop);
            return;
          }
          await writeAll(conn, outcome.answer);
          counters.answers++;
          continue;
        }
        const count = await conn.read(chunk);
        if (count === null) return;
        clearTimeout(timer);
        timer = setTimeout(() => closeQuietly(conn), this.#idleTimeoutMs);
        const next = new Uint8Array(buffered.length + count);
        next.set(buffered);
        next.set(chunk.subarray(0, count), buffered.length);
        buffered = next;
      }
    } catch {
      // The peer left, or the idle timer closed the connection.
    } finally {
      clearTimeout(timer);
      closeQuietly(conn);
    }
  }
}

/** Counts a drop: not answering while unsynchronised apart from bad input. */
function countDrop(counters: ServiceCounters, reason: RoughtimeDropReason): void {
  if (reason === "unsynchronised" || reason === "expired") counters.drops.unsynchronised++;
  else counters.drops.malformed++;
}

/**
 * The measurement behind `bench/roughtime_batch.ts`: in-process answers per
 * second of {@linkcode RoughtimeResponder.answerBatch} for one batch size
 * (one Merkle tree and one Ed25519 signature per batch), and the summary of
 * several rounds (median, spread, speed-up over batches of one).
 *
 * @module
 */

import { buildRoughtimeRequest } from "../src/protocols/roughtime/request.ts";
import type { RoughtimeResponder } from "../src/protocols/roughtime/responder.ts";
import { ROUGHTIME_PROFILES } from "../src/protocols/roughtime/versions.ts";
import type { Instant } from "../src/time/instant.ts";
import { formatRate, renderTable } from "./table.ts";

/** The radius every measured batch claims, µs (any honest value: it does not change the work). */
const RADIUS_MICROS = 1_000_000;

/**
 * Distinct RFC 10049 requests (random nonces), as clients would send.
 *
 * @param count How many.
 * @returns The request packets.
 *
 * @example Usage
 * ```ts
 * import { roughtimeRequests } from "./roughtime_batch_measure.ts";
 * const requests = roughtimeRequests(2);
 * if (requests.length !== 2 || requests[0].length !== 1036) throw new Error();
 * ```
 */
export function roughtimeRequests(count: number): Uint8Array[] {
  return Array.from({ length: count }, () =>
    buildRoughtimeRequest({
      profiles: [ROUGHTIME_PROFILES.rfc],
      nonce: crypto.getRandomValues(new Uint8Array(32)),
    }));
}

/**
 * Calls `answerBatch` on the same batch for at least `seconds` and counts
 * the answers; every outcome must be an answer.
 *
 * @param responder The responder.
 * @param batch The requests of one batch.
 * @param now The time the batches are answered at (inside the delegation).
 * @param seconds How long to keep calling.
 * @returns Answers per second over the time taken.
 * @throws {Error} If a request is not answered.
 *
 * @example Usage
 * ```ts
 * import { measureAnswerBatch, roughtimeRequests } from "./roughtime_batch_measure.ts";
 * import { RoughtimeResponder } from "../src/protocols/roughtime/responder.ts";
 * const now = { seconds: Math.floor(Date.now() / 1000), nanos: 0 };
 * const responder = RoughtimeResponder.create({ rootSeed: new Uint8Array(32).fill(1), now });
 * if (!(measureAnswerBatch(responder, roughtimeRequests(2), now, 0.01) > 0)) throw new Error();
 * ```
 */
export function measureAnswerBatch(
  responder: RoughtimeResponder,
  batch: readonly Uint8Array[],
  now: Instant,
  seconds: number,
): number {
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  let answers = 0;
  let elapsed: number;
  do {
    const outcomes = responder.answerBatch(batch, now, RADIUS_MICROS);
    for (const outcome of outcomes) {
      if (outcome.answer === null) throw new Error(`request dropped: ${outcome.drop}`);
    }
    answers += outcomes.length;
    elapsed = performance.now() - start;
  } while (start + elapsed < deadline);
  return answers / (elapsed / 1000);
}

/**
 * The median of a sample (the mean of the middle two for an even count).
 *
 * @param values The sample, any order.
 * @returns The median, or NaN for an empty sample.
 *
 * @example Usage
 * ```ts
 * import { median } from "./roughtime_batch_measure.ts";
 * if (median([3, 1, 2]) !== 2 || median([4, 1, 3, 2]) !== 2.5) throw new Error();
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** One batch size's rounds, summarised. */
export interface BatchRow {
  /** Requests per batch (per signature). */
  batch: number;
  /** Answers per second of every round. */
  rounds: number[];
  /** Their median. */
  answersPerSecond: number;
  /** µs of CPU per answer at the median. */
  microsPerAnswer: number;
  /** Median answers/s ÷ batch 1's median, or null without a batch of 1. */
  speedUp: number | null;
}

/**
 * Summarises each batch size's rounds: the median, µs per answer, and the
 * speed-up over batches of one request.
 *
 * @param rounds Answers per second of each round, by batch size.
 * @returns One row per batch size, ascending.
 *
 * @example Usage
 * ```ts
 * import { summariseBatches } from "./roughtime_batch_measure.ts";
 * const rows = summariseBatches(new Map([[1, [900, 1000, 1100]], [8, [5000, 6000, 7000]]]));
 * if (rows[1].speedUp !== 6 || rows[0].microsPerAnswer !== 1000) throw new Error();
 * ```
 */
export function summariseBatches(rounds: ReadonlyMap<number, readonly number[]>): BatchRow[] {
  const single = rounds.has(1) ? median(rounds.get(1)!) : null;
  return [...rounds.keys()].sort((a, b) => a - b).map((batch) => {
    const values = [...rounds.get(batch)!];
    const answersPerSecond = median(values);
    return {
      batch,
      rounds: values,
      answersPerSecond,
      microsPerAnswer: 1e6 / answersPerSecond,
      speedUp: single === null ? null : answersPerSecond / single,
    };
  });
}

/**
 * Renders the rows as a table: batch, answers/s (median), the rounds'
 * lowest and highest, µs per answer, speed-up over batch 1.
 *
 * @param rows The summarised rows.
 * @returns The table.
 *
 * @example Usage
 * ```ts
 * import { renderBatchTable, summariseBatches } from "./roughtime_batch_measure.ts";
 * const text = renderBatchTable(summariseBatches(new Map([[1, [1000]], [2, [1500]]])));
 * if (!text.includes("1.50×")) throw new Error(text);
 * ```
 */
export function renderBatchTable(rows: readonly BatchRow[]): string {
  return renderTable(
    [
      { title: "batch", align: "right" },
      { title: "answers/s", align: "right" },
      { title: "rounds: lowest–highest", align: "right" },
      { title: "µs/answer", align: "right" },
      { title: "vs batch 1", align: "right" },
    ],
    rows.map((row) => [
      String(row.batch),
      formatRate(row.answersPerSecond),
      `${formatRate(Math.min(...row.rounds))}–${formatRate(Math.max(...row.rounds))}`,
      row.microsPerAnswer.toFixed(1),
      row.speedUp === null ? "-" : `${row.speedUp.toFixed(2)}×`,
    ]),
  );
}

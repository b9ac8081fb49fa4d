/**
 * The counts of one load process: answers, errors and the latencies of the
 * measured window.
 *
 * @module
 */

import { LatencyHistogram } from "../stats.ts";

/**
 * Counts answers and errors; latencies only inside the measured window.
 *
 * @example Usage
 * ```ts
 * import { Tally } from "./tally.ts";
 * const tally = new Tally();
 * tally.from = 0;
 * tally.answered(1, 1.25);
 * tally.fail("late");
 * if (tally.ops !== 1 || tally.histogram.max !== 250 || tally.firstError !== "late") throw new Error();
 * ```
 */
export class Tally {
  /** Answers counted (pipelined: lines). */
  ops = 0;
  /** Failed asks. */
  errors = 0;
  /** Answers to an earlier ask, skipped. */
  stale = 0;
  /** Answers fully verified, in or out of the window. */
  verified = 0;
  /** The first failure's message. */
  firstError: string | null = null;
  /** Latencies of the measured asks, µs. */
  readonly histogram: LatencyHistogram = new LatencyHistogram();
  /** Start of the measured window, performance.now() ms; set on `go`. */
  from = 0;
  /** End of the measured window. */
  to = Infinity;

  /**
   * Counts a failed ask.
   *
   * @param message What went wrong; kept if it is the first.
   */
  fail(message: string): void {
    this.errors++;
    this.firstError ??= message;
  }

  /**
   * One ask answered: started at `t0`, answered at `t1` (ms); counted when
   * `t1` is in the window.
   *
   * @param t0 When it was asked.
   * @param t1 When it was answered.
   * @param ops Answers it stands for (pipelined: lines).
   */
  answered(t0: number, t1: number, ops = 1): void {
    if (t1 < this.from || t1 > this.to) return;
    this.ops += ops;
    this.histogram.record((t1 - t0) * 1000);
  }
}

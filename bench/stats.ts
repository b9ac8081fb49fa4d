/**
 * Latency statistics for the benchmark: exact nearest-rank percentiles of a
 * sorted sample, and {@linkcode LatencyHistogram}, a log-linear histogram of
 * whole microseconds with bounded memory and bounded relative error that
 * load-generator processes send to the parent as JSON and the parent merges.
 *
 * @module
 */

/**
 * Sub-buckets per power of two. Values below `2 * SUB_BUCKETS` µs are
 * counted exactly; above, a bucket spans at most 1/64 of its value, so a
 * percentile read from the histogram is within 1.6 % of the exact one.
 */
export const SUB_BUCKETS = 64;
const SUB_BUCKET_BITS = 6; // log2(SUB_BUCKETS)
/** The largest latency recorded as itself (µs, about 1.2 hours); longer ones are clamped to it. */
export const MAX_TRACKED_US = 2 ** 32 - 1;

/**
 * The nearest-rank percentile of a sorted sample: the smallest value such
 * that at least `p` % of the sample is at or below it.
 *
 * @param sorted The values, in ascending order.
 * @param p The percentile, 0 to 100.
 * @returns The value, or NaN for an empty sample.
 * @throws {RangeError} If `p` is outside 0 to 100.
 *
 * @example Usage
 * ```ts
 * import { percentile } from "./stats.ts";
 * if (percentile([1, 2, 3, 4], 50) !== 2) throw new Error("p50 of 1..4 is 2");
 * ```
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`Percentile must be 0 to 100, got "${p}"`);
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/**
 * The bucket a whole number of microseconds falls in.
 *
 * @param us A latency in whole microseconds, 0 to {@linkcode MAX_TRACKED_US}.
 * @returns The bucket index.
 *
 * @example Usage
 * ```ts
 * import { bucketIndex } from "./stats.ts";
 * if (bucketIndex(100) !== 100) throw new Error("small values are exact");
 * ```
 */
export function bucketIndex(us: number): number {
  if (us < SUB_BUCKETS) return us;
  const shift = 31 - Math.clz32(us) - SUB_BUCKET_BITS;
  return shift * SUB_BUCKETS + (us >>> shift);
}

/**
 * The highest value a bucket holds, the figure a percentile reports (so a
 * reported latency is never lower than the true one).
 *
 * @param index A bucket index from {@linkcode bucketIndex}.
 * @returns The largest whole number of microseconds in that bucket.
 *
 * @example Usage
 * ```ts
 * import { bucketHigh, bucketIndex } from "./stats.ts";
 * if (bucketHigh(bucketIndex(1000)) !== 1007) throw new Error("1000 µs shares a bucket to 1007");
 * ```
 */
export function bucketHigh(index: number): number {
  if (index < 2 * SUB_BUCKETS) return index;
  const shift = Math.floor(index / SUB_BUCKETS) - 1;
  const mantissa = index - shift * SUB_BUCKETS;
  return (mantissa + 1) * 2 ** shift - 1;
}

/** A {@linkcode LatencyHistogram} as JSON: what a load process sends its parent. */
export interface HistogramData {
  /** Values recorded. */
  count: number;
  /** Smallest value (µs); 0 when empty. */
  min: number;
  /** Largest value (µs); 0 when empty. */
  max: number;
  /** Sum of the values (µs), for the mean. */
  sum: number;
  /** The non-empty buckets as `[index, count]`, by ascending index. */
  buckets: [number, number][];
}

/**
 * Latencies in whole microseconds, counted in log-linear buckets: a few
 * hundred counters at most, whatever the run's length.
 *
 * @example Usage
 * ```ts
 * import { LatencyHistogram } from "./stats.ts";
 * const a = new LatencyHistogram();
 * a.record(120);
 * const b = new LatencyHistogram();
 * b.record(80);
 * a.merge(LatencyHistogram.fromJSON(JSON.parse(JSON.stringify(b))));
 * if (a.count !== 2 || a.percentile(50) !== 80) throw new Error("merged");
 * ```
 */
export class LatencyHistogram {
  #counts = new Map<number, number>();
  #count = 0;
  #min = Infinity;
  #max = 0;
  #sum = 0;

  /** Values recorded. */
  get count(): number {
    return this.#count;
  }

  /** Smallest value recorded (µs); 0 when empty. */
  get min(): number {
    return this.#count === 0 ? 0 : this.#min;
  }

  /** Largest value recorded (µs); 0 when empty. */
  get max(): number {
    return this.#max;
  }

  /** Mean of the values (µs); NaN when empty. */
  get mean(): number {
    return this.#count === 0 ? NaN : this.#sum / this.#count;
  }

  /**
   * Counts one latency.
   *
   * @param us Microseconds; rounded to a whole number, clamped to 0 to {@linkcode MAX_TRACKED_US}.
   */
  record(us: number): void {
    const value = Math.min(MAX_TRACKED_US, Math.max(0, Math.round(us)));
    const index = bucketIndex(value);
    this.#counts.set(index, (this.#counts.get(index) ?? 0) + 1);
    this.#count++;
    this.#sum += value;
    if (value < this.#min) this.#min = value;
    if (value > this.#max) this.#max = value;
  }

  /**
   * Adds another histogram's counts to this one.
   *
   * @param other The histogram to add; unchanged.
   */
  merge(other: LatencyHistogram): void {
    for (const [index, count] of other.#counts) {
      this.#counts.set(index, (this.#counts.get(index) ?? 0) + count);
    }
    this.#count += other.#count;
    this.#sum += other.#sum;
    this.#min = Math.min(this.#min, other.#min);
    this.#max = Math.max(this.#max, other.#max);
  }

  /**
   * The nearest-rank percentile, as the highest value of the bucket it
   * falls in (exact below 128 µs, within 1.6 % above), never above the
   * largest value recorded.
   *
   * @param p The percentile, 0 to 100.
   * @returns Microseconds, or NaN when empty.
   * @throws {RangeError} If `p` is outside 0 to 100.
   */
  percentile(p: number): number {
    if (!(p >= 0 && p <= 100)) throw new RangeError(`Percentile must be 0 to 100, got "${p}"`);
    if (this.#count === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#count));
    let seen = 0;
    for (const index of [...this.#counts.keys()].sort((a, b) => a - b)) {
      seen += this.#counts.get(index)!;
      if (seen >= rank) return Math.min(bucketHigh(index), this.#max);
    }
    return this.#max;
  }

  /** @returns The histogram as plain JSON data. */
  toJSON(): HistogramData {
    return {
      count: this.#count,
      min: this.min,
      max: this.#max,
      sum: this.#sum,
      buckets: [...this.#counts].sort((a, b) => a[0] - b[0]),
    };
  }

  /**
   * Rebuilds a histogram from {@linkcode LatencyHistogram.toJSON}'s data.
   *
   * @param data The data, as sent by a load process.
   * @returns A new histogram.
   * @throws {TypeError} If the data is not histogram data.
   */
  static fromJSON(data: HistogramData): LatencyHistogram {
    if (
      typeof data !== "object" || data === null || !Array.isArray(data.buckets) ||
      typeof data.count !== "number"
    ) {
      throw new TypeError(`Cannot read histogram data: got "${JSON.stringify(data)}"`);
    }
    const histogram = new LatencyHistogram();
    let count = 0;
    for (const [index, n] of data.buckets) {
      histogram.#counts.set(index, n);
      count += n;
    }
    if (count !== data.count) {
      throw new TypeError(
        `Cannot read histogram data: buckets hold "${count}", count is "${data.count}"`,
      );
    }
    histogram.#count = count;
    histogram.#sum = data.sum;
    histogram.#min = count === 0 ? Infinity : data.min;
    histogram.#max = data.max;
    return histogram;
  }
}

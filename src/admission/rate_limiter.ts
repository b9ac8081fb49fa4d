/**
 * Per-source rate limiting: a token bucket per key in a table bounded by
 * configuration, never by the attacker (chrony's `clientlog.c`), with the
 * NTP rule that a limited source gets a RATE kiss-o'-death at most once per
 * interval. Also the parser of the `--udp-rate` / `--tcp-rate` flag values.
 *
 * @module
 */

/** What {@linkcode RateLimiter.take} decided. */
export const RateVerdict = {
  /** Under the limit: a token was taken; answer. */
  ALLOW: 0,
  /** Over the limit: drop. */
  LIMITED: 1,
  /** Over the limit, and this source has had no kiss for an interval: NTP sends one RATE kiss-o'-death. */
  LIMITED_KISS: 2,
} as const;

/** A {@linkcode RateVerdict} value. */
export type RateVerdict = typeof RateVerdict[keyof typeof RateVerdict];

/**
 * Default UDP rate per source (`--udp-rate`), requests per second. A script
 * polling every second, or a few hundred NTP clients polling every 64 s behind
 * one NAT address, stay far below it; a spoofed flood aimed at one victim
 * gets at most 20 answers a second (with {@linkcode DEFAULT_BURST_SECONDS}, a
 * first burst of 40) reflected towards it.
 */
export const DEFAULT_UDP_RATE = 20;

/**
 * Default TCP rate per source (`--tcp-rate`), new connections per second. A
 * TCP client opens one session and pipelines; 10 a second leaves room for
 * shell loops of `nc`, while `--max-sessions-per-ip` caps the sessions open
 * at once. TCP sources cannot be spoofed, so this only limits churn.
 */
export const DEFAULT_TCP_RATE = 10;

/** Default burst, in seconds of rate: a source may save up this many seconds of tokens. */
export const DEFAULT_BURST_SECONDS = 2;

/**
 * Default size of the table, in sources (`maxSources`): about 8 MB when
 * full (measured: 100 to 107 bytes of heap per source for its key and map
 * entry, plus 17 bytes of typed arrays), whatever a spoofed flood sends. Past it a
 * source not seen lately is forgotten; it then starts again with a full
 * bucket, which costs one burst.
 */
export const DEFAULT_MAX_SOURCES = 65_536;

/** The shortest interval between two kisses to one source, by default (ms). */
export const DEFAULT_KISS_INTERVAL_MS = 1000;

/**
 * The default burst for a rate: {@linkcode DEFAULT_BURST_SECONDS} seconds of
 * tokens, at least 1.
 *
 * @param rate Tokens per second.
 * @returns The burst, a whole number.
 *
 * @example Usage
 * ```ts
 * import { defaultBurst } from "./rate_limiter.ts";
 * if (defaultBurst(20) !== 40 || defaultBurst(0.1) !== 1) throw new Error();
 * ```
 */
export function defaultBurst(rate: number): number {
  return Math.max(1, Math.ceil(rate * DEFAULT_BURST_SECONDS));
}

/** Options of a {@linkcode RateLimiter}. */
export interface RateLimiterOptions {
  /** Tokens added to each source's bucket per second: its sustained rate. */
  readonly rate: number;
  /**
   * Most tokens a bucket holds: the longest burst a source may send after
   * being quiet. A source seen for the first time starts with a full bucket.
   *
   * @default {defaultBurst(rate)}
   */
  readonly burst?: number;
  /**
   * Most sources remembered at once; past it the least recently seen one is
   * forgotten, so memory is bounded whatever the sources.
   *
   * @default {65536}
   */
  readonly maxSources?: number;
  /**
   * Shortest time between two {@linkcode RateVerdict.LIMITED_KISS} verdicts
   * for one source (ms): a limited source is kissed at most once per
   * interval, and every other limited request is dropped silently.
   *
   * @default {Math.max(1000, 1000 / rate)}: once a second, or once per token when tokens come slower
   */
  readonly kissIntervalMs?: number;
  /**
   * The clock: milliseconds on a monotonic scale.
   *
   * @default {performance.now}
   */
  readonly now?: () => number;
}

/** Tolerance for float rounding in refill arithmetic (ms): one nanosecond. */
const EPSILON_MS = 1e-6;

/** Slots the table starts with; it doubles up to `maxSources`. */
const INITIAL_SLOTS = 1024;

/**
 * Most recently seen slots the eviction hand skips before it evicts one
 * anyway: bounds the cost of one eviction (amortised cost is O(1) either way).
 */
const MAX_SECOND_CHANCES = 64;

function defaultNow(): number {
  return performance.now();
}

/**
 * A token bucket per source, in a table of at most `maxSources` entries.
 *
 * Each bucket holds up to `burst` tokens and gains `rate` a second; each
 * request takes one or is limited. A bucket is stored as the single instant
 * it will be full again (the generic cell rate algorithm, equivalent to a
 * token bucket), so a source idle for `burst / rate` seconds has a full
 * bucket and loses nothing when forgotten.
 *
 * The table is bounded by `maxSources`, whatever the sources: a `Map` from
 * key to slot, and per slot the key, the instants in typed arrays and a
 * "seen" bit. When it is full, a new source takes the slot of one evicted
 * the CLOCK (second chance) way: a hand sweeps the slots, clearing the seen
 * bit of sources seen since it last passed and evicting the first one not
 * seen (or, after 64 second chances, the one it is at). A new source's bit
 * starts clear, so a flood of spoofed one-off sources evicts its own entries
 * first, and a source that asks again before the hand comes round stays.
 * One evicted anyway starts over with a full bucket: it costs one burst.
 * (A `Map` kept in least-recently-used order by `delete` + `set` on every
 * request would be simpler, but in V8 a key re-inserted over and over
 * lengthens its hash chain until the next rehash: 20 µs a request at 65,536
 * sources.)
 *
 * @example Usage
 * ```ts
 * import { RateLimiter, RateVerdict } from "./rate_limiter.ts";
 * let now = 0;
 * const limiter = new RateLimiter({ rate: 1, burst: 2, now: () => now });
 * const verdicts = [limiter.take("a"), limiter.take("a"), limiter.take("a"), limiter.take("a")];
 * if (verdicts.join() !== "0,0,2,1") throw new Error(verdicts.join());
 * now = 1000; // one token later
 * if (limiter.take("a") !== RateVerdict.ALLOW) throw new Error();
 * ```
 */
export class RateLimiter {
  readonly #slots = new Map<string, number>();
  readonly #keys: string[] = [];
  #fullAt: Float64Array;
  #kissAt: Float64Array;
  #seen: Uint8Array;
  #hand = 0;
  readonly #intervalMs: number;
  readonly #slackMs: number;
  readonly #maxSources: number;
  readonly #kissIntervalMs: number;
  readonly #now: () => number;
  readonly #rate: number;
  readonly #burst: number;

  /**
   * Makes an empty table; buckets are created as sources are seen.
   *
   * @param options Rate, burst, table size, kiss interval and clock.
   * @throws {RangeError} When the rate is not above 0, the burst is below 1,
   *   or the table size is not a whole number of at least 1.
   */
  constructor(options: RateLimiterOptions) {
    const { rate } = options;
    const burst = options.burst ?? defaultBurst(rate);
    const maxSources = options.maxSources ?? DEFAULT_MAX_SOURCES;
    if (!(rate > 0 && Number.isFinite(rate))) {
      throw new RangeError(`rate must be more than 0 per second, got ${rate}`);
    }
    if (!(burst >= 1 && Number.isFinite(burst))) {
      throw new RangeError(`burst must be at least 1, got ${burst}`);
    }
    if (!(Number.isInteger(maxSources) && maxSources >= 1)) {
      throw new RangeError(`maxSources must be a whole number of at least 1, got ${maxSources}`);
    }
    this.#rate = rate;
    this.#burst = burst;
    this.#intervalMs = 1000 / rate;
    this.#slackMs = (burst - 1) * this.#intervalMs + EPSILON_MS;
    this.#maxSources = maxSources;
    this.#kissIntervalMs = options.kissIntervalMs ??
      Math.max(DEFAULT_KISS_INTERVAL_MS, 1000 / rate);
    this.#now = options.now ?? defaultNow;
    const slots = Math.min(maxSources, INITIAL_SLOTS);
    this.#fullAt = new Float64Array(slots);
    this.#kissAt = new Float64Array(slots);
    this.#seen = new Uint8Array(slots);
  }

  /** Tokens added per second. */
  get rate(): number {
    return this.#rate;
  }

  /** Most tokens a bucket holds. */
  get burst(): number {
    return this.#burst;
  }

  /** Most sources remembered at once. */
  get maxSources(): number {
    return this.#maxSources;
  }

  /** Sources remembered now; never more than {@linkcode RateLimiter.maxSources}. */
  get size(): number {
    return this.#keys.length;
  }

  /**
   * Counts one request from a source: takes a token if one is there.
   *
   * @param key The source, e.g. `sourcePrefix()` of the peer's address.
   * @returns {@linkcode RateVerdict.ALLOW} when a token was taken;
   *   otherwise {@linkcode RateVerdict.LIMITED_KISS} if the source was last
   *   kissed at least `kissIntervalMs` ago (the kiss is recorded now), else
   *   {@linkcode RateVerdict.LIMITED}.
   */
  take(key: string): RateVerdict {
    const now = this.#now();
    const slot = this.#slots.get(key);
    if (slot === undefined) {
      const fresh = this.#admit(key);
      this.#fullAt[fresh] = now + this.#intervalMs;
      this.#kissAt[fresh] = -Infinity;
      return RateVerdict.ALLOW;
    }
    this.#seen[slot] = 1;
    const fullAt = this.#fullAt[slot] > now ? this.#fullAt[slot] : now;
    if (fullAt - now <= this.#slackMs) {
      this.#fullAt[slot] = fullAt + this.#intervalMs;
      return RateVerdict.ALLOW;
    }
    if (now - this.#kissAt[slot] >= this.#kissIntervalMs) {
      this.#kissAt[slot] = now;
      return RateVerdict.LIMITED_KISS;
    }
    return RateVerdict.LIMITED;
  }

  /** Gives a new source a slot: a free one, else one evicted by the CLOCK hand. */
  #admit(key: string): number {
    const keys = this.#keys;
    const size = keys.length;
    if (size < this.#maxSources) {
      if (size === this.#seen.length) this.#grow();
      keys.push(key);
      this.#slots.set(key, size);
      this.#seen[size] = 0;
      return size;
    }
    const seen = this.#seen;
    let hand = this.#hand;
    for (let chances = 0; seen[hand] === 1 && chances < MAX_SECOND_CHANCES; chances++) {
      seen[hand] = 0;
      hand = hand + 1 === size ? 0 : hand + 1;
    }
    this.#slots.delete(keys[hand]);
    keys[hand] = key;
    this.#slots.set(key, hand);
    seen[hand] = 0;
    this.#hand = hand + 1 === size ? 0 : hand + 1;
    return hand;
  }

  #grow(): void {
    const slots = Math.min(this.#maxSources, this.#seen.length * 2);
    const fullAt = new Float64Array(slots);
    const kissAt = new Float64Array(slots);
    const seen = new Uint8Array(slots);
    fullAt.set(this.#fullAt);
    kissAt.set(this.#kissAt);
    seen.set(this.#seen);
    this.#fullAt = fullAt;
    this.#kissAt = kissAt;
    this.#seen = seen;
  }

  /**
   * The tokens a source has now, without taking one or marking it seen: for
   * logs and tests.
   *
   * @param key The source.
   * @returns Tokens, from 0 to the burst, fractional while refilling; the
   *   full burst for a source not in the table.
   */
  tokens(key: string): number {
    const slot = this.#slots.get(key);
    if (slot === undefined) return this.#burst;
    const wait = this.#fullAt[slot] - this.#now();
    return wait <= 0 ? this.#burst : Math.max(0, this.#burst - wait / this.#intervalMs);
  }

  /**
   * Whether a source is in the table now (a source not in it starts with a
   * full bucket): for tests.
   *
   * @param key The source.
   * @returns True when remembered.
   */
  has(key: string): boolean {
    return this.#slots.has(key);
  }

  /** Forgets every source. */
  clear(): void {
    this.#slots.clear();
    this.#keys.length = 0;
    this.#hand = 0;
  }
}

/**
 * Parses a rate flag value (`--udp-rate`, `--tcp-rate`): `N/s` or `N` per
 * second, `N/m` per minute, N a positive decimal number; or `off`.
 *
 * @param text The flag's value.
 * @returns Tokens per second, or null for `off`.
 * @throws {SyntaxError} When the text is none of these.
 * @throws {RangeError} When the rate is 0.
 *
 * @example Usage
 * ```ts
 * import { parseRate } from "./rate_limiter.ts";
 * if (parseRate("600/m") !== 10 || parseRate("20") !== 20 || parseRate("off") !== null) {
 *   throw new Error();
 * }
 * ```
 */
export function parseRate(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === "off") return null;
  const match = /^(\d+(?:\.\d+)?)(?:\/([sm]))?$/.exec(trimmed);
  if (match === null) {
    throw new SyntaxError(`invalid rate "${text}": expected N/s, N/m or off`);
  }
  const rate = Number(match[1]) / (match[2] === "m" ? 60 : 1);
  if (!(rate > 0) || !Number.isFinite(rate)) {
    throw new RangeError(`invalid rate "${text}": must be more than 0 (off turns the limit off)`);
  }
  return rate;
}

/**
 * Formats a rate the way {@linkcode parseRate} reads it: per second when
 * that is a whole number, else per minute when that is.
 *
 * @param rate Tokens per second, or null for off.
 * @returns E.g. `20/s`, `30/m`, `off`.
 *
 * @example Usage
 * ```ts
 * import { formatRate } from "./rate_limiter.ts";
 * if (formatRate(20) !== "20/s" || formatRate(0.5) !== "30/m" || formatRate(null) !== "off") {
 *   throw new Error();
 * }
 * ```
 */
export function formatRate(rate: number | null): string {
  if (rate === null) return "off";
  if (Number.isInteger(rate)) return `${rate}/s`;
  const perMinute = rate * 60;
  if (Math.abs(perMinute - Math.round(perMinute)) < 1e-9) return `${Math.round(perMinute)}/m`;
  return `${rate}/s`;
}

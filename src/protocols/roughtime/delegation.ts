/**
 * The online key and its delegation: the long-term (root) key signs a
 * DELE naming the online public key and the window [MINT, MAXT] in which
 * it may sign responses. The online key is made in memory at start and on
 * each renewal, and never written anywhere.
 *
 * One delegation yields the three CERT encodings the versions need:
 * Google-Roughtime's (MINT and MAXT in microseconds, legacy context), the
 * drafts' up to -11 (seconds, legacy context), and draft-12 onwards'
 * (seconds, context without the `--`).
 *
 * @module
 */

import { DELEGATION_CONTEXT, DELEGATION_CONTEXT_LEGACY, Tag } from "./constants.ts";
import {
  generateSigningKey,
  type RoughtimeSigningKey,
  signingKeyFromSeed,
  signWithContext,
} from "./keys.ts";
import { encodeRoughtimeMessage, uint64Bytes } from "./message.ts";
import type { RoughtimeProfile } from "./versions.ts";
import type { Instant } from "../../time/instant.ts";

/** Settings of a {@linkcode RoughtimeDelegation}. */
export interface RoughtimeDelegationOptions {
  /**
   * How long the online key is valid from now (MAXT = now + this), seconds.
   *
   * @default {86400}
   */
  validitySeconds?: number;
  /**
   * How far before now MINT lies, seconds: answers stay valid if the
   * clock is stepped back a little.
   *
   * @default {3600}
   */
  backdateSeconds?: number;
  /**
   * Renew once less than this is left before MAXT, seconds.
   *
   * @default {21600}
   */
  renewBeforeSeconds?: number;
  /**
   * The online key's seed, for reproducible tests only.
   *
   * @default {a fresh random key}
   */
  onlineSeed?: Uint8Array;
  /**
   * A fixed window in whole Unix seconds, for tests only; it is never renewed.
   *
   * @default {computed from now}
   */
  window?: { readonly minSeconds: number; readonly maxSeconds: number };
}

/**
 * A signed delegation to an online key.
 *
 * @example Usage
 * ```ts
 * import { RoughtimeDelegation } from "./delegation.ts";
 * import { signingKeyFromSeed } from "./keys.ts";
 * import { ROUGHTIME_PROFILES } from "./versions.ts";
 * const root = signingKeyFromSeed(new Uint8Array(32).fill(7));
 * const now = { seconds: 1_800_000_000, nanos: 0 };
 * const delegation = RoughtimeDelegation.create(root, now);
 * if (!delegation.covers(now) || delegation.needsRenewal(now)) throw new Error();
 * if (delegation.certificate(ROUGHTIME_PROFILES.rfc).length !== 152) throw new Error();
 * ```
 */
export class RoughtimeDelegation {
  /** The online key that signs responses. */
  readonly onlineKey: RoughtimeSigningKey;
  /** MINT, whole Unix seconds. */
  readonly minSeconds: number;
  /** MAXT, whole Unix seconds. */
  readonly maxSeconds: number;
  readonly #renewBeforeSeconds: number;
  readonly #fixed: boolean;
  readonly #certificates: ReadonlyMap<string, Uint8Array>;

  private constructor(
    onlineKey: RoughtimeSigningKey,
    minSeconds: number,
    maxSeconds: number,
    renewBeforeSeconds: number,
    fixed: boolean,
    certificates: ReadonlyMap<string, Uint8Array>,
  ) {
    this.onlineKey = onlineKey;
    this.minSeconds = minSeconds;
    this.maxSeconds = maxSeconds;
    this.#renewBeforeSeconds = renewBeforeSeconds;
    this.#fixed = fixed;
    this.#certificates = certificates;
  }

  /**
   * Makes an online key and has the root key sign its delegation.
   *
   * @param root The long-term key.
   * @param now The current time (the server's clock).
   * @param options Validity, renewal margin, and test overrides.
   * @returns The delegation.
   * @throws {RangeError} On a window that ends before it starts.
   */
  static create(
    root: RoughtimeSigningKey,
    now: Instant,
    options: RoughtimeDelegationOptions = {},
  ): RoughtimeDelegation {
    const minSeconds = options.window?.minSeconds ??
      now.seconds - (options.backdateSeconds ?? 3600);
    const maxSeconds = options.window?.maxSeconds ??
      now.seconds + (options.validitySeconds ?? 86400);
    if (
      !Number.isSafeInteger(minSeconds) || !Number.isSafeInteger(maxSeconds) ||
      maxSeconds < minSeconds
    ) {
      throw new RangeError(`invalid delegation window ${minSeconds} to ${maxSeconds}`);
    }
    const onlineKey = options.onlineSeed === undefined
      ? generateSigningKey()
      : signingKeyFromSeed(options.onlineSeed);
    const certificates = new Map<string, Uint8Array>();
    for (const microseconds of [true, false]) {
      for (const legacy of [true, false]) {
        if (microseconds && !legacy) continue;
        const scale = microseconds ? 1_000_000n : 1n;
        const dele = encodeRoughtimeMessage([
          [Tag.PUBK, onlineKey.publicKey],
          [Tag.MINT, uint64Bytes(BigInt(Math.max(0, minSeconds)) * scale)],
          [Tag.MAXT, uint64Bytes(BigInt(Math.max(0, maxSeconds)) * scale)],
        ]);
        const context = legacy ? DELEGATION_CONTEXT_LEGACY : DELEGATION_CONTEXT;
        const sig = signWithContext(root, context, dele);
        certificates.set(
          certificateKey(microseconds, context),
          encodeRoughtimeMessage([[Tag.SIG, sig], [Tag.DELE, dele]]),
        );
      }
    }
    return new RoughtimeDelegation(
      onlineKey,
      minSeconds,
      maxSeconds,
      options.window === undefined ? options.renewBeforeSeconds ?? 21600 : 0,
      options.window !== undefined,
      certificates,
    );
  }

  /**
   * The CERT value for a version.
   *
   * @param profile The version answered.
   * @returns CERT's bytes: SIG and DELE.
   */
  certificate(profile: RoughtimeProfile): Uint8Array {
    return this.#certificates.get(certificateKey(profile.microseconds, profile.delegationContext))!;
  }

  /**
   * Whether the window holds an instant, so a response stamped then verifies.
   *
   * @param now The instant.
   * @returns True when MINT ≤ now ≤ MAXT.
   */
  covers(now: Instant): boolean {
    if (now.seconds < this.minSeconds) return false;
    return now.seconds < this.maxSeconds || (now.seconds === this.maxSeconds && now.nanos === 0);
  }

  /**
   * Whether to make a new delegation: the window does not hold `now`, or
   * less than the renewal margin is left. A fixed (test) window is renewed
   * only once it no longer holds `now`.
   *
   * @param now The current time.
   * @returns True when {@linkcode RoughtimeDelegation.create} should be called again.
   */
  needsRenewal(now: Instant): boolean {
    if (!this.covers(now)) return true;
    return !this.#fixed && now.seconds >= this.maxSeconds - this.#renewBeforeSeconds;
  }
}

function certificateKey(microseconds: boolean, context: Uint8Array): string {
  return `${microseconds ? "us" : "s"}|${
    context === DELEGATION_CONTEXT_LEGACY ? "legacy" : "current"
  }`;
}

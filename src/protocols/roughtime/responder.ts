/**
 * The Roughtime server side: answers the requests of one loop turn under
 * one signature per response format, as pure functions of (bytes,
 * receive time, radius). No clock is read and no socket touched here: the
 * caller passes the time the batch is processed and the radius its clock
 * can honestly claim.
 *
 * The flow per request is a chain of early returns (see
 * {@linkcode parseRoughtimeRequest}); a request that fails any check gets
 * a drop reason to count, never an answer, and malformed input never
 * throws. The requests that pass are grouped by response format, each
 * group gets a Merkle tree over its leaves, one SREP (MIDP, RADI, ROOT,
 * and VER and VERS from draft-12) signed once by the online key, and one
 * answer per request carrying that request's PATH and INDX. An answer is
 * never larger than its request; one that would be is dropped as
 * `"oversize"`.
 *
 * @module
 */

import { ED25519_SEED_BYTES, RESPONSE_CONTEXT, Tag } from "./constants.ts";
import { RoughtimeDelegation, type RoughtimeDelegationOptions } from "./delegation.ts";
import { frameRoughtimePacket } from "./framing.ts";
import { roughtimeSrv } from "./hash.ts";
import { type RoughtimeSigningKey, signingKeyFromSeed, signWithContext } from "./keys.ts";
import { buildMerkleTree } from "./merkle.ts";
import { encodeRoughtimeMessage, uint32Bytes, uint64Bytes } from "./message.ts";
import {
  parseRoughtimeRequest,
  type RoughtimeDropReason,
  type RoughtimeRequest,
  type RoughtimeTransport,
} from "./request.ts";
import {
  ROUGHTIME_PROFILES,
  type RoughtimeProfile,
  type RoughtimeVersionName,
} from "./versions.ts";
import { epochNanoseconds, type Instant } from "../../time/instant.ts";

/** Settings of {@linkcode RoughtimeResponder.create}. */
export interface RoughtimeResponderOptions {
  /** The long-term key's 32-byte Ed25519 seed (see `key_file.ts`). */
  readonly rootSeed: Uint8Array;
  /** The server clock's time, for the first delegation window. */
  readonly now: Instant;
  /**
   * The versions answered; requests offering none of them are dropped as `"version"`.
   *
   * @default {every profile: google, draft-08, draft-11, draft-12, draft-19, rfc}
   */
  readonly versions?: readonly RoughtimeVersionName[];
  /**
   * The most requests one signature covers; larger groups are split. At
   * most 512, so that even a Google-Roughtime answer (64-byte hashes)
   * stays under the 1024-byte minimum request.
   *
   * @default {128}
   */
  readonly maxBatch?: number;
  /**
   * The delegation's validity and renewal margin.
   *
   * @default {valid from 1 h before start to 24 h after, renewed 6 h before it ends}
   */
  readonly delegation?: RoughtimeDelegationOptions;
}

/** What became of one request of a batch. */
export type RoughtimeOutcome =
  | {
    /** The answer to send back, to the request's sender, over its transport. */
    readonly answer: Uint8Array;
    /** The version answered in. */
    readonly version: RoughtimeVersionName;
  }
  | {
    /** No answer. */
    readonly answer: null;
    /** Why: count it, then drop the request. */
    readonly drop: RoughtimeDropReason;
  };

/** Settings of {@linkcode RoughtimeResponder.answerBatch}. */
export interface RoughtimeBatchOptions {
  /**
   * The transport every request of the batch came over.
   *
   * @default {"udp"}
   */
  readonly transport?: RoughtimeTransport;
}

/** The largest batch one tree may hold (see {@linkcode RoughtimeResponderOptions.maxBatch}). */
const MAX_TREE_LEAVES = 512;

/**
 * Answers Roughtime requests with a long-term key and a renewable online
 * key.
 *
 * @example Usage
 * ```ts
 * import { RoughtimeResponder } from "./responder.ts";
 * import { buildRoughtimeRequest } from "./request.ts";
 * import { ROUGHTIME_PROFILES } from "./versions.ts";
 * const now = { seconds: 1_800_000_000, nanos: 0 };
 * const responder = RoughtimeResponder.create({ rootSeed: new Uint8Array(32).fill(1), now });
 * const request = buildRoughtimeRequest({ profiles: [ROUGHTIME_PROFILES.rfc], nonce: new Uint8Array(32) });
 * const [outcome] = responder.answerBatch([request], now, 50_000);
 * if (outcome.answer === null || outcome.answer.length > request.length) throw new Error();
 * const [unsynchronised] = responder.answerBatch([request], now, null);
 * if (unsynchronised.answer !== null || unsynchronised.drop !== "unsynchronised") throw new Error();
 * ```
 */
export class RoughtimeResponder {
  /** The long-term public key, 32 bytes: what clients are configured with. */
  readonly publicKey: Uint8Array;
  /** The SRV value naming the long-term key. */
  readonly srv: Uint8Array;
  readonly #root: RoughtimeSigningKey;
  readonly #allowed: readonly RoughtimeProfile[];
  readonly #supported: Uint8Array;
  readonly #maxBatch: number;
  readonly #delegationOptions: RoughtimeDelegationOptions;
  #delegation: RoughtimeDelegation;

  private constructor(
    root: RoughtimeSigningKey,
    srv: Uint8Array,
    delegation: RoughtimeDelegation,
    allowed: readonly RoughtimeProfile[],
    maxBatch: number,
    delegationOptions: RoughtimeDelegationOptions,
  ) {
    this.#root = root;
    this.publicKey = root.publicKey;
    this.srv = srv;
    this.#delegation = delegation;
    this.#allowed = allowed;
    this.#maxBatch = maxBatch;
    this.#delegationOptions = delegationOptions;
    const numbers = [...new Set(allowed.flatMap((p) => p.number === null ? [] : [p.number]))]
      .sort((a, b) => a - b);
    this.#supported = new Uint8Array(4 * numbers.length);
    numbers.forEach((n, i) => this.#supported.set(uint32Bytes(n), 4 * i));
  }

  /**
   * Loads the long-term key and makes the first online key and delegation.
   *
   * @param options The seed, the current time, versions, batch size, delegation.
   * @returns The responder.
   * @throws {RangeError} On a seed that is not 32 bytes, an unknown
   *   version, no version, or a batch size outside 1 to 512.
   */
  static create(options: RoughtimeResponderOptions): RoughtimeResponder {
    if (options.rootSeed.length !== ED25519_SEED_BYTES) {
      throw new RangeError(`the root seed must be ${ED25519_SEED_BYTES} bytes`);
    }
    const names = options.versions ?? Object.keys(ROUGHTIME_PROFILES) as RoughtimeVersionName[];
    if (names.length === 0) throw new RangeError("answer at least one version");
    const allowed = names.map((name) => {
      const found = ROUGHTIME_PROFILES[name];
      if (found === undefined) throw new RangeError(`unknown Roughtime version "${name}"`);
      return found;
    });
    const maxBatch = options.maxBatch ?? 128;
    if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > MAX_TREE_LEAVES) {
      throw new RangeError(`maxBatch must be 1 to ${MAX_TREE_LEAVES}, got ${maxBatch}`);
    }
    const root = signingKeyFromSeed(options.rootSeed);
    const delegationOptions = options.delegation ?? {};
    const delegation = RoughtimeDelegation.create(root, options.now, delegationOptions);
    return new RoughtimeResponder(
      root,
      roughtimeSrv(root.publicKey),
      delegation,
      allowed,
      maxBatch,
      delegationOptions,
    );
  }

  /** The delegation in force: the online public key and its window. */
  get delegation(): RoughtimeDelegation {
    return this.#delegation;
  }

  /**
   * Whether the online key should be replaced before answering at `now`
   * ({@linkcode RoughtimeResponder.answerBatch} does it by itself).
   *
   * @param now The current time.
   * @returns True when the delegation ends soon or does not cover `now`.
   */
  needsRenewal(now: Instant): boolean {
    return this.#delegation.needsRenewal(now);
  }

  /**
   * Replaces the online key with a new one, delegated from `now` (a
   * fresh key and one signature: well under a millisecond).
   *
   * @param now The current time.
   */
  renew(now: Instant): void {
    this.#delegation = RoughtimeDelegation.create(this.#root, now, this.#delegationOptions);
  }

  /**
   * Answers the requests of one loop turn: one Merkle tree and one
   * signature per response format (and per `maxBatch` requests).
   *
   * @param requests The datagrams or TCP packets, in any mix of versions.
   * @param now When the batch is processed: MIDP.
   * @param radiusMicros How far the true time may be from `now`,
   *   microseconds (e.g. the kernel's maximum error plus a margin); MIDP's
   *   rounding and the version's floor (3 s in the drafts) are added. Null
   *   when the clock is not synchronised: then nothing is answered.
   * @param options The transport.
   * @returns One outcome per request, in order.
   */
  answerBatch(
    requests: readonly Uint8Array[],
    now: Instant,
    radiusMicros: number | null,
    options: RoughtimeBatchOptions = {},
  ): RoughtimeOutcome[] {
    const transport = options.transport ?? "udp";
    const outcomes: RoughtimeOutcome[] = new Array(requests.length);
    const groups = new Map<string, { index: number; request: RoughtimeRequest }[]>();
    for (let index = 0; index < requests.length; index++) {
      const parsed = parseRoughtimeRequest(requests[index], {
        transport,
        srv: this.srv,
        allowed: this.#allowed,
      });
      if (typeof parsed === "string") {
        outcomes[index] = { answer: null, drop: parsed };
        continue;
      }
      const key = parsed.profile.srepGroup;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push({ index, request: parsed });
    }
    if (groups.size === 0) return outcomes;
    const honest = radiusMicros !== null && Number.isFinite(radiusMicros) && radiusMicros >= 0;
    if (honest && this.needsRenewal(now)) this.renew(now);
    const delegation = this.#delegation;
    const reason: RoughtimeDropReason | null = !honest
      ? "unsynchronised"
      : delegation.covers(now)
      ? null
      : "expired";
    for (const members of groups.values()) {
      for (let start = 0; start < members.length; start += this.#maxBatch) {
        const chunk = members.slice(start, start + this.#maxBatch);
        if (reason !== null) {
          for (const { index } of chunk) outcomes[index] = { answer: null, drop: reason };
          continue;
        }
        const answers = this.#answerGroup(
          chunk.map((m) => m.request),
          now,
          radiusMicros!,
          delegation,
        );
        chunk.forEach(({ index }, i) => outcomes[index] = answers[i]);
      }
    }
    return outcomes;
  }

  /** Answers requests that share one SREP layout, under one signature. */
  #answerGroup(
    requests: readonly RoughtimeRequest[],
    now: Instant,
    radiusMicros: number,
    delegation: RoughtimeDelegation,
  ): RoughtimeOutcome[] {
    const profile = requests[0].profile;
    const tree = buildMerkleTree(
      requests.map((r) => profile.leaf === "nonce" ? r.nonce : r.packet),
      profile.hashBytes,
    );
    const { midpoint, radius } = roughtimeTimeFields(now, radiusMicros, profile);
    const srepFields: [number, Uint8Array][] = [
      [Tag.RADI, uint32Bytes(radius)],
      [Tag.MIDP, uint64Bytes(midpoint)],
      [Tag.ROOT, tree.root],
    ];
    if (profile.versionIn === "srep") {
      srepFields.push([Tag.VER, uint32Bytes(profile.number!)], [Tag.VERS, this.#supported]);
    }
    const srep = encodeRoughtimeMessage(srepFields);
    const sig = signWithContext(delegation.onlineKey, RESPONSE_CONTEXT, srep);
    return requests.map((request, index): RoughtimeOutcome => {
      const own = request.profile;
      const fields: [number, Uint8Array][] = [
        [Tag.SIG, sig],
        [Tag.PATH, tree.path(index)],
        [Tag.SREP, srep],
        [Tag.CERT, delegation.certificate(own)],
        [Tag.INDX, uint32Bytes(index)],
      ];
      if (own.versionIn === "top") fields.push([Tag.VER, uint32Bytes(own.number!)]);
      if (own.nonceInResponse) fields.push([Tag.NONC, request.nonce]);
      if (own.type) fields.push([Tag.TYPE, uint32Bytes(1)]);
      const message = encodeRoughtimeMessage(fields);
      const answer = request.framed ? frameRoughtimePacket(message) : message;
      if (answer.length > request.packet.length) return { answer: null, drop: "oversize" };
      return { answer, version: own.name };
    });
  }
}

/**
 * MIDP and RADI for a version: `now` rounded to the version's unit
 * (seconds, or microseconds for Google-Roughtime), and a radius covering
 * the caller's radius plus that rounding, rounded up, at least the
 * version's floor, at most 2^32 - 1.
 *
 * @param now The processing time.
 * @param radiusMicros The clock's error bound, microseconds.
 * @param profile The version.
 * @returns MIDP and RADI as they go on the wire.
 *
 * @example Usage
 * ```ts
 * import { roughtimeTimeFields } from "./responder.ts";
 * import { ROUGHTIME_PROFILES } from "./versions.ts";
 * const f = roughtimeTimeFields({ seconds: 50, nanos: 600_000_000 }, 1_000_000, ROUGHTIME_PROFILES.rfc);
 * if (f.midpoint !== 51n || f.radius !== 3) throw new Error(JSON.stringify({ ...f, midpoint: 0 }));
 * ```
 */
export function roughtimeTimeFields(
  now: Instant,
  radiusMicros: number,
  profile: RoughtimeProfile,
): { midpoint: bigint; radius: number } {
  const unit = profile.microseconds ? 1_000n : 1_000_000_000n;
  let nanos = epochNanoseconds(now);
  if (nanos < 0n) nanos = 0n;
  const midpoint = (nanos + unit / 2n) / unit;
  const rounding = nanos > midpoint * unit ? nanos - midpoint * unit : midpoint * unit - nanos;
  const bound = BigInt(Math.ceil(radiusMicros * 1000)) + rounding;
  const radius = Number((bound + unit - 1n) / unit);
  return { midpoint, radius: Math.min(0xffffffff, Math.max(profile.minRadius, radius)) };
}

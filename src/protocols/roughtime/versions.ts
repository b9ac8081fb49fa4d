/**
 * The Roughtime versions clockd speaks, each as a profile of the wire
 * differences, and the negotiation from a client's VER list.
 *
 * | profile    | VER          | frame | nonce | hash          | MIDP, RADI, MINT, MAXT | leaf            | response tags                              | DELE context |
 * | ---------- | ------------ | ----- | ----- | ------------- | ---------------------- | --------------- | ------------------------------------------ | ------------ |
 * | `google`   | none         | no    | 64 B  | SHA-512       | microseconds           | H(0 ‖ nonce)    | SIG PATH SREP CERT INDX                    | `…--\0`      |
 * | `draft-08` | `0x80000008` | yes   | 32 B  | SHA-512[:32]  | seconds                | H(0 ‖ nonce)    | + VER (top level)                          | `…--\0`      |
 * | `draft-11` | `0x8000000b` | yes   | 32 B  | SHA-512[:32]  | seconds                | H(0 ‖ nonce)    | + VER (top level); request SRV             | `…--\0`      |
 * | `draft-12` | `0x8000000c` | yes   | 32 B  | SHA-512[:32]  | seconds                | H(0 ‖ packet)   | + NONC; VER, VERS in SREP                  | `…\0`        |
 * | `draft-19` | `0x8000000c` | yes   | 32 B  | SHA-512[:32]  | seconds                | H(0 ‖ packet)   | + NONC, TYPE; VER, VERS in SREP            | `…\0`        |
 * | `rfc`      | `0x00000001` | yes   | 32 B  | SHA-512[:32]  | seconds                | H(0 ‖ packet)   | + NONC, TYPE; VER, VERS in SREP            | `…\0`        |
 *
 * Drafts 12 to 19 share the number 0x8000000c; drafts 14 to 19 add the
 * TYPE tag (0 in requests, 1 in responses), so a 0x8000000c request with
 * TYPE is answered as draft-19, without as draft-12. `rfc` is RFC 10049,
 * the published draft-19, version 1. Google pads with `PAD\xff`, the
 * drafts with `ZZZZ`. RADI is at least 3 s in the drafts (leap seconds).
 *
 * @module
 */

import { DELEGATION_CONTEXT, DELEGATION_CONTEXT_LEGACY, Tag } from "./constants.ts";

/** The name of a version profile. */
export type RoughtimeVersionName =
  | "google"
  | "draft-08"
  | "draft-11"
  | "draft-12"
  | "draft-19"
  | "rfc";

/** What one version puts on the wire. */
export interface RoughtimeProfile {
  /** The profile's name. */
  readonly name: RoughtimeVersionName;
  /** For people: `Google-Roughtime`, `draft-ietf-ntp-roughtime-11`, `RFC 10049`. */
  readonly label: string;
  /** The number in VER; null for Google-Roughtime, which has no VER. */
  readonly number: number | null;
  /** Whether packets carry the `ROUGHTIM` frame (always over TCP in clockd). */
  readonly framed: boolean;
  /** Bytes of NONC. */
  readonly nonceBytes: number;
  /** Bytes of every Merkle hash (ROOT, PATH entries): SHA-512, or its first 32 bytes. */
  readonly hashBytes: number;
  /** Whether MIDP, RADI, MINT and MAXT count microseconds (Google) rather than seconds. */
  readonly microseconds: boolean;
  /** The smallest RADI sent, in the profile's unit. */
  readonly minRadius: number;
  /** Context of the long-term key's signature over DELE. */
  readonly delegationContext: Uint8Array;
  /** What a Merkle leaf hashes: the nonce, or the whole request packet. */
  readonly leaf: "nonce" | "packet";
  /** Where the response's version goes: nowhere, top-level VER, or VER and VERS in SREP. */
  readonly versionIn: "none" | "top" | "srep";
  /** Whether the response repeats the request's NONC. */
  readonly nonceInResponse: boolean;
  /** Whether requests carry TYPE 0 and responses TYPE 1. */
  readonly type: boolean;
  /** Whether the server checks the request's SRV tag. */
  readonly srv: boolean;
  /** The request's padding tag. */
  readonly paddingTag: number;
  /**
   * How big a client makes its request packet, frame included: 1024 for
   * Google, draft-08 and draft-11 (as Cloudflare's client does); a
   * 1024-byte message, 1036 bytes framed, from draft-12 on (as draft-19's
   * examples do).
   */
  readonly requestBytes: number;
  /** Profiles with the same SREP layout share a Merkle tree and one signature per batch. */
  readonly srepGroup: string;
}

/** VER of draft-ietf-ntp-roughtime-08. */
export const VERSION_DRAFT_08 = 0x80000008;
/** VER of draft-ietf-ntp-roughtime-11 (0x80000000 plus the draft number). */
export const VERSION_DRAFT_11 = 0x8000000b;
/** VER of draft-ietf-ntp-roughtime-12 through -19 (the number stopped moving at 12). */
export const VERSION_DRAFT_12 = 0x8000000c;
/** VER of Roughtime version 1, RFC 10049 (IANA "Roughtime Versions"). */
export const VERSION_RFC = 0x00000001;

function profile(fields: RoughtimeProfile): RoughtimeProfile {
  return Object.freeze(fields);
}

const IETF_LEGACY = {
  framed: true,
  nonceBytes: 32,
  hashBytes: 32,
  microseconds: false,
  minRadius: 3,
  delegationContext: DELEGATION_CONTEXT_LEGACY,
  leaf: "nonce",
  versionIn: "top",
  nonceInResponse: false,
  type: false,
  paddingTag: Tag.ZZZZ,
  requestBytes: 1024,
  srepGroup: "nonce-leaf",
} as const;

const IETF_CURRENT = {
  framed: true,
  nonceBytes: 32,
  hashBytes: 32,
  microseconds: false,
  minRadius: 3,
  delegationContext: DELEGATION_CONTEXT,
  leaf: "packet",
  versionIn: "srep",
  nonceInResponse: true,
  srv: true,
  paddingTag: Tag.ZZZZ,
  requestBytes: 1036,
} as const;

/** Every profile, by name. */
export const ROUGHTIME_PROFILES: Readonly<Record<RoughtimeVersionName, RoughtimeProfile>> = Object
  .freeze({
    google: profile({
      name: "google",
      label: "Google-Roughtime",
      number: null,
      framed: false,
      nonceBytes: 64,
      hashBytes: 64,
      microseconds: true,
      minRadius: 1,
      delegationContext: DELEGATION_CONTEXT_LEGACY,
      leaf: "nonce",
      versionIn: "none",
      nonceInResponse: false,
      type: false,
      srv: false,
      paddingTag: Tag.PAD,
      requestBytes: 1024,
      srepGroup: "google",
    }),
    "draft-08": profile({
      ...IETF_LEGACY,
      name: "draft-08",
      label: "draft-ietf-ntp-roughtime-08",
      number: VERSION_DRAFT_08,
      srv: false,
    }),
    "draft-11": profile({
      ...IETF_LEGACY,
      name: "draft-11",
      label: "draft-ietf-ntp-roughtime-11",
      number: VERSION_DRAFT_11,
      srv: true,
    }),
    "draft-12": profile({
      ...IETF_CURRENT,
      name: "draft-12",
      label: "draft-ietf-ntp-roughtime-12",
      number: VERSION_DRAFT_12,
      type: false,
      srepGroup: "0x8000000c",
    }),
    "draft-19": profile({
      ...IETF_CURRENT,
      name: "draft-19",
      label: "draft-ietf-ntp-roughtime-19",
      number: VERSION_DRAFT_12,
      type: true,
      srepGroup: "0x8000000c",
    }),
    rfc: profile({
      ...IETF_CURRENT,
      name: "rfc",
      label: "RFC 10049",
      number: VERSION_RFC,
      type: true,
      srepGroup: "1",
    }),
  });

/**
 * The IETF version numbers a server supports, ascending: the value of
 * VERS, and the client's default offer.
 */
export const ROUGHTIME_IETF_VERSIONS: readonly number[] = Object.freeze(
  [VERSION_RFC, VERSION_DRAFT_08, VERSION_DRAFT_11, VERSION_DRAFT_12],
);

/** A server's preference among offered versions: newest first. */
const PREFERENCE: readonly number[] = [
  VERSION_RFC,
  VERSION_DRAFT_12,
  VERSION_DRAFT_11,
  VERSION_DRAFT_08,
];

/**
 * The profile that answers an IETF request: the most preferred supported
 * version among those offered, unknown numbers ignored.
 *
 * @param offered The version numbers in the request's VER.
 * @param hasType Whether the request carries TYPE (0x8000000c means
 *   draft-19 with it, draft-12 without).
 * @param allowed The profiles the server answers.
 * @returns The profile, or null when none of the offered versions is allowed.
 *
 * @example Usage
 * ```ts
 * import { negotiateRoughtimeVersion, ROUGHTIME_PROFILES } from "./versions.ts";
 * const all = Object.values(ROUGHTIME_PROFILES);
 * if (negotiateRoughtimeVersion([0x8000000b, 0x8000000c], true, all)?.name !== "draft-19") throw new Error();
 * if (negotiateRoughtimeVersion([0x8000000c], false, all)?.name !== "draft-12") throw new Error();
 * if (negotiateRoughtimeVersion([7], false, all) !== null) throw new Error();
 * ```
 */
export function negotiateRoughtimeVersion(
  offered: readonly number[],
  hasType: boolean,
  allowed: readonly RoughtimeProfile[],
): RoughtimeProfile | null {
  for (const number of PREFERENCE) {
    if (!offered.includes(number)) continue;
    const found = ietfProfile(number, hasType);
    if (found !== null && allowed.includes(found)) return found;
  }
  return null;
}

/**
 * The IETF profile of a version number.
 *
 * @param number A VER value.
 * @param hasType Whether the request carried TYPE (tells draft-19 from draft-12).
 * @returns The profile, or null for a number clockd does not speak.
 *
 * @example Usage
 * ```ts
 * import { ietfProfile } from "./versions.ts";
 * if (ietfProfile(1, true)?.name !== "rfc" || ietfProfile(0x80000008, false)?.name !== "draft-08") throw new Error();
 * ```
 */
export function ietfProfile(number: number, hasType: boolean): RoughtimeProfile | null {
  switch (number) {
    case VERSION_RFC:
      return ROUGHTIME_PROFILES.rfc;
    case VERSION_DRAFT_12:
      return hasType ? ROUGHTIME_PROFILES["draft-19"] : ROUGHTIME_PROFILES["draft-12"];
    case VERSION_DRAFT_11:
      return ROUGHTIME_PROFILES["draft-11"];
    case VERSION_DRAFT_08:
      return ROUGHTIME_PROFILES["draft-08"];
    default:
      return null;
  }
}

/**
 * Access control by source address, as chrony's `allow` / `deny`: CIDR
 * blocks parsed once into numeric masks, then matched per request with
 * 32-bit integer arithmetic.
 *
 * @module
 */

import { formatIpv4, formatIpv6, isIpv4Mapped, parseIpInto } from "./ip.ts";

/**
 * An address block. IPv4 blocks hold the network as one unsigned 32-bit
 * number; IPv6 blocks as four unsigned 32-bit words, most significant first.
 * The host bits are always zero.
 */
export type Cidr =
  | {
    readonly version: 4;
    readonly network: number;
    readonly prefixLength: number;
    /** Canonical text, e.g. `192.0.2.0/24`. */
    readonly text: string;
  }
  | {
    readonly version: 6;
    readonly network: readonly [number, number, number, number];
    readonly prefixLength: number;
    /** Canonical text (RFC 5952), e.g. `2001:db8::/32`. */
    readonly text: string;
  };

/** The mask of the `bits` most significant bits of a 32-bit word, as a signed number. */
function wordMask(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return -1;
  return -1 << (32 - bits);
}

/**
 * Parses an address block: `ADDRESS/LENGTH` or a bare address (a /32 or
 * /128 block of one address), IPv4 (`192.0.2.0/24`) or IPv6
 * (`2001:db8::/32`).
 *
 * Host bits must be zero: `192.0.2.1/24` is rejected, naming the network
 * `192.0.2.0/24`, because in an access list it is as likely a typo for
 * `192.0.2.1` as for the whole block, and guessing wrong allows or denies 255
 * hosts silently.
 *
 * An IPv4-mapped block of /96 or longer (`::ffff:192.0.2.0/120`) is the
 * IPv4 block it stands for (`192.0.2.0/24`), because mapped peers are
 * matched as IPv4. Any other IPv6 block, `::/0` included, matches IPv6 peers
 * only.
 *
 * @param text The block.
 * @returns The block.
 * @throws {SyntaxError} When the address is not an IP address, the length is
 *   not a whole number from 0 to 32 (IPv4) or 128 (IPv6), or host bits are set.
 *
 * @example Usage
 * ```ts
 * import { parseCidr } from "./access_list.ts";
 * const cidr = parseCidr("2001:DB8::/32");
 * if (cidr.version !== 6 || cidr.prefixLength !== 32 || cidr.text !== "2001:db8::/32") {
 *   throw new Error();
 * }
 * ```
 */
export function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  const slash = trimmed.indexOf("/");
  const addressText = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const fail = (why: string) => new SyntaxError(`invalid CIDR "${text}": ${why}`);
  const words = new Int32Array(4);
  const version = parseIpInto(addressText, words, false);
  if (version === 0) {
    throw fail(addressText === "" ? "expected ADDRESS/LENGTH or ADDRESS" : "not an IP address");
  }
  const maxLength = version === 4 ? 32 : 128;
  let prefixLength = maxLength;
  if (slash >= 0) {
    const lengthText = trimmed.slice(slash + 1);
    if (lengthText === "") throw fail('expected a prefix length after "/"');
    let value = 0;
    for (let i = 0; i < lengthText.length; i++) {
      const c = lengthText.charCodeAt(i) - 48;
      if (c < 0 || c > 9 || i > 2 || (i === 1 && value === 0)) {
        throw fail(`prefix length must be a whole number from 0 to ${maxLength}`);
      }
      value = value * 10 + c;
    }
    if (value > maxLength) {
      throw fail(`prefix length must be a whole number from 0 to ${maxLength}`);
    }
    prefixLength = value;
  }
  if (version === 6 && prefixLength >= 96 && isIpv4Mapped(words)) {
    return ipv4Cidr(text, words[3], prefixLength - 96, 96);
  }
  if (version === 4) return ipv4Cidr(text, words[0], prefixLength, 0);
  const network: [number, number, number, number] = [0, 0, 0, 0];
  let hostBits = false;
  for (let i = 0; i < 4; i++) {
    const masked = words[i] & wordMask(prefixLength - 32 * i);
    if (masked !== words[i]) hostBits = true;
    network[i] = masked >>> 0;
  }
  const canonical = `${formatIpv6(network)}/${prefixLength}`;
  if (hostBits) throw fail(`host bits set, the network is "${canonical}"`);
  return { version: 6, network, prefixLength, text: canonical };
}

function ipv4Cidr(text: string, address: number, prefixLength: number, offset: number): Cidr {
  const network = (address & wordMask(prefixLength)) >>> 0;
  if (network !== address >>> 0) {
    const canonical = offset === 0
      ? `${formatIpv4(network)}/${prefixLength}`
      : `::ffff:${formatIpv4(network)}/${prefixLength + offset}`;
    throw new SyntaxError(`invalid CIDR "${text}": host bits set, the network is "${canonical}"`);
  }
  return { version: 4, network, prefixLength, text: `${formatIpv4(network)}/${prefixLength}` };
}

/** Where {@linkcode AccessList.permits} parses the peer's address. */
const scratch = new Int32Array(4);

/** IPv4 blocks as (network, mask) pairs of signed 32-bit numbers. */
function ipv4Table(cidrs: readonly Cidr[]): Int32Array {
  const v4 = cidrs.filter((cidr) => cidr.version === 4);
  const table = new Int32Array(v4.length * 2);
  v4.forEach((cidr, i) => {
    table[2 * i] = cidr.network | 0;
    table[2 * i + 1] = wordMask(cidr.prefixLength);
  });
  return table;
}

/** IPv6 blocks as four network words then four mask words each, signed. */
function ipv6Table(cidrs: readonly Cidr[]): Int32Array {
  const v6 = cidrs.filter((cidr) => cidr.version === 6);
  const table = new Int32Array(v6.length * 8);
  v6.forEach((cidr, i) => {
    for (let w = 0; w < 4; w++) {
      table[8 * i + w] = cidr.network[w] | 0;
      table[8 * i + 4 + w] = wordMask(cidr.prefixLength - 32 * w);
    }
  });
  return table;
}

function matchesIpv4(table: Int32Array, address: number): boolean {
  for (let i = 0; i < table.length; i += 2) {
    if ((address & table[i + 1]) === table[i]) return true;
  }
  return false;
}

function matchesIpv6(table: Int32Array, words: Int32Array): boolean {
  const w0 = words[0];
  const w1 = words[1];
  const w2 = words[2];
  const w3 = words[3];
  for (let i = 0; i < table.length; i += 8) {
    if (
      (w0 & table[i + 4]) === table[i] && (w1 & table[i + 5]) === table[i + 1] &&
      (w2 & table[i + 6]) === table[i + 2] && (w3 & table[i + 7]) === table[i + 3]
    ) {
      return true;
    }
  }
  return false;
}

/**
 * Which sources may be answered:
 * - a source in a `deny` block is refused, whatever the `allow` blocks say;
 * - with at least one `allow` block (of either family), only sources in an
 *   `allow` block are permitted: `allow 10.0.0.0/8` alone refuses every
 *   IPv6 source too;
 * - with no `allow` block, every source not denied is permitted.
 *
 * An IPv4-mapped IPv6 peer (`::ffff:192.0.2.1`) is matched as its IPv4
 * address, against the IPv4 blocks. A peer whose text is no IP address is
 * refused unless the list is empty. Blocks are tried in turn, so a check
 * costs one masked compare per block of the peer's family.
 *
 * @example Usage
 * ```ts
 * import { AccessList, parseCidr } from "./access_list.ts";
 * const access = new AccessList([parseCidr("192.0.2.0/24")], [parseCidr("192.0.2.66")]);
 * if (!access.permits("::ffff:192.0.2.1") || access.permits("192.0.2.66")) throw new Error();
 * if (access.permits("2001:db8::1")) throw new Error("not allowed");
 * ```
 */
export class AccessList {
  readonly #allow4: Int32Array;
  readonly #allow6: Int32Array;
  readonly #deny4: Int32Array;
  readonly #deny6: Int32Array;
  readonly #hasAllow: boolean;
  readonly #empty: boolean;

  /**
   * Compiles the blocks into masks.
   *
   * @param allow Blocks to permit; when any is given, everything else is refused.
   * @param deny Blocks to refuse; they win over `allow`.
   */
  constructor(allow: readonly Cidr[] = [], deny: readonly Cidr[] = []) {
    this.#allow4 = ipv4Table(allow);
    this.#allow6 = ipv6Table(allow);
    this.#deny4 = ipv4Table(deny);
    this.#deny6 = ipv6Table(deny);
    this.#hasAllow = allow.length > 0;
    this.#empty = allow.length === 0 && deny.length === 0;
  }

  /** Whether the list has no block at all, so it permits everyone. */
  get empty(): boolean {
    return this.#empty;
  }

  /**
   * Whether a source may be answered.
   *
   * @param hostname The peer's address, as `Deno.NetAddr.hostname` gives it.
   * @returns True when permitted.
   */
  permits(hostname: string): boolean {
    if (this.#empty) return true;
    const version = parseIpInto(hostname, scratch, true);
    if (version === 0) return false;
    if (version === 4 || isIpv4Mapped(scratch)) {
      const address = scratch[version === 4 ? 0 : 3];
      if (matchesIpv4(this.#deny4, address)) return false;
      return !this.#hasAllow || matchesIpv4(this.#allow4, address);
    }
    if (matchesIpv6(this.#deny6, scratch)) return false;
    return !this.#hasAllow || matchesIpv6(this.#allow6, scratch);
  }
}

/**
 * IP addresses as text: which family a literal is, and one spelling per
 * address so that answers can be matched to the addresses asked.
 *
 * @module
 */

/**
 * The family of an IP literal.
 *
 * @param text A host.
 * @returns 4 or 6 for an IPv4 or IPv6 literal, null for a name.
 *
 * @example Usage
 * ```ts
 * import { ipFamily } from "./ip_text.ts";
 * if (ipFamily("::1") !== 6 || ipFamily("127.0.0.1") !== 4 || ipFamily("localhost") !== null) {
 *   throw new Error();
 * }
 * ```
 */
export function ipFamily(text: string): 4 | 6 | null {
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(text)) {
    return text.split(".").every((octet) => Number(octet) <= 255) ? 4 : null;
  }
  return text.includes(":") && expandIPv6(text) !== null ? 6 : null;
}

/**
 * A canonical spelling of an IP address, so that `::1` and
 * `0:0:0:0:0:0:0:1` compare equal; IPv4-mapped IPv6 addresses become IPv4.
 *
 * @param text An IP address; anything else is returned lower-cased.
 * @returns The canonical text.
 *
 * @example Usage
 * ```ts
 * import { canonicalAddress } from "./ip_text.ts";
 * if (canonicalAddress("0:0::1") !== canonicalAddress("::1")) throw new Error();
 * if (canonicalAddress("::ffff:127.0.0.1") !== "127.0.0.1") throw new Error();
 * ```
 */
export function canonicalAddress(text: string): string {
  const groups = text.includes(":") ? expandIPv6(text) : null;
  if (groups === null) return text.toLowerCase();
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join(".");
  }
  return groups.map((g) => g.toString(16)).join(":");
}

/** The eight 16-bit groups of an IPv6 address, or null when it is not one. */
function expandIPv6(text: string): number[] | null {
  let rest = text.toLowerCase();
  const tail: number[] = [];
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(rest);
  if (v4 !== null) {
    const octets = v4.slice(1).map(Number);
    if (octets.some((o) => o > 255)) return null;
    tail.push((octets[0] << 8) | octets[1], (octets[2] << 8) | octets[3]);
    const prefix = rest.slice(0, v4.index);
    if (!prefix.endsWith(":")) return null;
    rest = prefix.endsWith("::") ? prefix : prefix.slice(0, -1);
  }
  const halves = rest.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) =>
    part === ""
      ? []
      : part.split(":").map((g) => /^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN);
  const head = parse(halves[0]);
  const after = halves.length === 2 ? parse(halves[1]) : [];
  const known = head.length + after.length + tail.length;
  if ([...head, ...after].some(Number.isNaN)) return null;
  if (halves.length === 1 ? known !== 8 : known > 7) return null;
  return [...head, ...new Array(8 - known).fill(0), ...after, ...tail];
}

/**
 * IP address parsing without regular expressions, and the rate-limit key of
 * a datagram's source: an IPv4 address, or the /64 prefix of an IPv6 one (one
 * IPv6 host usually holds a whole /64, so per-address limits would not limit
 * it). An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, how a dual-stack
 * socket reports IPv4 peers) counts as the IPv4 address.
 *
 * {@linkcode sourcePrefix} runs once per datagram: IPv4 and mapped IPv4 text
 * is validated by one scan and returned (or sliced) without being rebuilt.
 *
 * @module
 */

/**
 * A parsed IP address. IPv4 is one unsigned 32-bit number; IPv6 is four
 * unsigned 32-bit words, most significant first. An IPv4-mapped IPv6 address
 * stays version 6 here; see {@linkcode unmappedIpv4}.
 */
export type IpAddress =
  | { readonly version: 4; readonly value: number }
  | { readonly version: 6; readonly words: readonly [number, number, number, number] };

const DOT = 46;
const COLON = 58;
const DIGIT_0 = 48;
const DIGIT_9 = 57;
/** The eight 16-bit groups of the IPv6 address being parsed. */
const groups = new Uint16Array(8);
/** Where {@linkcode sourcePrefix} parses IPv6 words. */
const scratch = new Int32Array(4);

/**
 * Parses a dotted-quad IPv4 address in `text[start, end)`: four decimal
 * numbers from 0 to 255 without leading zeros (as `inet_pton` takes them).
 *
 * @returns The address as an unsigned 32-bit number, or -1.
 */
function parseIpv4Range(text: string, start: number, end: number): number {
  if (end - start < 7 || end - start > 15) return -1;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= DIGIT_0 && c <= DIGIT_9) {
      if (digits === 1 && octet === 0) return -1; // leading zero
      octet = octet * 10 + (c - DIGIT_0);
      if (octet > 255) return -1;
      digits++;
    } else if (c === DOT) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + octet;
}

function hexValue(c: number): number {
  if (c >= DIGIT_0 && c <= DIGIT_9) return c - DIGIT_0;
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/**
 * Parses an IPv6 address in `text[0, end)` into {@linkcode groups}: up to
 * eight groups of one to four hex digits, at most one `::`, and optionally a
 * dotted-quad IPv4 address as the last 32 bits.
 *
 * @returns Whether the text is an IPv6 address.
 */
function parseIpv6Range(text: string, end: number): boolean {
  let i = 0;
  let count = 0;
  let gap = -1;
  if (end < 2) return false;
  if (text.charCodeAt(0) === COLON) {
    if (text.charCodeAt(1) !== COLON) return false;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    if (count === 8) return false;
    const start = i;
    let value = 0;
    for (; i < end && i - start < 5; i++) {
      const digit = hexValue(text.charCodeAt(i));
      if (digit < 0) break;
      value = value * 16 + digit;
    }
    const digits = i - start;
    if (digits === 0 || digits > 4 && !(i < end && text.charCodeAt(i) === DOT)) return false;
    if (i < end && text.charCodeAt(i) === DOT) {
      if (count > 6) return false;
      const ipv4 = parseIpv4Range(text, start, end);
      if (ipv4 < 0) return false;
      groups[count++] = ipv4 >>> 16;
      groups[count++] = ipv4 & 0xffff;
      i = end;
      break;
    }
    groups[count++] = value;
    if (i === end) break;
    if (text.charCodeAt(i) !== COLON) return false;
    i++;
    if (i === end) return false; // a lone trailing ":"
    if (text.charCodeAt(i) === COLON) {
      if (gap >= 0) return false; // a second "::"
      gap = count;
      i++;
    }
  }
  if (gap < 0) return count === 8;
  if (count === 8) return false; // "::" stands for at least one group
  const tail = count - gap;
  for (let k = tail - 1; k >= 0; k--) groups[8 - tail + k] = groups[gap + k];
  for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  return true;
}

/**
 * Parses an IP address into `out` without allocating: the building block of
 * {@linkcode sourcePrefix} and the access list's matcher.
 *
 * @param text An IPv4 dotted quad or IPv6 address (no brackets).
 * @param out Receives the address: for IPv4, `out[0]`; for IPv6, the four
 *   32-bit words in `out[0..3]`. Values are signed 32-bit (`| 0`) numbers.
 * @param allowZone Whether an IPv6 zone (`fe80::1%eth0`) is accepted and ignored.
 * @returns 4 or 6, or 0 when the text is not an address.
 *
 * @example Usage
 * ```ts
 * import { parseIpInto } from "./ip.ts";
 * const out = new Int32Array(4);
 * if (parseIpInto("2001:db8::1", out, false) !== 6 || out[0] !== 0x20010db8) throw new Error();
 * ```
 */
export function parseIpInto(text: string, out: Int32Array, allowZone: boolean): 0 | 4 | 6 {
  let end = text.length;
  const ipv4 = parseIpv4Range(text, 0, end);
  if (ipv4 >= 0) {
    out[0] = ipv4 | 0;
    return 4;
  }
  if (end > 7 && hasMappedPrefix(text)) {
    // How a dual-stack socket reports every IPv4 peer: worth a fast path.
    const mapped = parseIpv4Range(text, 7, end);
    if (mapped >= 0) {
      out[0] = 0;
      out[1] = 0;
      out[2] = 0xffff;
      out[3] = mapped | 0;
      return 6;
    }
  }
  if (allowZone) {
    const percent = text.indexOf("%");
    if (percent >= 0) {
      if (percent === end - 1) return 0;
      end = percent;
    }
  } else if (text.indexOf("%") >= 0) {
    return 0;
  }
  if (!parseIpv6Range(text, end)) return 0;
  out[0] = (groups[0] << 16) | groups[1];
  out[1] = (groups[2] << 16) | groups[3];
  out[2] = (groups[4] << 16) | groups[5];
  out[3] = (groups[6] << 16) | groups[7];
  return 6;
}

/**
 * Parses an IP address: an IPv4 dotted quad (no leading zeros, as
 * `inet_pton` takes it) or an IPv6 address in any valid compression, with an
 * optional dotted-quad tail (`::ffff:192.0.2.1`). No brackets, no zone.
 *
 * @param text The address.
 * @returns The address, or null when the text is not one.
 *
 * @example Usage
 * ```ts
 * import { parseIp } from "./ip.ts";
 * const ip = parseIp("192.0.2.1");
 * if (ip?.version !== 4 || ip.value !== 0xc0000201) throw new Error();
 * const ip6 = parseIp("2001:db8::1");
 * if (ip6?.version !== 6 || ip6.words.join() !== [0x20010db8, 0, 0, 1].join()) throw new Error();
 * ```
 */
export function parseIp(text: string): IpAddress | null {
  const out = new Int32Array(4);
  const version = parseIpInto(text, out, false);
  if (version === 4) return { version, value: out[0] >>> 0 };
  if (version === 6) {
    return { version, words: [out[0] >>> 0, out[1] >>> 0, out[2] >>> 0, out[3] >>> 0] };
  }
  return null;
}

/**
 * Whether four IPv6 words are an IPv4-mapped address (`::ffff:0:0/96`).
 *
 * @param words The address's words, signed or unsigned.
 * @returns True for `::ffff:a.b.c.d`.
 *
 * @example Usage
 * ```ts
 * import { isIpv4Mapped } from "./ip.ts";
 * if (!isIpv4Mapped([0, 0, 0xffff, 0xc0000201]) || isIpv4Mapped([0, 0, 0, 1])) throw new Error();
 * ```
 */
export function isIpv4Mapped(words: ArrayLike<number>): boolean {
  return words[0] === 0 && words[1] === 0 && (words[2] | 0) === 0xffff;
}

/**
 * The IPv4 address an IPv4-mapped IPv6 address stands for.
 *
 * @param ip A parsed address.
 * @returns The IPv4 address itself, the address a mapped one stands for, or
 *   null for any other IPv6 address.
 *
 * @example Usage
 * ```ts
 * import { parseIp, unmappedIpv4 } from "./ip.ts";
 * if (unmappedIpv4(parseIp("::ffff:c000:201")!) !== 0xc0000201) throw new Error();
 * ```
 */
export function unmappedIpv4(ip: IpAddress): number | null {
  if (ip.version === 4) return ip.value;
  return isIpv4Mapped(ip.words) ? ip.words[3] >>> 0 : null;
}

/**
 * Formats an IPv4 address.
 *
 * @param value The address, as a 32-bit number (signed or unsigned).
 * @returns The dotted quad.
 *
 * @example Usage
 * ```ts
 * import { formatIpv4 } from "./ip.ts";
 * if (formatIpv4(0xc0000201) !== "192.0.2.1") throw new Error();
 * ```
 */
export function formatIpv4(value: number): string {
  return `${(value >>> 24) & 255}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/**
 * Formats an IPv6 address as RFC 5952 does: lowercase, no leading zeros,
 * the longest run of two or more zero groups (the first if tied) as `::`.
 *
 * @param words The four 32-bit words, most significant first.
 * @returns The canonical text.
 *
 * @example Usage
 * ```ts
 * import { formatIpv6 } from "./ip.ts";
 * if (formatIpv6([0x20010db8, 0, 0, 1]) !== "2001:db8::1") throw new Error();
 * ```
 */
export function formatIpv6(words: ArrayLike<number>): string {
  const parts: number[] = [];
  for (let i = 0; i < 4; i++) parts.push((words[i] >>> 16) & 0xffff, words[i] & 0xffff);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (parts[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && parts[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) =>
    parts.slice(from, to).map((part) => part.toString(16)).join(":");
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/**
 * Formats an IPv6 peer address as clockd reports peers everywhere (the
 * kernel engine's `accept`, a PROXY header's source): an IPv4-mapped
 * address as `::ffff:` and a dotted quad, as a dual-stack socket reports it
 * (so the access list and per-source keys see the IPv4 address), any other
 * as {@linkcode formatIpv6} does.
 *
 * @param words The four 32-bit words, most significant first.
 * @returns The address as text.
 *
 * @example Usage
 * ```ts
 * import { formatPeerIpv6 } from "./ip.ts";
 * if (formatPeerIpv6([0, 0, 0xffff, 0xc0000201]) !== "::ffff:192.0.2.1") throw new Error();
 * if (formatPeerIpv6([0x20010db8, 0, 0, 1]) !== "2001:db8::1") throw new Error();
 * ```
 */
export function formatPeerIpv6(words: ArrayLike<number>): string {
  return isIpv4Mapped(words) ? `::ffff:${formatIpv4(words[3])}` : formatIpv6(words);
}

/** The /64 key of words `w0`, `w1`: RFC 5952 text, the zero tail as `::`. */
function prefix64Key(w0: number, w1: number): string {
  const g0 = w0 >>> 16;
  const g1 = w0 & 0xffff;
  const g2 = w1 >>> 16;
  const g3 = w1 & 0xffff;
  // The four zero groups after the prefix are always the longest zero run,
  // so "::" goes after the last non-zero group of the prefix.
  if (g3 !== 0) {
    return `${g0.toString(16)}:${g1.toString(16)}:${g2.toString(16)}:${g3.toString(16)}::/64`;
  }
  if (g2 !== 0) return `${g0.toString(16)}:${g1.toString(16)}:${g2.toString(16)}::/64`;
  if (g1 !== 0) return `${g0.toString(16)}:${g1.toString(16)}::/64`;
  if (g0 !== 0) return `${g0.toString(16)}::/64`;
  return "::/64";
}

/** Whether `text` starts with `::ffff:`, in any case. */
function hasMappedPrefix(text: string): boolean {
  return text.charCodeAt(0) === COLON && text.charCodeAt(1) === COLON &&
    (text.charCodeAt(2) | 0x20) === 102 && (text.charCodeAt(3) | 0x20) === 102 &&
    (text.charCodeAt(4) | 0x20) === 102 && (text.charCodeAt(5) | 0x20) === 102 &&
    text.charCodeAt(6) === COLON;
}

/**
 * The rate-limit key of a source address:
 * - IPv4: the address itself, `192.0.2.1` (a /32);
 * - IPv6: its /64 prefix in RFC 5952 form with `/64` appended,
 *   `2001:db8::/64`, the same whatever the address's compression or case;
 * - IPv4-mapped IPv6 (`::ffff:192.0.2.1`, `::ffff:c000:201`): the IPv4
 *   address, so a dual-stack socket's IPv4 peers share keys with an IPv4 one.
 *
 * A zone (`fe80::1%eth0`) is ignored. Text that is no address (never the case
 * for a socket's peer) is returned unchanged: it is still a usable key.
 *
 * @param hostname The peer's address, as `Deno.NetAddr.hostname` gives it.
 * @returns The key.
 *
 * @example Usage
 * ```ts
 * import { sourcePrefix } from "./ip.ts";
 * if (sourcePrefix("::ffff:192.0.2.1") !== "192.0.2.1") throw new Error();
 * if (sourcePrefix("2001:DB8:0:0:ffff::2") !== "2001:db8::/64") throw new Error();
 * ```
 */
export function sourcePrefix(hostname: string): string {
  const length = hostname.length;
  if (length <= 15 && parseIpv4Range(hostname, 0, length) >= 0) return hostname;
  if (length > 7 && hasMappedPrefix(hostname) && parseIpv4Range(hostname, 7, length) >= 0) {
    return hostname.slice(7);
  }
  const version = parseIpInto(hostname, scratch, true);
  if (version === 0) return hostname;
  if (version === 4 || isIpv4Mapped(scratch)) {
    return formatIpv4(scratch[version === 4 ? 0 : 3]);
  }
  return prefix64Key(scratch[0], scratch[1]);
}

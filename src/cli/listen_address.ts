/**
 * Parses listen addresses as the `--session`, `--daytime`, `--time` and
 * `--ntp` flags take them: `:1200` (every interface, IPv4 and IPv6),
 * `127.0.0.1:1200`, `[::1]:1200`, `localhost:1200`, each optionally followed
 * by `/tcp` or `/udp` to serve one transport only.
 *
 * @module
 */

import { parseIp } from "../admission/ip.ts";

/** A transport a listener serves. */
export type Transport = "tcp" | "udp";

/** A parsed listen address. */
export interface ListenAddress {
  /** The host to bind; `""` means every interface. */
  readonly hostname: string;
  /** The port; 0 lets the kernel choose. */
  readonly port: number;
  /** The transports to serve on it. */
  readonly transports: readonly Transport[];
}

/**
 * Parses one listen address.
 *
 * @param text The flag's value.
 * @param transports The transports served when the text names none.
 * @returns The address.
 * @throws {SyntaxError} When the text is not of a form above, or the host
 *   is neither an IP address (IPv4 in digits and dots, IPv6 in brackets)
 *   nor a host name.
 *
 * @example Usage
 * ```ts
 * import { parseListenAddress } from "./listen_address.ts";
 * const a = parseListenAddress("[::1]:1200/udp", ["tcp", "udp"]);
 * if (a.hostname !== "::1" || a.port !== 1200 || a.transports.join() !== "udp") throw new Error();
 * ```
 */
export function parseListenAddress(
  text: string,
  transports: readonly Transport[],
): ListenAddress {
  let rest = text.trim();
  const slash = rest.lastIndexOf("/");
  if (slash !== -1) {
    const suffix = rest.slice(slash + 1).toLowerCase();
    if (suffix !== "tcp" && suffix !== "udp") {
      throw new SyntaxError(`invalid address "${text}": transport must be "tcp" or "udp"`);
    }
    if (!transports.includes(suffix)) {
      throw new SyntaxError(`invalid address "${text}": this service has no ${suffix} transport`);
    }
    transports = [suffix];
    rest = rest.slice(0, slash);
  }
  let hostname: string;
  let portText: string;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close === -1 || rest[close + 1] !== ":") {
      throw new SyntaxError(`invalid address "${text}": expected "[IPv6]:PORT"`);
    }
    hostname = rest.slice(1, close);
    portText = rest.slice(close + 2);
  } else {
    const colon = rest.lastIndexOf(":");
    if (colon === -1) {
      throw new SyntaxError(`invalid address "${text}": expected "HOST:PORT" or ":PORT"`);
    }
    hostname = rest.slice(0, colon);
    portText = rest.slice(colon + 1);
    if (hostname.includes(":")) {
      throw new SyntaxError(`invalid address "${text}": put an IPv6 address in brackets`);
    }
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new SyntaxError(`invalid address "${text}": port must be 0 to 65535`);
  }
  const bad = badHost(hostname, rest.startsWith("["));
  if (bad !== null) throw new SyntaxError(`invalid address "${text}": ${bad}`);
  return { hostname, port: Number(portText), transports };
}

/**
 * Why a host cannot be bound, or null: a bracketed host must be an IPv6
 * address, a host of digits and dots an IPv4 address, and any other a
 * DNS name (letters, digits, hyphens and dots).
 */
function badHost(hostname: string, bracketed: boolean): string | null {
  if (bracketed) {
    // A zone (`fe80::1%eth0`) is the kernel's to check.
    const address = hostname.replace(/%[^%]+$/, "");
    return parseIp(address)?.version === 6 ? null : `"${hostname}" is not an IPv6 address`;
  }
  if (hostname === "") return null;
  if (/^[\d.]+$/.test(hostname)) {
    return parseIp(hostname)?.version === 4 ? null : `"${hostname}" is not an IPv4 address`;
  }
  const label = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
  const name = hostname.endsWith(".") ? hostname.slice(0, -1) : hostname;
  if (name.length > 253 || !name.split(".").every((part) => label.test(part))) {
    return `"${hostname}" is not an IP address or a host name`;
  }
  return null;
}

/**
 * Formats a bound address for logs: `127.0.0.1:1200`, `[::]:1200`.
 *
 * @param hostname The bound host.
 * @param port The bound port.
 * @returns The text.
 */
export function formatHostPort(hostname: string, port: number): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}

/**
 * The URLs `clockd query` takes: `SCHEME://HOST[:PORT][/REQUEST]`, one
 * scheme per protocol and transport, IPv6 literals in brackets.
 *
 * | scheme          | protocol                | transport | default port |
 * | --------------- | ----------------------- | --------- | ------------ |
 * | `session`       | clockd session protocol | TCP       | 1200         |
 * | `session+udp`   | clockd session protocol | UDP       | 1200         |
 * | `daytime`       | RFC 867 daytime         | TCP       | 13           |
 * | `daytime+udp`   | RFC 867 daytime         | UDP       | 13           |
 * | `time`          | RFC 868 time            | TCP       | 37           |
 * | `time+udp`      | RFC 868 time            | UDP       | 37           |
 * | `ntp`           | NTP (RFC 5905) client   | UDP       | 123          |
 * | `roughtime`     | Roughtime               | UDP       | 2002         |
 * | `roughtime+tcp` | Roughtime               | TCP       | 2002         |
 *
 * Only session URLs carry a request: the path without its leading `/`,
 * percent-decoded (`session://host/rfc3339%20Europe/Paris`), or the `q`
 * query parameter, form-decoded (`session://host?q=rfc3339+Europe/Paris`;
 * `?q=` sends the empty request). Without either the request is
 * {@linkcode DEFAULT_SESSION_REQUEST}.
 *
 * Roughtime URLs carry the server's long-term public key, which answers
 * are verified against: `?key=` and 32 bytes in base64 (standard or URL
 * alphabet, padding optional; a literal `+` stays a `+`) or 64 hex digits.
 *
 * @module
 */

import { ROUGHTIME_DEFAULT_PORT } from "../protocols/roughtime/constants.ts";

/** The protocol a query speaks. */
export type QueryProtocol = "session" | "daytime" | "time" | "ntp" | "roughtime";

/** A URL scheme `clockd query` understands. */
export interface QueryScheme {
  /** The scheme, lower case, e.g. `session+udp`. */
  readonly scheme: string;
  /** The protocol it speaks. */
  readonly protocol: QueryProtocol;
  /** The transport it uses. */
  readonly transport: "tcp" | "udp";
  /** The port when the URL names none. */
  readonly defaultPort: number;
  /** One line for help output. */
  readonly summary: string;
}

/** Every scheme, in help order. */
export const QUERY_SCHEMES: readonly QueryScheme[] = Object.freeze([
  scheme("session", "session", "tcp", 1200, "clockd session protocol over TCP"),
  scheme("session+udp", "session", "udp", 1200, "clockd session protocol over UDP"),
  scheme("daytime", "daytime", "tcp", 13, "RFC 867 daytime over TCP"),
  scheme("daytime+udp", "daytime", "udp", 13, "RFC 867 daytime over UDP"),
  scheme("time", "time", "tcp", 37, "RFC 868 time over TCP"),
  scheme("time+udp", "time", "udp", 37, "RFC 868 time over UDP"),
  scheme("ntp", "ntp", "udp", 123, "NTP (RFC 5905) client request over UDP"),
  scheme("roughtime", "roughtime", "udp", ROUGHTIME_DEFAULT_PORT, "Roughtime over UDP (?key=)"),
  scheme("roughtime+tcp", "roughtime", "tcp", ROUGHTIME_DEFAULT_PORT, "Roughtime over TCP (?key=)"),
]);

/** The session request sent when the URL names none: the time to the nanosecond. */
export const DEFAULT_SESSION_REQUEST = "rfc3339nano";

/** The longest session request, in bytes: the server's 128-byte limit less the newline. */
export const MAX_SESSION_REQUEST_BYTES = 127;

/** What a query URL names. */
export interface QueryTarget {
  /** The URL in canonical form, port included: `ntp://127.0.0.1:123`. */
  readonly url: string;
  /** The scheme. */
  readonly scheme: QueryScheme;
  /** The host: a name or an IP address, without brackets. */
  readonly hostname: string;
  /** The port. */
  readonly port: number;
  /** The session request line (no newline); null for the other protocols. */
  readonly request: string | null;
  /** The Roughtime server's long-term public key, 32 bytes in base64; null for the other protocols. */
  readonly key: string | null;
}

function scheme(
  name: string,
  protocol: QueryProtocol,
  transport: "tcp" | "udp",
  defaultPort: number,
  summary: string,
): QueryScheme {
  return Object.freeze({ scheme: name, protocol, transport, defaultPort, summary });
}

const SCHEME_LIST = QUERY_SCHEMES.map((s) => s.scheme).join(", ");
const HOST_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_.])?$/;
const IPV6_LITERAL = /^[0-9A-Fa-f:.]+$/;

function invalid(text: string, reason: string): SyntaxError {
  return new SyntaxError(`invalid URL "${text}": ${reason}`);
}

/**
 * Parses a query URL. Scheme and host are case-insensitive; the port must
 * be 1 to 65535; user names, fragments, and requests on schemes other than
 * the session ones are rejected; Roughtime URLs need `?key=`.
 *
 * @param text The URL as given on the command line.
 * @returns The target.
 * @throws {SyntaxError} Naming what is wrong; for a missing or unknown
 *   scheme, the message lists every scheme.
 *
 * @example Usage
 * ```ts
 * import { parseQueryUrl } from "./query_url.ts";
 * const target = parseQueryUrl("session://[::1]/rfc3339%20Europe/Paris");
 * if (target.port !== 1200 || target.request !== "rfc3339 Europe/Paris") throw new Error();
 * if (target.url !== "session://[::1]:1200/rfc3339%20Europe/Paris") throw new Error(target.url);
 * const rough = parseQueryUrl("roughtime+tcp://time.example?key=AW5uAoTSTDfG5NfY1bTh08GUnOqlRb+HVhbJ3ODJvsE");
 * if (rough.port !== 2002 || rough.key !== "AW5uAoTSTDfG5NfY1bTh08GUnOqlRb+HVhbJ3ODJvsE=") throw new Error();
 * ```
 */
export function parseQueryUrl(text: string): QueryTarget {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(text.trim());
  if (match === null) {
    throw invalid(text, `expected SCHEME://HOST[:PORT][/REQUEST], SCHEME one of ${SCHEME_LIST}`);
  }
  const name = match[1].toLowerCase();
  const found = QUERY_SCHEMES.find((s) => s.scheme === name);
  if (found === undefined) {
    throw invalid(text, `unknown scheme "${match[1]}": expected one of ${SCHEME_LIST}`);
  }
  const rest = match[2];
  if (rest.includes("#")) throw invalid(text, "a fragment (#) is not allowed");
  const authorityEnd = rest.search(/[/?]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd === -1 ? "" : rest.slice(authorityEnd);
  const { hostname, port } = parseAuthority(text, authority, found.defaultPort);
  const request = found.protocol === "session" ? parseSessionRequest(text, tail) : null;
  const key = found.protocol === "roughtime" ? parseRoughtimeKey(text, tail) : null;
  if (request === null && key === null) noRequest(text, found, tail);
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  const suffix = request !== null
    ? requestSuffix(request)
    : key !== null
    ? `?key=${key.replace(/\+/g, "%2B")}`
    : "";
  return Object.freeze({
    url: `${found.scheme}://${host}:${port}${suffix}`,
    scheme: found,
    hostname,
    port,
    request,
    key,
  });
}

function parseAuthority(
  text: string,
  authority: string,
  defaultPort: number,
): { hostname: string; port: number } {
  if (authority.includes("@")) throw invalid(text, "a user name (@) is not allowed");
  let hostname: string;
  let portText: string | undefined;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close === -1) throw invalid(text, 'missing "]" after the IPv6 address');
    hostname = authority.slice(1, close);
    const after = authority.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) {
      throw invalid(text, `unexpected "${after}" after the IPv6 address`);
    }
    if (!IPV6_LITERAL.test(hostname) || !hostname.includes(":")) {
      throw invalid(text, `"${hostname}" is not an IPv6 address`);
    }
    portText = after === "" ? undefined : after.slice(1);
  } else {
    const colons = authority.split(":").length - 1;
    if (colons > 1) throw invalid(text, "put an IPv6 address in brackets: [::1]");
    const colon = authority.indexOf(":");
    hostname = colon === -1 ? authority : authority.slice(0, colon);
    portText = colon === -1 ? undefined : authority.slice(colon + 1);
    if (hostname === "") throw invalid(text, "missing host");
    if (!HOST_NAME.test(hostname)) throw invalid(text, `invalid host "${hostname}"`);
  }
  if (portText === undefined) return { hostname: hostname.toLowerCase(), port: defaultPort };
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    throw invalid(text, `port must be 1 to 65535, got "${portText}"`);
  }
  return { hostname: hostname.toLowerCase(), port: Number(portText) };
}

function parseSessionRequest(text: string, tail: string): string {
  const question = tail.indexOf("?");
  const path = question === -1 ? tail : tail.slice(0, question);
  const query = question === -1 ? null : tail.slice(question + 1);
  let fromPath: string | null = null;
  if (path.length > 1) {
    try {
      fromPath = decodeURIComponent(path.slice(1));
    } catch {
      throw invalid(text, "bad percent-encoding in the request");
    }
  }
  let fromQuery: string | null = null;
  if (query !== null && query !== "") {
    const params = new URLSearchParams(query);
    for (const key of params.keys()) {
      if (key !== "q") throw invalid(text, `unknown query parameter "${key}": only q is allowed`);
    }
    const values = params.getAll("q");
    if (values.length > 1) throw invalid(text, "more than one q parameter");
    fromQuery = values[0];
  }
  if (fromPath !== null && fromQuery !== null) {
    throw invalid(text, "give the request as the path or as ?q=, not both");
  }
  const request = fromPath ?? fromQuery ?? DEFAULT_SESSION_REQUEST;
  if (!/^[\x20-\x7e\t]*$/.test(request)) {
    throw invalid(text, "the request must be printable ASCII on one line");
  }
  if (request.length > MAX_SESSION_REQUEST_BYTES) {
    throw invalid(text, `the request is longer than ${MAX_SESSION_REQUEST_BYTES} bytes`);
  }
  return request;
}

/** The `key` parameter of a Roughtime URL, as canonical base64 of 32 bytes. */
function parseRoughtimeKey(text: string, tail: string): string {
  const question = tail.indexOf("?");
  const path = question === -1 ? tail : tail.slice(0, question);
  if (path !== "" && path !== "/") throw invalid(text, "roughtime:// takes no path, only ?key=");
  const params = question === -1 ? [] : tail.slice(question + 1).split("&").filter((p) => p !== "");
  let value: string | null = null;
  for (const param of params) {
    const equals = param.indexOf("=");
    const name = equals === -1 ? param : param.slice(0, equals);
    if (name !== "key") {
      throw invalid(text, `unknown query parameter "${name}": only key is allowed`);
    }
    if (value !== null) throw invalid(text, "more than one key parameter");
    try {
      value = decodeURIComponent(equals === -1 ? "" : param.slice(equals + 1));
    } catch {
      throw invalid(text, "bad percent-encoding in the key");
    }
  }
  if (value === null) {
    throw invalid(text, "roughtime:// needs ?key=BASE64, the server's long-term public key");
  }
  let bytes: Uint8Array | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(value)) bytes = Uint8Array.fromHex(value.toLowerCase());
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const alphabet = /[-_]/.test(value) ? "base64url" : "base64";
    bytes = Uint8Array.fromBase64(value.replace(/=$/, ""), { alphabet });
  }
  if (bytes === null || bytes.length !== 32) {
    throw invalid(text, "the key must be 32 bytes in base64 (44 characters) or hex (64 digits)");
  }
  return bytes.toBase64();
}

function noRequest(text: string, found: QueryScheme, tail: string): null {
  if (tail !== "" && tail !== "/") {
    throw invalid(text, `${found.scheme}:// takes no request, only session:// does`);
  }
  return null;
}

function requestSuffix(request: string): string {
  if (request === "") return "/?q=";
  return "/" + encodeURIComponent(request).replace(/%2F/gi, "/").replace(/%3A/gi, ":");
}

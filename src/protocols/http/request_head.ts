/**
 * The HTTP/1.1 request head (RFC 9112 §2–§5, RFC 9110 §5): finding its end
 * in the bytes read, and parsing it into a {@linkcode HttpRequest} or the
 * status to refuse it with. Pure: no I/O, no clock.
 *
 * clockd serves only `GET` and `HEAD` and reads no request body, so the
 * parser is strict where that costs nothing: bounded head, request line and
 * header count; `Host` required once in HTTP/1.1; no obsolete line folding;
 * a request announcing a body (`Content-Length` other than 0, or any
 * `Transfer-Encoding`) is refused and the connection closed, since its body
 * could not be skipped safely. A bare LF ends a line as CRLF does, and empty
 * lines before the request line are ignored (RFC 9112 §2.2).
 *
 * @module
 */

/** The most bytes a request head may take, its final blank line included. */
export const MAX_HEAD_BYTES = 8192;
/** The most bytes a request target may take. */
export const MAX_TARGET_BYTES = 2048;
/** The most header fields a request may carry. */
export const MAX_HEADER_COUNT = 100;
/** The methods served; any other gets 405 with `Allow` set to these. */
export const ALLOWED_METHODS = "GET, HEAD";

/** A parsed request head. */
export interface HttpRequest {
  /** `GET` or `HEAD`. */
  readonly method: "GET" | "HEAD";
  /** The request target as sent, in origin form (`/api/ip?x=1`); an absolute-form target is reduced to it. */
  readonly target: string;
  /** The target's path, still percent-encoded. */
  readonly path: string;
  /** The target's query without `?`, or `""`. */
  readonly query: string;
  /** `1.0` or `1.1`. */
  readonly version: "1.0" | "1.1";
  /** Header fields by lower-case name; repeated fields joined with `, `. */
  readonly headers: ReadonlyMap<string, string>;
  /** Whether the connection may serve another request after this one. */
  readonly keepAlive: boolean;
}

/** Why a request head was refused: the status to answer and a short reason. */
export interface HeadError {
  /** 400, 405, 414, 431 or 505. */
  readonly status: number;
  /** A sentence-case reason, e.g. `header line has no colon`. */
  readonly message: string;
  /** Whether the connection must close after the answer (its framing is lost or a body follows). */
  readonly close: boolean;
}

/** What {@linkcode parseRequestHead} returns: the request, or why it was refused. */
export type HeadResult = { ok: true; request: HttpRequest } | { ok: false; error: HeadError };

/**
 * Finds the end of a request head: the byte after its first empty line
 * (CRLF CRLF, or LF LF), skipping empty lines before the request line.
 *
 * @param bytes The bytes read so far.
 * @param start Where the head begins in `bytes`.
 * @param end Where the bytes read end.
 * @returns The offset after the head's last LF, or -1 when it is not complete yet.
 *
 * @example Usage
 * ```ts
 * import { findHeadEnd } from "./request_head.ts";
 * const bytes = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET");
 * if (findHeadEnd(bytes, 0, bytes.length) !== 27) throw new Error("end");
 * ```
 */
export function findHeadEnd(bytes: Uint8Array, start: number, end: number): number {
  let i = skipEmptyLines(bytes, start, end);
  let lineStart = i;
  for (; i < end; i++) {
    if (bytes[i] !== LF) continue;
    const length = i - lineStart - (i > lineStart && bytes[i - 1] === CR ? 1 : 0);
    if (length === 0) return i + 1;
    lineStart = i + 1;
  }
  return -1;
}

/**
 * Skips the empty lines (CRLF or LF) a client may send before a request line.
 *
 * @param bytes The bytes read so far.
 * @param start Where to start.
 * @param end Where the bytes read end.
 * @returns The offset of the first byte that is not part of an empty line.
 */
export function skipEmptyLines(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    if (bytes[i] === LF) i++;
    else if (bytes[i] === CR && i + 1 < end && bytes[i + 1] === LF) i += 2;
    else break;
  }
  return i;
}

/**
 * How a head that {@linkcode findHeadEnd} has not found complete within
 * {@linkcode MAX_HEAD_BYTES} is refused: 414 while its request line is not
 * even complete (or too long), 431 otherwise.
 *
 * @param text The bytes held, decoded as Latin-1.
 * @returns The error to answer with; the connection closes.
 */
export function oversizedHead(text: string): HeadError {
  const lineEnd = text.indexOf("\n");
  if (lineEnd < 0 || lineEnd > MAX_TARGET_BYTES + 32) return fail(414, "request line too long");
  return fail(431, "request header fields too large");
}

/**
 * Parses a request head.
 *
 * @param text The head, request line through the empty line (as
 *   {@linkcode findHeadEnd} delimits it), decoded as Latin-1 so every byte
 *   is one character.
 * @returns The request, or the status to refuse it with.
 *
 * @example Usage
 * ```ts
 * import { parseRequestHead } from "./request_head.ts";
 * const result = parseRequestHead("GET /api/ip?x=1 HTTP/1.1\r\nHost: example\r\n\r\n");
 * if (!result.ok || result.request.path !== "/api/ip" || !result.request.keepAlive) throw new Error();
 * const bad = parseRequestHead("POST / HTTP/1.1\r\nHost: a\r\n\r\n");
 * if (bad.ok || bad.error.status !== 405) throw new Error();
 * ```
 */
export function parseRequestHead(text: string): HeadResult {
  if (text.length > MAX_HEAD_BYTES) return { ok: false, error: oversizedHead(text) };
  const lines = text.split("\n");
  let first = 0;
  while (first < lines.length && (lines[first] === "" || lines[first] === "\r")) first++;
  const line = stripCr(lines[first] ?? "");
  const parts = line.split(" ");
  if (parts.length !== 3) {
    if (parts.length === 2 && TOKEN.test(parts[0])) return error(400, "HTTP/0.9 is not served");
    return error(400, "malformed request line");
  }
  const [method, rawTarget, versionText] = parts;
  if (!TOKEN.test(method)) return error(400, "malformed method");
  if (rawTarget.length > MAX_TARGET_BYTES) return error(414, "URI too long");
  if (rawTarget === "" || !TARGET.test(rawTarget)) return error(400, "malformed request target");
  const versionMatch = VERSION.exec(versionText);
  if (versionMatch === null) return error(400, "malformed HTTP version");
  if (versionMatch[1] !== "1") return error(505, "HTTP version not supported");
  const version = versionMatch[2] === "0" ? "1.0" : "1.1";

  const headers = new Map<string, string>();
  let count = 0;
  let hosts = 0;
  for (let i = first + 1; i < lines.length; i++) {
    const field = stripCr(lines[i]);
    if (field === "") break;
    if (++count > MAX_HEADER_COUNT) return error(431, "too many header fields");
    if (field[0] === " " || field[0] === "\t") return error(400, "obsolete line folding");
    const colon = field.indexOf(":");
    if (colon <= 0) return error(400, "header line has no colon");
    const name = field.slice(0, colon);
    if (!TOKEN.test(name)) return error(400, "malformed header name");
    const value = field.slice(colon + 1).replace(OWS_EDGES, "");
    if (CTL.test(value)) return error(400, "control character in a header value");
    const key = name.toLowerCase();
    if (key === "host") hosts++;
    const previous = headers.get(key);
    headers.set(key, previous === undefined ? value : `${previous}, ${value}`);
  }
  if (version === "1.1" && hosts !== 1) return error(400, "HTTP/1.1 needs one Host header");
  if (hosts > 1) return error(400, "more than one Host header");

  const hasBody = headers.has("transfer-encoding") ||
    (headers.has("content-length") && !/^0+$/.test(headers.get("content-length")!));
  if (headers.has("content-length") && !/^\d+$/.test(headers.get("content-length")!)) {
    return error(400, "malformed Content-Length");
  }
  if (method !== "GET" && method !== "HEAD") {
    return { ok: false, error: { status: 405, message: "method not allowed", close: hasBody } };
  }
  if (hasBody) return error(400, "a request body is not accepted");

  let target = rawTarget;
  if (target[0] !== "/") {
    const absolute = ABSOLUTE.exec(target);
    if (absolute === null) return error(400, "malformed request target");
    target = absolute[1] === undefined || absolute[1][0] === "?"
      ? "/" + (absolute[1] ?? "")
      : absolute[1];
  }
  const fragment = target.indexOf("#");
  if (fragment >= 0) return error(400, "a fragment in the request target");
  const mark = target.indexOf("?");
  const connection = (headers.get("connection") ?? "").toLowerCase().split(",").map((t) =>
    t.trim()
  );
  return {
    ok: true,
    request: {
      method,
      target,
      path: mark < 0 ? target : target.slice(0, mark),
      query: mark < 0 ? "" : target.slice(mark + 1),
      version,
      headers,
      keepAlive: version === "1.1" && !connection.includes("close"),
    },
  };
}

const CR = 13;
const LF = 10;
/** RFC 9110 §5.6.2 token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Visible ASCII, as a request target must be. */
const TARGET = /^[\x21-\x7e]+$/;
/** `HTTP/d.d`. */
const VERSION = /^HTTP\/(\d)\.(\d)$/;
/** An absolute-form target: scheme and authority, then the rest (path and query) if any. */
const ABSOLUTE = /^https?:\/\/[^/?#]+([/?].*)?$/i;
/** Controls other than HTAB, and DEL. */
// deno-lint-ignore no-control-regex
const CTL = /[\x00-\x08\x0a-\x1f\x7f]/;
/** Optional whitespace around a field value. */
const OWS_EDGES = /^[ \t]+|[ \t]+$/g;

function stripCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

function fail(status: number, message: string): HeadError {
  return { status, message, close: true };
}

function error(status: number, message: string): HeadResult {
  return { ok: false, error: fail(status, message) };
}

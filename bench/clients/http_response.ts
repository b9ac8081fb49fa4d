/**
 * Reading an HTTP/1.1 response off a keep-alive connection (the head, and
 * where the body ends from `Content-Length`) and checking the `http-json`
 * workload's answer: pure functions of bytes.
 *
 * @module
 */

/** The parts of a response head the client needs. */
export interface HttpResponseHead {
  /** The status code. */
  status: number;
  /** Bytes of the head, blank line included: where the body starts. */
  headBytes: number;
  /** The body's length, from `Content-Length`. */
  contentLength: number;
  /** Whether the server closes the connection after this response (`Connection: close`). */
  close: boolean;
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * Parses a response head once it is complete.
 *
 * @param bytes What was read so far, from the response's first byte.
 * @returns The head, or null while the blank line after it has not arrived.
 * @throws {SyntaxError} If the status line or `Content-Length` is wrong or
 *   missing (a chunked body is not what clockd sends).
 *
 * @example Usage
 * ```ts
 * import { parseHttpResponseHead } from "./http_response.ts";
 * const text = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
 * const head = parseHttpResponseHead(new TextEncoder().encode(text));
 * if (head?.status !== 200 || head.headBytes !== 38 || head.contentLength !== 2) throw new Error();
 * if (parseHttpResponseHead(new TextEncoder().encode("HTTP/1.1 200 OK\r\n")) !== null) throw new Error();
 * ```
 */
export function parseHttpResponseHead(bytes: Uint8Array): HttpResponseHead | null {
  let end = -1;
  for (let i = 3; i < bytes.length; i++) {
    if (bytes[i] === LF && bytes[i - 1] === CR && bytes[i - 2] === LF && bytes[i - 3] === CR) {
      end = i + 1;
      break;
    }
  }
  if (end === -1) return null;
  const lines = new TextDecoder("latin1").decode(bytes.subarray(0, end - 4)).split("\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0]);
  if (status === null) {
    throw new SyntaxError(`Not an HTTP/1.1 status line: ${JSON.stringify(lines[0].slice(0, 60))}`);
  }
  let contentLength: number | null = null;
  let close = false;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon === -1) throw new SyntaxError(`Header line without a colon: ${JSON.stringify(line)}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-length") {
      if (!/^\d{1,9}$/.test(value)) throw new SyntaxError(`Bad Content-Length "${value}"`);
      contentLength = Number(value);
    } else if (name === "connection") {
      close = value.toLowerCase().split(/\s*,\s*/).includes("close");
    }
  }
  if (contentLength === null) throw new SyntaxError("Response without Content-Length");
  return { status: Number(status[1]), headBytes: end, contentLength, close };
}

/**
 * Checks the `http-json` answer: status 200 and a JSON object whose
 * `utc_datetime` is an RFC 3339 date and time (worldtimeapi's shape).
 *
 * @param head The response head.
 * @param body The body, `contentLength` bytes.
 * @returns Null when right, else what is wrong.
 *
 * @example Usage
 * ```ts
 * import { checkWorldTimeAnswer } from "./http_response.ts";
 * const head = { status: 200, headBytes: 0, contentLength: 0, close: false };
 * const body = new TextEncoder().encode('{"utc_datetime":"2026-11-30T02:31:33.639931+00:00"}');
 * if (checkWorldTimeAnswer(head, body) !== null) throw new Error();
 * if (checkWorldTimeAnswer({ ...head, status: 503 }, body) !== "status 503, want 200") throw new Error();
 * ```
 */
export function checkWorldTimeAnswer(head: HttpResponseHead, body: Uint8Array): string | null {
  if (head.status !== 200) return `status ${head.status}, want 200`;
  const text = new TextDecoder().decode(body);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return `body is not JSON: ${JSON.stringify(text.slice(0, 60))}`;
  }
  const utc = (json as { utc_datetime?: unknown } | null)?.utc_datetime;
  if (typeof utc !== "string" || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(utc)) {
    return `no utc_datetime in ${JSON.stringify(text.slice(0, 60))}`;
  }
  return null;
}

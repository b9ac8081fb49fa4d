/**
 * HTTP responses as plain data, what routers return, and their encoding as
 * HTTP/1.1 bytes: status line, the headers every clockd answer carries,
 * `Content-Length`, and the body unless the request was `HEAD`.
 *
 * @module
 */

import { formatInstant } from "../../time/formats.ts";
import type { Instant } from "../../time/instant.ts";
import { UTC } from "../../time/zone.ts";
import { ALLOWED_METHODS } from "./request_head.ts";

/** A response as a router builds it. */
export interface HttpResponse {
  /** The status code. */
  readonly status: number;
  /** Header fields by name (lower case), besides those {@linkcode encodeResponse} adds. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body (UTF-8 when a string). */
  readonly body: string | Uint8Array;
}

/** `Content-Type` of clockd's JSON answers. */
export const JSON_TYPE = "application/json; charset=utf-8";
/** `Content-Type` of clockd's plain text answers. */
export const TEXT_TYPE = "text/plain; charset=utf-8";

/** Reason phrases of the statuses clockd sends. */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: "OK",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  414: "URI Too Long",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

/** What {@linkcode encodeResponse} needs besides the response. */
export interface EncodeOptions {
  /** The request was `HEAD`: headers only, `Content-Length` still that of the body. */
  head: boolean;
  /** Send `Connection: close` (the server closes after this response). */
  close: boolean;
  /** When clockd read the clock for this request: the `Date` and `Server-Timing` fields. */
  readAt: Instant;
}

const encoder = new TextEncoder();

/**
 * Encodes a response as HTTP/1.1 bytes. Every response carries `Date`,
 * `Cache-Control: no-store`, `Access-Control-Allow-Origin: *`,
 * `X-Content-Type-Options: nosniff`, `Content-Length`, and `Server-Timing:
 * reading;desc="S.ffffff"` with the Unix time (seconds, six decimals) at
 * which clockd read the clock for the request; fields of the response
 * override these.
 *
 * @param response The response.
 * @param options `HEAD`, `Connection: close`, and the reading.
 * @returns The bytes to write.
 *
 * @example Usage
 * ```ts
 * import { encodeResponse } from "./response.ts";
 * const bytes = encodeResponse({ status: 200, headers: {}, body: "hi" }, {
 *   head: false, close: true, readAt: { seconds: 0, nanos: 1000 },
 * });
 * const text = new TextDecoder().decode(bytes);
 * if (!text.startsWith("HTTP/1.1 200 OK\r\n") || !text.endsWith("\r\n\r\nhi")) throw new Error(text);
 * if (!text.includes('server-timing: reading;desc="0.000001"\r\n')) throw new Error(text);
 * ```
 */
export function encodeResponse(response: HttpResponse, options: EncodeOptions): Uint8Array {
  const body = typeof response.body === "string" ? encoder.encode(response.body) : response.body;
  const fields: Record<string, string> = {
    date: formatInstant("http", options.readAt, UTC),
    "cache-control": "no-store",
    "access-control-allow-origin": "*",
    "x-content-type-options": "nosniff",
    "server-timing": serverTiming(options.readAt),
    ...response.headers,
    "content-length": String(body.length),
  };
  if (options.close) fields.connection = "close";
  let head = `HTTP/1.1 ${response.status} ${STATUS_TEXT[response.status] ?? "Unknown"}\r\n`;
  for (const name in fields) head += `${name}: ${fields[name]}\r\n`;
  head += "\r\n";
  const headBytes = encoder.encode(head);
  if (options.head || body.length === 0) return headBytes;
  const bytes = new Uint8Array(headBytes.length + body.length);
  bytes.set(headBytes);
  bytes.set(body, headBytes.length);
  return bytes;
}

/**
 * The `Server-Timing` value naming the clock reading of a request:
 * `reading;desc="<Unix seconds with six decimals>"`.
 *
 * @param readAt The reading.
 * @returns E.g. `reading;desc="1767225600.123456"`.
 *
 * @example Usage
 * ```ts
 * import { serverTiming } from "./response.ts";
 * if (serverTiming({ seconds: 5, nanos: 999_999_999 }) !== 'reading;desc="5.999999"') throw new Error();
 * ```
 */
export function serverTiming(readAt: Instant): string {
  return `reading;desc="${readAt.seconds}.${
    String(Math.floor(readAt.nanos / 1000)).padStart(6, "0")
  }"`;
}

/**
 * A JSON response.
 *
 * @param status The status.
 * @param value What to serialise.
 * @param headers More header fields.
 * @returns The response, body ending in LF.
 */
export function jsonResponse(
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    status,
    headers: { "content-type": JSON_TYPE, ...headers },
    body: JSON.stringify(value) + "\n",
  };
}

/**
 * A plain text response.
 *
 * @param status The status.
 * @param text The body.
 * @param headers More header fields.
 * @returns The response.
 */
export function textResponse(
  status: number,
  text: string,
  headers: Record<string, string> = {},
): HttpResponse {
  return { status, headers: { "content-type": TEXT_TYPE, ...headers }, body: text };
}

/**
 * How the server words the errors it answers itself (malformed heads,
 * limits, timeouts, busy) and a router's missing routes.
 */
export type ErrorResponder = (status: number, message: string) => HttpResponse;

/**
 * Errors as JSON: `{"error": "…"}`; 405 with `Allow: GET, HEAD`, 503 with `Retry-After: 1`.
 *
 * @param status The status.
 * @param message The reason, sentence case.
 * @returns The response.
 *
 * @example Usage
 * ```ts
 * import { jsonError } from "./response.ts";
 * if (jsonError(404, "unknown location").body !== '{"error":"unknown location"}\n') throw new Error();
 * ```
 */
export function jsonError(status: number, message: string): HttpResponse {
  return jsonResponse(status, { error: message }, errorHeaders(status));
}

/**
 * Errors as one line of text (`not found\n`), as the metrics endpoint always answered.
 *
 * @param status The status.
 * @param message The reason, sentence case.
 * @returns The response.
 */
export function textError(status: number, message: string): HttpResponse {
  return textResponse(status, message + "\n", errorHeaders(status));
}

function errorHeaders(status: number): Record<string, string> {
  if (status === 405) return { allow: ALLOWED_METHODS };
  if (status === 503) return { "retry-after": "1" };
  return {};
}

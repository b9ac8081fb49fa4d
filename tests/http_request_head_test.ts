import assert from "node:assert/strict";
import {
  findHeadEnd,
  MAX_HEAD_BYTES,
  MAX_HEADER_COUNT,
  MAX_TARGET_BYTES,
  oversizedHead,
  parseRequestHead,
  skipEmptyLines,
} from "../src/protocols/http/request_head.ts";

const encoder = new TextEncoder();

function head(lines: string[]): string {
  return lines.join("\r\n") + "\r\n\r\n";
}

Deno.test("parseRequestHead() parses GET and HEAD heads", () => {
  const result = parseRequestHead(
    head([
      "GET /api/time?format=unix&tz=UTC HTTP/1.1",
      "Host: example",
      "Accept:  application/json \t",
    ]),
  );
  assert.ok(result.ok);
  const r = result.request;
  assert.deepEqual(
    [r.method, r.target, r.path, r.query, r.version, r.keepAlive],
    ["GET", "/api/time?format=unix&tz=UTC", "/api/time", "format=unix&tz=UTC", "1.1", true],
  );
  assert.equal(r.headers.get("accept"), "application/json");
  assert.equal(r.headers.get("host"), "example");

  const headRequest = parseRequestHead("HEAD / HTTP/1.0\n\n");
  assert.ok(headRequest.ok);
  assert.deepEqual(
    [headRequest.request.method, headRequest.request.version, headRequest.request.keepAlive],
    ["HEAD", "1.0", false],
  );
});

Deno.test("parseRequestHead() keeps HTTP/1.1 alive unless Connection: close, and closes HTTP/1.0", () => {
  const cases: [string[], boolean][] = [
    [["GET / HTTP/1.1", "Host: a"], true],
    [["GET / HTTP/1.1", "Host: a", "Connection: close"], false],
    [["GET / HTTP/1.1", "Host: a", "Connection: Keep-Alive, CLOSE"], false],
    [["GET / HTTP/1.1", "Host: a", "Connection: keep-alive"], true],
    [["GET / HTTP/1.0"], false],
    [["GET / HTTP/1.0", "Connection: keep-alive"], false],
  ];
  for (const [lines, keepAlive] of cases) {
    const result = parseRequestHead(head(lines));
    assert.ok(result.ok, lines.join(" | "));
    assert.equal(result.request.keepAlive, keepAlive, lines.join(" | "));
  }
});

Deno.test("parseRequestHead() refuses malformed heads and limits with their status", () => {
  const longName = "X-" + "a".repeat(20);
  const cases: [string, string, number, boolean][] = [
    // text, why, status, closes
    [head(["GET /"]), "HTTP/0.9", 400, true],
    [head(["GET  / HTTP/1.1", "Host: a"]), "two spaces", 400, true],
    [head(["GET / HTTP/1.1 extra", "Host: a"]), "four parts", 400, true],
    [head(["G(T / HTTP/1.1", "Host: a"]), "bad method token", 400, true],
    [head(["GET / HTTX/1.1", "Host: a"]), "bad protocol name", 400, true],
    [head(["GET / HTTP/1.12", "Host: a"]), "three-digit version", 400, true],
    [head(["GET / HTTP/2.0", "Host: a"]), "HTTP/2 over text", 505, true],
    [head(["GET / HTTP/0.9", "Host: a"]), "HTTP/0.9 with a version", 505, true],
    [head(["GET relative HTTP/1.1", "Host: a"]), "relative target", 400, true],
    [head(["GET /a\x7fb HTTP/1.1", "Host: a"]), "DEL in target", 400, true],
    [head(["GET /é HTTP/1.1", "Host: a"]), "non-ASCII target", 400, true],
    [head(["GET /#frag HTTP/1.1", "Host: a"]), "fragment", 400, true],
    [head(["GET / HTTP/1.1"]), "no Host in 1.1", 400, true],
    [head(["GET / HTTP/1.1", "Host: a", "Host: b"]), "two Hosts", 400, true],
    [head(["GET / HTTP/1.0", "Host: a", "host: b"]), "two Hosts in 1.0", 400, true],
    [head(["GET / HTTP/1.1", "Host: a", "NoColon"]), "no colon", 400, true],
    [head(["GET / HTTP/1.1", "Host: a", ": empty name"]), "empty name", 400, true],
    [head(["GET / HTTP/1.1", "Host : a"]), "space before colon", 400, true],
    [head(["GET / HTTP/1.1", "Host: a", "X: a", " folded"]), "obs-fold", 400, true],
    [head(["GET / HTTP/1.1", "Host: a", "X: a\x01b"]), "control in value", 400, true],
    [head(["GET / HTTP/1.1", "Host: a", "Content-Length: 5"]), "GET with a body", 400, true],
    [head(["GET / HTTP/1.1", "Host: a", "Content-Length: x"]), "bad Content-Length", 400, true],
    [head(["GET / HTTP/1.1", "Host: a", "Transfer-Encoding: chunked"]), "chunked", 400, true],
    [head(["POST / HTTP/1.1", "Host: a"]), "POST, no body", 405, false],
    [head(["DELETE /x HTTP/1.1", "Host: a"]), "DELETE", 405, false],
    [head(["OPTIONS * HTTP/1.1", "Host: a"]), "OPTIONS *", 405, false],
    [head(["POST / HTTP/1.1", "Host: a", "Content-Length: 3"]), "POST with a body", 405, true],
    [head(["PUT / HTTP/1.1", "Host: a", "Transfer-Encoding: chunked"]), "PUT chunked", 405, true],
    [
      head([`GET /${"a".repeat(MAX_TARGET_BYTES)} HTTP/1.1`, "Host: a"]),
      "target too long",
      414,
      true,
    ],
    [
      head([
        "GET / HTTP/1.1",
        "Host: a",
        ...Array.from({ length: MAX_HEADER_COUNT }, (_, i) => `${longName}${i}: v`),
      ]),
      "101 fields",
      431,
      true,
    ],
    [
      head(["GET / HTTP/1.1", "Host: a", "X: " + "v".repeat(MAX_HEAD_BYTES)]),
      "head over 8 KiB",
      431,
      true,
    ],
  ];
  for (const [text, why, status, close] of cases) {
    const result = parseRequestHead(text);
    assert.ok(!result.ok, why);
    assert.equal(result.error.status, status, `${why}: ${result.error.message}`);
    assert.equal(result.error.close, close, why);
    assert.match(result.error.message, /^[a-zA-Z0-9]/, why);
  }
});

Deno.test("parseRequestHead() accepts what RFC 9112 lets a server accept", () => {
  const cases: [string, string][] = [
    ["\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n", "/x"], // empty lines first
    ["GET /x HTTP/1.1\nHost: a\n\n", "/x"], // bare LF
    ["GET http://example.com/api/ip?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n", "/api/ip"],
    ["GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n", "/"],
    ["GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", "/x"],
    ["GET /x HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nX-Obs: caf\xe9\r\n\r\n", "/x"],
  ];
  for (const [text, path] of cases) {
    const result = parseRequestHead(text);
    assert.ok(result.ok, JSON.stringify(text) + (result.ok ? "" : result.error.message));
    assert.equal(result.request.path, path);
  }
  const repeated = parseRequestHead(head(["GET / HTTP/1.1", "Host: a", "Accept: a", "accept: b"]));
  assert.ok(repeated.ok);
  assert.equal(repeated.request.headers.get("accept"), "a, b");
  const hundred = parseRequestHead(
    head(["GET / HTTP/1.1", ...Array.from({ length: MAX_HEADER_COUNT }, (_, i) => `H${i}: v`)].map(
      (line, i) => i === 1 ? "Host: a" : line,
    )),
  );
  assert.ok(hundred.ok, "exactly 100 fields");
});

Deno.test("findHeadEnd() finds the blank line, CRLF or LF, across pipelined requests", () => {
  const cases: [string, number][] = [
    ["GET / HTTP/1.1\r\nHost: a\r\n\r\n", 27],
    ["GET / HTTP/1.1\nHost: a\n\nGET", 24],
    ["GET / HTTP/1.1\r\nHost: a\r\n", -1],
    ["GET / HTTP/1.1\r\nHost: a\r\n\r", -1],
    ["\r\n\r\nGET / HTTP/1.0\r\n\r\n", 22],
    ["", -1],
  ];
  for (const [text, end] of cases) {
    const bytes = encoder.encode(text);
    assert.equal(findHeadEnd(bytes, 0, bytes.length), end, JSON.stringify(text));
  }
  const two = encoder.encode(
    "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n",
  );
  const first = findHeadEnd(two, 0, two.length);
  assert.equal(findHeadEnd(two, first, two.length), two.length);
  assert.equal(skipEmptyLines(encoder.encode("\r\n\nX"), 0, 4), 3);
});

Deno.test("oversizedHead() says 414 for an unfinished request line, else 431", () => {
  assert.equal(oversizedHead("GET /" + "a".repeat(MAX_HEAD_BYTES)).status, 414);
  assert.equal(oversizedHead("GET / HTTP/1.1\r\nX: " + "v".repeat(MAX_HEAD_BYTES)).status, 431);
  assert.ok(oversizedHead("x").close);
});

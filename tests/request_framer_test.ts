import { deepStrictEqual, strictEqual } from "node:assert/strict";
import {
  FrameResult,
  MAX_REQUEST_BYTES,
  RequestFramer,
  Terminator,
} from "../src/protocols/session/request_framer.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What the framer produced for a stream cut into chunks: requests, then "TOO LONG" if it stopped. */
function frame(chunks: Uint8Array[], flushAtEnd = false): string[] {
  const framer = new RequestFramer();
  const out: string[] = [];
  const onRequest = (buffer: Uint8Array, start: number, end: number, terminator: Terminator) => {
    const name = terminator === Terminator.CrLf
      ? "crlf"
      : terminator === Terminator.Lf
      ? "lf"
      : "none";
    out.push(`${decoder.decode(buffer.subarray(start, end))}|${name}`);
  };
  for (const chunk of chunks) {
    let offset = 0;
    while (offset < chunk.length) {
      const space = framer.space();
      const count = Math.min(space.length, chunk.length - offset);
      space.set(chunk.subarray(offset, offset + count));
      offset += count;
      if (framer.commit(count, onRequest) === FrameResult.TooLong) {
        out.push("TOO LONG");
        return out;
      }
    }
  }
  if (flushAtEnd) framer.flush(onRequest);
  return out;
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const cut of cuts) {
    parts.push(bytes.subarray(from, cut));
    from = cut;
  }
  parts.push(bytes.subarray(from));
  return parts;
}

const cases: { name: string; input: string; flush?: boolean; expected: string[] }[] = [
  { name: "one LF request", input: "timestamp\n", expected: ["timestamp|lf"] },
  { name: "one CRLF request", input: "timestamp\r\n", expected: ["timestamp|crlf"] },
  { name: "an empty line", input: "\n", expected: ["|lf"] },
  { name: "an empty CRLF line", input: "\r\n", expected: ["|crlf"] },
  {
    name: "pipelined requests in order",
    input: "timestamp\nrfc3339 UTC\r\n\nquit\n",
    expected: ["timestamp|lf", "rfc3339 UTC|crlf", "|lf", "quit|lf"],
  },
  { name: "a CR inside a line is kept", input: "a\rb\n", expected: ["a\rb|lf"] },
  { name: "no LF, no flush: nothing yet", input: "timestamp", expected: [] },
  { name: "no LF, flushed", input: "timestamp", flush: true, expected: ["timestamp|none"] },
  {
    name: "trailing CR dropped at flush",
    input: "timestamp\r",
    flush: true,
    expected: ["timestamp|none"],
  },
  {
    name: "127 characters + LF is accepted",
    input: "x".repeat(127) + "\n",
    expected: ["x".repeat(127) + "|lf"],
  },
  {
    name: "128 characters + LF is too long",
    input: "x".repeat(128) + "\n",
    expected: ["TOO LONG"],
  },
  {
    name: "126 characters + CRLF is accepted",
    input: "x".repeat(126) + "\r\n",
    expected: ["x".repeat(126) + "|crlf"],
  },
  {
    name: "127 characters + CRLF is too long",
    input: "x".repeat(127) + "\r\n",
    expected: ["TOO LONG"],
  },
  {
    name: "128 characters, no LF yet, is too long",
    input: "x".repeat(128),
    expected: ["TOO LONG"],
  },
  {
    name: "127 characters, no LF yet, waits",
    input: "x".repeat(127),
    flush: true,
    expected: ["x".repeat(127) + "|none"],
  },
  {
    name: "requests before an over-long one are answered",
    input: "a\nb\n" + "y".repeat(200),
    expected: ["a|lf", "b|lf", "TOO LONG"],
  },
  {
    name: "many short lines beyond one buffer",
    input: "t\n".repeat(300),
    expected: Array(300).fill("t|lf"),
  },
];

for (const { name, input, flush, expected } of cases) {
  Deno.test(`RequestFramer frames ${name}, split at every byte boundary`, () => {
    const bytes = encoder.encode(input);
    deepStrictEqual(frame([bytes], flush), expected, "whole");
    const cuts = Math.min(bytes.length, 260);
    for (let cut = 1; cut < cuts; cut++) {
      deepStrictEqual(frame(splitAt(bytes, [cut]), flush), expected, `cut at ${cut}`);
    }
    deepStrictEqual(
      frame(splitAt(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1)), flush),
      expected,
      "one byte at a time",
    );
  });
}

Deno.test("RequestFramer.flush() keeps the read space valid while a read is in flight", () => {
  const framer = new RequestFramer();
  const seen: string[] = [];
  const onRequest = (b: Uint8Array, s: number, e: number) =>
    seen.push(decoder.decode(b.subarray(s, e)));
  const first = encoder.encode("timestamp");
  framer.space().set(first);
  framer.commit(first.length, onRequest);
  const inFlight = framer.space(); // a read is pending into this view
  strictEqual(framer.flush(onRequest), true);
  const second = encoder.encode("unix\n");
  inFlight.set(second);
  framer.commit(second.length, onRequest);
  deepStrictEqual(seen, ["timestamp", "unix"]);
  strictEqual(framer.pending, 0);
});

Deno.test("RequestFramer.flush() hands over nothing when nothing is held", () => {
  const framer = new RequestFramer();
  strictEqual(
    framer.flush(() => {
      throw new Error("called");
    }),
    false,
  );
});

Deno.test("RequestFramer keeps its memory bounded whatever the input", () => {
  const framer = new RequestFramer();
  strictEqual(framer.buffer.length, MAX_REQUEST_BYTES * 2);
  strictEqual(framer.space().length <= MAX_REQUEST_BYTES * 2, true);
});

import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { BufferPool } from "../src/protocols/session/buffer_pool.ts";
import {
  FRAMER_BUFFER_BYTES,
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

Deno.test("RequestFramer holds a lent buffer only while part of a request is held", () => {
  const pool = new BufferPool(FRAMER_BUFFER_BYTES);
  const framer = new RequestFramer(pool);
  const other = new RequestFramer(pool);
  const seen: string[] = [];
  const onRequest = (b: Uint8Array, s: number, e: number) =>
    seen.push(decoder.decode(b.subarray(s, e)));
  const feed = (f: RequestFramer, text: string) => {
    const bytes = encoder.encode(text);
    f.space().set(bytes);
    return f.commit(bytes.length, onRequest);
  };
  strictEqual(framer.space(), pool.scratch, "an idle framer reads into the shared scratch");
  feed(framer, "timestamp\nuni");
  deepStrictEqual([framer.holding, framer.pending, pool.lent], [true, 3, 1]);
  // Another session's read through the scratch does not touch the held tail.
  feed(other, "rfc3339\n");
  deepStrictEqual([other.holding, pool.lent], [false, 1]);
  feed(framer, "x\n");
  deepStrictEqual([framer.holding, framer.pending, pool.lent], [false, 0, 0]);
  feed(framer, "tai");
  strictEqual(framer.flush(onRequest), true);
  deepStrictEqual([framer.holding, pool.lent], [false, 0], "a flush gives the buffer back");
  feed(framer, "abc");
  framer.release();
  deepStrictEqual([framer.holding, framer.pending, pool.lent], [false, 0, 0]);
  deepStrictEqual(seen, ["timestamp", "rfc3339", "unix", "tai"]);
});

Deno.test("RequestFramer gives its buffer back when a request passes the cap", () => {
  const pool = new BufferPool(FRAMER_BUFFER_BYTES);
  const framer = new RequestFramer(pool);
  const part = encoder.encode("x".repeat(MAX_REQUEST_BYTES - 10));
  framer.space().set(part);
  strictEqual(framer.commit(part.length, () => {}), FrameResult.Ok);
  strictEqual(pool.lent, 1);
  framer.space().set(part.subarray(0, 20));
  strictEqual(framer.commit(20, () => {}), FrameResult.TooLong);
  deepStrictEqual([framer.holding, pool.lent], [false, 0]);
});

Deno.test("RequestFramer refuses a pool of another size", () => {
  throws(() => new RequestFramer(new BufferPool(64)), RangeError);
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
  strictEqual(FRAMER_BUFFER_BYTES, MAX_REQUEST_BYTES * 2);
  strictEqual(framer.space().length <= MAX_REQUEST_BYTES * 2, true);
});

import type { StreamConn } from "../src/io/stream.ts";
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { fixedClock } from "../src/time/clock.ts";
import { Metrics } from "../src/ops/metrics.ts";
import { OneShotService } from "../src/protocols/oneshot/oneshot_service.ts";
import { encodeRfc868 } from "../src/protocols/oneshot/rfc868.ts";

/** A connection whose writes never complete until it is closed, as a client that never reads. */
function stuckConn(): { conn: StreamConn; closed: () => boolean } {
  let reject: ((error: Error) => void) | null = null;
  let closed = false;
  const conn = {
    write: () => new Promise<number>((_, fail) => reject = fail),
    close() {
      if (closed) throw new Deno.errors.BadResource("closed");
      closed = true;
      reject?.(new Deno.errors.Interrupted("operation canceled"));
    },
  } as unknown as StreamConn;
  return { conn, closed: () => closed };
}

Deno.test("OneShotService.handleConnection() closes a write that cannot finish within the bound", async () => {
  const service = new OneShotService(fixedClock({ seconds: 0, nanos: 0 }), encodeRfc868, true, 50);
  const counters = new Metrics().counter("time", "tcp");
  const { conn, closed } = stuckConn();
  await service.handleConnection(conn, counters); // returns only because the sweep closed it
  strictEqual(closed(), true);
  strictEqual(counters.requests, 1);
  strictEqual(counters.errors, 1);
  strictEqual(counters.answers, 0);
});

Deno.test("OneShotService.handleConnection() writes the payload and closes", async () => {
  const service = new OneShotService(fixedClock({ seconds: 0, nanos: 0 }), encodeRfc868);
  const counters = new Metrics().counter("time", "tcp");
  const written: number[] = [];
  let closed = false;
  const conn = {
    write: (bytes: Uint8Array) => (written.push(...bytes), Promise.resolve(bytes.length)),
    close: () => closed = true,
  } as unknown as StreamConn;
  await service.handleConnection(conn, counters);
  deepStrictEqual(written, [0x83, 0xaa, 0x7e, 0x80]); // 2,208,988,800 s: 1970 in RFC 868
  strictEqual(closed, true);
  strictEqual(counters.answers, 1);
});

Deno.test("OneShotService.handleConnection() with ended: answered and closed before it returns, or the rest written", async () => {
  const service = new OneShotService(fixedClock({ seconds: 0, nanos: 0 }), encodeRfc868);
  /** A connection whose socket takes `takes` bytes at once; write() takes the rest. */
  const conn = (takes: number) => {
    const seen = { now: [] as number[], later: [] as number[], closed: false };
    const fake = {
      tryWrite: (
        bytes: Uint8Array,
      ) => (seen.now.push(...bytes.subarray(0, takes)), Math.min(takes, bytes.length)),
      write: (bytes: Uint8Array) => (seen.later.push(...bytes), Promise.resolve(bytes.length)),
      close: () => seen.closed = true,
    } as unknown as StreamConn;
    return { fake, seen };
  };
  // The usual case: all at once, no promise, ended told with the connection.
  const counters = new Metrics().counter("time", "tcp");
  const whole = conn(4);
  const ended: StreamConn[] = [];
  const result = service.handleConnection(whole.fake, counters, (c) => ended.push(c));
  strictEqual(result, undefined);
  deepStrictEqual(whole.seen.now, [0x83, 0xaa, 0x7e, 0x80]);
  strictEqual(whole.seen.closed, true);
  deepStrictEqual(ended, [whole.fake]);
  strictEqual(counters.answers, 1);
  // A full socket: the rest goes by write(), and the promise (not ended) reports the end.
  const part = conn(1);
  const promise = service.handleConnection(part.fake, counters, (c) => ended.push(c));
  strictEqual(promise instanceof Promise, true);
  await promise;
  deepStrictEqual([...part.seen.now, ...part.seen.later], [0x83, 0xaa, 0x7e, 0x80]);
  strictEqual(part.seen.closed, true);
  strictEqual(ended.length, 1, "ended is not told when the promise reports");
  strictEqual(counters.answers, 2);
});

Deno.test("OneShotService.payload() caches whole-second payloads for their second", () => {
  let now = { seconds: 10, nanos: 0 };
  let renders = 0;
  const service = new OneShotService(
    { now: () => now, seconds: () => now.seconds, monotonicNanos: () => 0 },
    () => new Uint8Array([++renders]),
  );
  strictEqual(service.payload()[0], 1);
  now = { seconds: 10, nanos: 900_000_000 };
  strictEqual(service.payload()[0], 1);
  now = { seconds: 11, nanos: 0 };
  strictEqual(service.payload()[0], 2);
});

/**
 * Both engines' datagram endpoints behind the one interface: batches in
 * (one `recvmmsg` on the kernel engine), answers out to the right sender
 * whichever datagrams go unanswered, receive times, one transmit stamp per
 * batch, cut datagrams, IPv6 senders. Loopback only.
 */

import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { systemClock } from "../src/time/clock.ts";
import type { Instant } from "../src/time/instant.ts";
import type { DatagramBatch, DatagramSink } from "../src/io/datagram.ts";
import { MAX_BATCH, MAX_DATAGRAM_BYTES } from "../src/io/datagram.ts";
import type { IoEngine } from "../src/io/engine.ts";
import { DenoEngine } from "../src/io/deno/engine.ts";
import { KernelEngine } from "../src/io/linux/engine.ts";
import { canBind, socketAt } from "./_clockd.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const ENGINES: { name: string; open(): IoEngine }[] = [
  { name: "kernel", open: () => KernelEngine.open(systemClock) },
  { name: "deno", open: () => new DenoEngine(systemClock) },
];

/** A client socket on 127.0.0.1 (or `hostname`), closed by `using`. */
const client = (hostname = "127.0.0.1") => socketAt(hostname);

async function answerOf(conn: Deno.DatagramConn, timeoutMs = 2000): Promise<string | null> {
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    const [bytes] = await conn.receive();
    return decoder.decode(bytes);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/** A sink that records what it saw and answers what `answer` says. */
class RecordingSink implements DatagramSink {
  batches: number[] = [];
  payloads: string[] = [];
  ports: number[] = [];
  received: Instant[] = [];
  stamped: Instant[] = [];
  sent = 0;
  failed = 0;
  #waiters: { want: number; resolve: () => void }[] = [];
  stamp?: (answer: Uint8Array, transmit: Instant) => void;

  constructor(
    readonly answer: (payload: string, index: number) => Uint8Array | null,
    stamps = false,
  ) {
    if (stamps) this.stamp = (_answer, transmit) => this.stamped.push(transmit);
  }

  onBatch(batch: DatagramBatch): void {
    this.batches.push(batch.count);
    for (let i = 0; i < batch.count; i++) {
      const payload = decoder.decode(batch.payload(i));
      this.payloads.push(payload);
      this.ports.push(batch.peer(i).port);
      this.received.push(batch.receivedAt(i));
      const answer = this.answer(payload, this.payloads.length - 1);
      if (answer !== null) batch.reply(i, answer);
    }
  }

  onSent(sent: number, failed: number): void {
    this.sent += sent;
    this.failed += failed;
    for (const waiter of this.#waiters.splice(0)) {
      if (this.payloads.length >= waiter.want) waiter.resolve();
      else this.#waiters.push(waiter);
    }
  }

  /** Waits until `want` datagrams were handled (polling; at most 2 s). */
  async handled(want: number): Promise<void> {
    for (let i = 0; i < 200 && this.payloads.length < want; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

for (const { name, open } of ENGINES) {
  Deno.test(`${name} datagram endpoint: each answer reaches its sender, unanswered ones send nothing`, async () => {
    const engine = open();
    const socket = engine.listenDatagram("127.0.0.1", 0);
    const sink = new RecordingSink((payload) => {
      const n = Number(payload.slice(1));
      return n % 2 === 1 ? encoder.encode(`answer ${n}`) : null;
    });
    const serving = socket.serve(sink);
    const senders = Array.from({ length: 6 }, () => client());
    try {
      for (const [i, sender] of senders.entries()) {
        await sender.send(encoder.encode(`q${i}`), socket.addr);
      }
      const answers = await Promise.all(senders.map((sender) => answerOf(sender, 700)));
      deepStrictEqual(answers, [null, "answer 1", null, "answer 3", null, "answer 5"]);
      strictEqual(sink.sent, 3);
      strictEqual(sink.failed, 0);
      deepStrictEqual(
        sink.ports.toSorted(),
        senders.map((s) => (s.addr as Deno.NetAddr).port).toSorted(),
      );
    } finally {
      for (const sender of senders) {
        try {
          sender.close();
        } catch { /* closed by answerOf */ }
      }
      socket.close();
      await serving;
      await engine.close();
    }
  });

  Deno.test(`${name} datagram endpoint: receive times are now, one transmit stamp per answer`, async () => {
    const engine = open();
    const socket = engine.listenDatagram("127.0.0.1", 0);
    const sink = new RecordingSink(() => encoder.encode("ok"), true);
    const serving = socket.serve(sink);
    using sender = client();
    const before = systemClock.now();
    await sender.send(encoder.encode("x"), socket.addr);
    strictEqual(await answerOf(sender), "ok");
    const after = systemClock.now();
    const seconds = (t: Instant) => t.seconds + t.nanos / 1e9;
    ok(seconds(sink.received[0]) >= seconds(before) - 0.001, "received after the send started");
    ok(seconds(sink.received[0]) <= seconds(sink.stamped[0]), "received before transmitted");
    ok(seconds(sink.stamped[0]) <= seconds(after) + 0.001, "transmitted before the answer came");
    socket.close();
    await serving;
    await engine.close();
  });

  Deno.test(`${name} datagram endpoint: a long datagram is cut, a too-long answer refused`, async () => {
    const engine = open();
    const socket = engine.listenDatagram("127.0.0.1", 0);
    let refused: boolean | null = null;
    const sink: DatagramSink = {
      onBatch(batch) {
        strictEqual(batch.payload(0).length, MAX_DATAGRAM_BYTES);
        refused = !batch.reply(0, new Uint8Array(MAX_DATAGRAM_BYTES + 1));
      },
      onSent() {},
    };
    const serving = socket.serve(sink);
    using sender = client();
    await sender.send(new Uint8Array(MAX_DATAGRAM_BYTES + 100), socket.addr);
    for (let i = 0; i < 100 && refused === null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // The deno engine takes any answer Deno's socket takes; the kernel one has fixed slots.
    strictEqual(refused, name === "kernel");
    socket.close();
    await serving;
    await engine.close();
  });

  Deno.test({
    name: `${name} datagram endpoint: IPv6 senders are named in IPv6`,
    // Ignored where this machine has no IPv6 loopback.
    ignore: !canBind("udp", "::1", 0),
    fn: async () => {
      using sender = client("::1");
      const engine = open();
      const socket = engine.listenDatagram("::1", 0);
      const sink = new RecordingSink(() => encoder.encode("six"));
      const serving = socket.serve(sink);
      await sender.send(encoder.encode("q"), socket.addr);
      strictEqual(await answerOf(sender), "six");
      strictEqual(socket.addr.hostname, "::1");
      socket.close();
      await serving;
      await engine.close();
    },
  });
}

Deno.test("kernel datagram endpoint: a queued backlog comes in MAX_BATCH at a time, nothing lost", async () => {
  const engine = KernelEngine.open(systemClock);
  const socket = engine.listenDatagram("127.0.0.1", 0);
  using sender = client();
  const total = MAX_BATCH * 2 + 5;
  // Queue everything before serving: the first edge finds the whole backlog.
  for (let i = 0; i < total; i++) await sender.send(encoder.encode(`d${i}`), socket.addr);
  const sink = new RecordingSink(() => null);
  const serving = socket.serve(sink);
  await sink.handled(total);
  strictEqual(sink.payloads.length, total);
  deepStrictEqual(sink.batches, [MAX_BATCH, MAX_BATCH, 5]);
  deepStrictEqual(sink.payloads, Array.from({ length: total }, (_, i) => `d${i}`));
  socket.close();
  await serving;
  await engine.close();
});

Deno.test("kernel datagram endpoint: two sockets share one port; an unbindable address says why", async () => {
  const engine = KernelEngine.open(systemClock);
  const first = engine.listenDatagram("127.0.0.1", 0);
  const second = engine.listenDatagram("127.0.0.1", first.addr.port);
  strictEqual(second.addr.port, first.addr.port);
  throws(() => engine.listenDatagram("clock.example", 123), /needs a numeric address/);
  first.close();
  second.close();
  await engine.close();
});

Deno.test("kernel datagram endpoint: the receive time is the kernel's stamp, not when the loop got to it", async () => {
  const engine = KernelEngine.open(systemClock);
  const socket = engine.listenDatagram("127.0.0.1", 0);
  using sender = client();
  const sent = systemClock.now();
  await sender.send(encoder.encode("early"), socket.addr);
  // The datagram waits in the queue 300 ms before anyone reads it.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const sink = new RecordingSink(() => null);
  const serving = socket.serve(sink);
  await sink.handled(1);
  const seconds = (t: Instant) => t.seconds + t.nanos / 1e9;
  const waited = seconds(systemClock.now()) - seconds(sent);
  const stampedAfterSend = seconds(sink.received[0]) - seconds(sent);
  ok(waited >= 0.3, `the loop read it ${waited} s after the send`);
  ok(
    stampedAfterSend >= -0.001 && stampedAfterSend < 0.1,
    `stamped ${stampedAfterSend} s after the send, though read ${waited} s after it`,
  );
  socket.close();
  await serving;
  await engine.close();
});

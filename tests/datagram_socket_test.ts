/**
 * The NTP fast path's socket: batches in with `recvmmsg`, batches out with
 * `sendmmsg`, kernel receive stamps, and answers that reach the right
 * sender whichever datagrams of a batch go unanswered. Loopback only.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { systemClock } from "../src/time/clock.ts";
import {
  BATCH,
  DATAGRAM_BYTES,
  RECEIVE_TIMEOUT_MS,
  REPLY_BYTES,
  ReusePortUdpSocket,
} from "../src/io/linux/datagram_socket.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function client(hostname = "127.0.0.1"): Deno.DatagramConn {
  return Deno.listenDatagram({ transport: "udp", hostname, port: 0 });
}

/** Receives until `want` datagrams have arrived (each call blocks at most RECEIVE_TIMEOUT_MS). */
function receiveAll(socket: ReusePortUdpSocket, want: number): {
  batches: number[];
  payloads: string[];
  ports: number[];
} {
  const batches: number[] = [];
  const payloads: string[] = [];
  const ports: number[] = [];
  for (let tries = 0; payloads.length < want && tries < 20; tries++) {
    const count = socket.receiveBatch();
    if (count < 0) continue;
    batches.push(count);
    for (let i = 0; i < count; i++) {
      payloads.push(decoder.decode(socket.datagram(i)));
      ports.push(socket.remoteOf(i).port);
    }
  }
  return { batches, payloads, ports };
}

async function answerOf(conn: Deno.DatagramConn): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("no answer within 2 s")), 2000);
  });
  try {
    const [bytes] = await Promise.race([conn.receive(), timeout]);
    return decoder.decode(bytes);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("ReusePortUdpSocket: a queued batch comes in with one receive, senders and kernel stamps intact", async () => {
  using socket = ReusePortUdpSocket.bind("127.0.0.1", 0);
  const senders = Array.from({ length: 5 }, () => client());
  try {
    const before = systemClock.now();
    for (const [n, sender] of senders.entries()) {
      await sender.send(encoder.encode(`request ${n}`), {
        transport: "udp",
        hostname: "127.0.0.1",
        port: socket.port,
      });
    }
    const count = socket.receiveBatch();
    strictEqual(count, 5, "all five were queued before the receive");
    const after = systemClock.now();
    for (let i = 0; i < count; i++) {
      strictEqual(decoder.decode(socket.datagram(i)), `request ${i}`);
      const remote = socket.remoteOf(i);
      strictEqual(remote.hostname, "127.0.0.1");
      strictEqual(remote.port, (senders[i].addr as Deno.NetAddr).port);
      const stamp = socket.receivedAt(i);
      ok(stamp !== null, "the kernel stamped the datagram");
      const at = stamp.seconds + stamp.nanos / 1e9;
      ok(stamp.nanos >= 0 && stamp.nanos < 1e9);
      ok(at >= before.seconds + before.nanos / 1e9 - 0.001, "stamped after the first send");
      ok(at <= after.seconds + after.nanos / 1e9 + 0.001, "stamped before the receive returned");
    }
  } finally {
    for (const sender of senders) sender.close();
  }
});

Deno.test("ReusePortUdpSocket: only the odd datagrams are answered, each to its sender, with the finishing touch", async () => {
  using socket = ReusePortUdpSocket.bind("127.0.0.1", 0);
  const senders = Array.from({ length: 6 }, () => client());
  try {
    for (const [n, sender] of senders.entries()) {
      await sender.send(encoder.encode(`q${n}`), {
        transport: "udp",
        hostname: "127.0.0.1",
        port: socket.port,
      });
    }
    const count = socket.receiveBatch();
    strictEqual(count, 6);
    let queued = 0;
    for (let i = 0; i < count; i++) {
      if (i % 2 === 0) continue;
      const request = decoder.decode(socket.datagram(i));
      ok(socket.queueReply(i, encoder.encode(`answer to ${request}`)));
      queued++;
    }
    const finished: string[] = [];
    const sent = socket.flushReplies((reply) => {
      finished.push(decoder.decode(reply));
      reply[0] = "A".charCodeAt(0);
    });
    strictEqual(sent, queued);
    deepStrictEqual(finished, ["answer to q1", "answer to q3", "answer to q5"]);
    for (const n of [1, 3, 5]) strictEqual(await answerOf(senders[n]), `Answer to q${n}`);
    // The even senders got nothing: a probe answered now is the first thing they read.
    await senders[0].send(encoder.encode("probe"), {
      transport: "udp",
      hostname: "127.0.0.1",
      port: socket.port,
    });
    strictEqual(socket.receiveBatch(), 1);
    ok(socket.queueReply(0, encoder.encode("probe answer")));
    strictEqual(socket.flushReplies(), 1);
    strictEqual(await answerOf(senders[0]), "probe answer");
  } finally {
    for (const sender of senders) sender.close();
  }
});

Deno.test("ReusePortUdpSocket: more than a batch is taken BATCH at a time, nothing lost", async () => {
  using socket = ReusePortUdpSocket.bind("127.0.0.1", 0);
  const sender = client();
  try {
    const total = BATCH + 8;
    for (let n = 0; n < total; n++) {
      await sender.send(encoder.encode(`${n}`), {
        transport: "udp",
        hostname: "127.0.0.1",
        port: socket.port,
      });
    }
    const { batches, payloads } = receiveAll(socket, total);
    strictEqual(batches[0], BATCH, "the first receive takes a full batch");
    ok(batches.every((count) => count <= BATCH));
    deepStrictEqual(payloads, Array.from({ length: total }, (_, n) => `${n}`));
  } finally {
    sender.close();
  }
});

Deno.test("ReusePortUdpSocket: a long datagram is cut, a long answer refused, an empty queue times out", async () => {
  using socket = ReusePortUdpSocket.bind("127.0.0.1", 0);
  const sender = client();
  try {
    await sender.send(new Uint8Array(DATAGRAM_BYTES + 100).fill(7), {
      transport: "udp",
      hostname: "127.0.0.1",
      port: socket.port,
    });
    strictEqual(socket.receiveBatch(), 1);
    strictEqual(socket.datagram(0).length, DATAGRAM_BYTES);
    strictEqual(socket.queueReply(0, new Uint8Array(REPLY_BYTES + 1)), false);
    ok(socket.queueReply(0, new Uint8Array(REPLY_BYTES)));
    strictEqual(socket.flushReplies(), 1);
    strictEqual((await sender.receive())[0].length, REPLY_BYTES);
    const started = performance.now();
    strictEqual(socket.receiveBatch(), -1);
    ok(
      performance.now() - started >= RECEIVE_TIMEOUT_MS / 2,
      "the empty receive blocked, then gave up",
    );
  } finally {
    sender.close();
  }
});

Deno.test("ReusePortUdpSocket: IPv6 senders are named in IPv6", async (t) => {
  let socket: ReusePortUdpSocket;
  try {
    socket = ReusePortUdpSocket.bind("::1", 0);
  } catch (error) {
    t.step({
      name: `skipped: no IPv6 loopback (${(error as Error).message})`,
      ignore: true,
      fn() {},
    });
    return;
  }
  using bound = socket;
  const sender = client("::1");
  try {
    await sender.send(encoder.encode("v6"), {
      transport: "udp",
      hostname: "::1",
      port: bound.port,
    });
    strictEqual(bound.receiveBatch(), 1);
    const remote = bound.remoteOf(0);
    strictEqual(remote.hostname, "::1");
    strictEqual(remote.port, (sender.addr as Deno.NetAddr).port);
    ok(bound.receivedAt(0) !== null);
  } finally {
    sender.close();
  }
});

Deno.test("ReusePortUdpSocket: two sockets share one port (SO_REUSEPORT); an unbindable address says why", () => {
  using first = ReusePortUdpSocket.bind("127.0.0.1", 0);
  using second = ReusePortUdpSocket.bind("127.0.0.1", first.port);
  strictEqual(second.port, first.port);
  let message = "";
  try {
    ReusePortUdpSocket.bind("clock.example", 123).close();
  } catch (error) {
    message = (error as Error).message;
  }
  strictEqual(message, 'needs a numeric address, got "clock.example"');
});

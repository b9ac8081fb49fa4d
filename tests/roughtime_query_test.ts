/**
 * `clockd query roughtime://…` in process against tiny Roughtime servers
 * on 127.0.0.1 (UDP and TCP on one port, answering with clockd's own
 * responder): every version over both transports, chained queries, a
 * lying server caught, bad signatures, wrong nonces, timeouts, URL and
 * flag errors.
 */

import assert from "node:assert/strict";
import {
  chainedNonce,
  decodeRoughtimeMessage,
  encodeRoughtimeMessage,
  frameRoughtimePacket,
  roughtimeFrameLength,
  RoughtimeResponder,
  Tag,
  unframeRoughtimePacket,
} from "../src/protocols/roughtime/mod.ts";
import { systemClock } from "../src/time/clock.ts";
import type { Instant } from "../src/time/instant.ts";
import { queryCommand, queryOnce } from "../src/query/query_command.ts";
import { parseQueryUrl } from "../src/query/query_url.ts";
import { parseRoughtimeVersion, queryRoughtimeLink } from "../src/query/roughtime_query.ts";
import { UsageError } from "../src/cli/usage_error.ts";

interface FakeOptions {
  /** The server's idea of now (a liar's differs). */
  now?: () => Instant;
  /** Rewrites each answer before it is sent; null sends nothing. */
  tamper?: (answer: Uint8Array, request: Uint8Array) => Uint8Array | null;
  /** The long-term seed. */
  seed?: number;
  /** Datagrams sent before each UDP answer. */
  prelude?: Uint8Array[];
}

/** A UDP and a TCP socket on one free port of 127.0.0.1 (retried while the TCP side is taken). */
function sameSocketPort(): { udp: Deno.DatagramConn; tcp: Deno.TcpListener; port: number } {
  for (let attempt = 0;; attempt++) {
    const udp = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const port = (udp.addr as Deno.NetAddr).port;
    try {
      return { udp, tcp: Deno.listen({ hostname: "127.0.0.1", port }), port };
    } catch (error) {
      udp.close();
      if (!(error instanceof Deno.errors.AddrInUse) || attempt === 50) throw error;
    }
  }
}

/** A Roughtime server on 127.0.0.1, UDP and TCP on the same port. */
async function fakeRoughtime(options: FakeOptions = {}) {
  const now = options.now ?? (() => systemClock.now());
  const responder = await RoughtimeResponder.create({
    rootSeed: new Uint8Array(32).fill(options.seed ?? 7),
    now: now(),
  });
  const answer = async (request: Uint8Array, transport: "udp" | "tcp") => {
    const [outcome] = await responder.answerBatch([request], now(), 100_000, { transport });
    if (outcome.answer === null) return null;
    return options.tamper ? options.tamper(outcome.answer, request) : outcome.answer;
  };
  const { udp, tcp, port } = sameSocketPort();
  const requests: Uint8Array[] = [];
  const udpLoop = (async () => {
    try {
      for (;;) {
        const [request, from] = await udp.receive();
        requests.push(request);
        const reply = await answer(request, "udp");
        for (const junk of options.prelude ?? []) await udp.send(junk, from);
        if (reply !== null) await udp.send(reply, from);
      }
    } catch { /* closed */ }
  })();
  const connections = new Set<Promise<void>>();
  const tcpLoop = (async () => {
    for await (const conn of tcp) {
      const served = (async () => {
        let buffered = new Uint8Array(0);
        const chunk = new Uint8Array(4096);
        try {
          for (;;) {
            const n = await conn.read(chunk);
            if (n === null) break;
            const joined = new Uint8Array(buffered.length + n);
            joined.set(buffered);
            joined.set(chunk.subarray(0, n), buffered.length);
            buffered = joined;
            const length = roughtimeFrameLength(buffered);
            if (length === "invalid") break;
            if (length === "incomplete" || buffered.length < length) continue;
            const request = buffered.slice(0, length);
            buffered = buffered.slice(length);
            requests.push(request);
            const reply = await answer(request, "tcp");
            if (reply !== null) await conn.write(reply);
          }
        } catch { /* the client left */ }
        conn.close();
      })();
      connections.add(served);
      served.then(() => connections.delete(served));
    }
  })();
  const key = encodeURIComponent(responder.publicKey.toBase64());
  return {
    responder,
    requests,
    udpUrl: `roughtime://127.0.0.1:${port}?key=${key}`,
    tcpUrl: `roughtime+tcp://127.0.0.1:${port}?key=${key}`,
    async [Symbol.asyncDispose]() {
      udp.close();
      tcp.close();
      await Promise.all([udpLoop, tcpLoop, ...connections]);
    },
  };
}

/** Runs the command in process, capturing its lines. */
async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await queryCommand(args, {
    output: { out: (line) => out.push(line), err: (line) => err.push(line) },
  });
  return { code, out, err };
}

/** An answer with one byte of `tag` (inside the top-level message) flipped. */
function corrupt(answer: Uint8Array, tag: number): Uint8Array {
  const framed = answer[0] === 0x52;
  const fields = new Map(decodeRoughtimeMessage(framed ? unframeRoughtimePacket(answer) : answer));
  const value = fields.get(tag)!.slice();
  value[0] ^= 1;
  fields.set(tag, value);
  const message = encodeRoughtimeMessage(fields.entries());
  return framed ? frameRoughtimePacket(message) : message;
}

Deno.test("parseQueryUrl() reads roughtime:// keys in base64, base64url, without padding and in hex", () => {
  const base64 = "AW5uAoTSTDfG5NfY1bTh08GUnOqlRb+HVhbJ3ODJvsE=";
  const forms = [
    base64,
    "AW5uAoTSTDfG5NfY1bTh08GUnOqlRb+HVhbJ3ODJvsE",
    "AW5uAoTSTDfG5NfY1bTh08GUnOqlRb%2BHVhbJ3ODJvsE%3D",
    "AW5uAoTSTDfG5NfY1bTh08GUnOqlRb-HVhbJ3ODJvsE",
    "016e6e0284d24c37c6e4d7d8d5b4e1d3c1949ceaa545bf875616c9dce0c9bec1",
  ];
  for (const form of forms) {
    const target = parseQueryUrl(`roughtime://Time.Example/?key=${form}`);
    assert.equal(target.key, base64, form);
    assert.equal(target.port, 2002);
    assert.equal(target.scheme.transport, "udp");
    assert.equal(
      target.url,
      "roughtime://time.example:2002?key=AW5uAoTSTDfG5NfY1bTh08GUnOqlRb%2BHVhbJ3ODJvsE=",
    );
    assert.equal(parseQueryUrl(target.url).key, base64, "the canonical URL parses back");
  }
  assert.equal(parseQueryUrl(`roughtime+tcp://[::1]:2003?key=${base64}`).scheme.transport, "tcp");
});

Deno.test("parseQueryUrl() rejects roughtime:// URLs without a usable key", () => {
  const bad = [
    "roughtime://host",
    "roughtime://host?key=",
    "roughtime://host?key=AAAA",
    "roughtime://host?key=" + "A".repeat(44) + "A",
    "roughtime://host?key=" + "0".repeat(63),
    "roughtime://host/path?key=" + "A".repeat(43),
    "roughtime://host?key=" + "A".repeat(43) + "&key=" + "A".repeat(43),
    "roughtime://host?pubkey=" + "A".repeat(43),
  ];
  for (const url of bad) assert.throws(() => parseQueryUrl(url), SyntaxError, url);
});

Deno.test("clockd query roughtime:// verifies every version over UDP and TCP", async () => {
  await using server = await fakeRoughtime();
  const labels: Record<string, string> = {
    ietf: "RFC 10049",
    google: "Google-Roughtime",
    "draft-08": "draft-ietf-ntp-roughtime-08",
    "draft-11": "draft-ietf-ntp-roughtime-11",
    "draft-12": "draft-ietf-ntp-roughtime-12",
    "draft-19": "draft-ietf-ntp-roughtime-19",
    rfc: "RFC 10049",
  };
  for (const [version, label] of Object.entries(labels)) {
    for (const url of [server.udpUrl, server.tcpUrl]) {
      const { code, out, err } = await run(["--version", version, url]);
      assert.equal(code, 0, `${version} ${url}: ${err.join("\n")}`);
      assert.match(
        out[0],
        new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z ± [\\d.]+ s \\(${label}\\)$`),
      );
      assert.match(out[1], / {2}offset [+-]\d+\.\d{6} s ± \d+\.\d{6} s {2}delay \d+\.\d{6} s$/);
      const offset = Number(/offset ([+-][\d.]+)/.exec(out[1])![1]);
      assert.ok(Math.abs(offset) < 1, `same clock: ${out[1]}`);
    }
  }
});

Deno.test("queryOnce() answers a roughtime:// target as a QueryResult", async () => {
  await using server = await fakeRoughtime();
  const result = await queryOnce(parseQueryUrl(server.tcpUrl));
  assert.equal(result.failure, null);
  assert.match(result.answer!, /± 3 s \(RFC 10049\)$/);
  assert.ok(result.estimate!.error >= 3);
});

Deno.test("queryRoughtimeLink() derives each chained nonce from the previous answer", async () => {
  await using server = await fakeRoughtime();
  const offered = parseRoughtimeVersion("ietf");
  const options = { timeoutMs: 2000, clock: systemClock, offered };
  const first = await queryRoughtimeLink(parseQueryUrl(server.udpUrl), {
    ...options,
    previous: null,
  });
  const second = await queryRoughtimeLink(parseQueryUrl(server.tcpUrl), {
    ...options,
    previous: first.response,
  });
  assert.equal(first.rand, null);
  const { nonce } = await chainedNonce(offered[0], first.response, second.rand!);
  const sent = decodeRoughtimeMessage(unframeRoughtimePacket(second.request)).get(Tag.NONC)!;
  assert.deepEqual(sent, nonce);
  assert.deepEqual(server.requests[1], second.request, "the server saw that request");
});

Deno.test("clockd query with several roughtime:// URLs chains them and finds them consistent", async () => {
  await using a = await fakeRoughtime({ seed: 1 });
  await using b = await fakeRoughtime({ seed: 2 });
  const { code, out, err } = await run([a.udpUrl, b.tcpUrl, a.tcpUrl]);
  assert.equal(code, 0, err.join("\n"));
  assert.equal(out.length, 4);
  assert.match(out[3], /^chain {2}3\/3 answered, in causal order$/);
  assert.equal(b.requests.length, 1);
});

Deno.test("clockd query reports a Roughtime server a day ahead as inconsistent, with a malfeasance report", async () => {
  await using honest = await fakeRoughtime({ seed: 1 });
  await using liar = await fakeRoughtime({
    seed: 2,
    now: () => {
      const now = systemClock.now();
      return { seconds: now.seconds + 86400, nanos: now.nanos };
    },
  });
  const human = await run([liar.udpUrl, honest.udpUrl]);
  assert.equal(human.code, 1);
  assert.match(human.out[2], /^chain {2}inconsistent: #1 roughtime:\/\/.* is later than #2 /);
  assert.match(human.err.at(-1)!, /1 pair\(s\) of Roughtime answers contradict/);
  const json = await run(["--json", liar.tcpUrl, honest.tcpUrl]);
  assert.equal(json.code, 1);
  const chain = JSON.parse(json.out[2]);
  assert.equal(chain.consistent, false);
  assert.equal(chain.inconsistent[0].earlier, parseQueryUrl(liar.tcpUrl).url);
  assert.equal(chain.malfeasance_report.responses.length, 2);
  assert.equal(chain.malfeasance_report.responses[1].rand.length, 44);
});

Deno.test("clockd query ignores stray datagrams that cannot be a Roughtime answer", async () => {
  await using server = await fakeRoughtime({
    prelude: [new Uint8Array(3), new TextEncoder().encode("ROUGHTIM\x05\0\0\0junk!")],
  });
  const { code, err } = await run([server.udpUrl]);
  assert.equal(code, 0, err.join("\n"));
});

Deno.test("clockd query exits 1 on a bad Roughtime signature", async () => {
  await using server = await fakeRoughtime({ tamper: (answer) => corrupt(answer, Tag.SIG) });
  for (const version of ["rfc", "google", "draft-11"]) {
    const { code, err } = await run(["--version", version, server.udpUrl]);
    assert.equal(code, 1);
    assert.match(err[0], /: bad signature: the response is not signed by the delegated key$/);
  }
});

Deno.test("clockd query exits 1 on a Roughtime answer to another request", async () => {
  let previous: Uint8Array | null = null;
  await using server = await fakeRoughtime({
    tamper: (answer) => {
      const replay = previous ?? answer;
      previous = answer;
      return replay;
    },
  });
  assert.equal((await run([server.udpUrl])).code, 0, "the first answer is its own");
  const { code, err } = await run([server.udpUrl]);
  assert.equal(code, 1);
  assert.match(err[0], /: wrong nonce: NONC is not this request's nonce$/);
});

Deno.test("clockd query exits 1 when a draft-08 server signs with another key", async () => {
  await using server = await fakeRoughtime({ seed: 9 });
  const other = await RoughtimeResponder.create({
    rootSeed: new Uint8Array(32),
    now: systemClock.now(),
  });
  const url = server.udpUrl.replace(
    /key=.*$/,
    `key=${encodeURIComponent(other.publicKey.toBase64())}`,
  );
  const { code, err } = await run(["--version", "draft-08", url]);
  assert.equal(code, 1);
  assert.match(err[0], /bad signature: the delegation is not signed by the server's long-term key/);
});

Deno.test("clockd query times out on a Roughtime server that never answers", async () => {
  await using server = await fakeRoughtime({ tamper: () => null });
  for (const url of [server.udpUrl, server.tcpUrl]) {
    const { code, err } = await run(["--timeout", "300ms", url]);
    assert.equal(code, 1);
    assert.match(err[0], /no answer within 300ms$/);
  }
});

Deno.test("clockd query: --version and URL mixes that make no sense are usage errors", async () => {
  const key = "?key=" + "A".repeat(43);
  await assert.rejects(run(["--version", "ietf", "ntp://127.0.0.1"]), UsageError);
  await assert.rejects(run(["--version", "draft-99", `roughtime://127.0.0.1${key}`]), UsageError);
  await assert.rejects(run(["ntp://127.0.0.1", `roughtime://127.0.0.1${key}`]), UsageError);
  await assert.rejects(run(["ntp://127.0.0.1", "ntp://127.0.0.2"]), UsageError);
  await assert.rejects(run(["roughtime://127.0.0.1"]), UsageError);
});

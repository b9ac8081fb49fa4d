/**
 * The Roughtime responder as a pure function: every kind of malformed
 * request dropped with its reason (never thrown), answers never larger
 * than requests in any version, honesty (no radius, no answer), the
 * delegation's renewal, and batches that mix versions.
 */

import assert from "node:assert/strict";
import {
  buildRoughtimeRequest,
  decodeRoughtimeMessage,
  encodeRoughtimeMessage,
  frameRoughtimePacket,
  readUint32,
  readUint64,
  ROUGHTIME_PROFILES,
  RoughtimeResponder,
  type RoughtimeVersionName,
  Tag,
  uint32Bytes,
  unframeRoughtimePacket,
} from "../src/protocols/roughtime/mod.ts";

const NOW = { seconds: 1_800_000_000, nanos: 250_000_000 };
const SEED = new Uint8Array(32).fill(42);
const ALL = Object.keys(ROUGHTIME_PROFILES) as RoughtimeVersionName[];

function responder(options: Partial<Parameters<typeof RoughtimeResponder.create>[0]> = {}) {
  return RoughtimeResponder.create({ rootSeed: SEED, now: NOW, ...options });
}

function nonce(bytes = 32): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(bytes));
}

/** A framed IETF request of `size` bytes from explicit fields, padded with ZZZZ. */
function ietfRequest(fields: [number, Uint8Array][], size = 1036): Uint8Array {
  const used = 12 + 8 * (fields.length + 1) + fields.reduce((n, [, v]) => n + v.length, 0);
  return frameRoughtimePacket(
    encodeRoughtimeMessage([...fields, [Tag.ZZZZ, new Uint8Array(size - used)]]),
  );
}

function rfcRequest(): Uint8Array {
  return buildRoughtimeRequest({ profiles: [ROUGHTIME_PROFILES.rfc], nonce: nonce() });
}

Deno.test("RoughtimeResponder.answerBatch() drops malformed requests of every kind with their reason", async (t) => {
  const server = await responder();
  const otherSrv = new Uint8Array(32).fill(1);
  const valid = rfcRequest();
  const badLength = valid.slice();
  badLength.set(uint32Bytes(1000), 8);
  const tagsOutOfOrder = frameRoughtimePacket(
    (() => {
      const m = unframeRoughtimePacket(valid).slice();
      const view = new DataView(m.buffer);
      const count = view.getUint32(0, true);
      const first = view.getUint32(4 * count, true);
      view.setUint32(4 * count, view.getUint32(4 * count + 4, true), true);
      view.setUint32(4 * count + 4, first, true);
      return m;
    })(),
  );
  const cases: [string, Uint8Array, string, "udp" | "tcp"][] = [
    [
      "shorter than 1024 bytes",
      buildRoughtimeRequest({
        profiles: [ROUGHTIME_PROFILES.rfc],
        nonce: nonce(),
        packetBytes: 1020,
      }),
      "short",
      "udp",
    ],
    ["an empty datagram", new Uint8Array(0), "short", "udp"],
    [
      "longer than 8192 bytes",
      ietfRequest([
        [Tag.VER, uint32Bytes(1)],
        [Tag.NONC, nonce()],
        [Tag.TYPE, uint32Bytes(0)],
      ], 8200),
      "long",
      "udp",
    ],
    ["a frame announcing the wrong length", badLength, "framing", "udp"],
    [
      "an unframed packet on TCP",
      buildRoughtimeRequest({
        profiles: [ROUGHTIME_PROFILES.google],
        nonce: nonce(64),
      }),
      "framing",
      "tcp",
    ],
    ["tags out of order", tagsOutOfOrder, "malformed", "udp"],
    [
      "an empty VER",
      ietfRequest([[Tag.VER, new Uint8Array(0)], [Tag.NONC, nonce()]]),
      "malformed",
      "udp",
    ],
    [
      "33 versions in VER",
      ietfRequest([
        [Tag.VER, new Uint8Array(132)],
        [Tag.NONC, nonce()],
      ]),
      "malformed",
      "udp",
    ],
    ["1024 bytes of zeros", new Uint8Array(1024), "nonce", "udp"],
    ["1024 bytes of noise", crypto.getRandomValues(new Uint8Array(1024)), "malformed", "udp"],
    ["a framed request without VER on UDP", ietfRequest([[Tag.NONC, nonce()]]), "version", "udp"],
    [
      "only unknown versions",
      ietfRequest([
        [Tag.VER, uint32Bytes(0x80000003)],
        [Tag.NONC, nonce()],
      ]),
      "version",
      "udp",
    ],
    ["no NONC", ietfRequest([[Tag.VER, uint32Bytes(0x8000000b)]]), "nonce", "udp"],
    [
      "a 16-byte NONC",
      ietfRequest([
        [Tag.VER, uint32Bytes(0x8000000b)],
        [Tag.NONC, nonce(16)],
      ]),
      "nonce",
      "udp",
    ],
    [
      "a 32-byte NONC in Google-Roughtime",
      encodeRoughtimeMessage([
        [Tag.NONC, nonce(32)],
        [Tag.PAD, new Uint8Array(1024 - 16 - 32)],
      ]),
      "nonce",
      "udp",
    ],
    [
      "version 1 without TYPE",
      ietfRequest([[Tag.VER, uint32Bytes(1)], [Tag.NONC, nonce()]]),
      "type",
      "udp",
    ],
    [
      "TYPE 1 (a response's)",
      ietfRequest([
        [Tag.VER, uint32Bytes(1)],
        [Tag.NONC, nonce()],
        [Tag.TYPE, uint32Bytes(1)],
      ]),
      "type",
      "udp",
    ],
    [
      "an 8-byte TYPE",
      ietfRequest([
        [Tag.VER, uint32Bytes(0x8000000c)],
        [Tag.NONC, nonce()],
        [Tag.TYPE, new Uint8Array(8)],
      ]),
      "type",
      "udp",
    ],
    [
      "SRV of another key",
      buildRoughtimeRequest({
        profiles: [ROUGHTIME_PROFILES.rfc],
        nonce: nonce(),
        srv: otherSrv,
      }),
      "srv",
      "udp",
    ],
  ];
  for (const [name, request, reason, transport] of cases) {
    await t.step(name, async () => {
      const [outcome] = await server.answerBatch([request], NOW, 1000, { transport });
      assert.equal(outcome.answer, null);
      assert.equal("drop" in outcome && outcome.drop, reason);
    });
  }
});

Deno.test("RoughtimeResponder.answerBatch() never throws on random or truncated input", async () => {
  const server = await responder();
  const valid = rfcRequest();
  const inputs: Uint8Array[] = [];
  for (let i = 0; i < 200; i++) {
    const mutated = valid.slice(0, 1024 + 4 * (i % 4));
    for (let k = 0; k < 1 + (i % 5); k++) {
      mutated[Math.floor(Math.random() * 120)] = Math.floor(Math.random() * 256);
    }
    inputs.push(mutated, crypto.getRandomValues(new Uint8Array(1024 + i)));
  }
  for (const transport of ["udp", "tcp"] as const) {
    const outcomes = await server.answerBatch(inputs, NOW, 1000, { transport });
    assert.equal(outcomes.length, inputs.length);
    outcomes.forEach((o, i) => {
      if (o.answer !== null) assert.ok(o.answer.length <= inputs[i].length);
    });
  }
});

Deno.test("RoughtimeResponder.answerBatch() never answers larger than the request, in every version and batch size", async () => {
  const server = await responder({ maxBatch: 512 });
  for (const name of ALL) {
    for (const size of [1, 2, 3, 64, 512]) {
      for (const transport of ["udp", "tcp"] as const) {
        const profile = ROUGHTIME_PROFILES[name];
        const requests = Array.from({ length: size }, () =>
          buildRoughtimeRequest({
            profiles: [profile],
            nonce: nonce(profile.nonceBytes),
            srv: server.srv,
            transport,
            packetBytes: 1024,
          }));
        const outcomes = await server.answerBatch(requests, NOW, 1000, { transport });
        outcomes.forEach((outcome, i) => {
          assert.ok(outcome.answer !== null, `${name} ${size} ${transport} answered`);
          assert.equal(outcome.version, name);
          assert.ok(
            outcome.answer.length <= requests[i].length,
            `${name} batch ${size} ${transport}: ${outcome.answer.length} > ${requests[i].length}`,
          );
        });
      }
    }
  }
});

Deno.test("RoughtimeResponder.answerBatch() answers nothing without an honest radius", async () => {
  const server = await responder();
  for (const radius of [null, Number.NaN, -1, Infinity]) {
    const [outcome] = await server.answerBatch([rfcRequest()], NOW, radius);
    assert.deepEqual(outcome, { answer: null, drop: "unsynchronised" });
  }
  const [garbage] = await server.answerBatch([new Uint8Array(10)], NOW, null);
  assert.deepEqual(garbage, { answer: null, drop: "short" }, "parse reasons still counted");
});

Deno.test("RoughtimeResponder.answerBatch() puts MIDP at now and RADI covering the radius and rounding", async () => {
  const server = await responder();
  const [outcome] = await server.answerBatch([rfcRequest()], NOW, 7_400_000);
  assert.ok(outcome.answer !== null);
  const top = decodeRoughtimeMessage(unframeRoughtimePacket(outcome.answer));
  const srep = decodeRoughtimeMessage(top.get(Tag.SREP)!);
  assert.equal(readUint64(srep.get(Tag.MIDP)!), 1_800_000_000n);
  assert.equal(readUint32(srep.get(Tag.RADI)!), 8, "7.4 s + 0.25 s rounding, rounded up");
  assert.equal(readUint32(top.get(Tag.TYPE)!), 1);
  const vers = srep.get(Tag.VERS)!;
  assert.deepEqual(
    Array.from({ length: vers.length / 4 }, (_, i) => readUint32(vers, 4 * i)),
    [1, 0x80000008, 0x8000000b, 0x8000000c],
  );
});

Deno.test("RoughtimeResponder.answerBatch() signs a mixed-version batch once per response format", async () => {
  const server = await responder({ maxBatch: 2 });
  const requests = ALL.flatMap((name) => {
    const profile = ROUGHTIME_PROFILES[name];
    return [0, 1, 2].map(() =>
      buildRoughtimeRequest({ profiles: [profile], nonce: nonce(profile.nonceBytes) })
    );
  });
  const outcomes = await server.answerBatch(requests, NOW, 1000);
  const signatures = new Set<string>();
  outcomes.forEach((outcome, i) => {
    assert.ok(outcome.answer !== null);
    assert.equal(outcome.version, ALL[Math.floor(i / 3)]);
    const message = outcome.answer[0] === 0x52 // "R"
      ? unframeRoughtimePacket(outcome.answer)
      : outcome.answer;
    signatures.add(decodeRoughtimeMessage(message).get(Tag.SIG)!.toHex());
  });
  // google; draft-08+11 share SREP; draft-12+19 share; rfc: 4 formats, each
  // split into batches of at most two.
  assert.equal(signatures.size, 2 + 3 + 3 + 2);
});

Deno.test("RoughtimeResponder answers only the versions it is configured for", async () => {
  const server = await responder({ versions: ["rfc"] });
  const google = buildRoughtimeRequest({ profiles: [ROUGHTIME_PROFILES.google], nonce: nonce(64) });
  const draft11 = buildRoughtimeRequest({
    profiles: [ROUGHTIME_PROFILES["draft-11"]],
    nonce: nonce(),
  });
  const [fromGoogle, fromDraft11, fromRfc] = server.answerBatch(
    [google, draft11, rfcRequest()],
    NOW,
    1000,
  );
  assert.equal("drop" in fromGoogle && fromGoogle.drop, "version");
  assert.equal("drop" in fromDraft11 && fromDraft11.drop, "version");
  assert.ok(fromRfc.answer !== null, "the configured version is answered");
  assert.throws(() => responder({ versions: [] }), RangeError);
  assert.throws(() => responder({ maxBatch: 513 }), RangeError);
  assert.throws(() => responder({ rootSeed: new Uint8Array(31) }), RangeError);
});

Deno.test("RoughtimeResponder renews its online key before the delegation ends", async () => {
  const server = await responder();
  const first = server.delegation;
  assert.equal(first.minSeconds, NOW.seconds - 3600);
  assert.equal(first.maxSeconds, NOW.seconds + 86400);
  assert.equal(server.needsRenewal(NOW), false);
  const later = { seconds: NOW.seconds + 80000, nanos: 0 };
  assert.equal(server.needsRenewal(later), true);
  const [outcome] = await server.answerBatch([rfcRequest()], later, 1000);
  assert.ok(outcome.answer !== null);
  assert.notEqual(server.delegation, first);
  assert.notDeepEqual(server.delegation.onlineKey.publicKey, first.onlineKey.publicKey);
  assert.equal(server.delegation.maxSeconds, later.seconds + 86400);
});

Deno.test("RoughtimeResponder drops requests as expired when a fixed delegation does not cover now", async () => {
  const server = await responder({ delegation: { window: { minSeconds: 0, maxSeconds: 100 } } });
  const [outcome] = await server.answerBatch([rfcRequest()], NOW, 1000);
  assert.deepEqual(outcome, { answer: null, drop: "expired" });
});

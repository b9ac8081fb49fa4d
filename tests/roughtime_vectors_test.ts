/**
 * Roughtime against published vectors (see `_roughtime_vectors.ts` for
 * their sources): Cloudflare's request→response pairs reproduced byte for
 * byte from the same seeds, nonces and time; draft-19's Appendix B and
 * Botan's real Google-Roughtime answers verified, chain nonces included.
 */

import assert from "node:assert/strict";
import {
  buildRoughtimeRequest,
  causalViolations,
  chainedNonce,
  decodeRoughtimeMessage,
  malfeasanceReport,
  ROUGHTIME_PROFILES,
  RoughtimeResponder,
  roughtimeSrv,
  signingKeyFromSeed,
  Tag,
  unframeRoughtimePacket,
  verifyRoughtimeResponse,
} from "../src/protocols/roughtime/mod.ts";
import {
  BOTAN_GOOGLE,
  CLOUDFLARE_DRAFT08_001,
  CLOUDFLARE_DRAFT11_001,
  CLOUDFLARE_DRAFT11_010,
  CLOUDFLARE_GOOGLE_001,
  CLOUDFLARE_IETF_NONCE,
  CLOUDFLARE_NOW,
  CLOUDFLARE_ONLINE_SEED,
  CLOUDFLARE_RADIUS_MICROS,
  CLOUDFLARE_ROOT_SEED,
  CLOUDFLARE_SRV,
  CLOUDFLARE_WINDOW,
  DRAFT19_APPENDIX_B,
} from "./_roughtime_vectors.ts";

/** A responder with Cloudflare's generator's keys and window. */
function cloudflareResponder(): RoughtimeResponder {
  return RoughtimeResponder.create({
    rootSeed: CLOUDFLARE_ROOT_SEED,
    now: CLOUDFLARE_NOW,
    delegation: { onlineSeed: CLOUDFLARE_ONLINE_SEED, window: CLOUDFLARE_WINDOW },
  });
}

const CLOUDFLARE_001 = [
  { name: "google", vector: CLOUDFLARE_GOOGLE_001, nonce: CLOUDFLARE_GOOGLE_001.nonce },
  { name: "draft-08", vector: CLOUDFLARE_DRAFT08_001, nonce: CLOUDFLARE_IETF_NONCE },
  { name: "draft-11", vector: CLOUDFLARE_DRAFT11_001, nonce: CLOUDFLARE_IETF_NONCE },
] as const;

Deno.test("RoughtimeResponder.answerBatch() reproduces Cloudflare's answers byte for byte", async (t) => {
  const responder = await cloudflareResponder();
  for (const { name, vector } of CLOUDFLARE_001) {
    await t.step(name, async () => {
      const [outcome] = await responder.answerBatch(
        [vector.request],
        CLOUDFLARE_NOW,
        CLOUDFLARE_RADIUS_MICROS,
      );
      assert.ok(outcome.answer !== null, "answered");
      assert.equal(outcome.answer.toHex(), vector.reply.toHex());
      assert.equal(outcome.version, name);
    });
  }
});

Deno.test("RoughtimeResponder.answerBatch() reproduces Cloudflare's batch of ten under one signature", async () => {
  const responder = await cloudflareResponder();
  const requests = CLOUDFLARE_DRAFT11_010.nonces.map((n) => CLOUDFLARE_DRAFT11_010.request(n));
  const outcomes = await responder.answerBatch(requests, CLOUDFLARE_NOW, CLOUDFLARE_RADIUS_MICROS);
  outcomes.forEach((outcome, i) => {
    assert.ok(outcome.answer !== null, `answer ${i}`);
    assert.equal(outcome.answer.toHex(), CLOUDFLARE_DRAFT11_010.reply(i).toHex(), `answer ${i}`);
  });
});

Deno.test("buildRoughtimeRequest() builds Cloudflare's requests byte for byte", async (t) => {
  for (const { name, vector, nonce } of CLOUDFLARE_001) {
    await t.step(name, () => {
      const built = buildRoughtimeRequest({
        profiles: [ROUGHTIME_PROFILES[name]],
        nonce,
        srv: CLOUDFLARE_SRV,
      });
      assert.equal(built.toHex(), vector.request.toHex());
    });
  }
});

Deno.test("roughtimeSrv() of Cloudflare's root key is the SRV its draft-11 client sends", async () => {
  const root = await signingKeyFromSeed(CLOUDFLARE_ROOT_SEED);
  assert.equal((await roughtimeSrv(root.publicKey)).toHex(), CLOUDFLARE_SRV.toHex());
});

Deno.test("verifyRoughtimeResponse() accepts Cloudflare's answers", async (t) => {
  const root = await signingKeyFromSeed(CLOUDFLARE_ROOT_SEED);
  for (const { name, vector, nonce } of CLOUDFLARE_001) {
    await t.step(name, async () => {
      const verified = await verifyRoughtimeResponse(vector.reply, {
        request: vector.request,
        nonce,
        offered: [ROUGHTIME_PROFILES[name]],
        publicKey: root.publicKey,
      });
      assert.deepEqual(verified.midpoint, { seconds: 50, nanos: 0 });
      assert.equal(verified.radiusMicros, 5_000_000);
      assert.equal(verified.profile.name, name);
    });
  }
});

/** The nonce inside an Appendix B request (VER, SRV, NONC, TYPE, ZZZZ after a 12-byte frame). */
function appendixNonce(request: Uint8Array): Uint8Array {
  return decodeRoughtimeMessage(unframeRoughtimePacket(request)).get(Tag.NONC)!;
}

Deno.test("verifyRoughtimeResponse() accepts draft-19 Appendix B's version-1 answers from three servers", async () => {
  for (const exchange of DRAFT19_APPENDIX_B) {
    const verified = await verifyRoughtimeResponse(exchange.response, {
      request: exchange.request,
      nonce: appendixNonce(exchange.request),
      offered: [ROUGHTIME_PROFILES.rfc],
      publicKey: exchange.publicKey,
    });
    assert.equal(verified.profile.name, "rfc");
    assert.equal(verified.radiusMicros, 3_000_000);
  }
});

Deno.test("draft-19 Appendix B requests carry SRV = H(0xff ‖ key) and the nonces chainedNonce() derives", async () => {
  let previous: Uint8Array | null = null;
  for (const exchange of DRAFT19_APPENDIX_B) {
    const message = decodeRoughtimeMessage(unframeRoughtimePacket(exchange.request));
    assert.equal(message.get(Tag.SRV)!.toHex(), (await roughtimeSrv(exchange.publicKey)).toHex());
    if (previous !== null) {
      const { nonce } = await chainedNonce(ROUGHTIME_PROFILES.rfc, previous, exchange.rand!);
      assert.equal(nonce.toHex(), message.get(Tag.NONC)!.toHex());
    }
    previous = exchange.response;
  }
});

Deno.test("causalViolations() finds the inconsistency draft-19 Appendix B reports", async () => {
  const verified = await Promise.all(
    DRAFT19_APPENDIX_B.map((exchange) =>
      verifyRoughtimeResponse(exchange.response, {
        request: exchange.request,
        nonce: appendixNonce(exchange.request),
        offered: [ROUGHTIME_PROFILES.rfc],
        publicKey: exchange.publicKey,
      })
    ),
  );
  // In the bytes, the first server's MIDP is a day after the other two
  // (0x69b84b43 against 0x69b6f9c3), so the pairs it starts are the
  // contradictions; the appendix's prose names the third key instead.
  assert.deepEqual(causalViolations(verified), [{ earlier: 0, later: 1 }, {
    earlier: 0,
    later: 2,
  }]);
  const report = malfeasanceReport(DRAFT19_APPENDIX_B);
  assert.equal(report.responses[0].rand, undefined);
  assert.equal(report.responses[1].rand, "v/DirVBRQLGtictYD7mN3px02UlMT4J3haTRomt1NNM=");
  assert.equal(report.responses[2].publicKey, "lRhHag6fn2wZQ6idy10ChgpRgks3gvdMM2hWNeJNgXg=");
});

Deno.test("verifyRoughtimeResponse() accepts Botan's real Google-Roughtime answers, batches of 1, 2 and 4", async (t) => {
  for (const vector of BOTAN_GOOGLE) {
    await t.step(vector.name, async () => {
      const verified = await verifyRoughtimeResponse(vector.response, {
        request: new Uint8Array(0),
        nonce: vector.nonce,
        offered: [ROUGHTIME_PROFILES.google],
        publicKey: vector.publicKey,
      });
      const micros = BigInt(verified.midpoint.seconds) * 1_000_000n +
        BigInt(verified.midpoint.nanos / 1000);
      assert.equal(micros, vector.midpointMicros);
      assert.equal(verified.radiusMicros, vector.radiusMicros);
    });
  }
});

Deno.test("verifyRoughtimeResponse() rejects Botan's answer under its fail_validation key", async () => {
  const [vector] = BOTAN_GOOGLE;
  const publicKey = vector.publicKey.slice();
  publicKey[0] = 0x50; // Botan's wrong key: 503eb7… for 803eb7…
  await assert.rejects(
    verifyRoughtimeResponse(vector.response, {
      request: new Uint8Array(0),
      nonce: vector.nonce,
      offered: [ROUGHTIME_PROFILES.google],
      publicKey,
    }),
    (error: Error & { failure?: string }) => error.failure === "signature",
  );
});

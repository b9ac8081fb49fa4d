/**
 * The client's verification against clockd's own responder, in process:
 * round trips in every version, then each link of the chain broken in
 * turn (signatures, Merkle path, nonce, delegation window, version, TYPE).
 */

import assert from "node:assert/strict";
import {
  buildRoughtimeRequest,
  decodeRoughtimeMessage,
  encodeRoughtimeMessage,
  frameRoughtimePacket,
  merkleLeaf,
  RESPONSE_CONTEXT,
  ROUGHTIME_PROFILES,
  RoughtimeDelegation,
  type RoughtimeProfile,
  RoughtimeResponder,
  type RoughtimeVersionName,
  signingKeyFromSeed,
  signWithContext,
  Tag,
  tagOf,
  uint32Bytes,
  uint64Bytes,
  unframeRoughtimePacket,
  verifyRoughtimeResponse,
} from "../src/protocols/roughtime/mod.ts";

const NOW = { seconds: 1_800_000_000, nanos: 0 };
const SEED = new Uint8Array(32).fill(3);
const ALL = Object.keys(ROUGHTIME_PROFILES) as RoughtimeVersionName[];

interface Exchange {
  request: Uint8Array;
  nonce: Uint8Array;
  offered: RoughtimeProfile[];
  publicKey: Uint8Array;
  answer: Uint8Array;
}

/** Asks a fresh responder, in a batch of `batch` with other requests; returns the first exchange. */
async function exchange(offered: RoughtimeProfile[], batch = 1): Promise<Exchange> {
  const server = await RoughtimeResponder.create({ rootSeed: SEED, now: NOW });
  const nonces = Array.from(
    { length: batch },
    () => crypto.getRandomValues(new Uint8Array(offered[0].nonceBytes)),
  );
  const requests = nonces.map((nonce) =>
    buildRoughtimeRequest({ profiles: offered, nonce, srv: server.srv })
  );
  const outcomes = await server.answerBatch(requests, NOW, 250_000);
  const answer = outcomes[0].answer;
  assert.ok(answer !== null, "answered");
  return { request: requests[0], nonce: nonces[0], offered, publicKey: server.publicKey, answer };
}

function verify(e: Exchange, changes: Partial<Exchange> = {}) {
  const x = { ...e, ...changes };
  return verifyRoughtimeResponse(x.answer, x);
}

async function rejects(promise: Promise<unknown>, failure: string): Promise<void> {
  await assert.rejects(promise, (error: Error & { failure?: string }) => {
    assert.equal(error.failure, failure, error.message);
    return true;
  });
}

/** The answer's message, re-encoded after `edit`, re-framed when it was. */
function edited(answer: Uint8Array, edit: (fields: Map<number, Uint8Array>) => void): Uint8Array {
  const framed = answer[0] === 0x52;
  const fields = new Map(decodeRoughtimeMessage(framed ? unframeRoughtimePacket(answer) : answer));
  edit(fields);
  const message = encodeRoughtimeMessage(fields.entries());
  return framed ? frameRoughtimePacket(message) : message;
}

function flipped(value: Uint8Array, at = 0): Uint8Array {
  const copy = value.slice();
  copy[at] ^= 1;
  return copy;
}

Deno.test("verifyRoughtimeResponse() accepts clockd's answers in every version, alone and in a batch", async () => {
  for (const name of ALL) {
    for (const batch of [1, 5]) {
      const e = await exchange([ROUGHTIME_PROFILES[name]], batch);
      const verified = await verify(e);
      assert.equal(verified.profile.name, name);
      assert.equal(verified.midpoint.seconds, NOW.seconds);
      assert.equal(verified.radiusMicros, name === "google" ? 250_000 : 3_000_000);
    }
  }
});

Deno.test("verifyRoughtimeResponse() accepts the version the server picks from an IETF offer", async () => {
  const offered = [
    ROUGHTIME_PROFILES["draft-08"],
    ROUGHTIME_PROFILES["draft-11"],
    ROUGHTIME_PROFILES["draft-19"],
    ROUGHTIME_PROFILES.rfc,
  ];
  const verified = await verify(await exchange(offered));
  assert.equal(verified.profile.name, "rfc");
});

Deno.test("verifyRoughtimeResponse() rejects a corrupted response signature", async () => {
  for (const name of ALL) {
    const e = await exchange([ROUGHTIME_PROFILES[name]]);
    const answer = edited(e.answer, (f) => f.set(Tag.SIG, flipped(f.get(Tag.SIG)!, 5)));
    await rejects(verify(e, { answer }), "signature");
  }
});

Deno.test("verifyRoughtimeResponse() rejects a delegation not signed by the expected long-term key", async () => {
  for (const name of ALL) {
    const e = await exchange([ROUGHTIME_PROFILES[name]]);
    await rejects(verify(e, { publicKey: flipped(e.publicKey, 3) }), "signature");
    const answer = edited(e.answer, (f) => {
      const cert = new Map(decodeRoughtimeMessage(f.get(Tag.CERT)!));
      cert.set(Tag.SIG, flipped(cert.get(Tag.SIG)!, 9));
      f.set(Tag.CERT, encodeRoughtimeMessage(cert.entries()));
    });
    await rejects(verify(e, { answer }), "signature");
  }
});

Deno.test("verifyRoughtimeResponse() rejects a corrupted Merkle path or index", async () => {
  for (const name of ALL) {
    const e = await exchange([ROUGHTIME_PROFILES[name]], 4);
    const path = edited(e.answer, (f) => f.set(Tag.PATH, flipped(f.get(Tag.PATH)!, 1)));
    await rejects(verify(e, { answer: path }), "path");
    const index = edited(e.answer, (f) => f.set(Tag.INDX, uint32Bytes(1)));
    await rejects(verify(e, { answer: index }), "path");
    const leftover = edited(e.answer, (f) => f.set(Tag.INDX, uint32Bytes(4)));
    await rejects(verify(e, { answer: leftover }), "path");
  }
});

Deno.test("verifyRoughtimeResponse() rejects an answer to another nonce", async () => {
  for (const name of ALL) {
    const e = await exchange([ROUGHTIME_PROFILES[name]]);
    const nonce = flipped(e.nonce);
    const profile = ROUGHTIME_PROFILES[name];
    // Versions that echo NONC fail on it; the others on the Merkle leaf.
    await rejects(verify(e, { nonce }), profile.nonceInResponse ? "nonce" : "path");
    if (profile.leaf === "packet") {
      await rejects(verify(e, { request: flipped(e.request, 100) }), "path");
    }
  }
});

Deno.test("verifyRoughtimeResponse() rejects MIDP outside the delegation window", async () => {
  const root = await signingKeyFromSeed(SEED);
  for (const name of ALL) {
    const profile = ROUGHTIME_PROFILES[name];
    // A server whose online key was delegated for [0, 100] but signs now.
    const delegation = await RoughtimeDelegation.create(root, NOW, {
      window: { minSeconds: 0, maxSeconds: 100 },
    });
    const nonce = crypto.getRandomValues(new Uint8Array(profile.nonceBytes));
    const request = buildRoughtimeRequest({ profiles: [profile], nonce });
    const leafMidp = BigInt(NOW.seconds) * (profile.microseconds ? 1_000_000n : 1n);
    const leafRoot = await merkleLeaf(
      profile.leaf === "nonce" ? nonce : request,
      profile.hashBytes,
    );
    const srepFields: [number, Uint8Array][] = [
      [Tag.RADI, uint32Bytes(3)],
      [Tag.MIDP, uint64Bytes(leafMidp)],
      [Tag.ROOT, leafRoot],
    ];
    if (profile.versionIn === "srep") {
      srepFields.push([Tag.VER, uint32Bytes(profile.number!)], [
        Tag.VERS,
        uint32Bytes(profile.number!),
      ]);
    }
    const srep = encodeRoughtimeMessage(srepFields);
    const fields: [number, Uint8Array][] = [
      [Tag.SIG, await signWithContext(delegation.onlineKey, RESPONSE_CONTEXT, srep)],
      [Tag.PATH, new Uint8Array(0)],
      [Tag.SREP, srep],
      [Tag.CERT, delegation.certificate(profile)],
      [Tag.INDX, uint32Bytes(0)],
    ];
    if (profile.versionIn === "top") fields.push([Tag.VER, uint32Bytes(profile.number!)]);
    if (profile.nonceInResponse) fields.push([Tag.NONC, nonce]);
    if (profile.type) fields.push([Tag.TYPE, uint32Bytes(1)]);
    const message = encodeRoughtimeMessage(fields);
    const answer = profile.framed ? frameRoughtimePacket(message) : message;
    await rejects(
      verifyRoughtimeResponse(answer, {
        request,
        nonce,
        offered: [profile],
        publicKey: root.publicKey,
      }),
      "delegation",
    );
  }
});

Deno.test("verifyRoughtimeResponse() rejects a version that was not offered", async () => {
  const e = await exchange([ROUGHTIME_PROFILES.rfc]);
  await rejects(verify(e, { offered: [ROUGHTIME_PROFILES["draft-19"]] }), "version");
  const legacy = await exchange([ROUGHTIME_PROFILES["draft-11"]]);
  const answer = edited(legacy.answer, (f) => f.set(Tag.VER, uint32Bytes(0x80000008)));
  await rejects(verify(legacy, { answer }), "version");
});

Deno.test("verifyRoughtimeResponse() rejects TYPE other than 1 and tolerates unknown tags", async () => {
  const e = await exchange([ROUGHTIME_PROFILES.rfc]);
  const type0 = edited(e.answer, (f) => f.set(Tag.TYPE, uint32Bytes(0)));
  await rejects(verify(e, { answer: type0 }), "type");
  const greased = edited(e.answer, (f) => f.set(tagOf("ZZZY"), new Uint8Array(8)));
  assert.equal((await verify(e, { answer: greased })).profile.name, "rfc");
});

Deno.test("verifyRoughtimeResponse() rejects truncated, unframed and garbage answers as malformed", async () => {
  const e = await exchange([ROUGHTIME_PROFILES.rfc]);
  await rejects(verify(e, { answer: e.answer.subarray(0, e.answer.length - 4) }), "malformed");
  await rejects(verify(e, { answer: unframeRoughtimePacket(e.answer) }), "malformed");
  await rejects(verify(e, { answer: crypto.getRandomValues(new Uint8Array(400)) }), "malformed");
  const noSrep = edited(e.answer, (f) => f.delete(Tag.SREP));
  await rejects(verify(e, { answer: noSrep }), "malformed");
});

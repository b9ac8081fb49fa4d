/**
 * Roughtime: authenticated rough time, in Google-Roughtime,
 * draft-ietf-ntp-roughtime-08, -11, -12, -19 and RFC 10049 (version 1)
 * form. The server side is {@linkcode RoughtimeResponder} (a pure
 * function of request bytes, processing time and radius); the client side
 * is {@linkcode buildRoughtimeRequest}, {@linkcode verifyRoughtimeResponse}
 * and {@linkcode chainedNonce}. See the README beside this file.
 *
 * ```ts
 * import { buildRoughtimeRequest, RoughtimeResponder, ROUGHTIME_PROFILES, verifyRoughtimeResponse } from "./mod.ts";
 * const now = { seconds: 1_800_000_000, nanos: 0 };
 * const responder = await RoughtimeResponder.create({ rootSeed: new Uint8Array(32).fill(9), now });
 * const nonce = crypto.getRandomValues(new Uint8Array(32));
 * const offered = [ROUGHTIME_PROFILES.rfc];
 * const request = buildRoughtimeRequest({ profiles: offered, nonce });
 * const [outcome] = await responder.answerBatch([request], now, 100_000);
 * if (outcome.answer === null) throw new Error(outcome.drop);
 * const verified = await verifyRoughtimeResponse(outcome.answer, {
 *   request, nonce, offered, publicKey: responder.publicKey,
 * });
 * if (verified.midpoint.seconds !== now.seconds || verified.radiusMicros !== 3_000_000) throw new Error();
 * ```
 *
 * @module
 */

export * from "./constants.ts";
export * from "./message.ts";
export * from "./framing.ts";
export * from "./versions.ts";
export * from "./hash.ts";
export * from "./merkle.ts";
export * from "./keys.ts";
export * from "./key_file.ts";
export * from "./delegation.ts";
export * from "./request.ts";
export * from "./responder.ts";
export * from "./verify.ts";
export * from "./chain.ts";

/**
 * The Roughtime service of one isolate: a responder on the long-term key
 * the primary loaded (or made), its own online key, and the radius the
 * clock state can honestly claim.
 *
 * @module
 */

import type { ServeConfig } from "../cli/serve_config.ts";
import { UsageError } from "../cli/usage_error.ts";
import { ED25519_SEED_BYTES } from "../protocols/roughtime/constants.ts";
import { readRoughtimeSeedFile } from "../protocols/roughtime/key_file.ts";
import { signingKeyFromSeed } from "../protocols/roughtime/keys.ts";
import { RoughtimeResponder } from "../protocols/roughtime/responder.ts";
import { RoughtimeService } from "../protocols/roughtime/roughtime_service.ts";
import type { Clock } from "../time/clock.ts";
import type { ClockStatus } from "../time/clock_status.ts";
import type { ServiceHandlers } from "./services.ts";

/**
 * The radius Roughtime claims now, microseconds: the kernel's maximum
 * error while it says synchronised (`--ntp-sync kernel`), the configured
 * `--roughtime-radius` under `--ntp-sync always`; null (answer nothing)
 * while unsynchronised.
 *
 * @param status The clock state.
 * @param configuredMicros `--roughtime-radius`.
 * @returns Microseconds, or null.
 *
 * @example Usage
 * ```ts
 * import { roughtimeRadiusMicros } from "./roughtime_handlers.ts";
 * import { ClockStatus } from "../time/clock_status.ts";
 * import { systemClock } from "../time/clock.ts";
 * const status = new ClockStatus({ sync: "always", stratum: 10, referenceId: "LOCL", clock: systemClock });
 * if (roughtimeRadiusMicros(status, 1_000_000) !== 1_000_000) throw new Error();
 * status.close();
 * ```
 */
export function roughtimeRadiusMicros(
  status: Pick<ClockStatus, "ntpState" | "sync" | "errorBoundSeconds">,
  configuredMicros: number,
): number | null {
  if (status.ntpState.leap === 3) return null;
  if (status.sync === "always") return configuredMicros;
  const bound = status.errorBoundSeconds;
  return bound === null ? null : Math.ceil(bound * 1e6);
}

/**
 * The `roughtime=` field of `status` when a Roughtime listener is
 * configured: `answering`, or `silent-unsynchronised` while the clock
 * cannot honestly claim a radius (Roughtime has no way to say so in an
 * answer, so it answers nothing).
 *
 * @param config The configuration (its listeners, `--roughtime-radius`).
 * @param status The clock state.
 * @returns The field, or no field without a Roughtime listener.
 *
 * @example Usage
 * ```ts
 * import { parseServeArgs, type ServeConfig } from "../cli/serve_config.ts";
 * import { roughtimeState } from "./roughtime_handlers.ts";
 * import { ClockStatus } from "../time/clock_status.ts";
 * import { systemClock } from "../time/clock.ts";
 * const config = parseServeArgs(["--roughtime", ":0", "--ntp-sync", "always"]) as ServeConfig;
 * const status = new ClockStatus({ sync: "always", stratum: 10, referenceId: "LOCL", clock: systemClock });
 * if (roughtimeState(config, status).roughtime !== "answering") throw new Error();
 * status.close();
 * ```
 */
export function roughtimeState(
  config: ServeConfig,
  status: Pick<ClockStatus, "ntpState" | "sync" | "errorBoundSeconds">,
): { roughtime?: string } {
  if (!config.listeners.some((listener) => listener.service === "roughtime")) return {};
  const radius = roughtimeRadiusMicros(status, config.roughtimeRadiusMicros);
  return { roughtime: radius === null ? "silent-unsynchronised" : "answering" };
}

/**
 * The Roughtime handlers (TCP, UDP and the batch end), or none without a key.
 *
 * @param config The configuration (`--roughtime-radius`).
 * @param clock The clock answers carry.
 * @param status The clock state.
 * @param seed The long-term key's seed; null: no handlers.
 * @returns The handlers.
 *
 * @example Usage
 * ```ts
 * import { parseServeArgs, type ServeConfig } from "../cli/serve_config.ts";
 * import { roughtimeHandlers } from "./roughtime_handlers.ts";
 * import { ClockStatus } from "../time/clock_status.ts";
 * import { systemClock } from "../time/clock.ts";
 * const config = parseServeArgs(["--ntp-sync", "always"]) as ServeConfig;
 * const status = new ClockStatus({ sync: "always", stratum: 10, referenceId: "LOCL", clock: systemClock });
 * if (roughtimeHandlers(config, systemClock, status, new Uint8Array(32)).udp === undefined) throw new Error();
 * status.close();
 * ```
 */
export function roughtimeHandlers(
  config: ServeConfig,
  clock: Clock,
  status: ClockStatus,
  seed: Uint8Array | null,
): ServiceHandlers {
  if (seed === null) return {};
  const service = new RoughtimeService({
    responder: RoughtimeResponder.create({ rootSeed: seed, now: clock.now() }),
    clock,
    radiusMicros: () => roughtimeRadiusMicros(status, config.roughtimeRadiusMicros),
  });
  return {
    tcp: (conn, counters) => service.handleConnection(conn, counters),
    udp: service.handleDatagram,
    endBatch: service.endBatch,
  };
}

/** The Roughtime long-term key the primary hands every isolate. */
export interface RoughtimeRootKey {
  /** The 32-byte seed. */
  readonly seed: Uint8Array;
  /** The public key, base64: what clients are configured with. */
  readonly publicKey: string;
  /** The key file, or null for an ephemeral key made at start. */
  readonly path: string | null;
}

/**
 * Loads `--roughtime-key`, or makes an ephemeral key when none is given
 * (never written anywhere); null when no Roughtime listener is configured.
 *
 * @param config The configuration.
 * @returns The key, or null.
 * @throws {UsageError} One line naming the file and what is wrong with it.
 *
 * @example Usage
 * ```ts
 * import { parseServeArgs, type ServeConfig } from "../cli/serve_config.ts";
 * import { loadRoughtimeKey } from "./roughtime_handlers.ts";
 * const config = parseServeArgs(["--roughtime", "127.0.0.1:0"]) as ServeConfig;
 * const key = await loadRoughtimeKey(config);
 * if (key === null || key.path !== null || key.publicKey.length !== 44) throw new Error();
 * ```
 */
export async function loadRoughtimeKey(config: ServeConfig): Promise<RoughtimeRootKey | null> {
  if (!config.listeners.some((listener) => listener.service === "roughtime")) return null;
  const path = config.roughtimeKey;
  let seed: Uint8Array;
  if (path === null) {
    seed = crypto.getRandomValues(new Uint8Array(ED25519_SEED_BYTES));
  } else {
    try {
      seed = await readRoughtimeSeedFile(path);
    } catch (error) {
      const reason = error instanceof Deno.errors.NotFound
        ? "no such file (make one with: clockd roughtime keygen FILE)"
        : error instanceof Deno.errors.NotCapable
        ? `this runtime may not read it (grant --allow-read=${path}, or keep it under /var/lib/clockd)`
        : (error as Error).message;
      throw new UsageError(`--roughtime-key ${path}: ${reason}`);
    }
  }
  const publicKey = signingKeyFromSeed(seed.slice()).publicKey.toBase64();
  return { seed, publicKey, path };
}

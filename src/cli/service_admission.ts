/**
 * Who each service admits: the access lists and rate limits of one
 * service, resolved from its own settings (`[service.NAME]` in the config
 * file, `--service NAME.KEY=VALUE`) over the global ones (`allow`, `deny`,
 * `udp-rate`, `udp-burst`, `tcp-rate`).
 *
 * @module
 */

import { type Cidr, parseCidr } from "../admission/access_list.ts";
import { DEFAULT_UDP_RATE, defaultBurst, parseRate } from "../admission/rate_limiter.ts";
import { SERVE_DEFAULTS, SERVICE_NAMES, type ServiceName } from "./serve_flags.ts";
import { type ServeSettings, settingOrigin } from "./serve_settings.ts";
import { parseFlag, parseInteger } from "./usage_error.ts";

/** How one service admits clients. */
export interface ServiceAdmission {
  /** Clients allowed (with any, every other client is denied). */
  readonly allow: readonly Cidr[];
  /** Clients denied (deny wins over allow). */
  readonly deny: readonly Cidr[];
  /** Datagrams per second per UDP source; null: no limit. */
  readonly udpRate: number | null;
  /** Datagrams a UDP source may send at once after a quiet spell. */
  readonly udpBurst: number;
  /** New TCP connections per second per source; null: no limit. */
  readonly tcpRate: number | null;
  /** True when the service is turned off: none of its listeners is in `listeners`. */
  readonly disabled: boolean;
}

/** The admission of every service, and the global settings they start from. */
export interface Admission {
  /** The global settings (`allow`, `deny`, `udp-rate`, `udp-burst`, `tcp-rate`). */
  readonly global: Omit<ServiceAdmission, "disabled">;
  /** Each service's own, with the global settings filled in. */
  readonly services: Readonly<Record<ServiceName, ServiceAdmission>>;
}

/**
 * Resolves who each service admits. A service's own `udp-rate` without a
 * `udp-burst` anywhere gets the default burst of its own rate.
 *
 * @param settings The settings as written.
 * @returns The global and per-service admission.
 * @throws {UsageError} On an invalid CIDR, rate or burst, naming where it was written.
 *
 * @example Usage
 * ```ts
 * import { resolveAdmission } from "./service_admission.ts";
 * const { global, services } = resolveAdmission({
 *   values: { deny: ["192.0.2.0/24"] },
 *   services: { daytime: { deny: [], disable: true } },
 *   origins: new Map(),
 * });
 * if (global.deny.length !== 1 || services.session.deny.length !== 1) throw new Error();
 * if (services.daytime.deny.length !== 0 || !services.daytime.disabled) throw new Error();
 * ```
 */
export function resolveAdmission(settings: ServeSettings): Admission {
  const values = settings.values;
  const globalUdpRate = rate(
    settings,
    "udp-rate",
    values["udp-rate"] ?? SERVE_DEFAULTS["udp-rate"],
  );
  const global: Omit<ServiceAdmission, "disabled"> = {
    allow: cidrs(settings, "allow", values.allow ?? []),
    deny: cidrs(settings, "deny", values.deny ?? []),
    udpRate: globalUdpRate,
    udpBurst: burst(settings, "udp-burst", values["udp-burst"], globalUdpRate),
    tcpRate: rate(settings, "tcp-rate", values["tcp-rate"] ?? SERVE_DEFAULTS["tcp-rate"]),
  };
  const services = {} as Record<ServiceName, ServiceAdmission>;
  for (const service of SERVICE_NAMES) {
    const own = settings.services[service] ?? {};
    const key = (name: string) => `service.${service}.${name}`;
    const udpRate = own["udp-rate"] === undefined
      ? global.udpRate
      : rate(settings, key("udp-rate"), own["udp-rate"]);
    services[service] = {
      allow: own.allow === undefined ? global.allow : cidrs(settings, key("allow"), own.allow),
      deny: own.deny === undefined ? global.deny : cidrs(settings, key("deny"), own.deny),
      udpRate,
      udpBurst: own["udp-burst"] !== undefined
        ? burst(settings, key("udp-burst"), own["udp-burst"], udpRate)
        : own["udp-rate"] !== undefined && values["udp-burst"] === undefined
        ? burst(settings, key("udp-burst"), undefined, udpRate)
        : global.udpBurst,
      tcpRate: own["tcp-rate"] === undefined
        ? global.tcpRate
        : rate(settings, key("tcp-rate"), own["tcp-rate"]),
      disabled: own.disable ?? false,
    };
  }
  return { global, services };
}

function rate(settings: ServeSettings, key: string, text: string): number | null {
  return parseFlag(settingOrigin(settings, key), () => parseRate(text));
}

function burst(
  settings: ServeSettings,
  key: string,
  text: string | undefined,
  udpRate: number | null,
): number {
  if (text === undefined) return defaultBurst(udpRate ?? DEFAULT_UDP_RATE);
  return parseFlag(settingOrigin(settings, key), () => parseInteger(text, 1, 1e6));
}

function cidrs(settings: ServeSettings, key: string, texts: readonly string[]): Cidr[] {
  return texts.map((text) => parseFlag(settingOrigin(settings, key), () => parseCidr(text)));
}

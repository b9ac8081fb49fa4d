/**
 * Each service's admission chain (access list and rate tables) from the
 * configuration, and the rate tables' sizes as gauges.
 *
 * @module
 */

import { Admission } from "../admission/admission.ts";
import type { ServeConfig, ServiceName } from "../cli/serve_config.ts";
import type { Metrics } from "../ops/metrics.ts";

/**
 * One {@linkcode Admission} per distinct per-service setting (`[service.NAME]`
 * in the config file, `--service`): services whose access lists and rates
 * agree share one, so with no per-service settings every service shares the
 * global access list and rate tables, as a single `--udp-rate` means.
 *
 * @param config The resolved configuration (`services` holds each service's settings).
 * @returns Each service's admission.
 *
 * @example Usage
 * ```ts
 * import { parseServeArgs, type ServeConfig } from "../cli/serve_config.ts";
 * import { admissionsFor } from "./admissions.ts";
 * const config = parseServeArgs(["--service", "ntp.deny=192.0.2.0/24"]) as ServeConfig;
 * const admission = admissionsFor(config);
 * const client = { transport: "tcp", hostname: "192.0.2.7", port: 40000 } as const;
 * if (admission.ntp === admission.session) throw new Error("NTP has its own");
 * if (admission.session.tcp(client) !== null) throw new Error("the session admits it");
 * ```
 */
export function admissionsFor(config: ServeConfig): Record<ServiceName, Admission> {
  const shared = new Map<string, Admission>();
  const result = {} as Record<ServiceName, Admission>;
  for (
    const [service, settings] of Object.entries(config.services) as [
      ServiceName,
      ServeConfig["services"][ServiceName],
    ][]
  ) {
    const { allow, deny, udpRate, udpBurst, tcpRate } = settings;
    const key = JSON.stringify([allow, deny, udpRate, udpBurst, tcpRate]);
    let admission = shared.get(key);
    if (admission === undefined) {
      admission = new Admission({
        allow,
        deny,
        tcpRate,
        udpRate,
        udpBurst,
        rateSources: config.rateSources,
      });
      shared.set(key, admission);
    }
    result[service] = admission;
  }
  return result;
}

/**
 * Reports the rate tables' sizes as `clockd_tcp_rate_limit_sources` and
 * `clockd_udp_rate_limit_sources`, summed over the isolate's distinct
 * tables as they are when `/metrics` is read (a reload replaces them).
 * A gauge is registered only if some table of its transport exists now.
 *
 * @param metrics Where the gauges go.
 * @param current The admissions in force (duplicates are counted once).
 *
 * @example Usage
 * ```ts
 * import { Admission } from "../admission/admission.ts";
 * import { Metrics } from "../ops/metrics.ts";
 * import { addRateGauges } from "./admissions.ts";
 * const metrics = new Metrics();
 * const admission = new Admission({
 *   allow: [], deny: [], tcpRate: null, udpRate: 20, udpBurst: 40, rateSources: 100,
 * });
 * addRateGauges(metrics, () => [admission]);
 * if (!metrics.renderPrometheus().includes("clockd_udp_rate_limit_sources 0")) throw new Error();
 * ```
 */
export function addRateGauges(metrics: Metrics, current: () => Admission[]): void {
  for (const transport of ["tcp", "udp"] as const) {
    const sum = () => {
      let total: number | null = null;
      for (const admission of new Set(current())) {
        const size = admission.sources(transport);
        if (size !== null) total = (total ?? 0) + size;
      }
      return total;
    };
    if (sum() === null) continue;
    metrics.addGauge(
      `clockd_${transport}_rate_limit_sources`,
      `Sources in the ${transport.toUpperCase()} rate limiter's tables (each bounded by --rate-sources).`,
      () => sum() ?? 0,
    );
  }
}

/**
 * What changed between two configurations, for a reload: the settings a
 * running server can take on without rebinding a socket (access lists,
 * rate limits, log level, formats and zone, session limits) and those that
 * need a restart (listeners, workers, engines, the metrics endpoint, the
 * NTP identity, the log format).
 *
 * @module
 */

import type { Cidr } from "../admission/access_list.ts";
import type { ListenerConfig, ServeConfig } from "./serve_config.ts";
import { SERVICE_NAMES, type ServiceName, type SettingName } from "./serve_flags.ts";
import type { ServiceAdmission } from "./service_admission.ts";

/** The settings that changed, by the name the config file gives them. */
export interface ConfigDiff {
  /**
   * Changed settings a reload can apply in place: `allow`, `deny`,
   * `udp-rate`, `udp-burst`, `tcp-rate`, `rate-sources`, `log-level`,
   * `default-format`, `daytime-format`, `tz`, `idle-timeout`,
   * `partial-wait`, `max-sessions`, `max-sessions-per-ip`,
   * `shutdown-timeout`, `proxy-protocol`, `healthz-requires-sync`, and a service's own `service.NAME.allow`, `deny`,
   * `udp-rate`, `udp-burst`, `tcp-rate`.
   */
  readonly applied: string[];
  /**
   * Changed settings that take a restart: the listeners (`session`,
   * `daytime`, `time`, `ntp`), `service.NAME.disable`, `workers`,
   * `io`, `metrics`, `ntp-sync`, `ntp-stratum`, `ntp-refid`,
   * `log-format`, `ready-json`.
   */
  readonly needsRestart: string[];
}

/** How a setting is read from a resolved configuration, and whether a reload can apply it. */
type Reading = readonly [
  name: SettingName,
  reload: boolean,
  read: (config: ServeConfig) => unknown,
];

const cidrs = (list: readonly Cidr[]) => list.map((cidr) => cidr.text);
const listeners = (service: ServiceName) => (config: ServeConfig) =>
  config.listeners.filter((l: ListenerConfig) => l.service === service).map((l) =>
    `${l.address.hostname}:${l.address.port}/${l.address.transports.join("+")}`
  );

/** Every setting, in the order of the flags. */
const READINGS: readonly Reading[] = [
  ...SERVICE_NAMES.map((service): Reading => [service, false, listeners(service)]),
  ["daytime-format", true, (c) => c.daytimeFormat.name],
  ["ntp-sync", false, (c) => c.ntpSync],
  ["ntp-stratum", false, (c) => c.ntpStratum],
  ["ntp-refid", false, (c) => c.ntpRefid],
  ["default-format", true, (c) => c.defaultFormat.name],
  ["tz", true, (c) => c.zone.name],
  ["idle-timeout", true, (c) => c.idleTimeoutMs],
  ["partial-wait", true, (c) => c.partialWaitMs],
  ["max-sessions", true, (c) => c.maxSessions],
  ["max-sessions-per-ip", true, (c) => c.maxSessionsPerIp],
  ["log-level", true, (c) => c.log.level],
  ["log-format", false, (c) => c.log.format],
  ["ready-json", false, (c) => c.readyJson],
  ["shutdown-timeout", true, (c) => c.shutdownTimeoutMs],
  ["workers", false, (c) => c.workers],
  ["io", false, (c) => c.io],
  ["metrics", false, (c) => c.metrics],
  ["udp-rate", true, (c) => c.udpRate],
  ["udp-burst", true, (c) => c.udpBurst],
  ["tcp-rate", true, (c) => c.tcpRate],
  ["rate-sources", true, (c) => c.rateSources],
  ["allow", true, (c) => cidrs(c.allow)],
  ["deny", true, (c) => cidrs(c.deny)],
  ["proxy-protocol", true, (c) => cidrs(c.proxyProtocol)],
  ["healthz-requires-sync", true, (c) => c.healthzRequiresSync],
];

/** A service's own settings, each with the global setting it falls back to. */
const SERVICE_READINGS: readonly [
  name: string,
  own: (admission: ServiceAdmission) => unknown,
  global: (config: ServeConfig) => unknown,
][] = [
  ["allow", (s) => cidrs(s.allow), (c) => cidrs(c.allow)],
  ["deny", (s) => cidrs(s.deny), (c) => cidrs(c.deny)],
  ["udp-rate", (s) => s.udpRate, (c) => c.udpRate],
  ["udp-burst", (s) => s.udpBurst, (c) => c.udpBurst],
  ["tcp-rate", (s) => s.tcpRate, (c) => c.tcpRate],
];

/**
 * Lists the settings that differ between two configurations, split by
 * whether a reload can apply them without rebinding. A service's own
 * setting is listed when its value changed other than by following a
 * changed global setting (a new global `deny` lists `deny` alone).
 *
 * @param before The configuration running.
 * @param after The configuration loaded again.
 * @returns The changed settings a reload applies, and those that need a restart.
 *
 * @example Usage
 * ```ts
 * import { diffConfig } from "./config_diff.ts";
 * import { parseServeArgs, type ServeConfig } from "./serve_config.ts";
 * const before = parseServeArgs(["--session", ":1200"]) as ServeConfig;
 * const after = parseServeArgs(["--session", ":1201", "--deny", "192.0.2.0/24"]) as ServeConfig;
 * const { applied, needsRestart } = diffConfig(before, after);
 * if (applied.join() !== "deny" || needsRestart.join() !== "session") throw new Error();
 * ```
 */
export function diffConfig(before: ServeConfig, after: ServeConfig): ConfigDiff {
  const applied: string[] = [];
  const needsRestart: string[] = [];
  const toggled = (name: string) =>
    (SERVICE_NAMES as readonly string[]).includes(name) &&
    before.services[name as ServiceName].disabled !== after.services[name as ServiceName].disabled;
  for (const [name, reload, read] of READINGS) {
    // A service turned on or off is listed as service.NAME.disable, not as its listeners.
    if (same(read(before), read(after)) || toggled(name)) continue;
    (reload ? applied : needsRestart).push(name);
  }
  for (const service of SERVICE_NAMES) {
    const [was, is] = [before.services[service], after.services[service]];
    for (const [name, own, global] of SERVICE_READINGS) {
      if (same(own(was), own(is))) continue;
      const followsGlobal = same(own(was), global(before)) && same(own(is), global(after));
      if (!followsGlobal) applied.push(`service.${service}.${name}`);
    }
    if (was.disabled !== is.disabled) needsRestart.push(`service.${service}.disable`);
  }
  return { applied, needsRestart };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

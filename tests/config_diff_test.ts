/**
 * diffConfig(): what a reload can apply in place and what needs a restart.
 */

import { deepStrictEqual } from "node:assert/strict";
import { diffConfig } from "../src/cli/config_diff.ts";
import { parseServeArgs, type ServeConfig } from "../src/cli/serve_config.ts";

const BASE = ["--session", "127.0.0.1:1200", "--ntp", "127.0.0.1:10123", "--workers", "2"];

function config(...flags: string[]): ServeConfig {
  return parseServeArgs([...BASE, ...flags]) as ServeConfig;
}

Deno.test("diffConfig() finds nothing between equal configurations", () => {
  deepStrictEqual(diffConfig(config("--tz", "UTC"), config()), { applied: [], needsRestart: [] });
});

Deno.test("diffConfig() applies access lists, rate limits, log level, formats, zone and session limits", () => {
  const after = config(
    "--allow",
    "10.0.0.0/8",
    "--deny",
    "10.1.0.0/16",
    "--udp-rate",
    "5/s",
    "--udp-burst",
    "9",
    "--tcp-rate",
    "off",
    "--rate-sources",
    "100",
    "--log-level",
    "debug",
    "--default-format",
    "unix",
    "--daytime-format",
    "nist",
    "--tz",
    "Europe/Paris",
    "--idle-timeout",
    "10s",
    "--partial-wait",
    "20ms",
    "--max-sessions",
    "5",
    "--max-sessions-per-ip",
    "2",
    "--shutdown-timeout",
    "1s",
  );
  deepStrictEqual(diffConfig(config(), after), {
    applied: [
      "daytime-format",
      "default-format",
      "tz",
      "idle-timeout",
      "partial-wait",
      "max-sessions",
      "max-sessions-per-ip",
      "log-level",
      "shutdown-timeout",
      "udp-rate",
      "udp-burst",
      "tcp-rate",
      "rate-sources",
      "allow",
      "deny",
    ],
    needsRestart: [],
  });
});

Deno.test("diffConfig() needs a restart for listeners, workers, engines, metrics, NTP identity", () => {
  const before = config();
  const after = parseServeArgs([
    "--session",
    "127.0.0.1:1201",
    "--ntp",
    "127.0.0.1:10123",
    "--workers",
    "3",
    "--io",
    "deno",
    "--metrics",
    "127.0.0.1:9123",
    "--ntp-sync",
    "always",
    "--ntp-stratum",
    "2",
    "--ntp-refid",
    "GPS",
    "--log-format",
    "json",
    "--ready-json",
  ]) as ServeConfig;
  deepStrictEqual(diffConfig(before, after), {
    applied: [],
    needsRestart: [
      "session",
      "ntp-sync",
      "ntp-stratum",
      "ntp-refid",
      "log-format",
      "ready-json",
      "workers",
      "io",
      "metrics",
    ],
  });
});

Deno.test("diffConfig() lists a service's own settings, not those following a global change", () => {
  const before = config("--deny", "192.0.2.0/24", "--service", "ntp.deny=");
  const after = config(
    "--deny",
    "198.51.100.0/24",
    "--service",
    "ntp.deny=",
    "--service",
    "session.udp-rate=1/s",
  );
  deepStrictEqual(diffConfig(before, after), {
    applied: ["deny", "service.session.udp-rate", "service.session.udp-burst"],
    needsRestart: [],
  });
});

Deno.test("diffConfig() lists a service turned off as service.NAME.disable, not its listeners", () => {
  deepStrictEqual(diffConfig(config(), config("--service", "ntp.disable")), {
    applied: [],
    needsRestart: ["service.ntp.disable"],
  });
  deepStrictEqual(diffConfig(config(), config("--service", "session.allow=10.0.0.0/8")), {
    applied: ["service.session.allow"],
    needsRestart: [],
  });
});

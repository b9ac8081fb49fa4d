/**
 * What `/metrics` says about the host clock and the time data clockd runs
 * with, read from the isolate's own clock state.
 *
 * @module
 */

import type { Metrics } from "../ops/metrics.ts";
import { timeData } from "../time/time_data.ts";
import type { WatchedClock } from "./clock_watch.ts";

/**
 * The clock state as gauges of `/metrics`: whether synchronised, the
 * stratum, the kernel's maximum error (NaN when unknown), the leap
 * indicator NTP answers carry, the leap-seconds file's expiry and
 * validity; and the zone-rule releases (the runtime's, the system's) as
 * labels of `clockd_build_info`.
 *
 * @param metrics Where they go.
 * @param watched The clock state (refreshed by its owner) and the leap table in force.
 *
 * @example Usage
 * ```ts
 * import { addClockGauges } from "./clock_gauges.ts";
 * import { Metrics } from "../ops/metrics.ts";
 * import { ClockStatus } from "../time/clock_status.ts";
 * import { systemClock } from "../time/clock.ts";
 * import { LeapSeconds } from "../time/leap_seconds.ts";
 * const metrics = new Metrics();
 * const status = new ClockStatus({ sync: "always", stratum: 3, referenceId: "GPS", clock: systemClock });
 * addClockGauges(metrics, { status, leapSeconds: new LeapSeconds() });
 * if (!metrics.renderPrometheus().includes("clockd_clock_stratum 3\n")) throw new Error();
 * status.close();
 * ```
 */
export function addClockGauges(
  metrics: Metrics,
  watched: Pick<WatchedClock, "status" | "leapSeconds">,
): void {
  const clock = watched.status;
  const leaps = watched.leapSeconds;
  metrics.addGauge(
    "clockd_clock_synchronised",
    "1 while NTP answers claim a synchronised clock, else 0.",
    () => clock.ntpState.leap === 3 ? 0 : 1,
    true,
  );
  metrics.addGauge(
    "clockd_clock_stratum",
    "The stratum NTP answers carry.",
    () => clock.ntpState.stratum,
    true,
  );
  metrics.addGauge(
    "clockd_clock_max_error_seconds",
    "The kernel's maximum error of the host clock, seconds (NaN when unknown).",
    () => clock.errorBoundSeconds ?? NaN,
    true,
  );
  metrics.addGauge(
    "clockd_clock_leap_indicator",
    "The leap indicator NTP answers carry: 0 none, 1 insert, 2 delete, 3 unsynchronised.",
    () => clock.ntpState.leap,
    true,
  );
  metrics.addGauge(
    "clockd_leap_file_expiry_seconds",
    "When the leap-seconds table in force expires (the file's #@ line, or the built-in table's), Unix seconds.",
    () => leaps.table.expires,
    true,
  );
  metrics.addGauge(
    "clockd_leap_file_valid",
    "1 while the leap-seconds file read is valid (hash verified, not expired), else 0.",
    () => leaps.judgement(Math.floor(Date.now() / 1000)).verdict === "ok" ? 1 : 0,
    true,
  );
  const data = timeData(leaps);
  metrics.setInfo("tz_runtime", data.tz_runtime);
  metrics.setInfo("tzdata_system", data.tzdata_system);
}

/**
 * Which tz database release the zone rules come from: the runtime's (ICU's,
 * which `zone.ts` uses through `Temporal` and `Intl`) and the system's
 * (`/usr/share/zoneinfo`, which other programs on the host use). When the
 * two differ, clockd and `date` can disagree about a zone.
 *
 * No API tells a script ICU's tz release: `Intl` has none, `Deno.version`
 * lists only Deno, V8 and TypeScript, and `process.versions.tz` in Deno's
 * Node compatibility layer is a constant copied from Node's release notes,
 * not the ICU Deno was built with. So the runtime's release is derived: each
 * probe is a zone transition one release introduced, and the answer is the
 * newest release whose change (and every older probed change) is present.
 * It is labelled as derived and says when later releases cannot be told apart.
 *
 * @module
 */

/** A tz release and how it was found. */
export interface TzVersion {
  /** The release, e.g. `2025b`. */
  readonly version: string;
  /** Where it was read, or which probes decided it. */
  readonly basis: string;
  /** True when it is a lower bound: the newest known probe passed. */
  readonly orLater: boolean;
}

/** A zone's UTC offset at one instant, as one tz release has it. */
export interface TzReleaseProbe {
  /** The release that introduced the change. */
  readonly release: string;
  /** The zone. */
  readonly zone: string;
  /** The instant, ISO 8601 UTC. */
  readonly at: string;
  /** The offset from that release on, `±hh:mm`. */
  readonly offset: string;
  /** What changed, for the basis line. */
  readonly change: string;
}

/**
 * Changes by release, oldest first, each visible as an offset (from the tz
 * NEWS file; 2025c's from its announcement: "Baja California agreed with
 * California's DST rules in 1953 and in 1961 through 1975").
 */
export const TZ_RELEASE_PROBES: readonly TzReleaseProbe[] = Object.freeze([
  probe("2022f", "America/Mexico_City", "2023-07-01T12:00:00Z", "-06:00", "Mexico ends DST"),
  probe("2022g", "America/Ciudad_Juarez", "2023-01-15T12:00:00Z", "-07:00", "Ciudad Juarez zone"),
  probe("2023a", "Africa/Cairo", "2023-07-01T12:00:00Z", "+03:00", "Egypt resumes DST"),
  probe("2023d", "America/Scoresbysund", "2024-07-01T12:00:00Z", "-01:00", "Ittoqqortoormiit -02"),
  probe("2024a", "Asia/Almaty", "2024-07-01T12:00:00Z", "+05:00", "Kazakhstan unifies on +05"),
  probe(
    "2024b",
    "Asia/Choibalsan",
    "2000-01-15T12:00:00Z",
    "+08:00",
    "Choibalsan joins Ulaanbaatar",
  ),
  probe("2025a", "America/Asuncion", "2025-07-01T12:00:00Z", "-03:00", "Paraguay stays on -03"),
  probe("2025b", "America/Coyhaique", "2025-07-01T12:00:00Z", "-03:00", "Aysen Region zone"),
  probe(
    "2025c",
    "America/Tijuana",
    "1965-07-15T12:00:00Z",
    "-07:00",
    "Baja California DST 1961-75",
  ),
]);

/**
 * Derives a release from probes: the newest whose change and every older
 * probed change are present.
 *
 * @param offsetAt The runtime's offset of a zone at an instant (`±hh:mm`),
 *   or null for an unknown zone.
 * @param probes The probes, oldest first.
 * @returns The release, or null when even the oldest change is missing.
 *
 * @example Usage
 * ```ts
 * import { probeTzVersion, TZ_RELEASE_PROBES } from "./tz_versions.ts";
 * const none = probeTzVersion(() => null, TZ_RELEASE_PROBES);
 * if (none !== null) throw new Error();
 * ```
 */
export function probeTzVersion(
  offsetAt: (zone: string, at: string) => string | null,
  probes: readonly TzReleaseProbe[],
): TzVersion | null {
  let passed = 0;
  while (passed < probes.length) {
    const next = probes[passed];
    if (offsetAt(next.zone, next.at) !== next.offset) break;
    passed++;
  }
  if (passed === 0) return null;
  const last = probes[passed - 1];
  const orLater = passed === probes.length;
  const missing = orLater ? "" : `, not ${probes[passed].release}'s (${probes[passed].change})`;
  return {
    version: last.release,
    basis: `derived from zone transitions: has ${last.release}'s change (${last.change})${missing}`,
    orLater,
  };
}

/**
 * The tz release of the runtime's ICU, derived by {@linkcode probeTzVersion}
 * through `Intl.DateTimeFormat`.
 *
 * @returns The release, or null when it cannot be told.
 *
 * @example Usage
 * ```ts
 * import { runtimeTzVersion } from "./tz_versions.ts";
 * const tz = runtimeTzVersion();
 * console.log(tz === null ? "unknown" : `${tz.version}${tz.orLater ? " or later" : ""} (${tz.basis})`);
 * ```
 */
export function runtimeTzVersion(): TzVersion | null {
  return probeTzVersion(intlOffset, TZ_RELEASE_PROBES);
}

/**
 * The release named in a tzdata version file: `tzdata.zi`'s first line
 * (`# version 2025b`) or `+VERSION`'s content (`2025b`).
 *
 * @param text The file's start.
 * @returns The release, or null if the text names none.
 *
 * @example Usage
 * ```ts
 * import { tzdataVersionFromText } from "./tz_versions.ts";
 * if (tzdataVersionFromText("# version 2025b\n# ddeps") !== "2025b") throw new Error();
 * ```
 */
export function tzdataVersionFromText(text: string): string | null {
  const match = /^(?:# version )?(\d{4}[a-z]+)\s*(?:\n|$)/.exec(text);
  return match === null ? null : match[1];
}

/**
 * The tz release installed on the system: the first line of
 * `tzdata.zi`, else `+VERSION`, in the zoneinfo directory. Never prompts:
 * without read permission it is unknown.
 *
 * @param dir The zoneinfo directory.
 * @returns The release, or null when no file names one (or it cannot be read).
 *
 * @example Usage
 * ```ts
 * import { systemTzdataVersion } from "./tz_versions.ts";
 * if (systemTzdataVersion("/nonexistent") !== null) throw new Error();
 * ```
 */
export function systemTzdataVersion(dir = "/usr/share/zoneinfo"): TzVersion | null {
  for (const name of ["tzdata.zi", "+VERSION"]) {
    const path = `${dir}/${name}`;
    const version = readHead(path);
    if (version !== null) return { version, basis: path, orLater: false };
  }
  return null;
}

function readHead(path: string): string | null {
  if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return null;
  let file: Deno.FsFile | undefined;
  try {
    file = Deno.openSync(path);
    const buffer = new Uint8Array(64);
    const count = file.readSync(buffer) ?? 0;
    return tzdataVersionFromText(new TextDecoder().decode(buffer.subarray(0, count)));
  } catch {
    return null;
  } finally {
    file?.close();
  }
}

function intlOffset(zone: string, at: string): string | null {
  try {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
      .formatToParts(new Date(at));
    const name = parts.find((part) => part.type === "timeZoneName")?.value;
    if (name === undefined) return null;
    return name === "GMT" ? "+00:00" : name.replace(/^GMT/, "");
  } catch {
    return null;
  }
}

function probe(
  release: string,
  zone: string,
  at: string,
  offset: string,
  change: string,
): TzReleaseProbe {
  return Object.freeze({ release, zone, at, offset, change });
}

/**
 * A release as one word for status lines and labels: `2026b`, `2026b+`
 * when it is a lower bound, `unknown` when it cannot be told.
 *
 * @param version The release, or null.
 * @returns One word.
 *
 * @example Usage
 * ```ts
 * import { tzVersionWord } from "./tz_versions.ts";
 * if (tzVersionWord({ version: "2026b", basis: "", orLater: true }) !== "2026b+") throw new Error();
 * if (tzVersionWord(null) !== "unknown") throw new Error();
 * ```
 */
export function tzVersionWord(version: TzVersion | null): string {
  if (version === null) return "unknown";
  return version.orLater ? `${version.version}+` : version.version;
}

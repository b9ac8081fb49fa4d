/**
 * The benchmark's workloads: what each one asks, of which listener, with how
 * many clients. The client loops themselves are in `clients/`.
 *
 * @module
 */

/** A workload's name, as given to `--workloads`. */
export type WorkloadName =
  | "session-tcp"
  | "session-pipelined"
  | "session-udp"
  | "daytime-tcp"
  | "time-udp"
  | "ntp"
  | "http-json"
  | "roughtime-udp"
  | "idle";

/** A clockd service, as named in the `--ready-json` line. */
export type ServiceName = "session" | "daytime" | "time" | "ntp" | "http" | "roughtime";

/** One workload. */
export interface Workload {
  /** Its name. */
  readonly name: WorkloadName;
  /** The listener it drives. */
  readonly service: ServiceName;
  /** The listener's transport. */
  readonly transport: "tcp" | "udp";
  /** Clients by default (for `idle`, sessions: see `--idle-sessions`). */
  readonly clients: number;
  /** What each client does, for `--help`. */
  readonly description: string;
}

/** Requests a pipelined session client writes at once, and answers it waits for. */
export const PIPELINE_DEPTH = 16;

/** Every workload, in the order the table shows them. */
export const WORKLOADS: readonly Workload[] = [
  {
    name: "session-tcp",
    service: "session",
    transport: "tcp",
    clients: 64,
    description: "persistent TCP sessions, 'timestamp\\n', each waits for its answer line",
  },
  {
    name: "session-pipelined",
    service: "session",
    transport: "tcp",
    clients: 16,
    description:
      `persistent TCP sessions writing ${PIPELINE_DEPTH} 'timestamp\\n' lines at once, waiting for ${PIPELINE_DEPTH} answers (latency per batch)`,
  },
  {
    name: "session-udp",
    service: "session",
    transport: "udp",
    clients: 16,
    description: "one datagram 'timestamp', one answer",
  },
  {
    name: "daytime-tcp",
    service: "daytime",
    transport: "tcp",
    clients: 16,
    description: "RFC 867 one-shot: connect, read to EOF, close",
  },
  {
    name: "time-udp",
    service: "time",
    transport: "udp",
    clients: 16,
    description: "RFC 868 over UDP: an empty datagram, a 4-byte answer within 2 s of this clock",
  },
  {
    name: "ntp",
    service: "ntp",
    transport: "udp",
    clients: 16,
    description: "48-byte mode-3 requests; the answer must be mode 4 with our transmit as origin",
  },
  {
    name: "http-json",
    service: "http",
    transport: "tcp",
    clients: 16,
    description:
      "keep-alive HTTP/1.1 GET /api/timezone/Europe/Paris; status 200, JSON with utc_datetime",
  },
  {
    name: "roughtime-udp",
    service: "roughtime",
    transport: "udp",
    clients: 16,
    description:
      "1036-byte RFC 10049 requests, random nonces; answers framed, no larger; some verified",
  },
  {
    name: "idle",
    service: "session",
    transport: "tcp",
    clients: 10_000,
    description: "sessions that ask once, stay silent, ask again; server memory per session",
  },
];

/**
 * Finds a workload by name.
 *
 * @param name The name.
 * @returns The workload.
 * @throws {RangeError} If there is no such workload.
 *
 * @example Usage
 * ```ts
 * import { getWorkload } from "./workloads.ts";
 * if (getWorkload("ntp").transport !== "udp") throw new Error("NTP is UDP");
 * ```
 */
export function getWorkload(name: string): Workload {
  const found = WORKLOADS.find((workload) => workload.name === name);
  if (found === undefined) {
    throw new RangeError(
      `Unknown workload "${name}" (one of ${WORKLOADS.map((w) => w.name).join(", ")})`,
    );
  }
  return found;
}

/**
 * Parses the `--workloads` list: names separated by commas, or `all`.
 * Duplicates are dropped; the order is the table's.
 *
 * @param text The flag's value.
 * @returns The workloads chosen, in table order.
 * @throws {RangeError} If a name is unknown or the list is empty.
 *
 * @example Usage
 * ```ts
 * import { parseWorkloadList } from "./workloads.ts";
 * const chosen = parseWorkloadList("ntp,session-tcp");
 * if (chosen.map((w) => w.name).join() !== "session-tcp,ntp") throw new Error("table order");
 * ```
 */
export function parseWorkloadList(text: string): Workload[] {
  const names = text.split(",").map((name) => name.trim()).filter((name) => name !== "");
  if (names.length === 0) throw new RangeError("No workload named");
  if (names.includes("all")) return [...WORKLOADS];
  const chosen = new Set(names.map((name) => getWorkload(name)));
  return WORKLOADS.filter((workload) => chosen.has(workload));
}

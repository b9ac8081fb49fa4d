/**
 * Test harness: a small network of Linux network namespaces for the
 * balancer tests, built with `ip netns` and torn down by `await using`.
 *
 * ```
 *  backend 1 10.77.1.11 ─┐
 *  backend 2 10.77.1.12 ─┼─ br0 10.77.1.1 ┃ balancer ┃ 10.77.2.1 ─── 10.77.2.2 client
 *  backend 3 10.77.1.13 ─┘
 * ```
 *
 * Every namespace is named after the test process (`ck<pid>-b1`, `ck<pid>-lb`,
 * `ck<pid>-cl`), every interface is created inside its namespace, and every
 * address lives only there: nothing of the host's network is touched. The
 * client has no route to the backends; only the balancer reaches both.
 *
 * @module
 */

import { commandSucceeds, isRoot } from "./_host.ts";

/** At most this many backends: a lab is at most 6 namespaces (backends, balancer, client). */
const MAX_BACKENDS = 4;
/** How long one `ip` command may take. */
const IP_TIMEOUT_MS = 10_000;

/** One namespace of a {@linkcode Lab}. */
export interface LabHost {
  /** The namespace's name. */
  readonly ns: string;
  /** Its address (the balancer: on the backends' side). */
  readonly address: string;
  /** The command prefix that runs a program inside it. */
  readonly wrap: readonly string[];
}

/** The namespaces of {@linkcode createLab}; disposing deletes them. */
export interface Lab extends AsyncDisposable {
  /** The backends, on 10.77.1.0/24. */
  readonly backends: readonly LabHost[];
  /** The balancer: `address` on the backends' side, `clientSide` on the client's. */
  readonly balancer: LabHost & { readonly clientSide: string };
  /** The client, on 10.77.2.0/24. */
  readonly client: LabHost;
  /** The backends' subnet, as a CIDR. */
  readonly backendNet: string;
}

/**
 * Why the lab cannot be built here (not root, no `ip netns`), or null when
 * it can; for a test's `ignore:`.
 *
 * @returns The reason, or null.
 *
 * @example Usage
 * ```ts
 * import { labUnavailable } from "./_netns.ts";
 * const reason = labUnavailable();
 * if (reason !== null && reason.length === 0) throw new Error("a reason is never empty");
 * ```
 */
export function labUnavailable(): string | null {
  if (!isRoot()) return "needs root for ip netns";
  if (!commandSucceeds("ip", ["netns", "list"])) return "needs iproute2 (ip netns)";
  return null;
}

/**
 * The namespace names a lab of this process uses, in creation order.
 *
 * @param backends How many backends.
 * @param pid The process the names belong to.
 * @returns The names: backends, then the balancer, then the client.
 *
 * @example Usage
 * ```ts
 * import { labNamespaces } from "./_netns.ts";
 * const names = labNamespaces(3, 42);
 * if (names.join() !== "ck42-b1,ck42-b2,ck42-b3,ck42-lb,ck42-cl") throw new Error(names.join());
 * ```
 */
export function labNamespaces(backends: number, pid: number = Deno.pid): string[] {
  const names = Array.from({ length: backends }, (_, i) => `ck${pid}-b${i + 1}`);
  return [...names, `ck${pid}-lb`, `ck${pid}-cl`];
}

async function ip(args: string[]): Promise<void> {
  const command = new Deno.Command("ip", {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(IP_TIMEOUT_MS),
  });
  const { success, stderr } = await command.output();
  if (!success) {
    throw new Error(`ip ${args.join(" ")}: ${new TextDecoder().decode(stderr).trim()}`);
  }
}

/** Deletes the namespaces that exist among `names`; never throws. */
async function deleteNamespaces(names: readonly string[]): Promise<void> {
  for (const ns of names) {
    try {
      await ip(["netns", "delete", ns]);
    } catch { /* never created, or gone */ }
  }
}

function host(ns: string, address: string): LabHost {
  return { ns, address, wrap: ["ip", "netns", "exec", ns] };
}

/**
 * Builds the lab: backends on a bridge in the balancer's namespace, and a
 * client on a veth pair of its own. On failure whatever was created is
 * deleted before the error propagates. Processes started in the namespaces
 * must be ended before the lab is disposed (a namespace lives on while a
 * process is inside it).
 *
 * @param backends How many backends, 1 to 4.
 * @returns The lab; `await using` deletes it.
 *
 * @example Usage
 * ```ts
 * import { createLab, labUnavailable } from "./_netns.ts";
 * // Defined, not run here: it needs root.
 * async function demo(): Promise<string> {
 *   if (labUnavailable() !== null) return "no lab";
 *   await using lab = await createLab(3);
 *   return `${lab.client.ns} reaches ${lab.balancer.clientSide}`;
 * }
 * if (typeof demo !== "function") throw new Error();
 * ```
 */
export async function createLab(backends = 3): Promise<Lab> {
  if (!Number.isInteger(backends) || backends < 1 || backends > MAX_BACKENDS) {
    throw new RangeError(`backends must be 1 to ${MAX_BACKENDS}, got ${backends}`);
  }
  const names = labNamespaces(backends);
  const lb = names[backends];
  const cl = names[backends + 1];
  try {
    for (const ns of names) {
      await ip(["netns", "add", ns]);
      await ip(["-n", ns, "link", "set", "lo", "up"]);
    }
    await ip(["-n", lb, "link", "add", "br0", "type", "bridge"]);
    await ip(["-n", lb, "addr", "add", "10.77.1.1/24", "dev", "br0"]);
    await ip(["-n", lb, "link", "set", "br0", "up"]);
    for (let i = 0; i < backends; i++) {
      const ns = names[i];
      const port = `vb${i + 1}`;
      await ip([
        "link",
        "add",
        "eth0",
        "netns",
        ns,
        "type",
        "veth",
        "peer",
        "name",
        port,
        "netns",
        lb,
      ]);
      await ip(["-n", lb, "link", "set", port, "master", "br0", "up"]);
      await ip(["-n", ns, "addr", "add", `10.77.1.${11 + i}/24`, "dev", "eth0"]);
      await ip(["-n", ns, "link", "set", "eth0", "up"]);
    }
    await ip([
      "link",
      "add",
      "eth0",
      "netns",
      cl,
      "type",
      "veth",
      "peer",
      "name",
      "vcl",
      "netns",
      lb,
    ]);
    await ip(["-n", lb, "addr", "add", "10.77.2.1/24", "dev", "vcl"]);
    await ip(["-n", lb, "link", "set", "vcl", "up"]);
    await ip(["-n", cl, "addr", "add", "10.77.2.2/24", "dev", "eth0"]);
    await ip(["-n", cl, "link", "set", "eth0", "up"]);
  } catch (error) {
    await deleteNamespaces(names);
    throw error;
  }
  return {
    backends: names.slice(0, backends).map((ns, i) => host(ns, `10.77.1.${11 + i}`)),
    balancer: { ...host(lb, "10.77.1.1"), clientSide: "10.77.2.1" },
    client: host(cl, "10.77.2.2"),
    backendNet: "10.77.1.0/24",
    async [Symbol.asyncDispose]() {
      await deleteNamespaces(names);
    },
  };
}

/**
 * Test harness: a small network of Linux network namespaces for the
 * balancer tests, built with `ip netns` and torn down by `await using`.
 *
 * ```
 *  backend 1 10.77.1.11 ─┐                                        ┌─ 10.77.2.2 client 1
 *  backend 2 10.77.1.12 ─┼─ br0 10.77.1.1 ┃ balancer ┃ br1 10.77.2.1 ─┤
 *  backend 3 10.77.1.13 ─┘                                        └─ 10.77.2.3 client 2
 * ```
 *
 * Every namespace is named after the test process (`ck<pid>-b1`, `ck<pid>-lb`,
 * `ck<pid>-c1`), every interface is created inside its namespace, and every
 * address lives only there: nothing of the host's network is touched. The
 * clients have no route to the backends; only the balancer reaches both.
 *
 * @module
 */

import { commandSucceeds, isRoot } from "./_host.ts";

/** At most this many namespaces in a lab (backends, balancer, clients). */
const MAX_NAMESPACES = 6;
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
  /** The clients, on 10.77.2.0/24 from 10.77.2.2 up. */
  readonly clients: readonly LabHost[];
  /** The first client. */
  readonly client: LabHost;
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
 * @param clients How many clients.
 * @param pid The process the names belong to.
 * @returns The names: backends, then the balancer, then the clients.
 *
 * @example Usage
 * ```ts
 * import { labNamespaces } from "./_netns.ts";
 * const names = labNamespaces(3, 2, 42).join();
 * if (names !== "ck42-b1,ck42-b2,ck42-b3,ck42-lb,ck42-c1,ck42-c2") throw new Error(names);
 * ```
 */
export function labNamespaces(backends: number, clients: number, pid: number = Deno.pid): string[] {
  const numbered = (role: string, count: number) =>
    Array.from({ length: count }, (_, i) => `ck${pid}-${role}${i + 1}`);
  return [...numbered("b", backends), `ck${pid}-lb`, ...numbered("c", clients)];
}

/** Runs `ip` with the words of `command` (names and addresses have no spaces). */
async function ip(command: string): Promise<void> {
  const { success, stderr } = await new Deno.Command("ip", {
    args: command.split(" "),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(IP_TIMEOUT_MS),
  }).output();
  if (!success) throw new Error(`ip ${command}: ${new TextDecoder().decode(stderr).trim()}`);
}

/** Deletes the namespaces that exist among `names`; never throws. */
async function deleteNamespaces(names: readonly string[]): Promise<void> {
  for (const ns of names) {
    try {
      await ip(`netns delete ${ns}`);
    } catch { /* never created, or gone */ }
  }
}

function host(ns: string, address: string): LabHost {
  return { ns, address, wrap: ["ip", "netns", "exec", ns] };
}

/** A bridge `name` in `lb` with `address`, and each host's `eth0` on it through a veth pair. */
async function bridge(
  lb: string,
  name: string,
  address: string,
  hosts: readonly LabHost[],
): Promise<void> {
  await ip(`-n ${lb} link add ${name} type bridge`);
  await ip(`-n ${lb} addr add ${address} dev ${name}`);
  await ip(`-n ${lb} link set ${name} up`);
  for (const [i, { ns, address }] of hosts.entries()) {
    const port = `${name}p${i + 1}`;
    await ip(`link add eth0 netns ${ns} type veth peer name ${port} netns ${lb}`);
    await ip(`-n ${lb} link set ${port} master ${name} up`);
    await ip(`-n ${ns} addr add ${address}/24 dev eth0`);
    await ip(`-n ${ns} link set eth0 up`);
  }
}

/**
 * Builds the lab: backends on one bridge in the balancer's namespace,
 * clients on another, each through a veth pair. On failure whatever was
 * created is deleted before the error propagates. Processes started in the
 * namespaces must be ended before the lab is disposed (a namespace lives on
 * while a process is inside it).
 *
 * @param backends How many backends.
 * @param clients How many clients; with the backends and the balancer, at most 6 namespaces.
 * @returns The lab; `await using` deletes it.
 *
 * @example Usage
 * ```ts
 * import { createLab, labUnavailable } from "./_netns.ts";
 * // Defined, not run here: it needs root.
 * async function demo(): Promise<string> {
 *   if (labUnavailable() !== null) return "no lab";
 *   await using lab = await createLab(3, 2);
 *   return `${lab.clients[1].ns} reaches ${lab.balancer.clientSide}`;
 * }
 * if (typeof demo !== "function") throw new Error();
 * ```
 */
export async function createLab(backends = 3, clients = 1): Promise<Lab> {
  if (
    !Number.isInteger(backends) || !Number.isInteger(clients) || backends < 1 || clients < 1 ||
    backends + 1 + clients > MAX_NAMESPACES
  ) {
    throw new RangeError(
      `a lab is at most ${MAX_NAMESPACES} namespaces: ${backends} backends and ${clients} clients`,
    );
  }
  const names = labNamespaces(backends, clients);
  const lb = names[backends];
  const backendHosts = names.slice(0, backends).map((ns, i) => host(ns, `10.77.1.${11 + i}`));
  const clientHosts = names.slice(backends + 1).map((ns, i) => host(ns, `10.77.2.${2 + i}`));
  try {
    for (const ns of names) {
      await ip(`netns add ${ns}`);
      await ip(`-n ${ns} link set lo up`);
    }
    await bridge(lb, "br0", "10.77.1.1/24", backendHosts);
    await bridge(lb, "br1", "10.77.2.1/24", clientHosts);
  } catch (error) {
    await deleteNamespaces(names);
    throw error;
  }
  return {
    backends: backendHosts,
    balancer: { ...host(lb, "10.77.1.1"), clientSide: "10.77.2.1" },
    clients: clientHosts,
    client: clientHosts[0],
    async [Symbol.asyncDispose]() {
      await deleteNamespaces(names);
    },
  };
}

/**
 * Test helpers for deploy/kubernetes: runs the schema validator
 * (deploy/kubernetes_validate/validate.ts, a separate `deno run` with its
 * own deno.json and deno.lock, so that its npm packages never enter the
 * project's lock file and `deno task start` never downloads them), and
 * resolves a workload's listeners with clockd's own config parser.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { loadServeConfig, type ServeConfig } from "../src/cli/serve_config.ts";

/** The manifests. */
export const MANIFESTS = fileURLToPath(new URL("../deploy/kubernetes", import.meta.url));
const VALIDATOR = fileURLToPath(new URL("../deploy/kubernetes_validate/", import.meta.url));

/** The validator's pinned packages, as its deno.json names them. */
export const VALIDATOR_IMPORTS: Record<string, string> = JSON.parse(
  Deno.readTextFileSync(`${VALIDATOR}deno.json`),
).imports;

/** A loosely typed Kubernetes object, as parsed from YAML. */
// deno-lint-ignore no-explicit-any
export type K8sObject = Record<string, any>;

/** One parsed manifest document, as the validator reports it. */
export interface ManifestDocument {
  path: string;
  index: number;
  kind: string;
  name: string;
  object: K8sObject;
}

/** What one validator run found. */
export interface Validation {
  code: number;
  documents: ManifestDocument[];
  problems: string[];
}

/**
 * Runs the validator on files or directories.
 *
 * @param paths What to validate.
 * @returns Its exit code, the parsed documents and the problems found.
 */
export async function validate(...paths: string[]): Promise<Validation> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      `--config=${VALIDATOR}deno.json`,
      "--frozen",
      "--check",
      "--allow-env=LOG_TOKENS,LOG_STREAM",
      `--allow-read=${paths.join(",")}`,
      `${VALIDATOR}validate.ts`,
      "--json",
      ...paths,
    ],
    stdin: "null",
  }).output();
  const out = new TextDecoder().decode(stdout).trim();
  if (out === "") {
    throw new Error(
      `the validator printed nothing (exit ${code}):\n${new TextDecoder().decode(stderr)}`,
    );
  }
  return { code, ...JSON.parse(out) };
}

/**
 * The documents of one kind.
 *
 * @param documents Parsed documents.
 * @param kind A kind, such as `Service`.
 * @returns Their objects.
 *
 * @example Usage
 * ```ts
 * import { ofKind } from "./_kubernetes.ts";
 * const doc = { path: "a.yaml", index: 0, kind: "Service", name: "x", object: { kind: "Service" } };
 * if (ofKind([doc], "Service").length !== 1 || ofKind([doc], "Pod").length !== 0) throw new Error();
 * ```
 */
export function ofKind(documents: ManifestDocument[], kind: string): K8sObject[] {
  return documents.filter((document) => document.kind === kind).map(({ object }) => object);
}

/**
 * A port a container listens on, as `PORT/PROTOCOL`.
 *
 * @param port The port number.
 * @param protocol `tcp`, `UDP`, … (either case).
 * @returns The key.
 *
 * @example Usage
 * ```ts
 * import { portKey } from "./_kubernetes.ts";
 * if (portKey(123, "udp") !== "123/UDP") throw new Error();
 * ```
 */
export function portKey(port: number, protocol: string): string {
  return `${port}/${protocol.toUpperCase()}`;
}

/**
 * The listeners a workload's clockd opens: its container's arguments, with
 * the config file it names read from the ConfigMap mounted there, resolved
 * by clockd's own config parser.
 *
 * @param workload A Deployment or DaemonSet.
 * @param configMaps The ConfigMaps it may mount.
 * @returns The resolved configuration.
 */
export function workloadConfig(workload: K8sObject, configMaps: K8sObject[]): ServeConfig {
  const pod = workload.spec.template.spec;
  const [container] = pod.containers;
  const args: string[] = container.args;
  if (args[0] !== "serve") {
    throw new Error(`${workload.metadata.name}: args do not start with serve`);
  }
  const configPath = args[args.indexOf("--config") + 1];
  const slash = configPath.lastIndexOf("/");
  const mount = container.volumeMounts.find((m: K8sObject) =>
    m.mountPath === configPath.slice(0, slash)
  );
  if (!mount) throw new Error(`${workload.metadata.name}: nothing mounted at ${configPath}`);
  const volume = pod.volumes.find((v: K8sObject) => v.name === mount.name);
  const configMap = configMaps.find((c) => c.metadata.name === volume?.configMap?.name);
  const text = configMap?.data?.[configPath.slice(slash + 1)];
  if (typeof text !== "string") {
    throw new Error(`${workload.metadata.name}: no ${configPath} in a ConfigMap`);
  }
  const file = Deno.makeTempFileSync({ suffix: ".toml" });
  try {
    Deno.writeTextFileSync(file, text);
    const config = loadServeConfig(
      args.slice(1).map((arg) => (arg === configPath ? file : arg)),
      { defaultConfigPath: null },
    );
    if (config === "help") throw new Error("help");
    return config;
  } finally {
    Deno.removeSync(file);
  }
}

/**
 * The `PORT/PROTOCOL`s of a config's listeners, each with its service.
 *
 * @param config A resolved configuration.
 * @returns Service by `PORT/PROTOCOL`.
 *
 * @example Usage
 * ```ts
 * import { listenerPorts } from "./_kubernetes.ts";
 * import { parseServeArgs } from "../src/cli/serve_config.ts";
 * const config = parseServeArgs(["--ntp", ":10123", "--session", ":1200/tcp"]);
 * if (config === "help") throw new Error();
 * const ports = listenerPorts(config);
 * if (ports.get("10123/UDP") !== "ntp" || ports.has("1200/UDP")) throw new Error();
 * ```
 */
export function listenerPorts(config: ServeConfig): Map<string, string> {
  const ports = new Map<string, string>();
  for (const { service, address } of config.listeners) {
    for (const transport of address.transports) {
      ports.set(portKey(address.port, transport), service);
    }
  }
  return ports;
}

/**
 * A Kubernetes memory quantity in bytes (`256Mi`, `1Gi`, `500M`, `1024`).
 *
 * @param quantity The quantity.
 * @returns Bytes.
 *
 * @example Usage
 * ```ts
 * import { memoryBytes } from "./_kubernetes.ts";
 * if (memoryBytes("256Mi") !== 256 * 2 ** 20 || memoryBytes("1G") !== 1e9) throw new Error();
 * ```
 */
export function memoryBytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(quantity);
  if (!match) throw new RangeError(`unsupported quantity "${quantity}"`);
  const units: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    k: 1e3,
    M: 1e6,
    G: 1e9,
  };
  return Number(match[1]) * (match[2] ? units[match[2]] : 1);
}

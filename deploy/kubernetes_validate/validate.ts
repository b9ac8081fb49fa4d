/**
 * Validates clockd's Kubernetes manifests offline, before `kubectl apply`:
 * every YAML document against the Kubernetes OpenAPI schema of its kind
 * (`kubernetes-models`, each kind's class and its `validate()`), plus what
 * those schemas let through and a strict API server refuses: a field the
 * schema does not know (a typo such as `readOnlyRootFileSystem`), and a
 * scalar that YAML 1.1 (Kubernetes' parser) and YAML 1.2 read differently
 * (`on`, `0700`).
 *
 * Its npm packages are pinned in the deno.json beside it, with their own
 * deno.lock, so that `deno task start` and `deno cache main.ts` never
 * download them (Deno fetches every npm package of a lock file it uses).
 *
 * ```sh
 * deno run --config deploy/kubernetes_validate/deno.json --allow-read=deploy/kubernetes \
 *   deploy/kubernetes_validate/validate.ts deploy/kubernetes
 * ```
 *
 * Arguments are files or directories (their `*.yaml` and `*.yml`, except
 * `kustomization.yaml`); `--json` prints the parsed documents and the
 * problems as one JSON object on stdout. Exits 1 when any problem is found.
 *
 * It exports nothing and has no TypeScript code block on purpose: the
 * project's `deno test --doc` would turn one into a doc test importing this
 * file under the project's deno.json, which does not map its packages.
 * `tests/kubernetes_test.ts` runs it with `--check`, so it is type-checked.
 *
 * @module
 */

import { parseAllDocuments } from "yaml";
import { ConfigMap, Service } from "kubernetes-models/v1";
import { DaemonSet, Deployment } from "kubernetes-models/apps/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { validate as configMapSchema } from "kubernetes-models/_schemas/IoK8sApiCoreV1ConfigMap";
import { validate as serviceSchema } from "kubernetes-models/_schemas/IoK8sApiCoreV1Service";
import { validate as deploymentSchema } from "kubernetes-models/_schemas/IoK8sApiAppsV1Deployment";
import { validate as daemonSetSchema } from "kubernetes-models/_schemas/IoK8sApiAppsV1DaemonSet";
import { validate as pdbSchema } from "kubernetes-models/_schemas/IoK8sApiPolicyV1PodDisruptionBudget";

/** A kind this validator knows: its model class and its compiled schema. */
interface Kind {
  model: new (data: never) => { validate(): void };
  schema: (data: unknown) => boolean;
}

const KINDS: Record<string, Kind> = {
  "v1/ConfigMap": { model: ConfigMap, schema: configMapSchema },
  "v1/Service": { model: Service, schema: serviceSchema },
  "apps/v1/Deployment": { model: Deployment, schema: deploymentSchema },
  "apps/v1/DaemonSet": { model: DaemonSet, schema: daemonSetSchema },
  "policy/v1/PodDisruptionBudget": { model: PodDisruptionBudget, schema: pdbSchema },
};

/** One parsed document. */
interface Document {
  path: string;
  index: number;
  kind: string;
  name: string;
  object: Record<string, unknown>;
}

/** Parses and checks one file's documents; problems go to `problems`. */
function checkFile(path: string, text: string, problems: string[]): Document[] {
  const documents: Document[] = [];
  const strict = parseAllDocuments(text, { version: "1.2", uniqueKeys: true });
  const legacy = parseAllDocuments(text, { version: "1.1", uniqueKeys: true });
  if (!Array.isArray(strict) || !Array.isArray(legacy)) {
    problems.push(`${path}: not a YAML stream`);
    return documents;
  }
  strict.forEach((doc, index) => {
    const at = `${path}#${index}`;
    for (const issue of [...doc.errors, ...doc.warnings]) {
      problems.push(`${at}: YAML: ${issue.message.split("\n")[0]}`);
    }
    if (doc.errors.length > 0) return;
    const object: unknown = doc.toJS();
    if (object === null || object === undefined) return; // an empty document
    if (JSON.stringify(object) !== JSON.stringify(legacy[index]?.toJS())) {
      problems.push(`${at}: YAML 1.1 and 1.2 read a value differently: quote it`);
    }
    if (typeof object !== "object" || Array.isArray(object)) {
      problems.push(`${at}: not a Kubernetes object`);
      return;
    }
    const record = object as Record<string, unknown>;
    const kindKey = `${record.apiVersion}/${record.kind}`;
    const metadata = record.metadata as { name?: unknown } | undefined;
    const name = String(metadata?.name ?? "");
    const label = `${at} ${kindKey} ${name}`;
    const kind = KINDS[kindKey];
    if (kind === undefined) {
      problems.push(`${label}: no schema here for ${kindKey}`);
      return;
    }
    try {
      new kind.model(record as never).validate();
    } catch (error) {
      problems.push(`${label}: ${(error as Error).message}`);
    }
    for (const field of unknownFields(kind.schema, record)) {
      problems.push(`${label}: unknown field ${field}`);
    }
    documents.push({ path, index, kind: record.kind as string, name, object: record });
  });
  return documents;
}

/**
 * The fields of `data` its schema does not know, as JSON pointers. The
 * compiled schema reads every property it defines (and enumerates the
 * keys of maps such as labels); run on a proxy, any key of an object it
 * never read is one the schema does not know.
 */
function unknownFields(schema: (data: unknown) => boolean, data: unknown): string[] {
  const read = new WeakMap<object, Set<string>>();
  const proxies = new WeakMap<object, object>();
  const wrap = (value: unknown): unknown => {
    if (typeof value !== "object" || value === null) return value;
    const cached = proxies.get(value);
    if (cached !== undefined) return cached;
    const keys = new Set<string>();
    read.set(value, keys);
    const proxy = new Proxy(value, {
      get(target, key) {
        if (typeof key === "string") keys.add(key);
        return wrap(Reflect.get(target, key));
      },
      ownKeys(target) {
        for (const key of Reflect.ownKeys(target)) if (typeof key === "string") keys.add(key);
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  schema(wrap(data));
  const unknown: string[] = [];
  const walk = (value: unknown, pointer: string) => {
    if (typeof value !== "object" || value === null) return;
    if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, `${pointer}/${index}`));
      return;
    }
    const keys = read.get(value);
    for (const [key, child] of Object.entries(value)) {
      if (keys === undefined || !keys.has(key)) unknown.push(`${pointer}/${key}`);
      else walk(child, `${pointer}/${key}`);
    }
  };
  walk(data, "");
  return unknown;
}

/** The manifest files named by the arguments. */
function manifestFiles(paths: string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    if (!Deno.statSync(path).isDirectory) {
      files.push(path);
      continue;
    }
    const names = [...Deno.readDirSync(path)]
      .filter((entry) => entry.isFile && /\.ya?ml$/.test(entry.name))
      .map((entry) => entry.name)
      .filter((name) => name !== "kustomization.yaml")
      .sort();
    files.push(...names.map((name) => `${path.replace(/\/$/, "")}/${name}`));
  }
  return files;
}

if (import.meta.main) {
  const json = Deno.args.includes("--json");
  const paths = Deno.args.filter((arg) => arg !== "--json");
  const problems: string[] = [];
  const documents: Document[] = [];
  for (const file of manifestFiles(paths)) {
    documents.push(...checkFile(file, Deno.readTextFileSync(file), problems));
  }
  if (json) console.log(JSON.stringify({ documents, problems }));
  for (const problem of problems) console.error(problem);
  if (!json) console.error(`${documents.length} documents, ${problems.length} problems`);
  Deno.exit(problems.length === 0 && documents.length > 0 ? 0 : 1);
}

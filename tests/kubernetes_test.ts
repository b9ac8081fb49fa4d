/**
 * deploy/kubernetes: every manifest passes the Kubernetes schemas
 * (kubernetes-models, run by deploy/kubernetes_validate/validate.ts, which
 * also refuses unknown fields and YAML 1.1/1.2 ambiguities), a mutated
 * manifest is refused, and the manifests agree with clockd: the ports its
 * ConfigMap makes it listen on (read with clockd's own config parser) are
 * the containers' ports, the probes' and the Service's; the security
 * contexts hold; the memory limit covers the measured worst case. No
 * cluster runs here: nothing is applied.
 *
 * @module
 */

import assert from "node:assert/strict";
import { SERVICES } from "../src/cli/serve_flags.ts";
import {
  type K8sObject,
  listenerPorts,
  MANIFESTS,
  memoryBytes,
  ofKind,
  portKey,
  validate,
  type Validation,
  VALIDATOR_IMPORTS,
  workloadConfig,
} from "./_kubernetes.ts";

let run: Promise<Validation> | undefined;
/** One validator run over deploy/kubernetes, shared by the tests. */
function manifests(): Promise<Validation> {
  return run ??= validate(MANIFESTS);
}

/** Where clients reach each service through the Service: port → protocols. */
const PUBLIC_PORTS: Record<string, Record<number, string[]>> = {
  session: { [SERVICES.session.defaultPort!]: ["TCP", "UDP"] },
  daytime: { 13: ["TCP", "UDP"] },
  time: { 37: ["TCP", "UDP"] },
  ntp: { 123: ["UDP"] },
  http: { 80: ["TCP"] },
};

/**
 * Memory measured in README.md (Performance): the process serving load
 * (77–101 MiB RSS with 2 isolates), an idle session on the costlier engine
 * (`deno`, 5,287 B; `kernel` 2,443–2,756 B), and a rate-table source (about
 * 8 MB per 65,536 sources: 128 B).
 */
const MEASURED = { twoWorkers: 101 * 2 ** 20, session: 5_287, rateSource: 128 };

Deno.test(`deploy/kubernetes passes the Kubernetes schemas (${VALIDATOR_IMPORTS["kubernetes-models"].replace("npm:", "")})`, async () => {
  const { code, documents, problems } = await manifests();
  assert.deepEqual(problems, []);
  assert.equal(code, 0);
  assert.deepEqual(
    documents.map(({ kind }) => kind).sort(),
    ["ConfigMap", "ConfigMap", "DaemonSet", "Deployment", "PodDisruptionBudget", "Service"],
  );
});

Deno.test("the validator refuses mutated manifests, naming each problem", async () => {
  const dir = await Deno.makeTempDir({ prefix: "clockd-k8s-" });
  try {
    const read = (name: string) => Deno.readTextFileSync(`${MANIFESTS}/${name}`);
    const mutations: [string, string, RegExp][] = [
      [
        "deployment.yaml",
        read("deployment.yaml").replace("containerPort: 10123", 'containerPort: "10123"'),
        /Deployment clockd: .*ports\/6\/containerPort must be integer/,
      ],
      [
        "deployment2.yaml",
        read("deployment.yaml").replace("readOnlyRootFilesystem:", "readOnlyRootFileSystem:"),
        /unknown field \/spec\/template\/spec\/containers\/0\/securityContext\/readOnlyRootFileSystem/,
      ],
      [
        "service.yaml",
        read("service.yaml").replace(
          "port: 123, targetPort: ntp, protocol: UDP",
          "port: 123, targetPort: ntp, protocol: UPD",
        ),
        /Service clockd: .*protocol must be equal to one of the allowed values/,
      ],
      [
        "poddisruptionbudget.yaml",
        read("poddisruptionbudget.yaml").replace(
          /^ {2}selector:\n(?: {4}.*\n)+/m,
          "  selector: yes\n",
        ),
        /YAML 1\.1 and 1\.2 read a value differently/,
      ],
      [
        "daemonset-hostnetwork.yaml",
        read("daemonset-hostnetwork.yaml").replace(/^ {2}selector:\n(?: {4}.*\n)+/m, ""),
        /DaemonSet clockd-ntp-node: .*must have required property selector/,
      ],
    ];
    for (const [name, text] of mutations) {
      assert.notEqual(text, read(name.replace("2", "")), `${name} was not mutated`);
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    const { code, problems } = await validate(dir);
    assert.equal(code, 1);
    for (const [name, , expected] of mutations) {
      assert.ok(
        problems.some((problem) => problem.startsWith(`${dir}/${name}#`) && expected.test(problem)),
        `${name}: no problem matching ${expected} in:\n${problems.join("\n")}`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("each workload's containerPorts are the listeners its ConfigMap gives clockd, on clockd's default ports", async () => {
  const { documents } = await manifests();
  const configMaps = ofKind(documents, "ConfigMap");
  for (const workload of [...ofKind(documents, "Deployment"), ...ofKind(documents, "DaemonSet")]) {
    const listeners = listenerPorts(workloadConfig(workload, configMaps));
    const pod = workload.spec.template.spec;
    const ports = pod.containers[0].ports.map((p: K8sObject) => {
      if (pod.hostNetwork) assert.equal(p.hostPort, p.containerPort, p.name);
      return portKey(p.containerPort, p.protocol);
    });
    assert.deepEqual(ports.toSorted(), [...listeners.keys()].sort(), workload.metadata.name);
  }
  // The Deployment's pod listens on clockd's unprivileged defaults.
  const [deployment] = ofKind(documents, "Deployment");
  for (const { service, address } of workloadConfig(deployment, configMaps).listeners) {
    assert.equal(address.port, SERVICES[service].defaultPort, service);
    assert.deepEqual(address.transports, SERVICES[service].transports, service);
  }
});

Deno.test("the Service exposes session, daytime and time over TCP and UDP on one port number each, NTP over UDP", async () => {
  const { documents } = await manifests();
  const [deployment] = ofKind(documents, "Deployment");
  const [service] = ofKind(documents, "Service");
  const pod = deployment.spec.template;
  for (const [label, value] of Object.entries(service.spec.selector)) {
    assert.equal(pod.metadata.labels[label], value, `selector ${label}`);
  }
  assert.equal(service.spec.externalTrafficPolicy, "Local"); // client addresses kept
  const listeners = listenerPorts(workloadConfig(deployment, ofKind(documents, "ConfigMap")));
  const exposed: Record<string, Record<number, string[]>> = {};
  for (const port of service.spec.ports) {
    const target = pod.spec.containers[0].ports.find((p: K8sObject) =>
      (p.name === port.targetPort || p.containerPort === port.targetPort) &&
      p.protocol === port.protocol
    );
    assert.ok(target, `${port.name}: targetPort ${port.targetPort} is no ${port.protocol} port`);
    const listener = listeners.get(portKey(target.containerPort, port.protocol));
    assert.ok(listener, `${port.name}: clockd does not listen on ${target.containerPort}`);
    ((exposed[listener] ??= {})[port.port] ??= []).push(port.protocol);
  }
  for (const ports of Object.values(exposed)) for (const list of Object.values(ports)) list.sort();
  assert.deepEqual(exposed, PUBLIC_PORTS);
});

Deno.test("pods run without root and without capabilities, but for the hostNetwork NTP DaemonSet on 123", async () => {
  const { documents } = await manifests();
  const configMaps = ofKind(documents, "ConfigMap");
  for (const workload of [...ofKind(documents, "Deployment"), ...ofKind(documents, "DaemonSet")]) {
    const name = workload.metadata.name;
    const pod = workload.spec.template.spec;
    const [container] = pod.containers;
    const privileged = workloadConfig(workload, configMaps).listeners
      .some(({ address }) => address.port < 1024);
    assert.equal(pod.automountServiceAccountToken, false, name);
    assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault", name);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false, name);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true, name);
    assert.notEqual(container.securityContext.privileged, true, name);
    assert.deepEqual(container.securityContext.capabilities.drop, ["ALL"], name);
    assert.deepEqual(
      container.securityContext.capabilities.add ?? [],
      privileged ? ["NET_BIND_SERVICE"] : [],
      name,
    );
    if (privileged) {
      // Root only where Kubernetes leaves no other way to bind a port below
      // 1024: on the host's network, where no Service can map a port.
      assert.equal(pod.hostNetwork, true, name);
      assert.equal(pod.securityContext.runAsUser, 0, name);
    } else {
      assert.equal(pod.securityContext.runAsNonRoot, true, name);
      assert.ok(pod.securityContext.runAsUser > 0, name);
    }
  }
});

Deno.test("readiness and liveness probes ask /healthz on clockd's HTTP listener", async () => {
  const { documents } = await manifests();
  const configMaps = ofKind(documents, "ConfigMap");
  for (const workload of [...ofKind(documents, "Deployment"), ...ofKind(documents, "DaemonSet")]) {
    const [container] = workload.spec.template.spec.containers;
    const listeners = listenerPorts(workloadConfig(workload, configMaps));
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      assert.equal(probe.httpGet.path, "/healthz");
      const port = container.ports.find((p: K8sObject) =>
        p.name === probe.httpGet.port || p.containerPort === probe.httpGet.port
      );
      assert.equal(listeners.get(portKey(port.containerPort, "tcp")), "http");
    }
  }
});

Deno.test("each memory limit covers the measured worst case of its ConfigMap's settings", async () => {
  const { documents } = await manifests();
  const configMaps = ofKind(documents, "ConfigMap");
  for (const workload of [...ofKind(documents, "Deployment"), ...ofKind(documents, "DaemonSet")]) {
    const config = workloadConfig(workload, configMaps);
    const sessions = config.listeners.some(({ service, address }) =>
        service === "session" && address.transports.includes("tcp")
      )
      ? config.maxSessions
      : 0;
    const worst = MEASURED.twoWorkers * Math.max(1, config.workers / 2) +
      sessions * MEASURED.session +
      config.workers * 2 * config.rateSources * MEASURED.rateSource;
    const { requests, limits } = workload.spec.template.spec.containers[0].resources;
    const limit = memoryBytes(limits.memory);
    const mib = (bytes: number) =>
      `${(bytes / 2 ** 20).toFixed(1)} MiB`;
    assert.ok(limit >= worst, `${workload.metadata.name}: ${limits.memory} < ${mib(worst)}`);
    assert.ok(memoryBytes(requests.memory) <= limit);
  }
});

Deno.test("the PodDisruptionBudget covers the Deployment's pods and keeps one serving", async () => {
  const { documents } = await manifests();
  const [deployment] = ofKind(documents, "Deployment");
  const [budget] = ofKind(documents, "PodDisruptionBudget");
  assert.deepEqual(budget.spec.selector, deployment.spec.selector);
  const unavailable = budget.spec.maxUnavailable ??
    deployment.spec.replicas - budget.spec.minAvailable;
  assert.ok(unavailable >= 1 && unavailable < deployment.spec.replicas);
});

Deno.test("kustomization.yaml lists every manifest but the DaemonSet variant", async () => {
  const text = await Deno.readTextFile(`${MANIFESTS}/kustomization.yaml`);
  const resources = [...text.matchAll(/^ {2}- (\S+\.yaml)$/gm)].map((match) => match[1]);
  const files = [...Deno.readDirSync(MANIFESTS)].map((entry) => entry.name)
    .filter((name) => name.endsWith(".yaml") && name !== "kustomization.yaml");
  assert.deepEqual(
    resources.toSorted(),
    files.filter((name) => name !== "daemonset-hostnetwork.yaml").sort(),
  );
});

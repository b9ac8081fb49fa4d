/**
 * The balancer recipes of deploy/ (nginx's `stream` block, HAProxy's TCP
 * mode with tcp-check), run as shipped (backend addresses replaced) with
 * real nginx and HAProxy in front of three real clockd backends, each in a
 * network namespace of its own, and two clients in two more
 * (tests/_netns.ts). The clients speak clockd's own query code
 * (tests/_balancer_probe.ts).
 *
 * The backends run with `--proxy-protocol` naming the balancer, and refuse
 * client 1 (not client 2) on daytime: client 1 refused through the
 * balancer while client 2 is served shows that the client's own address
 * arrived. Backends are told apart by their answers: backend N serves in
 * zone +0N:00 (`rfc3339` ends with it) and sends NTP reference ID `BN`.
 *
 * Needs root, `ip netns`, nginx with its stream module, HAProxy; each test
 * says in its name what it lacks and is ignored.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Clockd, startClockd, startFlagsReading } from "./_clockd.ts";
import { writeRoughtimeSeedFile } from "../src/protocols/roughtime/key_file.ts";
import { createLab, type Lab, type LabHost, labUnavailable } from "./_netns.ts";
import { type Probe, type ProbeResult, runProbes } from "./_balancer_probe.ts";
import {
  adaptRecipe,
  HAPROXY_RECIPE,
  haproxyServers,
  hasHaproxy,
  NGINX_RECIPE,
  nginxStreamModule,
  startHaproxy,
  startNginx,
} from "./_balancers.ts";

const LAB = labUnavailable();
const NGINX = LAB ??
  (nginxStreamModule() === null
    ? "needs nginx with its stream module (libnginx-mod-stream)"
    : null);
const HAPROXY = LAB ?? (hasHaproxy() ? null : "needs haproxy");

/** Bounded waits: HAProxy checks every 2 s and needs 2 results to change a state. */
const STATE_TIMEOUT_MS = 20_000;

/** One Roughtime long-term key every backend serves with (a balancer picks any of them). */
interface SharedKey {
  /** The directory holding it. */
  readonly dir: string;
  /** The key file. */
  readonly path: string;
  /** Its public key, base64. */
  readonly publicKey: string;
}

function backendFlags(
  lab: Lab,
  index: number,
  sync: "always" | "kernel",
  key: SharedKey | null,
): string[] {
  return [
    ...["--session", ":1200", "--daytime", ":13", "--time", ":37", "--ntp", ":123"],
    ...(key === null ? [] : ["--roughtime", ":2002", "--roughtime-key", key.path]),
    ...["--http", ":8080", "--workers", "1", "--ntp-sync", sync],
    ...["--ntp-refid", `B${index + 1}`, "--tz", `+0${index + 1}:00`],
    ...["--proxy-protocol", `${lab.balancer.address}/32`],
    ...["--service", `daytime.deny=${lab.clients[0].address}/32`],
  ];
}

/** Starts one backend per entry of `syncs`, each in its namespace, owned by `stack`. */
async function startBackends(
  stack: AsyncDisposableStack,
  lab: Lab,
  syncs: readonly ("always" | "kernel")[],
  key: SharedKey | null = null,
): Promise<Clockd[]> {
  const permissions = key === null ? undefined : startFlagsReading(key.dir);
  const started = await Promise.allSettled(
    syncs.map((sync, i) =>
      startClockd(backendFlags(lab, i, sync, key), { wrap: lab.backends[i].wrap, permissions })
    ),
  );
  for (const result of started) if (result.status === "fulfilled") stack.use(result.value);
  const failed = started.find((result) => result.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  return started.map((result) => (result as PromiseFulfilledResult<Clockd>).value);
}

/** Writes one Roughtime key into `dir` for every backend to serve with. */
async function sharedKey(dir: string): Promise<SharedKey> {
  const path = `${dir}/roughtime.key`;
  return { dir, path, publicKey: await writeRoughtimeSeedFile(path) };
}

/** The backend (1, 2, 3) whose zone an `rfc3339` answer is in; null for none. */
function backendOf(answer: string | null): number | null {
  const match = answer?.match(/\+0([1-9]):00$/);
  return match ? Number(match[1]) : null;
}

function urls(lab: Lab) {
  const at = lab.balancer.clientSide;
  return {
    session: (request: string) => `session://${at}:1200/${request}`,
    sessionUdp: (request: string) => `session+udp://${at}:1200/${request}`,
    daytime: `daytime://${at}:13`,
    daytimeUdp: `daytime+udp://${at}:13`,
    time: `time://${at}:37`,
    timeUdp: `time+udp://${at}:37`,
    ntp: `ntp://${at}:123`,
    roughtime: (key: string) => `roughtime://${at}:2002?key=${encodeURIComponent(key)}`,
    roughtimeTcp: (key: string) => `roughtime+tcp://${at}:2002?key=${encodeURIComponent(key)}`,
    healthz: `http://${at}/healthz`,
  };
}

/** Asks from a client's namespace, the first client's unless named. */
function fromClient(
  lab: Lab,
  probes: Probe[],
  client: LabHost = lab.client,
): Promise<ProbeResult[]> {
  return runProbes(client.wrap, probes);
}

/** `count` session connections asking `rfc3339`: the backends that answered, in order. */
async function sessionBackends(lab: Lab, count: number): Promise<(number | null)[]> {
  const probes = Array.from({ length: count }, () => ({ url: urls(lab).session("rfc3339") }));
  const results = await fromClient(lab, probes);
  return results.map((result) => backendOf(result.answer));
}

/** The answer of a probe that must have been answered. */
function answered(result: ProbeResult): string {
  assert.ok(result.failure === null && result.answer, `${result.url}: ${result.failure}`);
  return result.answer;
}

const DAYTIME = /^[A-Z][a-z]+day, [A-Z][a-z]+ \d{1,2}, \d{4} \d\d:\d\d:\d\d/;

/** Daytime refuses client 1 by its address behind the balancer, and serves client 2. */
async function checkDenyReachesBackends(lab: Lab): Promise<void> {
  const [refused, session] = await fromClient(lab, [
    { url: urls(lab).daytime },
    { url: urls(lab).session("rfc3339") },
  ]);
  assert.ok(!refused.answer && refused.failure !== null, `daytime answered: ${refused.answer}`);
  assert.ok(backendOf(answered(session)) !== null, session.answer ?? "");
  const [served] = await fromClient(lab, [{ url: urls(lab).daytime }], lab.clients[1]);
  assert.match(answered(served), DAYTIME);
}

Deno.test({
  name:
    `deploy/nginx/clockd-stream.conf balances TCP and UDP over 3 backends and survives losing one${
      NGINX === null ? "" : ` (ignored: ${NGINX})`
    }`,
  ignore: NGINX !== null,
  async fn(t) {
    await using lab = await createLab(3, 2);
    await using stack = new AsyncDisposableStack();
    const dir = await Deno.makeTempDir({ prefix: "clockd-nginx-" });
    stack.defer(() => Deno.remove(dir, { recursive: true }));
    const key = await sharedKey(dir);
    const backends = await startBackends(stack, lab, ["always", "always", "always"], key);
    const addresses = lab.backends.map((b) => b.address);
    const stream = adaptRecipe(await Deno.readTextFile(NGINX_RECIPE), addresses);
    stack.use(await startNginx(lab.balancer.wrap, dir, stream));
    const url = urls(lab);
    let ntpBackend = 0;

    await t.step("session, time and HTTP over TCP reach every backend", async () => {
      assert.deepEqual(new Set(await sessionBackends(lab, 6)), new Set([1, 2, 3]));
      const [status, time, health] = await fromClient(lab, [
        { url: url.session("status") },
        { url: url.time },
        { url: url.healthz },
      ]);
      assert.match(answered(status), /^OK synchronised=yes stratum=10 /);
      assert.match(answered(time), /^\d+ \(\d{4}-/);
      assert.equal(answered(health), "200 ok");
    });

    await t.step("--deny of client 1 on the backends refuses it through nginx", async () => {
      await checkDenyReachesBackends(lab);
    });

    await t.step("session, daytime, time and NTP over UDP are answered", async () => {
      const [session, daytime, time, ntp] = await fromClient(lab, [
        { url: url.sessionUdp("timestamp") },
        { url: url.daytimeUdp },
        { url: url.timeUdp },
        { url: url.ntp },
      ]);
      assert.match(answered(session), /^\d{10}$/);
      // UDP carries no PROXY header: the backends see nginx, not client 1, and answer.
      assert.match(answered(daytime), DAYTIME);
      assert.match(answered(time), /^\d+ \(\d{4}-/);
      assert.equal(ntp.synchronised, true, `${ntp.url}: ${ntp.failure ?? ntp.answer}`);
      assert.match(ntp.refid ?? "", /^B[123]$/);
      ntpBackend = Number(ntp.refid?.slice(1));
    });

    await t.step("Roughtime over UDP and TCP verifies against the backends' one key", async () => {
      const [udp, tcp] = await fromClient(lab, [
        { url: url.roughtime(key.publicKey), attempts: 2 },
        { url: url.roughtimeTcp(key.publicKey), attempts: 2 },
      ]);
      // clockd's client verifies the whole chain before it gives an answer.
      assert.match(answered(udp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ± \d+ s/);
      assert.match(answered(tcp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ± \d+ s/);
      const [wrongKey] = await fromClient(lab, [{ url: url.roughtime(btoa("x".repeat(32))) }]);
      assert.equal(wrongKey.answer, null, "an answer verified against another key");
    });

    await t.step("with the NTP client's backend stopped, every service still answers", async () => {
      assert.ok(ntpBackend >= 1, "the NTP step did not name a backend");
      await backends[ntpBackend - 1].stop();
      const after = await fromClient(lab, [
        { url: url.ntp, attempts: 3 },
        { url: url.sessionUdp("timestamp"), attempts: 3 },
        { url: url.daytimeUdp, attempts: 3 },
        { url: url.time },
      ]);
      for (const result of after) answered(result);
      assert.equal(after[0].synchronised, true);
      assert.notEqual(after[0].refid, `B${ntpBackend}`);
      const served = await sessionBackends(lab, 6);
      assert.ok(served.every((b) => b !== null && b !== ntpBackend), `served by ${served}`);
      const [daytime] = await fromClient(lab, [{ url: url.daytime }], lab.clients[1]);
      assert.match(answered(daytime), DAYTIME);
    });
    assert.doesNotMatch(await Deno.readTextFile(`${dir}/error.log`), /\[(emerg|alert|crit)\]/);
  },
});

/** Waits until HAProxy reports `want` for every `backend/server` named, or throws. */
async function waitForStates(socket: string, want: Record<string, string>): Promise<void> {
  const deadline = Date.now() + STATE_TIMEOUT_MS;
  let states = new Map<string, string>();
  while (Date.now() < deadline) {
    states = await haproxyServers(socket);
    if (Object.entries(want).every(([name, state]) => states.get(name) === state)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.fail(`HAProxy's servers: ${JSON.stringify(Object.fromEntries(states))}`);
}

/** The state of each server in every backend of the recipe. */
function everywhere(states: Record<string, string>): Record<string, string> {
  const backends = ["clockd_session", "clockd_daytime", "clockd_time", "clockd_http"];
  return Object.fromEntries(
    backends.flatMap((backend) =>
      Object.entries(states).map(([server, state]) => [`${backend}/${server}`, state])
    ),
  );
}

Deno.test({
  name: `deploy/haproxy/haproxy.cfg takes an unsynchronised and a stopped backend out${
    HAPROXY === null ? "" : ` (ignored: ${HAPROXY})`
  }`,
  ignore: HAPROXY !== null,
  async fn(t) {
    await using lab = await createLab(3, 2);
    await using stack = new AsyncDisposableStack();
    const dir = await Deno.makeTempDir({ prefix: "clockd-haproxy-" });
    stack.defer(() => Deno.remove(dir, { recursive: true }));
    // Backend 3 follows the kernel clock: unsynchronised on a host no NTP daemon disciplines.
    const backends = await startBackends(stack, lab, ["always", "always", "kernel"]);
    // Asked over its own loopback: from the balancer's address it would expect a PROXY header.
    const [own] = await runProbes(lab.backends[2].wrap, [{
      url: "session://127.0.0.1:1200/status",
    }]);
    const hostSynchronised = answered(own).startsWith("OK synchronised=yes");
    const addresses = lab.backends.map((b) => b.address);
    const config = adaptRecipe(await Deno.readTextFile(HAPROXY_RECIPE), addresses);
    const haproxy = stack.use(await startHaproxy(lab.balancer.wrap, dir, config));
    const socket = `${dir}/haproxy.sock`;
    const url = urls(lab);

    await t.step({
      name: `the checks ("status", /healthz) take the unsynchronised backend out${
        hostSynchronised ? " (ignored: this host's clock is synchronised)" : ""
      }`,
      ignore: hostSynchronised,
      async fn() {
        await waitForStates(socket, everywhere({ b1: "UP", b2: "UP", b3: "DOWN" }));
        const served = await sessionBackends(lab, 6);
        assert.deepEqual(new Set(served), new Set([1, 2]));
        const statuses = await fromClient(
          lab,
          [1, 2, 3].map(() => ({ url: url.session("status") })),
        );
        for (const status of statuses) assert.match(answered(status), /^OK synchronised=yes /);
      },
    });

    await t.step("session, time and HTTP are answered through HAProxy", async () => {
      if (hostSynchronised) {
        await waitForStates(socket, everywhere({ b1: "UP", b2: "UP", b3: "UP" }));
      }
      const [session, time, health] = await fromClient(lab, [
        { url: url.session("rfc3339") },
        { url: url.time },
        { url: url.healthz },
      ]);
      assert.ok(backendOf(answered(session)) !== null, session.answer ?? "");
      assert.match(answered(time), /^\d+ \(\d{4}-/);
      assert.equal(answered(health), "200 ok");
    });

    await t.step("--deny of client 1 on the backends refuses it through HAProxy", async () => {
      await checkDenyReachesBackends(lab);
    });

    await t.step("with backend 1 stopped, sessions go on and its checks fail", async () => {
      await backends[0].stop();
      const served = await sessionBackends(lab, 4);
      const expected = hostSynchronised ? [2, 3] : [2];
      assert.ok(served.every((b) => b !== null && expected.includes(b)), `served by ${served}`);
      const [time] = await fromClient(lab, [{ url: url.time }]);
      answered(time);
      await waitForStates(socket, everywhere({ b1: "DOWN" }));
    });
    assert.doesNotMatch(haproxy.output(), /\[ALERT\]/);
  },
});

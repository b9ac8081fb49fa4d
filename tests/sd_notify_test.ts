import assert from "node:assert/strict";
import {
  encodeAddress,
  MAX_STATUS_CHARS,
  SdNotify,
  type SdNotifyEnv,
  watchdogInterval,
} from "../src/ops/sd_notify.ts";
import { LIBC_CANDIDATES } from "../src/time/kernel_clock.ts";

const isLinux = Deno.build.os === "linux";
const ENOENT = 2;
const ECONNREFUSED = 111;

function env(vars: Record<string, string>): SdNotifyEnv {
  return { get: (name) => vars[name] };
}

/** A fake service manager: a bound unix datagram socket collecting what arrives. */
interface FakeNotifySocket extends AsyncDisposable {
  /** The NOTIFY_SOCKET value pointing at it. */
  readonly address: string;
  /** The next datagram as text, or null after `timeoutMs`. */
  next(timeoutMs?: number): Promise<string | null>;
  /** Every datagram that arrives within `ms`. */
  collect(ms: number): Promise<string[]>;
}

/** Binds a path socket with Deno's own unix datagram support (`unixpacket`). */
async function pathSocket(): Promise<FakeNotifySocket> {
  const dir = await Deno.makeTempDir({ prefix: "clockd-notify-" });
  const path = `${dir}/notify`;
  const conn = Deno.listenDatagram({ transport: "unixpacket", path });
  const queue: string[] = [];
  const decoder = new TextDecoder();
  const loop = (async () => {
    try {
      while (true) queue.push(decoder.decode((await conn.receive())[0]));
    } catch {
      // closed
    }
  })();
  return {
    address: path,
    next: (timeoutMs = 2000) => nextFrom(queue, timeoutMs),
    collect: (ms) => collectFrom(queue, ms),
    async [Symbol.asyncDispose]() {
      conn.close();
      await loop;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const RECEIVER_SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

/** Binds an abstract socket through libc (Deno's own API cannot), polled without blocking. */
function abstractSocket(): FakeNotifySocket {
  const libc = Deno.dlopen(libcPath(), RECEIVER_SYMBOLS);
  const name = `@clockd-test-${Deno.pid}-${crypto.randomUUID()}`;
  const fd = libc.symbols.socket(1, 2 | 0o4000 | 0o2000000, 0); // AF_UNIX, SOCK_DGRAM|NONBLOCK|CLOEXEC
  assert.ok(fd >= 0, "socket()");
  const address = encodeAddress(name);
  assert.ok(address instanceof Uint8Array);
  assert.equal(libc.symbols.bind(fd, address, address.length), 0, "bind()");
  const queue: string[] = [];
  const buffer = new Uint8Array(4096);
  const decoder = new TextDecoder();
  const timer = setInterval(() => {
    while (true) {
      const count = Number(libc.symbols.recv(fd, buffer, BigInt(buffer.length), 0x40)); // MSG_DONTWAIT
      if (count < 0) return;
      queue.push(decoder.decode(buffer.subarray(0, count)));
    }
  }, 5);
  return {
    address: name,
    next: (timeoutMs = 2000) => nextFrom(queue, timeoutMs),
    collect: (ms) => collectFrom(queue, ms),
    [Symbol.asyncDispose]() {
      clearInterval(timer);
      libc.symbols.close(fd);
      libc.close();
      return Promise.resolve();
    },
  };
}

async function nextFrom(queue: string[], timeoutMs: number): Promise<string | null> {
  const deadline = performance.now() + timeoutMs;
  while (queue.length === 0) {
    if (performance.now() > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return queue.shift()!;
}

async function collectFrom(queue: string[], ms: number): Promise<string[]> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return queue.splice(0);
}

function libcPath(): string {
  for (const path of LIBC_CANDIDATES[Deno.build.arch] ?? []) {
    try {
      if (path.startsWith("/") && Deno.statSync(path).isFile) return path;
    } catch {
      // not here
    }
  }
  throw new Error("no libc found");
}

Deno.test("SdNotify.fromEnv() returns null without NOTIFY_SOCKET", () => {
  assert.equal(SdNotify.fromEnv(env({})), null);
  assert.equal(SdNotify.fromEnv(env({ NOTIFY_SOCKET: "" })), null);
  assert.equal(SdNotify.fromEnv(env({ WATCHDOG_USEC: "1000000" })), null);
});

Deno.test("SdNotify.fromEnv() treats an env it may not read as unset", () => {
  const denied: SdNotifyEnv = {
    get(name) {
      throw new Deno.errors.NotCapable(`Requires env access to "${name}"`);
    },
  };
  assert.equal(SdNotify.fromEnv(denied), null);
});

Deno.test("SdNotify.fromEnv() rejects addresses sd_notify does not take, without throwing", () => {
  for (const socket of ["relative/notify", "vsock:2:1234", "@", `/${"x".repeat(107)}`]) {
    using notify = SdNotify.fromEnv(env({ NOTIFY_SOCKET: socket }))!;
    assert.notEqual(notify, null);
    assert.match(notify.error!, /^Unsupported NOTIFY_SOCKET/, socket);
    assert.equal(notify.ready(), false);
    assert.equal(notify.startWatchdog(), false);
  }
});

Deno.test("watchdogInterval() halves WATCHDOG_USEC and honours WATCHDOG_PID", () => {
  const interval = (usec?: string, pid?: string) =>
    watchdogInterval(
      env({
        ...(usec === undefined ? {} : { WATCHDOG_USEC: usec }),
        ...(pid === undefined ? {} : { WATCHDOG_PID: pid }),
      }),
      42,
    );
  assert.equal(interval("100000"), 50);
  assert.equal(interval("30000000", "42"), 15_000);
  assert.equal(interval("30000000", ""), 15_000);
  assert.equal(interval("30000000", "43"), null);
  assert.equal(interval("30000000", "x"), null);
  assert.equal(interval("1"), 1);
  for (const bad of [undefined, "", "0", "-5", "1e6", "10s", " 100", "99999999999999999999"]) {
    assert.equal(interval(bad), null, String(bad));
  }
  const notify = SdNotify.fromEnv(
    env({ NOTIFY_SOCKET: "@x", WATCHDOG_USEC: "2000000", WATCHDOG_PID: "7" }),
    { pid: 7 },
  );
  assert.equal(notify?.watchdogIntervalMs, 1000);
  notify?.close();
  const other = SdNotify.fromEnv(
    env({ NOTIFY_SOCKET: "@x", WATCHDOG_USEC: "2000000", WATCHDOG_PID: "8" }),
    { pid: 7 },
  );
  assert.equal(other?.watchdogIntervalMs, null);
  assert.equal(other?.startWatchdog(), false);
  other?.close();
});

Deno.test("encodeAddress() builds sockaddr_un for paths and abstract names", () => {
  const path = encodeAddress("/run/systemd/notify");
  assert.ok(path instanceof Uint8Array);
  assert.equal(path.length, 2 + "/run/systemd/notify".length + 1);
  assert.deepEqual([...path.subarray(0, 3)], [1, 0, "/".charCodeAt(0)]);
  assert.equal(path[path.length - 1], 0);
  const abstract = encodeAddress("@/org/freedesktop/systemd1/notify");
  assert.ok(abstract instanceof Uint8Array);
  assert.equal(abstract.length, 2 + 1 + "/org/freedesktop/systemd1/notify".length);
  assert.equal(abstract[2], 0);
  assert.equal(new TextDecoder().decode(abstract.subarray(3)), "/org/freedesktop/systemd1/notify");
  assert.equal(typeof encodeAddress(`/${"x".repeat(106)}`), "object");
  assert.equal(typeof encodeAddress(`@${"x".repeat(107)}`), "object");
  assert.equal(typeof encodeAddress(`@${"x".repeat(108)}`), "string");
  assert.equal(typeof encodeAddress("/a\0b"), "string");
});

for (const [kind, open] of [["a path", pathSocket], ["an abstract", abstractSocket]] as const) {
  Deno.test({
    name: `SdNotify sends READY, STATUS, STOPPING and WATCHDOG to ${kind} socket`,
    ignore: !isLinux,
    async fn() {
      await using manager = await open();
      using notify = SdNotify.fromEnv(env({ NOTIFY_SOCKET: manager.address }))!;
      assert.equal(notify.error, null);
      assert.equal(notify.ready(), true);
      assert.equal(await manager.next(), "READY=1");
      assert.equal(notify.ready("serving 4 listeners"), true);
      assert.equal(await manager.next(), "READY=1\nSTATUS=serving 4 listeners");
      assert.equal(notify.status("line one\r\nline two\n"), true);
      assert.equal(await manager.next(), "STATUS=line one line two ");
      assert.equal(notify.status("é".repeat(MAX_STATUS_CHARS + 10)), true);
      assert.equal(await manager.next(), `STATUS=${"é".repeat(MAX_STATUS_CHARS)}`);
      assert.equal(notify.watchdog(), true);
      assert.equal(await manager.next(), "WATCHDOG=1");
      assert.equal(notify.stopping(), true);
      assert.equal(await manager.next(), "STOPPING=1");
      assert.equal(notify.stopping("bye"), true);
      assert.equal(await manager.next(), "STOPPING=1\nSTATUS=bye");
      assert.equal(notify.notify("EXTEND_TIMEOUT_USEC=5000000"), true);
      assert.equal(await manager.next(), "EXTEND_TIMEOUT_USEC=5000000");
      assert.equal(notify.notify(""), false);
      assert.equal(notify.notify("X".repeat(5000)), false);
      assert.equal(notify.lastErrno, 0);
    },
  });

  Deno.test({
    name: `SdNotify.startWatchdog() pings ${kind} socket at half WATCHDOG_USEC`,
    ignore: !isLinux,
    async fn() {
      await using manager = await open();
      using notify = SdNotify.fromEnv(
        env({ NOTIFY_SOCKET: manager.address, WATCHDOG_USEC: "100000" }),
      )!;
      assert.equal(notify.watchdogIntervalMs, 50);
      const started = performance.now();
      assert.equal(notify.startWatchdog(), true);
      assert.equal(notify.startWatchdog(), true, "idempotent");
      // The first ping goes at once, then one every 50 ms: at least 2 within a generous 2 s.
      assert.equal(await manager.next(), "WATCHDOG=1");
      assert.equal(await manager.next(), "WATCHDOG=1");
      assert.ok(performance.now() - started < 2000);
      notify.stopWatchdog();
      await manager.collect(20); // a ping may have been in flight
      assert.deepEqual(await manager.collect(200), [], "no pings after stopWatchdog()");
    },
  });
}

Deno.test({
  name: "SdNotify returns false and keeps errno when nobody listens, and after close()",
  ignore: !isLinux,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      using missing = SdNotify.fromEnv(env({ NOTIFY_SOCKET: `${dir}/none` }))!;
      assert.equal(missing.error, null);
      assert.equal(missing.ready(), false);
      assert.equal(missing.lastErrno, ENOENT);
      using unbound = SdNotify.fromEnv(
        env({ NOTIFY_SOCKET: `@clockd-none-${crypto.randomUUID()}` }),
      )!;
      assert.equal(unbound.watchdog(), false);
      assert.equal(unbound.lastErrno, ECONNREFUSED);
      await using manager = await pathSocket();
      const notify = SdNotify.fromEnv(env({ NOTIFY_SOCKET: manager.address }))!;
      assert.equal(notify.ready(), true);
      notify.close();
      notify.close();
      assert.equal(notify.ready(), false);
      assert.equal(notify.startWatchdog(), false);
      assert.deepEqual(await manager.collect(50), ["READY=1"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "SdNotify works with only --allow-env and --allow-ffi scoped to libc",
  ignore: !isLinux,
  async fn() {
    await using manager = await abstractSocket();
    const dir = await Deno.makeTempDir();
    try {
      const script = `${dir}/notify.ts`;
      const module = new URL("../src/ops/sd_notify.ts", import.meta.url).href;
      await Deno.writeTextFile(
        script,
        `import { SdNotify } from ${JSON.stringify(module)};
const notify = SdNotify.fromEnv();
if (notify === null || notify.error !== null) throw new Error(String(notify?.error));
notify.ready("child " + Deno.pid);
notify.startWatchdog();
await new Promise((resolve) => setTimeout(resolve, 300));
notify.stopping();
notify.close();
`,
      );
      const libc = libcPath();
      const { code, stderr } = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--quiet",
          "--no-lock",
          "--allow-env=NOTIFY_SOCKET,WATCHDOG_USEC,WATCHDOG_PID",
          `--allow-ffi=${libc}`,
          `--allow-read=${dir}`,
          script,
        ],
        env: { NOTIFY_SOCKET: manager.address, WATCHDOG_USEC: "100000" },
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.equal(code, 0, new TextDecoder().decode(stderr));
      const messages = await manager.collect(100);
      assert.match(messages[0], /^READY=1\nSTATUS=child \d+$/);
      assert.equal(messages.at(-1), "STOPPING=1");
      const pings = messages.filter((message) => message === "WATCHDOG=1").length;
      assert.ok(pings >= 2, `expected at least 2 pings in 300 ms, got ${pings}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

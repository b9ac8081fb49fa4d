/**
 * The session protocol against the real clockd process on loopback, port 0.
 */

import { match, ok, strictEqual } from "node:assert/strict";
import { FORMATS } from "../src/time/formats.ts";
import { engineTest, hasProgram, LineClient, startClockd, udpAsk } from "./_clockd.ts";

const decoder = new TextDecoder();
const nowSeconds = () => Date.now() / 1000;

/** Asserts `answer` is Unix seconds within 2 s of the test's clock. */
function assertUnixNow(answer: string): void {
  match(answer, /^\d+$/);
  ok(Math.abs(Number(answer) - nowSeconds()) < 2, `${answer} is not now`);
}

engineTest({
  name: "session: timestamp with LF, CRLF and no newline",
  async fn() {
    await using server = await startClockd(["--session", "127.0.0.1:0"]);
    const port = server.port("session", "tcp");
    using client = await LineClient.connect(port);

    await client.send("timestamp\n");
    const lf = await client.readLine();
    match(lf!, /^\d+\n$/);
    assertUnixNow(lf!.trimEnd());

    await client.send("TIMESTAMP\r\n");
    const crlf = await client.readLine();
    match(crlf!, /^\d+\r\n$/);

    // As clients of the original Go server do: no newline, then wait.
    await client.send("timestamp");
    const bare = await client.readLine();
    match(bare!, /^\d+\n$/);
    assertUnixNow(bare!.trimEnd());
  },
});

engineTest({
  name: "session: a request with no newline is answered at half-close",
  async fn() {
    await using server = await startClockd([
      "--session",
      "127.0.0.1:0/tcp",
      "--partial-wait",
      "0",
    ]);
    using client = await LineClient.connect(server.port("session", "tcp"));
    await client.send("unix");
    await client.conn.closeWrite();
    const answer = await client.readLine();
    match(answer!, /^\d+\n$/);
    strictEqual(await client.readLine(), null);
  },
});

engineTest({
  name: "session: the default answer is Go's time.Now().String()",
  async fn() {
    await using server = await startClockd(["--session", "127.0.0.1:0/tcp"]);
    using client = await LineClient.connect(server.port("session", "tcp"));
    const answer = await client.ask("");
    match(answer, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,9})? \+0000 UTC m=\+\d+\.\d{9}$/);
    // Anything unrecognised gets the same format, as the original server does.
    match(await client.ask("what time is it?"), / \+0000 UTC m=\+/);
  },
});

engineTest({
  name: "session: every format is served",
  async fn() {
    await using server = await startClockd(["--session", "127.0.0.1:0/tcp"]);
    using client = await LineClient.connect(server.port("session", "tcp"));
    const listed = (await client.ask("formats")).split(" ");
    strictEqual(listed[0], "OK");
    for (const format of FORMATS) {
      ok(listed.includes(format.name), `formats lists ${format.name}`);
      const answer = await client.ask(format.name);
      ok(answer.length > 0 && !answer.startsWith("ERR"), `${format.name}: ${answer}`);
      const fields = await client.ask(`${format.name.toUpperCase()} utc`);
      ok(!fields.startsWith("ERR"), `${format.name} UTC: ${fields}`);
    }
    assertUnixNow(await client.ask("unix"));
    match(await client.ask("rfc3339"), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const json = JSON.parse(await client.ask("json"));
    ok(Math.abs(Number(json.unix) - nowSeconds()) < 2);
  },
});

engineTest({
  name: "session: zones per request, and unknown zones",
  async fn() {
    await using server = await startClockd(["--session", "127.0.0.1:0/tcp"]);
    using client = await LineClient.connect(server.port("session", "tcp"));
    match(await client.ask("rfc3339 Asia/Kolkata"), /\+05:30$/);
    match(await client.ask("rfc3339 +02:00"), /\+02:00$/);
    match(await client.ask("rfc3339 utc"), /Z$/);
    strictEqual(
      await client.ask("rfc3339 Mars/Olympus_Mons"),
      'ERR unknown time zone "Mars/Olympus_Mons"',
    );
    // Bytes outside printable ASCII come back escaped, one \xhh per byte sent.
    strictEqual(
      await client.ask("rfc3339 Caf\u00e9\u001b[2J"),
      'ERR unknown time zone "Caf\\xc3\\xa9\\x1b[2J"',
    );
    // The session survives the error.
    assertUnixNow(await client.ask("timestamp"));
  },
});

engineTest({
  name: "session: format and tz set the session's defaults",
  async fn() {
    await using server = await startClockd(["--session", "127.0.0.1:0/tcp"]);
    using client = await LineClient.connect(server.port("session", "tcp"));
    strictEqual(await client.ask("format rfc3339"), "OK format rfc3339");
    match(await client.ask(""), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    strictEqual(await client.ask("tz Asia/Kolkata"), "OK tz Asia/Kolkata");
    match(await client.ask(""), /\+05:30$/);
    match(await client.ask("anything"), /\+05:30$/);
    strictEqual(await client.ask("format nope"), 'ERR unknown format "nope"');
    strictEqual(await client.ask("tz Nowhere/Land"), 'ERR unknown time zone "Nowhere/Land"');
    // A second session starts from the server's defaults.
    using other = await LineClient.connect(server.port("session", "tcp"));
    match(await other.ask(""), / UTC m=\+/);
  },
});

engineTest({
  name: "session: --default-format and --tz set the server's defaults",
  async fn() {
    await using server = await startClockd([
      "--session",
      "127.0.0.1:0/tcp",
      "--default-format",
      "rfc3339",
      "--tz",
      "+05:30",
    ]);
    using client = await LineClient.connect(server.port("session", "tcp"));
    match(await client.ask(""), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30$/);
  },
});

engineTest({
  name: "session: help, pipelining, quit",
  async fn() {
    await using server = await startClockd(["--session", "127.0.0.1:0/tcp"]);
    using client = await LineClient.connect(server.port("session", "tcp"));
    match(await client.ask("help"), /^OK requests: /);
    await client.send("unix\r\nrfc3339\nformat unix\n\nquit\nunix\n");
    match((await client.readLine())!, /^\d+\r\n$/);
    match((await client.readLine())!, /^\d{4}-.*Z\n$/);
    strictEqual(await client.readLine(), "OK format unix\n");
    match((await client.readLine())!, /^\d+\n$/);
    strictEqual(await client.readLine(), "BYE\n");
    // Nothing after quit is answered; the server closes.
    ok(await client.closedByServer());
  },
});

engineTest({
  name: "session: the 128-byte cap, both sides of the boundary",
  async fn() {
    await using server = await startClockd(["--session", "127.0.0.1:0/tcp"]);
    const port = server.port("session", "tcp");
    using fits = await LineClient.connect(port);
    match(await fits.ask("x".repeat(127)), / UTC m=\+/);
    using crlfFits = await LineClient.connect(port);
    await crlfFits.send("x".repeat(126) + "\r\n");
    match((await crlfFits.readLine())!, / UTC m=\+.*\r\n$/);

    using tooLong = await LineClient.connect(port);
    await tooLong.send("x".repeat(128) + "\n");
    strictEqual(await tooLong.readLine(), "ERR request too long (max 128 bytes)\n");
    ok(await tooLong.closedByServer());

    using noNewline = await LineClient.connect(port);
    await noNewline.send("y".repeat(1000));
    strictEqual(await noNewline.readLine(), "ERR request too long (max 128 bytes)\n");
    ok(await noNewline.closedByServer());
  },
});

engineTest({
  name: "session: an idle session is closed at --idle-timeout",
  async fn() {
    await using server = await startClockd([
      "--session",
      "127.0.0.1:0/tcp",
      "--idle-timeout",
      "400ms",
    ]);
    using client = await LineClient.connect(server.port("session", "tcp"));
    const started = performance.now();
    assertUnixNow(await client.ask("timestamp"));
    ok(await client.closedByServer(5000));
    const elapsed = performance.now() - started;
    ok(elapsed >= 350, `closed after ${elapsed} ms, before the timeout`);
  },
});

engineTest({
  name: "session: complete requests extend the idle deadline",
  async fn() {
    await using server = await startClockd([
      "--session",
      "127.0.0.1:0/tcp",
      "--idle-timeout",
      "600ms",
    ]);
    using client = await LineClient.connect(server.port("session", "tcp"));
    for (let i = 0; i < 6; i++) {
      assertUnixNow(await client.ask("timestamp"));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // 1.2 s of activity outlived a 600 ms timeout; now silence closes it.
    ok(await client.closedByServer(5000));
  },
});

for (const partialWait of ["0", "50ms"]) {
  engineTest({
    name: `session: trickled bytes do not extend the idle deadline (--partial-wait ${partialWait})`,
    async fn() {
      await using server = await startClockd([
        "--session",
        "127.0.0.1:0/tcp",
        "--idle-timeout",
        "500ms",
        "--partial-wait",
        partialWait,
      ]);
      using client = await LineClient.connect(server.port("session", "tcp"));
      const started = performance.now();
      let closed = false;
      const reader = (async () => {
        while ((await client.readLine(5000)) !== null) { /* answers to partial requests */ }
        closed = true;
      })();
      for (let i = 0; i < 30 && !closed; i++) {
        try {
          await client.send("x");
        } catch {
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await reader;
      const elapsed = performance.now() - started;
      ok(closed, "the server closed the session");
      ok(elapsed < 2500, `trickling kept the session open for ${elapsed} ms`);
    },
  });
}

engineTest({
  name: "session: --max-sessions-per-ip refuses the next session with ERR busy",
  async fn() {
    await using server = await startClockd([
      "--session",
      "127.0.0.1:0/tcp",
      "--max-sessions-per-ip",
      "2",
    ]);
    const port = server.port("session", "tcp");
    using first = await LineClient.connect(port);
    using second = await LineClient.connect(port);
    assertUnixNow(await first.ask("timestamp"));
    assertUnixNow(await second.ask("timestamp"));
    using third = await LineClient.connect(port);
    strictEqual(await third.readLine(), "ERR busy\n");
    ok(await third.closedByServer());
    first[Symbol.dispose]();
    // A slot frees once a session ends.
    let answered = false;
    for (let i = 0; i < 50 && !answered; i++) {
      using retry = await LineClient.connect(port);
      const line = await retry.ask("timestamp");
      answered = line !== "ERR busy";
      if (!answered) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    ok(answered, "a new session was admitted after one closed");
  },
});

engineTest({
  name: "session: --max-sessions refuses sessions past the total",
  async fn() {
    await using server = await startClockd(["--session", "127.0.0.1:0/tcp", "--max-sessions", "1"]);
    const port = server.port("session", "tcp");
    using first = await LineClient.connect(port);
    assertUnixNow(await first.ask("timestamp"));
    using second = await LineClient.connect(port);
    strictEqual(await second.readLine(), "ERR busy\n");
  },
});

Deno.test("session over UDP: requests, stateless commands, oversized and binary datagrams", async () => {
  await using server = await startClockd(["--session", "127.0.0.1:0"]);
  const port = server.port("session", "udp");
  strictEqual(server.port("session", "tcp"), port, "TCP and UDP share one port");
  const ask = async (payload: string | Uint8Array) => {
    const answer = await udpAsk(port, payload);
    return answer === null ? null : decoder.decode(answer);
  };
  const timestamp = await ask("timestamp");
  match(timestamp!, /^\d+\n$/);
  assertUnixNow(timestamp!.trim());
  match((await ask("timestamp\r\n"))!, /^\d+\r\n$/);
  match((await ask("rfc3339 Asia/Kolkata\n"))!, /\+05:30\n$/);
  match((await ask(""))!, / UTC m=\+/);
  strictEqual(await ask("format unix"), "ERR format needs a TCP session\n");
  strictEqual(await ask("tz UTC"), "ERR tz needs a TCP session\n");
  strictEqual(
    await ask("rfc3339 Mars/Olympus_Mons\u00e9\n"),
    'ERR unknown time zone "Mars/Olympus_Mons\\xc3\\xa9"\n',
  );
  match((await ask("z".repeat(128)))!, / UTC m=\+/, "128 bytes is within the cap");
  strictEqual(await ask("z".repeat(129)), null, "129 bytes is dropped");
  match((await ask(new Uint8Array([0, 255, 1, 128, 10, 13])))!, / UTC m=\+/);
  // Still serving after all that.
  match((await ask("unix"))!, /^\d+\n$/);
});

engineTest({
  name: "session: SIGTERM says goodbye to open sessions and exits 0",
  async fn() {
    const server = await startClockd(["--session", "127.0.0.1:0/tcp"]);
    using client = await LineClient.connect(server.port("session", "tcp"));
    assertUnixNow(await client.ask("timestamp"));
    const status = server.stop("SIGTERM");
    strictEqual(await client.readLine(), "BYE shutting down\n");
    ok(await client.closedByServer());
    strictEqual((await status).code, 0);
    match(server.stderr(), /SIGTERM: shutting down/);
  },
});

engineTest({
  name: "session: SIGINT exits 0 too",
  async fn() {
    const server = await startClockd(["--session", "127.0.0.1:0"]);
    strictEqual((await server.stop("SIGINT")).code, 0);
  },
});

engineTest({
  name: "session: random bytes into live sessions never stop the server",
  async fn() {
    await using server = await startClockd([
      "--session",
      "127.0.0.1:0",
      "--udp-rate",
      "off",
      "--tcp-rate",
      "off",
    ]);
    const tcp = server.port("session", "tcp");
    const udp = server.port("session", "udp");
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 40; round++) {
      const bytes = new Uint8Array(1 + Math.floor(random() * 300));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
      using client = await LineClient.connect(tcp);
      try {
        await client.send(bytes);
        await client.conn.closeWrite();
        while ((await client.readLine(2000)) !== null) { /* whatever it answers */ }
      } catch { /* the server may close first */ }
      await udpAsk(udp, bytes.subarray(0, Math.floor(random() * 200)), 100);
    }
    using client = await LineClient.connect(tcp);
    assertUnixNow(await client.ask("timestamp"));
    assertUnixNow(decoder.decode((await udpAsk(udp, "timestamp"))!).trim());
  },
});

engineTest({
  name: "session: listens on IPv6 loopback",
  async fn() {
    await using server = await startClockd(["--session", "[::1]:0"]);
    using client = await LineClient.connect(server.port("session", "tcp"), "::1");
    assertUnixNow(await client.ask("timestamp"));
    const answer = await udpAsk(server.port("session", "udp"), "timestamp", 2000, "::1");
    assertUnixNow(decoder.decode(answer!).trim());
  },
});

engineTest({
  name: "session: the startup log names every bound address",
  async fn() {
    await using server = await startClockd(["--session", "127.0.0.1:0"]);
    const port = server.port("session", "tcp");
    await new Promise((resolve) => setTimeout(resolve, 100));
    match(
      server.stderr(),
      new RegExp(
        `listening: session tcp 127\\.0\\.0\\.1:${port}, session udp 127\\.0\\.0\\.1:${port}`,
      ),
    );
  },
});

/** Runs nc with the given stdin and returns what it printed. */
async function nc(args: string[], input: string): Promise<string> {
  const child = new Deno.Command("nc", { args, stdin: "piped", stdout: "piped", stderr: "piped" })
    .spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  const output = await child.output();
  clearTimeout(timer);
  return decoder.decode(output.stdout);
}

engineTest({
  name: "session: the real nc binary asks over TCP and UDP",
  ignore: !hasProgram("nc"),
  async fn() {
    await using server = await startClockd(["--session", "127.0.0.1:0"]);
    const port = String(server.port("session", "tcp"));
    const tcp = await nc(["-N", "127.0.0.1", port], "timestamp\nrfc3339 Asia/Kolkata\nquit\n");
    const [unix, kolkata, bye] = tcp.split("\n");
    assertUnixNow(unix);
    match(kolkata, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30$/);
    strictEqual(bye, "BYE");
    const udp = await nc(["-u", "-w1", "127.0.0.1", port], "timestamp\n");
    assertUnixNow(udp.trim());
  },
});

engineTest({
  name: "a request then FIN (nc -N) is answered and closed, 100 times in a row",
  async fn() {
    await using server = await startClockd(["--session", "127.0.0.1:0/tcp", "--tcp-rate", "off"]);
    const port = server.port("session", "tcp");
    const request = new TextEncoder().encode("rfc3339 Asia/Tokyo\n");
    for (let i = 0; i < 100; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      // The request and the FIN leave together, as `printf … | nc -N` sends them.
      await conn.write(request);
      await conn.closeWrite();
      const timer = setTimeout(() => conn.close(), 2000);
      let text = "";
      const buffer = new Uint8Array(256);
      try {
        for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
          text += new TextDecoder().decode(buffer.subarray(0, n));
        }
      } catch (error) {
        throw new Error(`round ${i}: no end of stream within 2 s (${error})`);
      } finally {
        clearTimeout(timer);
      }
      conn.close();
      match(text, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00\n$/, `round ${i}`);
    }
  },
});

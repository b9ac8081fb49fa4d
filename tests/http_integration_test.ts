/**
 * `--http`: the time API, the page, `/metrics` and `/healthz` served by the
 * real clockd process on both engines, behind the same admission chain as
 * every other listener.
 */

import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { engineTest, startClockd } from "./_clockd.ts";

engineTest({
  name: "--http serves worldtimeapi's fields, clockd's formats, the page and health",
  async fn() {
    await using server = await startClockd(["--http", "127.0.0.1:0", "--ntp-sync", "always"]);
    const base = `http://127.0.0.1:${server.port("http", "tcp")}`;
    const zone = await fetch(`${base}/api/timezone/Asia/Kathmandu`);
    strictEqual(zone.status, 200);
    strictEqual(zone.headers.get("access-control-allow-origin"), "*");
    strictEqual(zone.headers.get("cache-control"), "no-store");
    match(zone.headers.get("server-timing") ?? "", /^reading;desc="\d+\.\d{6}"$/);
    const body = await zone.json();
    deepStrictEqual(
      [body.timezone, body.utc_offset, body.raw_offset, body.dst, body.client_ip],
      ["Asia/Kathmandu", "+05:45", 20_700, false, "127.0.0.1"],
    );
    ok(Math.abs(body.unixtime - Date.now() / 1000) < 5, `unixtime ${body.unixtime}`);
    strictEqual(body.synchronised, true, "--ntp-sync always");
    const time = await fetch(`${base}/api/time?format=rfc3339&tz=Asia/Tokyo`);
    match(await time.text(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00\n?$/);
    const unknown = await fetch(`${base}/api/timezone/Mars/Olympus_Mons`);
    strictEqual(unknown.status, 404);
    deepStrictEqual(await unknown.json(), { error: "unknown location" });
    const post = await fetch(`${base}/api/ip`, { method: "POST" });
    strictEqual(post.status, 405);
    await post.body?.cancel();
    strictEqual(await (await fetch(`${base}/healthz`)).text(), "ok\n");
    match(await (await fetch(`${base}/`)).text(), /^<!doctype html>/i);
  },
});

engineTest({
  name: "--http is behind the access list like every listener",
  async fn() {
    await using server = await startClockd(["--http", "127.0.0.1:0", "--deny", "127.0.0.0/8"]);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port("http", "tcp") });
    await conn.write(new TextEncoder().encode("GET /api/ip HTTP/1.1\r\nHost: x\r\n\r\n"));
    const timer = setTimeout(() => conn.close(), 3000);
    let read: number | null = 0;
    try {
      read = await conn.read(new Uint8Array(64));
    } catch {
      read = -1; // reset
    } finally {
      clearTimeout(timer);
    }
    ok(read === null || read === -1, `a denied client is closed unanswered (read ${read})`);
    try {
      conn.close();
    } catch { /* closed */ }
  },
});

engineTest({
  name:
    "/metrics names the engine and the clock state, from the primary and from --http in a worker",
  async fn() {
    await using server = await startClockd([
      "--http",
      "127.0.0.1:0",
      "--metrics",
      "127.0.0.1:0",
      "--ntp-sync",
      "always",
      "--ntp-stratum",
      "4",
      "--workers",
      "2",
    ]);
    for (const port of [server.metrics!.port, server.port("http", "tcp")]) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      match(
        text,
        new RegExp(
          `^clockd_build_info\\{version="[^"]+",deno="[^"]+",io="${server.io}",tz_runtime="\\w+\\+?",tzdata_system="\\w+"\\} 1$`,
          "m",
        ),
      );
      // Each isolate's clock state, never summed over the workers.
      match(text, /^clockd_clock_stratum 4$/m);
      match(text, /^clockd_clock_synchronised 1$/m);
      match(text, /^clockd_clock_leap_indicator 0$/m);
      match(text, /^clockd_clock_max_error_seconds NaN$/m, "--ntp-sync always: no kernel bound");
    }
  },
});

import assert from "node:assert/strict";
import { DenoListener } from "../src/io/deno/stream.ts";
import { TcpServer } from "../src/io/stream_server.ts";
import { Metrics } from "../src/ops/metrics.ts";
import { createHttpService } from "../src/protocols/http/create_http_service.ts";
import { type Clock, systemClock } from "../src/time/clock.ts";
import { Browser, hasChromium } from "./_chromium.ts";

/** How far ahead of the host clock the test server's clock runs. */
const SERVER_AHEAD_S = 5;

/** The host clock, 5 s ahead: the browser (on the host clock) is then 5 s slow. */
const aheadClock: Clock = {
  now: () => {
    const { seconds, nanos } = systemClock.now();
    return { seconds: seconds + SERVER_AHEAD_S, nanos };
  },
  seconds: () => systemClock.seconds() + SERVER_AHEAD_S,
  monotonicNanos: () => systemClock.monotonicNanos(),
};

interface PageFigures {
  unixMs: number;
  offsetS: number;
  errorS: number;
  text: string;
  shown: string;
  now: number;
}

const FIGURES = `({
  unixMs: Number(document.getElementById("server-time").dataset.unixMs),
  offsetS: Number(document.getElementById("clock-error").dataset.offsetS),
  errorS: Number(document.getElementById("clock-error").dataset.errorS),
  text: document.getElementById("clock-error").textContent,
  shown: document.getElementById("server-time").textContent,
  now: Date.now(),
})`;

Deno.test({
  name: "pageResponse() shows the server's time and the browser's clock error in headless Chromium",
  ignore: !hasChromium(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "clockd_page_test_" });
    const metrics = new Metrics();
    const http = createHttpService({
      clock: aheadClock,
      clockStatus: { ntpState: { leap: 0, stratum: 3 }, errorBoundSeconds: 0.004 },
      metrics,
    });
    const listener = new DenoListener(Deno.listen({ hostname: "127.0.0.1", port: 0 }));
    const server = new TcpServer(listener, "http", http.handler, metrics.counter("http", "tcp"));
    const serving = server.serve();
    const base = `http://127.0.0.1:${server.addr.port}`;
    try {
      await using browser = await Browser.launch(`${dir}/profile`);
      const page = await browser.newPage();
      const requested: string[] = [];
      page.on((method, params) => {
        if (method === "Network.requestWillBeSent") {
          requested.push((params.request as { url: string }).url);
        }
      });
      await page.send("Network.enable");
      await page.send("Emulation.setDeviceMetricsOverride", {
        width: 1280,
        height: 800,
        deviceScaleFactor: 1,
        mobile: false,
      });
      await page.send("Page.navigate", { url: `${base}/` });
      await page.waitFor(`document.getElementById("clock-error")?.dataset.ready === "1"`, 20_000);
      await page.waitFor(`document.getElementById("server-time").dataset.unixMs`, 5000);

      const figures = await page.evaluate<PageFigures>(FIGURES);
      // The browser runs on the host clock, the server 5 s ahead: 5 s slow.
      assert.ok(Math.abs(figures.offsetS + SERVER_AHEAD_S) < 0.25, JSON.stringify(figures));
      assert.ok(figures.errorS >= 0 && figures.errorS < 0.25, JSON.stringify(figures));
      assert.match(figures.text, /^Your clock is [45]\.\d\d s slow, ±0\.\d\d s$/);
      // The time shown is the server's: the host clock plus 5 s.
      const expected = figures.now + SERVER_AHEAD_S * 1000;
      assert.ok(Math.abs(figures.unixMs - expected) < 300, `${figures.unixMs} vs ${expected}`);
      const d = new Date(figures.unixMs);
      const pad = (n: number) => String(n).padStart(2, "0");
      const hms = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
      assert.equal(
        figures.shown.slice(0, 8),
        hms,
        "the browser's zone is the test's (both use TZ)",
      );

      // The clock's state and, after two polls of /api/stats, the chart.
      await page.waitFor(`document.getElementById("stratum").textContent === "3"`, 10_000);
      assert.equal(
        await page.evaluate(`document.getElementById("sync").textContent`),
        "synchronised",
      );
      assert.equal(
        await page.evaluate(`document.getElementById("bound").textContent`),
        "±4.000 ms",
      );
      assert.equal(await page.evaluate(`document.getElementById("leap").textContent`), "none");
      await page.waitFor(`document.querySelectorAll("#chart polyline").length > 0`, 15_000);
      assert.match(
        await page.evaluate<string>(`document.getElementById("legend").textContent`),
        /http\/tcp/,
      );
      await page.screenshot(`${dir}/page-desktop.png`);

      // Phone width: nothing wider than the screen.
      await page.send("Emulation.setDeviceMetricsOverride", {
        width: 390,
        height: 844,
        deviceScaleFactor: 2,
        mobile: true,
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const widths = await page.evaluate<[number, number]>(
        `[document.documentElement.scrollWidth, window.innerWidth]`,
      );
      assert.ok(widths[0] <= widths[1], `scroll width ${widths[0]} > ${widths[1]}`);
      await page.screenshot(`${dir}/page-phone.png`);
      page.close();

      assert.ok(requested.length > 0);
      for (const url of requested) assert.ok(url.startsWith(base), `external request: ${url}`);
      for (const name of ["page-desktop.png", "page-phone.png"]) {
        assert.ok(Deno.statSync(`${dir}/${name}`).size > 1000, name);
      }
      console.log(`screenshots: ${dir}/page-desktop.png, ${dir}/page-phone.png`);
    } finally {
      server.close();
      await http.shutdown(100);
      await server.closeConnections();
      await serving;
      await Deno.remove(`${dir}/profile`, { recursive: true }).catch(() => {});
    }
  },
});

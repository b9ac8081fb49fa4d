/**
 * The script of clockd's page (`GET /`), as a string: plain browser
 * JavaScript, no modules, no external requests, only `fetch` to the same
 * origin.
 *
 * How the clock error is measured, NTP style: for each of
 * {@linkcode PAGE_SAMPLES} round trips to `/api/time?format=unixus` the
 * browser notes its clock when sending (t1) and receiving (t4), and the
 * server's clock reading (t2 = t3) comes from the `Server-Timing: reading;
 * desc="S.ffffff"` field (or, failing that, the JSON value). The offset of
 * the server from the browser is θ = t2 − (t1 + t4) / 2 and the round trip
 * δ = t4 − t1; the sample with the least δ wins, and its error is ±δ / 2
 * (the server's own processing time counts towards δ, since t2 = t3). The
 * browser's clock is read as `Date.now()` at t1, with t4 = t1 plus the
 * `performance.now()` interval, so a step of the wall clock during a round
 * trip cannot spoil it. The measurement repeats every minute.
 *
 * The DOM the tests read: `#server-time` has `data-unix-ms` (the server's
 * time as the page shows it, ms), `#clock-error` has `data-offset-s` (how
 * far the browser's clock is ahead of the server's, seconds: positive is
 * fast) and `data-error-s`, and `data-ready="1"` once measured.
 *
 * @module
 */

/** Round trips per measurement. */
export const PAGE_SAMPLES = 5;
/** How often the page re-reads `/api/stats` (ms). */
export const PAGE_STATS_INTERVAL_MS = 5000;
/** Points of request-rate history the chart keeps (5 minutes at 5 s). */
export const PAGE_HISTORY_POINTS = 60;

/** The page's script. */
export const PAGE_SCRIPT = `
"use strict";
const SAMPLES = ${PAGE_SAMPLES};
const STATS_MS = ${PAGE_STATS_INTERVAL_MS};
const HISTORY = ${PAGE_HISTORY_POINTS};
const RESYNC_MS = 60000;
const COLORS = ["#2b7bb9", "#d9534f", "#5cb85c", "#f0ad4e", "#9b59b6", "#16a085", "#7f8c8d", "#e67e22"];
const $ = (id) => document.getElementById(id);
let offsetMs = 0; // server minus browser
let measured = false;

function readingOf(response, body) {
  const timing = response.headers.get("server-timing") || "";
  const match = /reading;desc="?(-?\\d+)\\.(\\d{6})/.exec(timing);
  if (match) return Number(match[1]) * 1000 + Number(match[2]) / 1000;
  return Number(body.value) / 1000;
}

async function sample() {
  const wall = Date.now();
  const p1 = performance.now();
  const response = await fetch("/api/time?format=unixus", {
    cache: "no-store",
    headers: { Accept: "application/json" },
  });
  const body = await response.json();
  const p4 = performance.now();
  const t1 = wall;
  const t4 = wall + (p4 - p1);
  const t2 = readingOf(response, body);
  return { offset: t2 - (t1 + t4) / 2, delay: t4 - t1 };
}

function seconds(ms) {
  return (Math.abs(ms) / 1000).toFixed(Math.abs(ms) < 10000 ? 2 : 1);
}

async function measure() {
  let best = null;
  for (let i = 0; i < SAMPLES; i++) {
    try {
      const s = await sample();
      if (best === null || s.delay < best.delay) best = s;
    } catch (error) {
      $("clock-error").textContent = "cannot reach the server: " + error;
    }
  }
  if (best === null) return;
  offsetMs = best.offset;
  measured = true;
  const ahead = -best.offset; // browser minus server
  const error = best.delay / 2;
  const el = $("clock-error");
  let text;
  if (Math.abs(ahead) <= error) text = "Your clock is right, within \\u00b1" + seconds(error) + " s";
  else text = "Your clock is " + seconds(ahead) + " s " + (ahead > 0 ? "fast" : "slow") +
    ", \\u00b1" + seconds(error) + " s";
  el.textContent = text;
  el.dataset.offsetS = String(ahead / 1000);
  el.dataset.errorS = String(error / 1000);
  el.dataset.ready = "1";
  $("rtt").textContent = "best of " + SAMPLES + " round trips: " + best.delay.toFixed(1) + " ms";
}

const pad = (n, w) => String(n).padStart(w || 2, "0");

function tick() {
  if (measured) {
    const now = Date.now() + offsetMs;
    const d = new Date(now);
    const el = $("server-time");
    el.textContent = pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) +
      "." + String(d.getMilliseconds()).padStart(3, "0").slice(0, 1);
    el.dataset.unixMs = String(Math.round(now));
    $("server-date").textContent = d.toDateString() + " \\u00b7 " + d.toISOString().slice(0, 19) + "Z";
  }
  requestAnimationFrame(tick);
}

const history = new Map(); // "service/transport" -> rates
let last = null;

async function stats() {
  let body;
  try {
    body = await (await fetch("/api/stats", { cache: "no-store" })).json();
  } catch {
    $("sync").textContent = "unreachable";
    return;
  }
  $("sync").textContent = body.synchronised ? "synchronised" : "not synchronised";
  $("sync").className = body.synchronised ? "good" : "bad";
  $("stratum").textContent = body.synchronised ? String(body.stratum) : "\\u2013";
  $("bound").textContent = body.error_bound_s === null ? "unknown"
    : "\\u00b1" + (body.error_bound_s * 1000).toFixed(3) + " ms";
  $("leap").textContent = body.leap === null ? "unknown"
    : body.leap === "none" ? "none" : body.leap + " a second at midnight UTC";
  const at = performance.now();
  if (last !== null) {
    const dt = (at - last.at) / 1000;
    for (const s of body.services) {
      const key = s.service + "/" + s.transport;
      const before = last.counts.get(key);
      const rates = history.get(key) || [];
      rates.push(before === undefined ? 0 : Math.max(0, s.requests - before) / dt);
      while (rates.length > HISTORY) rates.shift();
      history.set(key, rates);
    }
  }
  last = { at, counts: new Map(body.services.map((s) => [s.service + "/" + s.transport, s.requests])) };
  draw();
}

function draw() {
  const svg = $("chart");
  const W = 600, H = 200, L = 44, B = 20, R = W - 6;
  let max = 1;
  for (const rates of history.values()) for (const r of rates) max = Math.max(max, r);
  const scale = Math.pow(10, Math.floor(Math.log10(max)));
  max = Math.ceil(max / scale) * scale;
  let out = "";
  for (let i = 0; i <= 4; i++) {
    const y = B / 2 + (H - B) * i / 4;
    out += '<line x1="' + L + '" x2="' + W + '" y1="' + y + '" y2="' + y + '" class="grid"/>' +
      '<text x="' + (L - 4) + '" y="' + (y + 4) + '" class="axis" text-anchor="end">' +
      +(max * (4 - i) / 4).toPrecision(3) + "</text>";
  }
  out += '<text x="' + L + '" y="' + H + '" class="axis">\\u2212' + (HISTORY * STATS_MS / 60000) +
    ' min</text><text x="' + W + '" y="' + H + '" class="axis" text-anchor="end">now</text>';
  let legend = "";
  let i = 0;
  for (const [key, rates] of history) {
    const color = COLORS[i++ % COLORS.length];
    const points = rates.map((r, j) => {
      const x = L + (R - L) * (HISTORY - rates.length + j) / (HISTORY - 1);
      const y = B / 2 + (H - B) * (1 - r / max);
      return x.toFixed(1) + "," + y.toFixed(1);
    });
    out += '<polyline fill="none" stroke="' + color + '" stroke-width="2" points="' +
      points.join(" ") + '"/>';
    if (points.length) {
      const [x, y] = points[points.length - 1].split(",");
      out += '<circle cx="' + x + '" cy="' + y + '" r="3.5" fill="' + color + '"/>';
    }
    const now = rates.length ? rates[rates.length - 1] : 0;
    legend += '<li><span class="swatch" style="background:' + color + '"></span>' + key + " " +
      now.toFixed(1) + "/s</li>";
  }
  svg.innerHTML = out;
  $("legend").innerHTML = legend || "<li>collecting\\u2026</li>";
}

measure();
setInterval(measure, RESYNC_MS);
requestAnimationFrame(tick);
stats();
setInterval(stats, STATS_MS);
`;

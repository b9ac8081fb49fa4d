/**
 * clockd's page, `GET /`: one self-contained HTML document (inline CSS and
 * script, no external requests, no build step), a string constant so a
 * compiled clockd reads no file to serve it.
 *
 * It shows the server's time ticking in the browser, corrected for the
 * browser's clock error (measured NTP style against `/api/time`, see
 * {@linkcode PAGE_SCRIPT}), the error itself ("your clock is 0.34 s fast,
 * ±0.02 s"), the host clock's state (synchronised, stratum, error bound,
 * pending leap second) and a chart of requests per second per service over
 * the last five minutes, from `/api/stats`. The layout is one column on a
 * phone and a grid on a desktop.
 *
 * @module
 */

import { PAGE_SCRIPT } from "./page_script.ts";
import type { HttpResponse } from "./response.ts";

const STYLE = `
:root { color-scheme: light dark; --fg: #1d2329; --muted: #66707a; --card: #f4f6f8; --line: #d5dae0;
  --good: #2e7d32; --bad: #c62828; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e9ec; --muted: #9aa4ae; --card: #1e2429; --line: #37404a; --good: #81c784; --bad: #ef9a9a; }
  body { background: #121619; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); }
main { max-width: 960px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1rem; font-weight: 600; color: var(--muted); margin: 0 0 8px; letter-spacing: .04em; }
#server-time { font: 600 clamp(2.6rem, 14vw, 6.5rem)/1.05 ui-monospace, "SF Mono", Menlo, Consolas, monospace;
  font-variant-numeric: tabular-nums; margin: 8px 0 4px; overflow-wrap: anywhere; }
#server-date, #rtt, .note { color: var(--muted); font-size: .9rem; }
#clock-error { font-size: 1.25rem; margin: 12px 0 2px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 8px; margin: 20px 0; }
.card { background: var(--card); border-radius: 8px; padding: 10px 12px; min-width: 0; }
.card dt { font-size: .8rem; color: var(--muted); }
.card dd { margin: 2px 0 0; font-weight: 600; overflow-wrap: anywhere; }
.good { color: var(--good); } .bad { color: var(--bad); }
section.chart { background: var(--card); border-radius: 8px; padding: 12px; }
section.chart h2 { font-size: .95rem; margin: 0 0 8px; }
svg { width: 100%; height: auto; display: block; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .axis { fill: var(--muted); font-size: 11px; }
#legend { list-style: none; padding: 0; margin: 8px 0 0; display: flex; flex-wrap: wrap; gap: 4px 14px;
  font-size: .85rem; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; }
a { color: inherit; }
@media (max-width: 480px) { main { padding: 12px; } #clock-error { font-size: 1.05rem; }
  svg .axis { font-size: 19px; } }
`;

/** The page, a complete HTML document. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>clockd</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>CLOCKD · SERVER TIME</h1>
<div id="server-time" aria-live="off">--:--:--.-</div>
<div id="server-date">measuring…</div>
<div id="clock-error">Measuring your clock…</div>
<div id="rtt"></div>
<dl class="grid">
<div class="card"><dt>Host clock</dt><dd id="sync">…</dd></div>
<div class="card"><dt>Stratum</dt><dd id="stratum">…</dd></div>
<div class="card"><dt>Error bound</dt><dd id="bound">…</dd></div>
<div class="card"><dt>Leap second</dt><dd id="leap">…</dd></div>
</dl>
<section class="chart">
<h2>Requests per second, by service</h2>
<svg id="chart" viewBox="0 0 600 200" role="img" aria-label="requests per second"></svg>
<ul id="legend"><li>collecting…</li></ul>
</section>
<p class="note">The time above is the server's, shown on your clock corrected by the offset measured
against <a href="/api/time?format=rfc3339nano">/api/time</a>. More:
<a href="/api/timezone">/api/timezone</a>, <a href="/api/ip">/api/ip</a>,
<a href="/api/stats">/api/stats</a>, <a href="/metrics">/metrics</a>.</p>
</main>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;

/**
 * `Content-Security-Policy` of the page: nothing from anywhere but its own
 * inline style and script, and `fetch` to its own origin.
 */
export const PAGE_CSP = "default-src 'none'; script-src 'unsafe-inline'; " +
  "style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; " +
  "form-action 'none'; frame-ancestors 'none'";

const PAGE_BYTES = new TextEncoder().encode(PAGE_HTML);

/**
 * The page's answer.
 *
 * @returns 200, `text/html`, with {@linkcode PAGE_CSP}.
 *
 * @example Usage
 * ```ts
 * import { pageResponse } from "./page.ts";
 * if (pageResponse().headers["content-type"] !== "text/html; charset=utf-8") throw new Error();
 * ```
 */
export function pageResponse(): HttpResponse {
  return {
    status: 200,
    headers: { "content-type": "text/html; charset=utf-8", "content-security-policy": PAGE_CSP },
    body: PAGE_BYTES,
  };
}

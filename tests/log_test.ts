import { match, ok, strictEqual } from "node:assert/strict";
import { CLIENT_LOG_LIMIT, closeLogging, logger, setupLogging } from "../src/ops/log.ts";

async function capture(
  options: { format: "text" | "json"; journal: boolean; level?: "debug" | "info" },
  log: () => void,
): Promise<string[]> {
  const lines: string[] = [];
  await setupLogging({ level: options.level ?? "debug", ...options, write: (l) => lines.push(l) });
  log();
  await closeLogging();
  return lines;
}

Deno.test("setupLogging() writes text lines with a timestamp", async () => {
  const [line] = await capture({ format: "text", journal: false }, () => {
    logger("server").info("listening on {address}", { address: "[::]:1200" });
  });
  match(
    line,
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[INF\] clockd\.server: listening on \[::\]:1200\n$/,
  );
});

Deno.test("setupLogging() writes JSON lines with --log-format json", async () => {
  const [line] = await capture({ format: "json", journal: false }, () => {
    logger("server").warn("port {port}", { port: 13 });
  });
  const record = JSON.parse(line);
  strictEqual(record.level, "WARN");
  strictEqual(record.logger, "clockd.server");
  strictEqual(record.properties.port, 13);
});

Deno.test("setupLogging() writes sd-daemon priorities and no timestamp under journald", async () => {
  const lines = await capture({ format: "text", journal: true }, () => {
    logger("server").error("e");
    logger("server").warning("w");
    logger("server").info("i");
    logger("server").debug("d");
  });
  strictEqual(
    lines.join(""),
    "<3>clockd.server: e\n<4>clockd.server: w\n<6>clockd.server: i\n<7>clockd.server: d\n",
  );
});

Deno.test("setupLogging() honours the level", async () => {
  const lines = await capture({ format: "text", journal: true, level: "info" }, () => {
    logger("server").debug("hidden");
    logger("server").info("shown");
  });
  strictEqual(lines.join(""), "<6>clockd.server: shown\n");
});

Deno.test("per-client log lines are throttled, then summed up in one line", async () => {
  const lines = await capture({ format: "text", journal: true }, () => {
    for (let i = 0; i < 500; i++) {
      logger("client").debug("refused {peer}: {reason}", {
        peer: `192.0.2.${i % 250}`,
        reason: "busy",
      });
    }
    logger("server").info("still logging");
  });
  const refused = lines.filter((line) => line.includes("refused 192.0.2."));
  strictEqual(refused.length, CLIENT_LOG_LIMIT);
  ok(lines.includes("<6>clockd.server: still logging\n"));
  const summary = lines.find((line) => line.includes("suppressed"));
  strictEqual(
    summary,
    `<6>clockd.log: suppressed ${
      500 - CLIENT_LOG_LIMIT
    } more "debug refused {peer}: {reason}" lines in 10 s\n`,
  );
});

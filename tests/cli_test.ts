/**
 * The command line: help, version, `formats`, and the errors a user sees.
 */

import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import {
  canBind,
  CLOCKD_COMMAND,
  commandSucceeds,
  hasProgram,
  ROOT,
  runClockd,
  startClockd,
  startFlagsReading,
} from "./_clockd.ts";
import { VERSION } from "../src/cli/version.ts";
import { FORMATS_HELP } from "../src/cli/formats_command.ts";
import { FORMATS } from "../src/time/formats.ts";

Deno.test("clockd --version prints the version deno.json declares", async () => {
  const { code, stdout } = await runClockd(["--version"]);
  strictEqual(code, 0);
  strictEqual(stdout, `clockd ${VERSION}\n`);
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  strictEqual(config.version, VERSION);
});

Deno.test("clockd --help and serve --help list the commands and every flag", async () => {
  const help = await runClockd(["--help"]);
  strictEqual(help.code, 0);
  for (const command of ["serve", "formats", "query", "--version"]) {
    match(help.stdout, new RegExp(`^  ${command} `, "m"));
  }
  const serveHelp = await runClockd(["serve", "--help"]);
  strictEqual(serveHelp.code, 0);
  for (
    const flag of [
      "--session",
      "--default-format",
      "--tz",
      "--idle-timeout",
      "--partial-wait",
      "--max-sessions",
      "--max-sessions-per-ip",
      "--log-level",
      "--log-format",
      "--ready-json",
      "--shutdown-timeout",
      "--daytime",
      "--time",
      "--ntp",
      "--daytime-format",
      "--ntp-sync",
      "--ntp-stratum",
      "--ntp-refid",
    ]
  ) {
    ok(serveHelp.stdout.includes(flag), `serve --help mentions ${flag}`);
  }
});

const usageErrors: [string[], RegExp][] = [
  [["serve", "--bogus"], /^clockd: serve: unknown flag --bogus \(see clockd serve --help\)$/],
  [["serve", "--sesion", ":0"], /^clockd: serve: unknown flag --sesion; did you mean --session\?$/],
  [
    ["serve", "--max-sesions=5"],
    /^clockd: serve: unknown flag --max-sesions; did you mean --max-sessions\?$/,
  ],
  [["serve", "--session"], /^clockd: --session: needs a value$/],
  [["serve", "--ready-json=yes"], /^clockd: --ready-json: takes no value, got "--ready-json=yes"$/],
  [
    ["serve", "--workers", "-1"],
    /^clockd: --workers: expected a whole number from 1 to 64, got "-1"$/,
  ],
  [["serve", "--max-sessions", "-5"], /^clockd: --max-sessions: expected a whole number from 1 to/],
  [
    ["serve", "--session", "999.1.1.1:0"],
    /^clockd: --session: invalid address "999.1.1.1:0": "999.1.1.1" is not an IPv4 address$/,
  ],
  [
    ["serve", "--session", "[zz]:0"],
    /^clockd: --session: invalid address "\[zz\]:0": "zz" is not an IPv6 address$/,
  ],
  [
    ["serve", "--service", "dayt.disable"],
    /^clockd: --service: unknown service "dayt"; did you mean daytime\?$/,
  ],
  [
    ["serve", "--service", "daytime.dney=192.0.2.0/24"],
    /^clockd: --service: unknown setting "dney"; did you mean deny\?$/,
  ],
  [
    ["serve", "--service", "daytime.deny=nope"],
    /^clockd: --service daytime.deny: invalid CIDR "nope"/,
  ],
  [
    ["serve", "--config", "/etc/clockd/nonexistent.toml"],
    /^clockd: \/etc\/clockd\/nonexistent.toml: no such file$/,
  ],
  [
    ["serve", "--config", "/nonexistent/clockd.toml"],
    /^clockd: \/nonexistent\/clockd.toml: not allowed to read it \(run deno with --allow-read=/,
  ],
  [["serv"], /^clockd: unknown command "serv"; did you mean serve\?$/],
  [
    ["query", "--jsn", "ntp://127.0.0.1"],
    /^clockd: query: unknown flag --jsn; did you mean --json\?$/,
  ],
  [["formats", "--jsno"], /^clockd: formats: unknown flag --jsno; did you mean --json\?$/],
  [["serve", "--session", "1200"], /^clockd: --session: invalid address "1200"/],
  [["serve", "--session", ":99999"], /^clockd: --session: invalid address ":99999": port must be/],
  [["serve", "--default-format", "nope"], /^clockd: --default-format: unknown format "nope"/],
  [["serve", "--tz", "Mars/Olympus"], /^clockd: --tz: unknown time zone "Mars\/Olympus"/],
  [["serve", "--idle-timeout", "soon"], /^clockd: --idle-timeout: invalid duration "soon"/],
  [["serve", "--partial-wait", "1s"], /^clockd: --partial-wait: must be at most 100ms/],
  [["serve", "--max-sessions", "0"], /^clockd: --max-sessions: expected a whole number/],
  [["serve", "--max-sessions-per-ip", "x"], /^clockd: --max-sessions-per-ip: expected a whole/],
  [["serve", "--log-level", "loud"], /^clockd: --log-level: expected one of/],
  [["serve", "--log-format", "xml"], /^clockd: --log-format: expected text or json/],
  [["serve", "extra"], /^clockd: serve: unexpected argument "extra"$/],
  [["frobnicate"], /^clockd: unknown command "frobnicate"/],
  [
    ["serve", "--ntp", ":123/tcp"],
    /^clockd: --ntp: invalid address ":123\/tcp": this service has no tcp/,
  ],
  [["serve", "--ntp-sync", "sometimes"], /^clockd: --ntp-sync: expected kernel or always/],
  [
    ["serve", "--ntp-stratum", "16"],
    /^clockd: --ntp-stratum: expected a whole number from 1 to 15/,
  ],
  [["serve", "--ntp-refid", "TOOLONG"], /^clockd: --ntp-refid: expected 1 to 4 printable ASCII/],
  [["serve", "--daytime-format", "nope"], /^clockd: --daytime-format: unknown format "nope"/],
  [
    ["serve", "--allow", "10.0.0.1/8"],
    /^clockd: --allow: invalid CIDR "10.0.0.1\/8": host bits set/,
  ],
  [["serve", "--deny", "not-an-ip"], /^clockd: --deny: invalid CIDR "not-an-ip"/],
  [["serve", "--deny", "::1/129"], /^clockd: --deny: invalid CIDR "::1\/129": prefix length/],
  [
    ["serve", "--udp-rate", "fast"],
    /^clockd: --udp-rate: invalid rate "fast": expected N\/s, N\/m or off/,
  ],
  [["serve", "--tcp-rate", "0"], /^clockd: --tcp-rate: invalid rate "0": must be more than 0/],
  [["serve", "--metrics", ":9123/udp"], /^clockd: --metrics: invalid address ":9123\/udp"/],
  [["serve", "--workers", "0"], /^clockd: --workers: expected a whole number from 1 to 64/],
  [
    ["serve", "--io", "uring"],
    /^clockd: --io: expected kernel or deno, got "uring"/,
  ],
  [["formats", "--at", "yesterday"], /^clockd: --at: invalid instant "yesterday"/],
  [["formats", "--tz", "Nowhere"], /^clockd: --tz: unknown time zone "Nowhere"/],
];
for (const [args, message] of usageErrors) {
  Deno.test(`clockd ${args.join(" ")} exits 2 with one clear line`, async () => {
    const { code, stdout, stderr } = await runClockd(args);
    strictEqual(code, 2);
    strictEqual(stdout, "");
    match(stderr.trimEnd(), message);
    strictEqual(stderr.trimEnd().split("\n").length, 1, `one line: ${stderr}`);
  });
}

Deno.test("clockd serve exits 1 with one line when the port is in use", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { code, stderr } = await runClockd(["serve", "--session", `127.0.0.1:${taken.addr.port}`]);
  strictEqual(code, 1);
  strictEqual(
    stderr.trim(),
    `clockd: --session 127.0.0.1:${taken.addr.port}: tcp port ${taken.addr.port} is already in use`,
  );
});

// Drop CAP_NET_BIND_SERVICE even for root: ports below 1024 are then refused.
const DROP_BIND_CAP = ["--bounding-set=-net_bind_service", "--inh-caps=-net_bind_service"];

Deno.test({
  name: "clockd serve exits 1 with one line for a privileged port without the right",
  // Ignored where setpriv is missing or this sandbox cannot drop the capability.
  ignore: !hasProgram("setpriv") || !commandSucceeds("setpriv", [...DROP_BIND_CAP, "true"]),
  async fn() {
    const drop = DROP_BIND_CAP;
    const child = new Deno.Command("setpriv", {
      args: [
        ...drop,
        Deno.execPath(),
        ...CLOCKD_COMMAND,
        "serve",
        "--session",
        "127.0.0.1:13/tcp",
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // Had the bind wrongly succeeded, clockd would serve on: stop it and fail below.
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    const output = await child.output();
    clearTimeout(timer);
    const stderr = new TextDecoder().decode(output.stderr);
    strictEqual(output.code, 1, stderr);
    strictEqual(
      stderr.trim(),
      "clockd: --session 127.0.0.1:13/tcp: permission denied binding tcp port 13 " +
        "(ports below 1024 need root or CAP_NET_BIND_SERVICE)",
    );
  },
});

Deno.test({
  name:
    "clockd serve with no flags serves session, daytime, time, NTP, Roughtime and HTTP on no-root ports",
  // Ignored where another program holds one of the default ports on this machine.
  ignore: !([
    ["tcp", 1200],
    ["udp", 1200],
    ["tcp", 10013],
    ["udp", 10013],
    ["tcp", 10037],
    ["udp", 10037],
    ["udp", 10123],
    ["tcp", 2002],
    ["udp", 2002],
    ["tcp", 8080],
  ] as const).every(([transport, port]) => canBind(transport, "0.0.0.0", port)),
  fn: async () => {
    await using running = await startClockd([]);
    const listeners = running.listeners.map((l) => `${l.service} ${l.transport} ${l.port}`);
    deepStrictEqual(listeners, [
      "session tcp 1200",
      "session udp 1200",
      "daytime tcp 10013",
      "daytime udp 10013",
      "time tcp 10037",
      "time udp 10037",
      "ntp udp 10123",
      "roughtime tcp 2002",
      "roughtime udp 2002",
      "http tcp 8080",
    ]);
    ok(running.listeners.every((l) => l.hostname === "::" || l.hostname === "0.0.0.0"));
    // Reachable over IPv4 even though bound to "::".
    using conn = await Deno.connect({ hostname: "127.0.0.1", port: 1200 });
    await conn.write(new TextEncoder().encode("timestamp\n"));
    const buffer = new Uint8Array(64);
    const count = await conn.read(buffer);
    match(new TextDecoder().decode(buffer.subarray(0, count!)), /^\d+\n$/);
  },
});

Deno.test("clockd formats --at renders every format for a fixed instant", async () => {
  const { code, stdout } = await runClockd(["formats", "--at", "2026-11-21T09:54:05.123456789Z"]);
  strictEqual(code, 0);
  const lines = stdout.trimEnd().split("\n");
  const table = Object.fromEntries(lines.map((line) => line.split("\t")));
  strictEqual(table.unix, "1795254845");
  strictEqual(table.rfc3339nano, "2026-11-21T09:54:05.123456789Z");
  strictEqual(table.go, "2026-11-21 09:54:05.123456789 +0000 UTC", "no m= for a given instant");
  ok(lines.every((line) => line.split("\t").length === 2), "NAME<TAB>VALUE per line");
});

Deno.test("FORMATS_HELP lists every format and marks the zone-less ones", () => {
  for (const format of FORMATS) {
    const line = FORMATS_HELP.split("\n").find((l) => l.trim().split(/\s+/)[0] === format.name);
    ok(line !== undefined, `${format.name} listed`);
    strictEqual(line.endsWith("zone ignored"), !format.zoned, line);
  }
  match(FORMATS_HELP, /^ {2}http +HTTP date .*always GMT; zone ignored$/m);
  match(FORMATS_HELP, /^ {2}rfc1123 +Go's RFC1123 layout, in the zone/m);
});

Deno.test("clockd formats --tz --json prints one JSON object", async () => {
  const { code, stdout } = await runClockd([
    "formats",
    "--at",
    "1795254845.5",
    "--tz",
    "+05:30",
    "--json",
  ]);
  strictEqual(code, 0);
  const table = JSON.parse(stdout);
  strictEqual(table.rfc3339, "2026-11-21T15:24:05+05:30");
  strictEqual(table.unixms, "1795254845500");
});

Deno.test("README documents every flag of clockd serve --help", async () => {
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  const { stdout } = await runClockd(["serve", "--help"]);
  const flags = [...stdout.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1]);
  ok(flags.length > 20, `serve --help lists ${flags.length} flags`);
  for (const flag of flags.filter((f) => f !== "--help")) {
    ok(readme.includes(`| \`${flag}`), `README's flag table has ${flag}`);
  }
});

Deno.test("clockd serve --config serves what the file says, the flags over it", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/clockd.toml`;
  try {
    await Deno.writeTextFile(
      path,
      'session = ["127.0.0.1:0"]\ndaytime = ["127.0.0.1:0"]\ntz = "Europe/Paris"\n' +
        "[service.daytime]\ndisable = true\n",
    );
    await using server = await startClockd(
      ["--config", path, "--time", "127.0.0.1:0", "--tz", "UTC", "--default-format", "rfc3339"],
      { permissions: startFlagsReading(dir) },
    );
    deepStrictEqual(
      server.listeners.map((l) => `${l.service} ${l.transport}`),
      ["session tcp", "session udp", "time tcp", "time udp"],
    );
    using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port("session", "tcp") });
    await conn.write(new TextEncoder().encode("\n"));
    const buffer = new Uint8Array(64);
    const count = await conn.read(buffer);
    match(new TextDecoder().decode(buffer.subarray(0, count!)), /Z\r?\n$/, "--tz UTC won");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("clockd serve --config exits 2 with one line naming the file, line and key", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/clockd.toml`;
  try {
    await Deno.writeTextFile(
      path,
      '# clockd\nsession = [":0"]\n\n[service.ntp]\nudp-rate = "lots"\n',
    );
    const { code, stdout, stderr } = await runClockd(["serve", "--config", path], {
      permissions: startFlagsReading(dir),
    });
    strictEqual(code, 2);
    strictEqual(stdout, "");
    strictEqual(
      stderr,
      `clockd: ${path}:5: service.ntp.udp-rate: invalid rate "lots": expected N/s, N/m or off\n`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const bare = (args: string[]) => ["run", "--quiet", ...args];

Deno.test("clockd without a permission it needs exits 2 with one line naming the flag", async () => {
  const cases: [string[], RegExp][] = [
    [[], /^clockd: missing permission: env access to "[A-Z_]+"; add --allow-env to deno run/],
    [
      ["--allow-env=INVOCATION_ID"],
      /^clockd: missing permission: env access to "JOURNAL_STREAM"; add --allow-env to deno run/,
    ],
  ];
  for (const [permissions, message] of cases) {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [...bare(permissions), `${ROOT}main.ts`, "serve", "--session", "127.0.0.1:0"],
      stdin: "null",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    strictEqual(output.code, 2, stderr);
    match(stderr, message);
    strictEqual(stderr.trimEnd().split("\n").length, 1, `one line: ${stderr}`);
    ok(!stderr.includes("Uncaught"), stderr);
  }
  const query = await new Deno.Command(Deno.execPath(), {
    args: [...bare([]), `${ROOT}main.ts`, "query", "ntp://127.0.0.1:9"],
    stdin: "null",
  }).output();
  strictEqual(query.code, 2);
  match(
    new TextDecoder().decode(query.stderr),
    /^clockd: missing permission: net access to "[^"]+"; add --allow-net/,
  );
});

Deno.test("clockd --help shows the deno task clockd form from a checkout", async () => {
  const { code, stdout } = await runClockd(["--help"]);
  strictEqual(code, 0);
  match(stdout, /^Try it: deno task clockd serve, then/m);
  ok(!/Try it: clockd serve/.test(stdout), stdout);
});

Deno.test("deno task clockd runs every subcommand from a checkout", async () => {
  const task = (...args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["task", "-q", "clockd", ...args],
      cwd: ROOT,
      stdin: "null",
    })
      .output();
  const formats = await task("formats", "--at", "0");
  strictEqual(formats.code, 0, new TextDecoder().decode(formats.stderr));
  match(new TextDecoder().decode(formats.stdout), /^unix\t0$/m);
  const version = await task("--version");
  strictEqual(new TextDecoder().decode(version.stdout), `clockd ${VERSION}\n`);
  await using server = await startClockd(["--ntp", "127.0.0.1:0", "--ntp-sync", "always"]);
  const query = await task("query", `ntp://127.0.0.1:${server.port("ntp", "udp")}`);
  strictEqual(query.code, 0, new TextDecoder().decode(query.stderr));
  match(new TextDecoder().decode(query.stdout), /stratum 10 LOCL\s+offset [-+]\d/);
});

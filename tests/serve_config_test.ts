/**
 * `clockd serve`'s configuration: the config file, its precedence under
 * the flags, per-service settings, errors naming the file, line and key,
 * and the command line handed to workers.
 */

import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import {
  loadServeConfig,
  type LoadServeConfigOptions,
  parseServeArgs,
  type ServeConfig,
} from "../src/cli/serve_config.ts";
import { parseConfigFile } from "../src/cli/config_file.ts";
import { UsageError } from "../src/cli/usage_error.ts";

/** Writes a config file, loads it with the flags after it, and removes it. */
function load(toml: string, flags: string[] = [], options?: LoadServeConfigOptions): ServeConfig {
  const path = Deno.makeTempFileSync({ prefix: "clockd-", suffix: ".toml" });
  try {
    Deno.writeTextFileSync(path, toml);
    const config = loadServeConfig(["--config", path, ...flags], options);
    if (config === "help") throw new Error("help");
    return config;
  } finally {
    Deno.removeSync(path);
  }
}

function flagsOnly(args: string[]): ServeConfig {
  const config = parseServeArgs(args);
  if (config === "help") throw new Error("help");
  return config;
}

/** The parts of a configuration that do not say where they came from. */
function essence(config: ServeConfig): Record<string, unknown> {
  const { listeners, configFile: _f, commandLine: _c, args: _a, ...rest } = config;
  return JSON.parse(JSON.stringify({
    ...rest,
    listeners: listeners.map((l) => ({ service: l.service, address: l.address })),
    zone: rest.zone.name,
    defaultFormat: rest.defaultFormat.name,
    daytimeFormat: rest.daytimeFormat.name,
  }));
}

/** Asserts that loading `toml` fails with exactly `message` (the file's name as FILE). */
function configError(toml: string, message: string): void {
  const path = Deno.makeTempFileSync({ prefix: "clockd-", suffix: ".toml" });
  try {
    Deno.writeTextFileSync(path, toml);
    throws(
      () => loadServeConfig(["--config", path]),
      (error: unknown) => {
        ok(error instanceof UsageError, String(error));
        strictEqual(error.message, message.replace("FILE", path));
        return true;
      },
    );
  } finally {
    Deno.removeSync(path);
  }
}

const EVERY_SETTING = `
session = ["127.0.0.1:0", "[::1]:0/tcp"]
daytime = "127.0.0.1:0"
time = ["127.0.0.1:0"]
ntp = ["127.0.0.1:0"]
daytime-format = "nist"
ntp-sync = "always"
ntp-stratum = 3
ntp-refid = "GPS"
default-format = "rfc3339"
tz = "Europe/Paris"
idle-timeout = "30s"
partial-wait = 0
max-sessions = 500
max-sessions-per-ip = 5
log-level = "debug"
log-format = "json"
ready-json = true
shutdown-timeout = "2s"
workers = 2
io = "deno"
metrics = "127.0.0.1:9123"
udp-rate = "600/m"
udp-burst = 4
tcp-rate = 2.5
rate-sources = 1024
allow = ["192.0.2.0/24", "2001:db8::/32"]
deny = ["192.0.2.128/25"]
`;

const EVERY_FLAG = [
  ["--session", "127.0.0.1:0", "--session", "[::1]:0/tcp", "--daytime", "127.0.0.1:0"],
  ["--time", "127.0.0.1:0", "--ntp", "127.0.0.1:0", "--daytime-format", "nist"],
  ["--ntp-sync", "always", "--ntp-stratum", "3", "--ntp-refid", "GPS"],
  ["--default-format", "rfc3339", "--tz", "Europe/Paris", "--idle-timeout", "30s"],
  ["--partial-wait", "0", "--max-sessions", "500", "--max-sessions-per-ip", "5"],
  ["--log-level", "debug", "--log-format", "json", "--ready-json", "--shutdown-timeout", "2s"],
  ["--workers", "2", "--io", "deno", "--metrics", "127.0.0.1:9123"],
  ["--udp-rate", "600/m", "--udp-burst", "4", "--tcp-rate", "2.5", "--rate-sources", "1024"],
  ["--allow", "192.0.2.0/24", "--allow", "2001:db8::/32", "--deny", "192.0.2.128/25"],
].flat();

Deno.test("loadServeConfig() reads every flag from the file under its long name", () => {
  const fromFile = load(EVERY_SETTING);
  deepStrictEqual(essence(fromFile), essence(flagsOnly(EVERY_FLAG)));
  strictEqual(fromFile.ntpStratum, 3, "a TOML integer");
  strictEqual(fromFile.readyJson, true, "a TOML boolean");
  strictEqual(fromFile.udpRate, 10, "600/m");
  ok(fromFile.configFile?.endsWith(".toml"));
});

Deno.test("loadServeConfig() lets each flag replace the file's setting, lists whole", () => {
  const config = load(
    'tz = "Europe/Paris"\nworkers = 2\ndeny = ["192.0.2.0/24", "198.51.100.0/24"]\n' +
      'session = ["127.0.0.1:0"]\nlog-level = "debug"\n',
    ["--tz", "UTC", "--deny", "203.0.113.0/24", "--session", "127.0.0.2:0"],
  );
  strictEqual(config.zone.name, "UTC");
  strictEqual(config.workers, 2, "not given as a flag: the file's");
  strictEqual(config.log.level, "debug");
  deepStrictEqual(config.deny.map((c) => c.text), ["203.0.113.0/24"]);
  deepStrictEqual(config.listeners.map((l) => l.address.hostname), ["127.0.0.2"]);
});

Deno.test("loadServeConfig() resolves [service.NAME] tables over the global settings", () => {
  const config = load(`
deny = ["192.0.2.0/24"]
udp-rate = "20/s"

[service.daytime]
deny = []
udp-rate = "1/s"

[service.ntp]
allow = ["10.0.0.0/8"]
udp-burst = 7
tcp-rate = "off"

[service.time]
disable = true
`);
  const { session, daytime, time, ntp } = config.services;
  deepStrictEqual(session.deny.map((c) => c.text), ["192.0.2.0/24"], "the global deny");
  deepStrictEqual([session.udpRate, session.udpBurst, session.tcpRate], [20, 40, 10]);
  deepStrictEqual(daytime.deny, [], "its own, empty, deny");
  deepStrictEqual([daytime.udpRate, daytime.udpBurst], [1, 2], "its own rate's default burst");
  deepStrictEqual(ntp.allow.map((c) => c.text), ["10.0.0.0/8"]);
  deepStrictEqual([ntp.udpRate, ntp.udpBurst, ntp.tcpRate], [20, 7, null]);
  deepStrictEqual([time.disabled, session.disabled], [true, false]);
  ok(!config.listeners.some((l) => l.service === "time"), "a disabled service is not opened");
  deepStrictEqual(
    [...new Set(config.listeners.map((l) => l.service))],
    ["session", "daytime", "ntp", "roughtime", "http"],
  );
});

Deno.test("loadServeConfig() lets --service override one [service.NAME] setting", () => {
  const config = load(
    '[service.daytime]\ndeny = ["192.0.2.0/24"]\ndisable = true\n',
    ["--service", "daytime.disable=false", "--service", "ntp.deny=198.51.100.0/24,2001:db8::/32"],
  );
  strictEqual(config.services.daytime.disabled, false);
  deepStrictEqual(config.services.daytime.deny.map((c) => c.text), ["192.0.2.0/24"]);
  deepStrictEqual(config.services.ntp.deny.map((c) => c.text), [
    "198.51.100.0/24",
    "2001:db8::/32",
  ]);
});

Deno.test("loadServeConfig() gives workers a command line that resolves the same", () => {
  const config = load(
    EVERY_SETTING +
      '\n[service.daytime]\ndeny = []\nudp-rate = "1/s"\n[service.ntp]\ndisable = true\n',
    ["--tz", "UTC"],
  );
  ok(!config.args.some((arg) => arg.startsWith("--config")), config.args.join(" "));
  const again = flagsOnly([...config.args]);
  deepStrictEqual(essence(again), essence(config));
  deepStrictEqual(again.args, config.args);
});

Deno.test("loadServeConfig() reads the default file only under systemd, and only if it exists", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/clockd.toml`;
  try {
    const systemd = {
      defaultConfigPath: path,
      env: (name: string) => name === "INVOCATION_ID" ? "x" : undefined,
    };
    const terminal = { defaultConfigPath: path, env: () => undefined };
    strictEqual((loadServeConfig([], systemd) as ServeConfig).configFile, null, "no file");
    Deno.writeTextFileSync(path, 'tz = "Europe/Paris"\n');
    const underSystemd = loadServeConfig([], systemd) as ServeConfig;
    strictEqual(underSystemd.configFile, path);
    strictEqual(underSystemd.zone.name, "Europe/Paris");
    strictEqual((loadServeConfig([], terminal) as ServeConfig).zone.name, "UTC");
    const other = `${dir}/other.toml`;
    Deno.writeTextFileSync(other, 'tz = "Asia/Tokyo"\n');
    strictEqual(
      (loadServeConfig(["--config", other], systemd) as ServeConfig).zone.name,
      "Asia/Tokyo",
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("parseServeArgs() reads only the flags (and a --config), never the default file", () => {
  const config = flagsOnly(["--session", "127.0.0.1:0"]);
  strictEqual(config.configFile, null);
  deepStrictEqual(config.commandLine, ["--session", "127.0.0.1:0"]);
  deepStrictEqual(config.args, ["--session=127.0.0.1:0"]);
});

Deno.test("loadServeConfig() names the file, line and key of a bad setting", () => {
  configError(
    'tz = "UTC"\n\nudp_rate = "5/s"\n',
    'FILE:3: unknown setting "udp_rate"; did you mean udp-rate?',
  );
  configError(
    'tz = "UTC"\nworkers = true\n',
    "FILE:2: workers: expected a string or a number, got true",
  );
  configError("ready-json = 1\n", "FILE:1: ready-json: expected true or false, got 1");
  configError(
    'deny = [\n  "192.0.2.0/24",\n  true,\n]\n',
    "FILE:1: deny: expected a list of strings, got true",
  );
  configError(
    '# a comment\ndeny = ["192.0.2.1/24"]\n',
    'FILE:2: deny: invalid CIDR "192.0.2.1/24": host bits set, the network is "192.0.2.0/24"',
  );
  configError('\n\ntz = "Mars/Olympus"\n', 'FILE:3: tz: unknown time zone "Mars/Olympus"');
  configError('io = "epoll"\n', 'FILE:1: io: expected kernel or deno, got "epoll"');
  configError(
    '"max-sessions" = -1\n',
    'FILE:1: max-sessions: expected a whole number from 1 to 10000000, got "-1"',
  );
  configError(
    'session = ["999.1.1.1:0"]\n',
    'FILE:1: session: invalid address "999.1.1.1:0": "999.1.1.1" is not an IPv4 address',
  );
  configError(
    'config = "/etc/other.toml"\n',
    'FILE:1: unknown setting "config" (config is a command-line flag only)',
  );
  configError(
    'tz = "UTC"\ntz = "UTC"\n',
    "FILE:2: invalid TOML: trying to redefine an already defined table or value",
  );
  configError(
    'tz = "UTC\nworkers = 2\n',
    "FILE:1: invalid TOML: control characters are not allowed in strings",
  );
});

Deno.test("loadServeConfig() names the file, line and key of a bad [service.NAME] setting", () => {
  configError(
    "[service.daytme]\ndisable = true\n",
    "FILE:1: unknown service [service.daytme]; did you mean daytime?",
  );
  configError('[service.ntp]\ntz = "UTC"\n', 'FILE:2: unknown setting "tz" in [service.ntp]');
  configError(
    "[service.ntp]\n\ndisable = 1\n",
    "FILE:3: service.ntp.disable: expected true or false, got 1",
  );
  configError(
    '[service.ntp]\n\nudp-rate = "fast"\n',
    'FILE:3: service.ntp.udp-rate: invalid rate "fast": expected N/s, N/m or off',
  );
  configError(
    'service.ntp.deny = ["x"]\n',
    'FILE:1: service.ntp.deny: invalid CIDR "x": not an IP address',
  );
  configError("service = 3\n", "FILE:1: service: expected a table, got 3");
  configError(
    "[service.ntp]\n[service.session]\n[service.daytime]\n[service.time]\ndisable = true\n[service.ntp.x]\n",
    'FILE:6: unknown setting "x" in [service.ntp]',
  );
});

Deno.test("loadServeConfig() refuses a configuration that disables every listener", () => {
  configError(
    'session = ["127.0.0.1:0"]\n[service.session]\ndisable = true\n',
    "serve: every service with a listener is disabled",
  );
});

Deno.test("parseConfigFile() finds the line of a multi-line value and of quoted and dotted keys", () => {
  const settings = parseConfigFile(
    [
      "# clockd",
      'tz = """',
      'deny = ["a line of the string, not a key"]',
      '"""',
      "deny = [",
      '  "192.0.2.0/24",',
      "]",
      '"daytime-format" = "nist"',
      'service . daytime . allow = ["10.0.0.0/8"]',
      "[ service.ntp ]",
      "disable = true",
    ].join("\n"),
    "c.toml",
  );
  deepStrictEqual(Object.fromEntries(settings.origins), {
    tz: "c.toml:2: tz",
    deny: "c.toml:5: deny",
    "daytime-format": "c.toml:8: daytime-format",
    "service.daytime.allow": "c.toml:9: service.daytime.allow",
    "service.ntp.disable": "c.toml:11: service.ntp.disable",
  });
});

/**
 * deploy/Containerfile, checked statically (no registry is reachable here
 * to pull its base image): it builds on the official Deno image of the
 * version .ci/run pins, runs as a non-root user, caches every module at
 * build time, and runs clockd with exactly the permissions of deno.json's
 * `clockd` task. A build test runs only where podman or docker exists.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { SERVICES } from "../src/cli/serve_flags.ts";
import { WORKER_MODULES } from "../tools/compile.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CONTAINERFILE = `${ROOT}deploy/Containerfile`;
/** Runtime flags the image may add to the task's: they grant nothing. */
const EXTRA_FLAGS = ["--cached-only", "--frozen"];

/** The instructions of a Containerfile: keyword and argument text, continuations joined. */
function instructions(text: string): { keyword: string; args: string }[] {
  const joined = text.replace(/\\\n/g, " ").split("\n");
  return joined
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    });
}

/** Flags that grant or shape what the process may do: permissions and V8 flags. */
function isPermission(word: string): boolean {
  return word === "-A" || /^--(allow|deny)-/.test(word) || word.startsWith("--v8-flags=") ||
    /^-[A-Za-z]*A/.test(word);
}

/**
 * What is wrong with a Containerfile, given deno.json and .ci/run: one
 * line per problem, none when it is right.
 */
function containerfileProblems(text: string, denoJson: string, ciRun: string): string[] {
  const problems: string[] = [];
  const version = /^DENO_VERSION=(\S+)$/m.exec(ciRun)?.[1];
  assert.ok(version, ".ci/run sets no DENO_VERSION");
  const all = instructions(text);
  const froms = all.filter(({ keyword }) => keyword === "FROM");
  if (froms.length === 0) problems.push("no FROM");
  for (const { args } of froms) {
    const image = args.split(/\s+/)[0];
    if (!new RegExp(`^denoland/deno:(debian|bin)-${version.replaceAll(".", "\\.")}$`).test(image)) {
      problems.push(`FROM ${image}: not denoland/deno:debian-${version} or :bin-${version}`);
    }
  }
  const user = all.filter(({ keyword }) => keyword === "USER").at(-1)?.args;
  if (user === undefined) problems.push("no USER: the process would run as root");
  else if (!/^[1-9]\d*(:[1-9]\d*)?$/.test(user)) {
    problems.push(`USER ${user}: not a numeric non-root uid (runAsNonRoot cannot check a name)`);
  }
  const entrypoint = all.filter(({ keyword }) => keyword === "ENTRYPOINT").at(-1)?.args;
  let command: string[] = [];
  try {
    command = JSON.parse(entrypoint ?? "null");
    assert.ok(Array.isArray(command));
  } catch {
    problems.push("ENTRYPOINT is not an exec-form JSON array");
  }
  const task: string[] = JSON.parse(denoJson).tasks.clockd.split(/\s+/);
  if (command.length > 0) {
    if (command.slice(0, 2).join(" ") !== "deno run") problems.push("ENTRYPOINT is not deno run");
    if (command.at(-1) !== task.at(-1)) {
      problems.push(`ENTRYPOINT runs ${command.at(-1)}, the task ${task.at(-1)}`);
    }
    const flags = command.slice(2, -1);
    const granted = flags.filter(isPermission);
    const wanted = task.filter(isPermission);
    if (JSON.stringify(granted) !== JSON.stringify(wanted)) {
      problems.push(`permissions ${granted.join(" ")} differ from the task's ${wanted.join(" ")}`);
    }
    for (const flag of flags.filter((word) => !isPermission(word))) {
      if (!EXTRA_FLAGS.includes(flag)) problems.push(`unexpected flag ${flag}`);
    }
  }
  const cached = all.filter(({ keyword, args }) => keyword === "RUN" && /\bdeno cache\b/.test(args))
    .flatMap(({ args }) => args.split(/\s+/));
  for (const module of [task.at(-1)!, ...WORKER_MODULES]) {
    if (!cached.includes(module)) problems.push(`no RUN deno cache of ${module}`);
  }
  const exposed = all.filter(({ keyword }) => keyword === "EXPOSE")
    .flatMap(({ args }) => args.split(/\s+/));
  for (const [service, { transports, defaultPort }] of Object.entries(SERVICES)) {
    if (defaultPort === null) continue; // opt-in listeners have no default port to expose
    for (const transport of transports) {
      if (!exposed.includes(`${defaultPort}/${transport}`)) {
        problems.push(`no EXPOSE ${defaultPort}/${transport} (${service})`);
      }
    }
  }
  return problems;
}

const read = (path: string) => Deno.readTextFileSync(`${ROOT}${path}`);

Deno.test("deploy/Containerfile: Deno's image of .ci/run's version, a non-root user, the clockd task's permissions", () => {
  const text = read("deploy/Containerfile");
  assert.deepEqual(containerfileProblems(text, read("deno.json"), read(".ci/run")), []);
  // The version the FROM line names is the one the CI installs.
  assert.match(
    text,
    new RegExp(
      `^FROM denoland/deno:debian-${/^DENO_VERSION=(\S+)$/m.exec(read(".ci/run"))![1]}$`,
      "m",
    ),
  );
});

Deno.test("containerfileProblems() names each thing wrong with a mutated Containerfile", () => {
  const text = read("deploy/Containerfile")
    .replace("FROM denoland/deno:debian-2.9.6", "FROM denoland/deno:debian-2.9.5")
    .replace("USER 1993:1993", "USER root")
    .replace('"--allow-net", ', '"--allow-net", "--allow-run", ')
    .replace('"--frozen", ', '"--frozen", "--no-check", ')
    .replace(" src/server/worker.ts", "")
    .replace(" 10123/udp 2002/tcp", " 2002/tcp");
  assert.notEqual(text, read("deploy/Containerfile"));
  const problems = containerfileProblems(text, read("deno.json"), read(".ci/run"));
  const expected = [
    /^FROM denoland\/deno:debian-2\.9\.5: not/,
    /^USER root: not a numeric non-root uid/,
    /^permissions .*--allow-run.* differ from the task's/,
    /^unexpected flag --no-check$/,
    /^no RUN deno cache of src\/server\/worker\.ts$/,
    /^no EXPOSE 10123\/udp \(ntp\)$/,
  ];
  for (const pattern of expected) {
    assert.ok(
      problems.some((problem) => pattern.test(problem)),
      `${pattern} in:\n${problems.join("\n")}`,
    );
  }
  assert.equal(problems.length, expected.length, problems.join("\n"));
});

/** podman, or docker with a daemon it can reach, if either works here. */
function findBuilder(): string | null {
  for (const tool of ["podman", "docker"]) {
    try {
      if (
        new Deno.Command(tool, { args: ["info"], stdout: "null", stderr: "null" }).outputSync()
          .success
      ) {
        return tool;
      }
    } catch {
      // not installed
    }
  }
  return null;
}

const builder = findBuilder();

Deno.test({
  name: `deploy/Containerfile builds and the image runs clockd${
    builder === null
      ? " (skipped: no working podman or docker here, and no registry to pull denoland/deno from)"
      : ""
  }`,
  ignore: builder === null,
  async fn() {
    const tag = "localhost/clockd:test";
    const build = await new Deno.Command(builder!, {
      args: ["build", "-f", CONTAINERFILE, "-t", tag, ROOT],
      stdin: "null",
    }).output();
    assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));
    const run = await new Deno.Command(builder!, {
      args: ["run", "--rm", "--read-only", "--cap-drop=ALL", tag, "version"],
      stdin: "null",
    }).output();
    assert.equal(new TextDecoder().decode(run.stdout).trim(), "clockd 0.1.0");
  },
});

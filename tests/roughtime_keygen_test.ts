/**
 * The Roughtime long-term key file and `clockd roughtime keygen FILE`.
 */

import assert from "node:assert/strict";
import {
  readRoughtimeSeedFile,
  RoughtimeResponder,
  signingKeyFromSeed,
  writeRoughtimeSeedFile,
} from "../src/protocols/roughtime/mod.ts";
import { main } from "../main.ts";
import { roughtimeCommand } from "../src/cli/roughtime_command.ts";
import { UsageError } from "../src/cli/usage_error.ts";
import { CLOCKD_COMMAND } from "./_clockd.ts";

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("writeRoughtimeSeedFile() writes a 32-byte seed, mode 0600, and returns its public key", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/root.key`;
    const publicKey = await writeRoughtimeSeedFile(path);
    const info = await Deno.stat(path);
    assert.equal(info.mode! & 0o777, 0o600);
    assert.equal(info.size, 32);
    const seed = await readRoughtimeSeedFile(path);
    assert.equal((await signingKeyFromSeed(seed)).publicKey.toBase64(), publicKey);
    const responder = await RoughtimeResponder.create({
      rootSeed: seed,
      now: { seconds: 1_800_000_000, nanos: 0 },
    });
    assert.equal(responder.publicKey.toBase64(), publicKey);
  });
});

Deno.test("writeRoughtimeSeedFile() never overwrites an existing file", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/root.key`;
    await Deno.writeTextFile(path, "precious");
    await assert.rejects(writeRoughtimeSeedFile(path), Deno.errors.AlreadyExists);
    assert.equal(await Deno.readTextFile(path), "precious");
  });
});

Deno.test("readRoughtimeSeedFile() takes raw or hex seeds and refuses others' access and odd sizes", async () => {
  await withTempDir(async (dir) => {
    const raw = `${dir}/raw`;
    await Deno.writeFile(raw, new Uint8Array(32).fill(0xab), { mode: 0o600 });
    await Deno.chmod(raw, 0o600);
    assert.equal((await readRoughtimeSeedFile(raw))[31], 0xab);
    const hex = `${dir}/hex`;
    await Deno.writeTextFile(hex, "AB".repeat(32) + "\n");
    await Deno.chmod(hex, 0o400);
    assert.deepEqual(await readRoughtimeSeedFile(hex), new Uint8Array(32).fill(0xab));
    await Deno.chmod(raw, 0o644);
    await assert.rejects(readRoughtimeSeedFile(raw), Deno.errors.PermissionDenied);
    const odd = `${dir}/odd`;
    await Deno.writeFile(odd, new Uint8Array(31));
    await Deno.chmod(odd, 0o600);
    await assert.rejects(readRoughtimeSeedFile(odd), SyntaxError);
    await assert.rejects(readRoughtimeSeedFile(`${dir}/missing`), Deno.errors.NotFound);
  });
});

Deno.test("roughtimeCommand() keygen prints the public key; its mistakes are usage errors", async () => {
  await withTempDir(async (dir) => {
    const out: string[] = [];
    const err: string[] = [];
    const output = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    assert.equal(await roughtimeCommand(["keygen", `${dir}/k`], output), 0);
    assert.match(out[0], /^public key: [A-Za-z0-9+/]{43}=$/);
    assert.equal(await roughtimeCommand(["keygen", `${dir}/k`], output), 1);
    assert.match(err[0], /exists; a key is never overwritten/);
    assert.equal(await roughtimeCommand(["keygen", `${dir}/no/such/dir/k`], output), 1);
    await assert.rejects(roughtimeCommand([], output), UsageError);
    await assert.rejects(roughtimeCommand(["rotate"], output), UsageError);
    await assert.rejects(roughtimeCommand(["keygen"], output), UsageError);
    await assert.rejects(roughtimeCommand(["keygen", "a", "b"], output), UsageError);
  });
});

Deno.test("main() runs clockd roughtime keygen FILE", async () => {
  await withTempDir(async (dir) => {
    const log = console.log;
    const lines: string[] = [];
    console.log = (line: string) => lines.push(line);
    try {
      assert.equal(await main(["roughtime", "keygen", `${dir}/root.key`]), 0);
    } finally {
      console.log = log;
    }
    assert.match(lines[0], /^public key: /);
    const error = console.error;
    console.error = () => {};
    try {
      assert.equal(await main(["roughtime"]), 2);
    } finally {
      console.error = error;
    }
  });
});

Deno.test("clockd roughtime keygen under deno task start's permissions says it cannot write", async () => {
  await withTempDir(async (dir) => {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [...CLOCKD_COMMAND, "roughtime", "keygen", `${dir}/root.key`],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(code, 1);
    assert.match(new TextDecoder().decode(stderr), /runs without --allow-write/);
  });
});

// Every command's --help, and every group's (`oneplace users --help`), through the real binary: help on
// stdout and exit 0, with no database needed or touched.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadCommands } from "../../src/cli/main.ts";
import { type CliResult, cliInProcess, runCli } from "../helpers/cli.ts";

const COMMANDS = await loadCommands();

const home = mkdtempSync(join(tmpdir(), "oneplace-help-"));
after(() => rmSync(home, { recursive: true, force: true }));
const env = { ONEPLACE_HOME: home };

/** Runs each argv through the binary, a few at a time (each is a Node process). */
async function runAll(argvs: string[][]): Promise<Map<string, CliResult>> {
  const results = new Map<string, CliResult>();
  const queue = [...argvs];
  await Promise.all(
    Array.from({ length: 3 }, async () => {
      for (let argv = queue.shift(); argv; argv = queue.shift())
        results.set(argv.join(" "), await runCli(argv, env));
    }),
  );
  return results;
}

// A group is the first word of two-word commands; `stratify` is a command itself, whose --help is its own.
const GROUPS = [
  ...new Set(COMMANDS.filter((c) => c.name.includes(" ")).map((c) => c.name.split(" ")[0] as string)),
].filter((g) => !COMMANDS.some((c) => c.name === g));

test("every command's --help prints its usage and exits 0", async () => {
  for (const command of COMMANDS) {
    for (const flag of ["--help", "-h"]) {
      const res = await cliInProcess([...command.name.split(" "), flag]);
      assert.equal(res.code, 0, `oneplace ${command.name} ${flag}`);
      assert.match(res.stdout, new RegExp(`Usage: oneplace ${command.name}\\b`), command.name);
      assert.match(res.stdout, /-h, --help/, command.name);
    }
  }
  for (const argv of [
    ["help", "users", "lock"],
    ["users", "lock", "--no-such-option", "--help"],
  ]) {
    const res = await cliInProcess(argv);
    assert.equal(res.code, 0, argv.join(" "));
    assert.match(res.stdout, /Usage: oneplace users lock <username>/, argv.join(" "));
  }
  // Through the binary too, for a command that needs the database: help opens none.
  const res = await runCli(["users", "lock", "--help"], env);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /Usage: oneplace users lock <username>/);
  assert.equal(res.stderr, "");
  assert.equal(existsSync(join(home, "pgdata")), false, "help opens no database");
});

test("every group's --help (oneplace users --help) lists its commands and exits 0, through the binary", async () => {
  assert.ok(GROUPS.includes("users") && GROUPS.includes("audit"));
  // Every group through main() in this process; one group, in each spelling, through the binary as well.
  const results = await runAll([
    ["users", "--help"],
    ["users", "-h"],
    ["help", "users"],
  ]);
  for (const g of GROUPS) results.set(`in-process ${g} --help`, await cliInProcess([g, "--help"]));
  for (const argv of [
    ...GROUPS.map((g) => `in-process ${g} --help`),
    "users --help",
    "users -h",
    "help users",
  ]) {
    const group = argv.replace(/^(in-process|help) /, "").split(" ")[0] as string;
    const res = results.get(argv) as CliResult;
    assert.equal(res.code, 0, `oneplace ${argv}: ${res.stderr}`);
    assert.equal(res.stderr, "", argv);
    assert.match(res.stdout, new RegExp(`Usage: oneplace ${group} <command>`), argv);
    for (const c of COMMANDS.filter((c) => c.name.startsWith(`${group} `)))
      assert.match(res.stdout, new RegExp(`\\n  ${c.name} `), `${argv} lists ${c.name}`);
  }
});

test("without --help a group alone or an unknown command is still a usage error (exit 2)", async () => {
  await assert.rejects(cliInProcess(["users"]), /Unknown command: users/);
  await assert.rejects(cliInProcess(["frobnicate", "--help"]), /Unknown command: frobnicate/);
  assert.equal((await cliInProcess(["--help"])).code, 0);
  assert.equal((await cliInProcess([])).code, 2);
});

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cliInProcess, ONEPLACE_BIN, runCli, startCliSession } from "../helpers/cli.ts";
import { freePort } from "../helpers/free-port.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-db.ts";

const SMALL = ["--people", "400", "--from", "2014-04-01", "--to", "2016-03-31", "--quiet"];

describe("oneplace with no database needed", () => {
  /** The usage errors' commands in one CLI child (--help and no arguments run the binary itself). */
  const cli = startCliSession({});
  after(() => cli.close());
  test("--help lists every command; no arguments is a usage error", async () => {
    const help = await runCli(["--help"], {});
    assert.equal(help.code, 0);
    for (const name of ["demo", "serve", "synth", "db migrate", "db status"])
      assert.match(help.stdout, new RegExp(`\\n  ${name} `));
    const none = await runCli([], {});
    assert.equal(none.code, 2);
  });

  test("every command has --help", async () => {
    for (const args of [["demo"], ["serve"], ["synth"], ["db", "migrate"], ["db", "status"]]) {
      const res = await cliInProcess([...args, "--help"]);
      assert.equal(res.code, 0, args.join(" "));
      assert.match(res.stdout, new RegExp(`Usage: oneplace ${args.join(" ")}`));
      assert.match(res.stdout, /--help/);
    }
  });

  test("serve and demo run with 16 MiB semi-spaces (bin/oneplace.js re-executes itself); other commands do not", async () => {
    // A module imported before the command runs says whether V8 was started with the smaller young generation.
    const probe =
      'data:text/javascript,if(process.execArgv.includes("--max-semi-space-size=16"))process.stderr.write("semi-space 16\\n")';
    const semiSpace = (command: string) =>
      new Promise<boolean>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", probe, ONEPLACE_BIN, command, "--help"], {
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (d) => {
          stderr += d;
        });
        child.on("error", reject);
        child.on("close", () => resolve(stderr.includes("semi-space 16")));
      });
    assert.equal(await semiSpace("serve"), true);
    assert.equal(await semiSpace("demo"), true);
    assert.equal(await semiSpace("synth"), false);
  });

  test("an unknown flag or command is a usage error with a way forward", async () => {
    const flag = await cli.run(["synth", "--peeple", "5"], {});
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--peeple/);
    assert.match(flag.stderr, /oneplace synth --help/);
    const command = await cli.run(["frobnicate"], {});
    assert.equal(command.code, 2);
    assert.match(command.stderr, /Unknown command: frobnicate/);
    const group = await cli.run(["db"], {});
    assert.equal(group.code, 2);
    assert.match(group.stderr, /needs one of: distribute, migrate, status/);
  });

  test("out-of-range options are refused before any work", async () => {
    const res = await cli.run(["synth", "--people", "5"], {
      ONEPLACE_HOME: mkdtempSync(join(tmpdir(), "op-")),
    });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /--people must be a whole number from 100 to 2,000,000/);
    const threads = await cli.run(["synth", "--threads", "0"], {});
    assert.equal(threads.code, 2, threads.stderr);
    assert.match(threads.stderr, /--threads must be a whole number from 1 to 16/);
    const rate = await cli.run(["synth", "--missing-nhs-number", "1.5"], {});
    assert.equal(rate.code, 2);
    assert.match(rate.stderr, /--missing-nhs-number must be a rate/);
  });

  test("a bad DATABASE_URL fails clearly and never prints the password", async () => {
    const res = await cli.run(["db", "status"], {
      DATABASE_URL: "postgres://someone:s3cret-pw@127.0.0.1:1/nowhere",
    });
    assert.equal(res.code, 1);
    assert.match(
      res.stderr,
      /Cannot connect to PostgreSQL at 127\.0\.0\.1:1\/nowhere: nothing is listening there/,
    );
    assert.match(res.stderr, /Check DATABASE_URL/);
    assert.doesNotMatch(res.stderr + res.stdout, /s3cret-pw/);
    const garbled = await cli.run(["db", "status"], { DATABASE_URL: "not a url" });
    assert.equal(garbled.code, 1);
    assert.match(garbled.stderr, /DATABASE_URL is not a valid URL/);
  });

  test("synth --out writes the same files, byte for byte, for the same seed, however many threads make them", async () => {
    const dirs = [0, 1, 2].map(() => mkdtempSync(join(tmpdir(), "op-synth-")));
    const run = (dir: string, seed: string, threads: string) =>
      runCli(["synth", ...SMALL, "--seed", seed, "--out", dir, "--threads", threads, "--json"], {});
    const [a, b, c] = await Promise.all([
      run(dirs[0], "alpha", "3"),
      run(dirs[1], "alpha", "1"),
      run(dirs[2], "beta", "2"),
    ]);
    for (const r of [a, b, c]) assert.equal(r.code, 0, r.stderr);
    const hashes = [a, b, c].map((r) => JSON.parse(r.stdout).sha256 as Record<string, string>);
    assert.ok(Object.keys(hashes[0]).length >= 15);
    assert.deepEqual(hashes[0], hashes[1]);
    assert.notDeepEqual(hashes[0], hashes[2]);
  });
});

describe("oneplace on a database", () => {
  let database: TestDatabase;
  /** The commands on the database in one CLI child (the demo below runs the binary itself). */
  const cli = startCliSession({});
  after(() => cli.close());
  before(async () => {
    database = await createTestDatabase();
  });
  after(() => database.drop());

  test("db status shows pending migrations; db migrate applies them; then nothing is pending", async () => {
    const before = await cli.run(["db", "status", "--json"], database.env);
    assert.equal(before.code, 0, before.stderr);
    assert.ok(JSON.parse(before.stdout).pending >= 4);
    const migrate = await cli.run(["db", "migrate"], database.env);
    assert.equal(migrate.code, 0, migrate.stderr);
    assert.match(migrate.stdout, /Applied \d+ migration\(s\): 0001_reference/);
    const again = await cli.run(["db", "migrate", "--json"], database.env);
    assert.deepEqual(JSON.parse(again.stdout).applied, []);
    const status = await cli.run(["db", "status"], database.env);
    assert.match(status.stdout, /Up to date\./);
  });

  test("synth loads a place, prints rows per table with rates, and refuses to load twice", async () => {
    const first = await cli.run(["synth", ...SMALL], database.env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /person\s+[\d,]+ rows\s+[\d,]+ rows\/s/);
    assert.match(first.stdout, /hospital_spell\s+[\d,]+ rows/);
    assert.match(first.stdout, /total\s+[\d,]+ rows/);
    assert.match(
      first.stdout,
      /Teams and care relationships: \d+ teams, \d+ staff, [\d,]+ care-team memberships/,
    );
    const second = await cli.run(["synth", ...SMALL], database.env);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /already holds a place/);
  });

  test("synth --report prints the calibration report for what is loaded", async () => {
    const res = await cli.run(["synth", "--report", ...SMALL], database.env);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /registered/i);
    assert.match(res.stdout, /emergency admissions/i);
    const json = await cli.run(["synth", "--report", "--json", ...SMALL], database.env);
    const rows = JSON.parse(json.stdout) as { figure: string; generated: number }[];
    assert.ok(rows.length >= 15);
    assert.ok(rows.every((r) => typeof r.generated === "number"));
  });

  test("demo serves the status page and /health, and stops cleanly on Ctrl-C", async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [ONEPLACE_BIN, "demo", "--port", String(port), ...SMALL.filter((a) => a !== "--quiet")],
      {
        env: { PATH: process.env.PATH ?? "", ...database.env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      await waitFor(
        () => stdout.includes("running at"),
        60_000,
        () => stdout,
      );
      assert.match(stdout, /Using the place already loaded/);
      assert.match(stdout, /\d[\d,]* people, \d+ practices in 4 localities/);
      // One demo user per role, each password printed once (random, never in the code).
      assert.match(stdout, /demo\.gp +[A-Za-z0-9_-]{20} +gp +practice-Z9\d{4}/);
      assert.match(stdout, /demo\.admin +[A-Za-z0-9_-]{20} +administrator +oneplace-service/);
      assert.match(stdout, /These passwords are shown once/);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { status: string }).status, "ok");
      const page = await fetch(`http://127.0.0.1:${port}/status`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /What is loaded/);
    } finally {
      child.kill("SIGINT");
    }
    assert.equal(await exited, 0);
    assert.match(stdout, /Stopping \(SIGINT\)/);
  });
});

async function waitFor(condition: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out; output so far:\n${describe()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

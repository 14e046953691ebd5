// One process per embedded database: a second process is refused with the holder named, never let in; the
// lock goes when its holder closes or dies, and a directory copied with its lock file still opens.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { LOCK_FILE, lockDataDir, processCommand, processStartTime } from "../../src/store/data-dir-lock.ts";
import { migrate, openDb, pgliteDataDir } from "../../src/store/index.ts";
import { ONEPLACE_BIN, runCli } from "../helpers/cli.ts";
import { freePort } from "../helpers/free-port.ts";

const homes: string[] = [];
after(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

function scratchHome(): string {
  const home = mkdtempSync(join(tmpdir(), "oneplace-lock-"));
  homes.push(home);
  return home;
}

/** A pid that no process has now: a child that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.exit(0)"]);
  assert.equal(child.status, 0);
  return child.pid as number;
}

function writeLock(dataDir: string, holder: Record<string, unknown>): void {
  writeFileSync(
    join(dataDir, LOCK_FILE),
    JSON.stringify({
      host: hostname(),
      command: "oneplace serve",
      since: "2026-12-04T09:00:00.000Z",
      ...holder,
    }),
  );
}

describe("the embedded database's lock, across processes", () => {
  test("a second process is refused with the holder named while serve runs, and opens once serve stops", async () => {
    const home = scratchHome();
    const env = { ONEPLACE_HOME: home, ONEPLACE_LOG_LEVEL: "error" };
    const port = await freePort();
    const server = spawn(
      process.execPath,
      [ONEPLACE_BIN, "serve", "--no-mllp", "--host", "127.0.0.1", "--port", String(port)],
      {
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let serverErr = "";
    server.stderr.on("data", (d) => {
      serverErr += d;
    });
    const closed = new Promise<number | null>((resolve) => server.on("close", resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        let out = "";
        server.stdout.on("data", (d) => {
          out += d;
          if (/OnePlace is running at/.test(out)) resolve();
        });
        server.on("close", () => reject(new Error(`serve stopped before listening: ${out}${serverErr}`)));
      });
      const lock = JSON.parse(readFileSync(join(pgliteDataDir(home), LOCK_FILE), "utf8"));
      assert.equal(lock.pid, server.pid);
      assert.equal(lock.command, "oneplace serve");

      for (const args of [
        ["users", "lock", "someone"],
        ["audit", "verify"],
      ]) {
        const second = await runCli(args, env);
        assert.equal(second.code, 1, `${args.join(" ")}: ${second.stderr}`);
        assert.match(
          second.stderr,
          new RegExp(
            `The database at .*pgdata is open in process ${server.pid} \\(oneplace serve, since \\d{4}-\\d\\d-\\d\\dT`,
          ),
        );
        assert.match(second.stderr, /Stop it .* or do this through the running server/);
      }
      // The server is untouched by the attempts: it still answers.
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      assert.equal(health.status, 200);
    } finally {
      server.kill("SIGINT");
    }
    assert.equal(await closed, 0, serverErr);
    assert.equal(existsSync(join(pgliteDataDir(home), LOCK_FILE)), false, "serve removes its lock on Ctrl-C");
    const verify = await runCli(["audit", "verify"], env);
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, /intact/i);
  });

  test("a lock left by a killed process is taken over by the next", async () => {
    const home = scratchHome();
    const env = { ONEPLACE_HOME: home, ONEPLACE_LOG_LEVEL: "error" };
    assert.equal((await runCli(["db", "migrate"], env)).code, 0);
    const dataDir = pgliteDataDir(home);
    writeLock(dataDir, { pid: deadPid(), dataDir, token: "killed" });
    const status = await runCli(["db", "status"], env);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(existsSync(join(dataDir, LOCK_FILE)), false, "and released when it is done");
  });
});

describe("the embedded database's lock, in one process", () => {
  test("opening a database already open in this process is refused; closing it lets it open again", async () => {
    const home = scratchHome();
    const db = await openDb({ home });
    try {
      await assert.rejects(openDb({ home }), (error: Error & { code?: string; hint?: string }) => {
        assert.equal(error.code, "store.embedded-in-use");
        assert.match(error.message, /is already open in this process/);
        return true;
      });
    } finally {
      await db.close();
    }
    assert.equal(existsSync(join(pgliteDataDir(home), LOCK_FILE)), false);
    const again = await openDb({ home });
    await again.close();
  });

  test("a data directory copied with the lock file of a dead process, or of its living original, opens", async () => {
    const home = scratchHome();
    const original = await openDb({ home });
    await migrate(original);
    await original.close();
    const dataDir = pgliteDataDir(home);
    for (const [name, holder] of [
      ["dead", { pid: deadPid(), dataDir, token: "dead" }],
      // The harness copies a template while its own process holds it: the lock names a live pid, another dir.
      ["live original", { pid: process.pid, dataDir, token: "original" }],
    ] as const) {
      writeLock(dataDir, holder);
      const copyHome = scratchHome();
      cpSync(home, copyHome, { recursive: true });
      rmSync(join(dataDir, LOCK_FILE));
      const copy = await openDb({ home: copyHome });
      try {
        const [row] = await copy.query<{ n: number }>("SELECT count(*)::int AS n FROM schema_migration");
        assert.ok(row && row.n > 0, `${name}: the copy holds the migrated schema`);
        const lock = JSON.parse(readFileSync(join(pgliteDataDir(copyHome), LOCK_FILE), "utf8"));
        assert.equal(lock.pid, process.pid, `${name}: the copy's lock is now ours`);
        assert.equal(lock.dataDir, pgliteDataDir(copyHome));
      } finally {
        await copy.close();
      }
    }
  });

  test("a lock held by a live process on this host is never taken over", () => {
    const home = scratchHome();
    const dataDir = pgliteDataDir(home);
    mkdirSync(dataDir);
    // The test runner's parent (alive, not this process) holds it.
    writeLock(dataDir, { pid: process.ppid, dataDir, token: "parent" });
    assert.throws(
      () => lockDataDir(dataDir),
      /is open in process \d+ \(oneplace serve, since 2026-12-04T09:00:00.000Z\)/,
    );
    assert.equal(
      JSON.parse(readFileSync(join(dataDir, LOCK_FILE), "utf8")).token,
      "parent",
      "left as it was",
    );
  });

  test("the same directory reached by another path (a mount or volume) is the same lock, never a copy", () => {
    const home = scratchHome();
    const dataDir = pgliteDataDir(home);
    mkdirSync(dataDir);
    const st = statSync(dataDir);
    // Written by a live process that opened this very directory through another mount point.
    writeLock(dataDir, {
      pid: process.ppid,
      dataDir: "/srv/oneplace/pgdata",
      dirId: `${st.dev}:${st.ino}`,
      token: "mount",
    });
    assert.throws(() => lockDataDir(dataDir), /is open in process \d+/);
    assert.equal(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), "utf8")).token, "mount", "left as it was");
    const lock = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), "utf8"));
    assert.equal(lock.dataDir, "/srv/oneplace/pgdata");
  });

  test("the command recorded is the program and its command words, never its options", () => {
    assert.equal(
      processCommand(["node", "/x/bin/oneplace.js", "users", "lock", "--password", "p"]),
      "oneplace users lock",
    );
    assert.equal(processCommand(["node", "/x/bin/oneplace.js", "serve", "--port", "3000"]), "oneplace serve");
    assert.equal(processCommand(["node", "/x/test/store/lock.test.ts"]), "lock.test");
  });
});

test("a lock naming this process's number is taken over only when it was an earlier process's", () => {
  const home = scratchHome();
  const dataDir = pgliteDataDir(home);
  mkdirSync(dataDir);
  writeLock(dataDir, {
    pid: process.pid,
    dataDir,
    token: "other-thread",
    processStart: processStartTime(process.pid),
  });
  assert.throws(() => lockDataDir(dataDir), /is already open in this process/);
  writeLock(dataDir, { pid: process.pid, dataDir, token: "earlier", processStart: "1" });
  const lock = lockDataDir(dataDir);
  assert.equal(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), "utf8")).token, lock.holder.token);
  lock.release();
  assert.equal(existsSync(join(dataDir, LOCK_FILE)), false);
});

test("a process that exits without closing leaves no lock; one killed leaves a lock the next takes over", () => {
  const module = new URL("../../src/store/data-dir-lock.ts", import.meta.url).href;
  for (const [how, code, left] of [
    ["process.exit(3)", 3, false],
    ["process.kill(process.pid, 'SIGKILL')", null, true],
  ] as const) {
    const dataDir = pgliteDataDir(scratchHome());
    mkdirSync(dataDir);
    const child = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { lockDataDir } from "${module}"; lockDataDir(process.argv[1]); ${how};`,
        dataDir,
      ],
      { encoding: "utf8" },
    );
    assert.equal(child.status, code, child.stderr);
    assert.equal(existsSync(join(dataDir, LOCK_FILE)), left, how);
    const lock = lockDataDir(dataDir);
    assert.equal(lock.holder.pid, process.pid, `${how}: the next opener holds it`);
    lock.release();
  }
});

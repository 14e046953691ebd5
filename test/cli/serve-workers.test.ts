// `oneplace serve --workers 2`: two server processes on one port, both serving FHIR reads at once, each read
// decided and audited, and the audit trail stays one valid chain (`oneplace audit verify`). On PGlite, whose
// database one process opens, --workers is refused.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { after, before, describe, test } from "node:test";
import { openDb } from "../../src/store/index.ts";
import { person, preparePlace } from "../fhir/place.ts";
import { CLI_COMPILE_CACHE, ONEPLACE_BIN, runCli } from "../helpers/cli.ts";
import { createTestDatabase, serverUrl, type TestDatabase } from "../helpers/test-db.ts";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** The process ids of a process's children. */
function childrenOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number),
  );
}

/** User plus system CPU seconds of a process. */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

test("serve --workers on the embedded database is refused, with what to do", async () => {
  const database = await createTestDatabase({ server: null, migrated: true });
  try {
    const res = await runCli(
      ["serve", "--workers", "2", "--no-mllp", "--port", String(await freePort())],
      database.env,
    );
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, /--workers needs a PostgreSQL server \(DATABASE_URL\)/);
  } finally {
    await database.drop();
  }
});

describe("serve --workers 2 on PostgreSQL", { skip: serverUrl ? false : "needs DATABASE_URL" }, () => {
  let database: TestDatabase;
  const tokens = new Map<string, string>();
  before(async () => {
    database = await createTestDatabase({ migrated: true });
    const db = await openDb({ databaseUrl: database.databaseUrl, home: database.home });
    try {
      await preparePlace(db, tokens);
    } finally {
      await db.close();
    }
  });
  after(() => database?.drop());

  test("both processes serve audited reads at once, and the audit trail is one unbroken chain", async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [ONEPLACE_BIN, "serve", "--workers", "2", "--no-mllp", "--port", String(port)],
      {
        env: {
          PATH: process.env.PATH ?? "",
          ...CLI_COMPILE_CACHE,
          ...database.env,
          ONEPLACE_LOG_LEVEL: "warn",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const reads = 400;
    try {
      for (let i = 0; !stdout.includes("running at"); i++) {
        if (i > 1200) throw new Error(`the server did not start:\n${stdout}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(stdout, /in 2 server processes/);
      const workers = childrenOf(child.pid as number);
      assert.equal(workers.length, 2, "two worker processes");
      const cpuBefore = workers.map(cpuOf);
      const [{ n: rowsBefore }] = await countAudit(database);
      // Sixteen at a time, so sixteen connections: the primary hands connections to the workers in turn.
      const url = `http://127.0.0.1:${port}/fhir/R4/Patient/${person.personId}`;
      const headers = { authorization: `Bearer ${tokens.get("gp.fhir")}` };
      let next = 0;
      const statuses: number[] = [];
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < reads) {
            next++;
            const res = await fetch(url, { headers });
            statuses.push(res.status);
            const body = (await res.json()) as { id: string };
            assert.equal(body.id, person.personId);
          }
        }),
      );
      assert.deepEqual(new Set(statuses), new Set([200]));
      const used = workers.map((pid, i) => cpuOf(pid) - (cpuBefore[i] as number));
      for (const [i, seconds] of used.entries())
        assert.ok(seconds > 0.05, `worker ${i + 1} served reads (${seconds.toFixed(2)} s of CPU)`);
      const [{ n: rowsAfter }] = await countAudit(database);
      assert.equal(rowsAfter - rowsBefore, reads, "one audit row per read");
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exited, 0, stderr);
    assert.match(stdout, /Stopping \(SIGTERM\)/);
    const verify = await runCli(["audit", "verify"], database.env);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /The audit trail is intact: \d+ rows/);
  });
});

async function countAudit(database: TestDatabase) {
  const db = await openDb({ databaseUrl: database.databaseUrl, home: database.home });
  try {
    return await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_event WHERE channel = 'fhir' AND action = 'view'",
    );
  } finally {
    await db.close();
  }
}

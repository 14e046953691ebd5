// `oneplace serve --workers 2`: two server processes on one port. What each process keeps for itself must not
// change what a caller sees from the other: reads from both are decided and audited in one unbroken chain
// (`oneplace audit verify`), a Bulk Data export kicked off on one is polled and downloaded from the other, and a
// token revoked is refused by both. Each answer names the process that gave it (X-OnePlace-Process), and each
// request here goes on a connection of its own, which the primary hands to the workers in turn. On PGlite, whose
// database one process opens, --workers is refused.
import assert from "node:assert/strict";
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import type { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { createApiToken, revokeApiToken } from "../../src/governance/index.ts";
import { type Db, openDb } from "../../src/store/index.ts";
import { person, preparePlace } from "../fhir/place.ts";
import { TEAMS, TEST_OPERATOR } from "../governance/fixtures.ts";
import { CLI_COMPILE_CACHE, ONEPLACE_BIN, runCli } from "../helpers/cli.ts";
import { freePort } from "../helpers/free-port.ts";
import { createTestDatabase, serverUrl, type TestDatabase } from "../helpers/test-db.ts";

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

interface Answer {
  status: number;
  process: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
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
  let db: Db;
  const tokens = new Map<string, string>();
  let port = 0;
  let child: ChildProcessByStdio<null, Readable, Readable> | null = null;
  let exited: Promise<number | null> = Promise.resolve(null);
  const output = { stdout: "", stderr: "" };

  /** A GET on a connection of its own (no keep-alive), so that the primary hands it to the next worker. */
  function get(path: string, token: string, headers: Record<string, string> = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path,
          agent: false,
          headers: { authorization: `Bearer ${token}`, ...headers },
        },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (d) => {
            body += d;
          });
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              process: String(res.headers["x-oneplace-process"]),
              headers: res.headers,
              body,
            }),
          );
        },
      );
      req.on("error", reject);
      req.end();
    });
  }

  /** Asks until a process other than `not` answers (each ask on a new connection), and returns that answer. */
  async function fromAnother(not: string, ask: () => Promise<Answer>): Promise<Answer> {
    for (let i = 0; i < 40; i++) {
      const answer = await ask();
      if (answer.process !== not) return answer;
    }
    throw new Error(`process ${not} answered 40 connections in a row`);
  }

  before(async () => {
    database = await createTestDatabase({ migrated: true });
    db = await openDb({ databaseUrl: database.databaseUrl, home: database.home });
    await preparePlace(db, tokens);
    port = await freePort();
    const started = spawn(
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
    child = started;
    started.stdout.on("data", (d) => {
      output.stdout += d;
    });
    started.stderr.on("data", (d) => {
      output.stderr += d;
    });
    exited = new Promise<number | null>((resolve) => started.on("close", resolve));
    for (let i = 0; !output.stdout.includes("running at"); i++) {
      if (i > 3000) throw new Error(`the server did not start:\n${output.stdout}\n${output.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(async () => {
    child?.kill("SIGTERM");
    await db?.close();
    await database?.drop();
  });

  test("both processes serve audited reads at once, and the audit trail is one unbroken chain", async () => {
    assert.match(output.stdout, /in 2 server processes/);
    const workers = childrenOf(child?.pid as number);
    assert.equal(workers.length, 2, "two worker processes");
    const cpuBefore = workers.map(cpuOf);
    const [{ n: rowsBefore }] = await countAudit(db);
    const reads = 400;
    const token = tokens.get("gp.fhir") as string;
    let next = 0;
    const answered = new Map<string, number>();
    // Sixteen at a time, each read on a connection of its own.
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < reads) {
          next++;
          const res = await get(`/fhir/R4/Patient/${person.personId}`, token);
          assert.equal(res.status, 200, res.body);
          assert.equal((JSON.parse(res.body) as { id: string }).id, person.personId);
          answered.set(res.process, (answered.get(res.process) ?? 0) + 1);
        }
      }),
    );
    assert.deepEqual([...answered.keys()].sort(), ["1", "2"], "both processes answered");
    const used = workers.map((pid, i) => cpuOf(pid) - (cpuBefore[i] as number));
    for (const [i, seconds] of used.entries())
      assert.ok(seconds > 0.05, `worker ${i + 1} served reads (${seconds.toFixed(2)} s of CPU)`);
    const [{ n: rowsAfter }] = await countAudit(db);
    assert.equal(rowsAfter - rowsBefore, reads, "one audit row per read");
    const verify = await runCli(["audit", "verify"], database.env);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /The audit trail is intact: \d+ rows/);
  });

  test("a Bulk Data export kicked off on one process is polled and downloaded from the other", async () => {
    const token = tokens.get("gp.fhir") as string;
    const kickOff = await get("/fhir/R4/Patient/$export", token, {
      prefer: "respond-async",
      accept: "application/fhir+json",
    });
    assert.equal(kickOff.status, 202, kickOff.body);
    const status = new URL(String(kickOff.headers["content-location"])).pathname;
    // Polled from the other process until the manifest comes (202 and X-Progress meanwhile).
    let manifest: Answer | null = null;
    for (let i = 0; i < 400 && !manifest; i++) {
      const poll = await fromAnother(kickOff.process, () => get(status, token));
      if (poll.status === 200) manifest = poll;
      else {
        assert.equal(poll.status, 202, poll.body);
        assert.ok(poll.headers["x-progress"]);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    assert.ok(manifest, "the export finished");
    const output = (JSON.parse(manifest.body) as { output: { type: string; url: string; count: number }[] })
      .output;
    const patients = output.find((o) => o.type === "Patient");
    assert.ok(patients && patients.count >= 1, JSON.stringify(output));
    const file = await fromAnother(kickOff.process, () => get(new URL(patients.url).pathname, token));
    assert.equal(file.status, 200, file.body);
    const ids = file.body
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { id: string }).id);
    assert.equal(ids.length, patients.count);
    assert.ok(ids.includes(person.personId));
  });

  test("a token revoked is refused by every process", async () => {
    const { token, tokenId } = await createApiToken(db, TEST_OPERATOR, {
      username: "gp.fhir",
      roleCode: "gp",
      teamCode: TEAMS.practice.teamCode,
      name: "to be revoked",
      days: 1,
    });
    const read = () => get(`/fhir/R4/Patient/${person.personId}`, token);
    const first = await read();
    assert.equal(first.status, 200, first.body);
    assert.equal((await fromAnother(first.process, read)).status, 200);
    assert.equal(await revokeApiToken(db, TEST_OPERATOR, tokenId), true);
    const refused = await read();
    assert.equal(refused.status, 401, refused.body);
    const other = await fromAnother(refused.process, read);
    assert.equal(other.status, 401, other.body);
    assert.match(String(other.headers["www-authenticate"]), /invalid_token/);
  });

  test("both processes stop on SIGTERM, and the trail still verifies", async () => {
    child?.kill("SIGTERM");
    assert.equal(await exited, 0, output.stderr);
    child = null;
    assert.match(output.stdout, /Stopping \(SIGTERM\)/);
    const verify = await runCli(["audit", "verify"], database.env);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  });
});

async function countAudit(db: Db) {
  return db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM audit_event WHERE channel = 'fhir' AND action = 'view'",
  );
}

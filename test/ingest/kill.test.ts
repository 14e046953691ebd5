// Killing the process in the middle of a load (SIGKILL: no clean-up at all), then running the load again,
// leaves the same database as one clean run: each chunk commits whole or not at all, and re-running skips
// what is already there.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { generateTestNhsNumber } from "../../src/core/nhs-number.ts";
import { loadCsvFile } from "../../src/ingest/csv/load.ts";
import { type Db, migrate, openDb, type Queryable } from "../../src/store/index.ts";
import { ONEPLACE_BIN, runCli } from "../helpers/cli.ts";
import { createTestDatabase, openTestDb, type TestDatabase, type TestDb } from "../helpers/test-db.ts";

const PEOPLE = 200;
const ENTRIES = 16_000;
let dir: string;
let patients: string;
let coded: string;
let killed: TestDatabase;
let clean: TestDb;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "oneplace-kill-"));
  let seed = 7;
  const next = (max: number) => {
    seed = (seed * 48271) % 2147483647;
    return seed % max;
  };
  const lines = [
    "patient_id,nhs_number,family_name,given_name,birth_date,sex,postcode,ethnic_category,extracted_at",
  ];
  const numbers = new Set<string>();
  while (numbers.size < PEOPLE) numbers.add(generateTestNhsNumber(next));
  [...numbers].forEach((nhs, i) => {
    lines.push(
      `p${i},${nhs},Family${i},Given${i % 17},19${20 + (i % 70)}-0${1 + (i % 9)}-1${i % 10},${i % 2 ? "male" : "female"},RM17 6VA,A,2014-01-01T02:00:00Z`,
    );
  });
  patients = join(dir, "patients.csv");
  writeFileSync(patients, `${lines.join("\n")}\n`);
  const rows = [
    "entry_id,patient_id,practice_code,recorded_on,entry_kind,code_system,code,value,unit,extracted_at",
  ];
  for (let i = 0; i < ENTRIES; i++) {
    const bad = i % 5000 === 4999; // a few rows the loader must reject, the same way every time
    rows.push(
      `e${i},p${i % PEOPLE},Z90001,${bad ? "2014-02-30" : `2014-0${1 + (i % 9)}-1${i % 10}`},observation,http://snomed.info/sct,271649006,${100 + (i % 80)},mm[Hg],2014-03-01T02:00:00Z`,
    );
  }
  coded = join(dir, "coded.csv");
  writeFileSync(coded, `${rows.join("\r\n")}\r\n`);
  [killed, clean] = await Promise.all([createTestDatabase({ migrated: true }), openTestDb()]);
  await loadCsvFile(clean.db, patients);
  await loadCsvFile(clean.db, coded);
});

after(async () => {
  await Promise.all([killed?.drop(), clean?.dispose()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs `oneplace ingest csv coded.csv` and kills it (SIGKILL) right after its `after`-th committed chunk. */
function loadAndKill(env: Record<string, string>, after: number): Promise<{ killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [ONEPLACE_BIN, "ingest", "csv", coded, "--chunk-rows", "2000", "--verbose", "-q"],
      {
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let commits = 0;
    let sentKill = false;
    child.stderr.on("data", (d: Buffer) => {
      commits += (d.toString().match(/committed/g) ?? []).length;
      if (!sentKill && commits >= after) {
        sentKill = true;
        child.kill("SIGKILL");
      }
    });
    child.on("error", reject);
    child.on("close", (_code, signal) => resolve({ killed: signal === "SIGKILL" }));
  });
}

async function snapshot(q: Queryable): Promise<string[]> {
  const entries = await q.query<Record<string, unknown>>(
    `SELECT p.nhs_number, g.entry_id::text AS entry_id, g.practice_code, g.recorded_on, g.code, g.value, g.source_record_id, g.received_at
     FROM gp_entry g JOIN person p USING (person_id) ORDER BY g.source_record_id`,
  );
  const rejects = await q.query<Record<string, unknown>>(
    "SELECT origin_key, location, reason, status FROM ingest_reject ORDER BY origin_key",
  );
  const people = await q.query<Record<string, unknown>>(
    "SELECT nhs_number, family_name, given_name, birth_date FROM person ORDER BY nhs_number",
  );
  const norm = (r: Record<string, unknown>) =>
    JSON.stringify(Object.values(r).map((v) => (v instanceof Date ? v.toISOString() : v)));
  return [...people.map(norm), ...entries.map(norm), ...rejects.map(norm)];
}

test("killed mid-load and run again, the database is the same as after one clean run", async () => {
  const loaded = await runCli(["ingest", "csv", patients, "-q"], killed.env);
  assert.equal(loaded.code, 0, loaded.stderr);
  const partials: number[] = [];
  for (const after of [2]) {
    const r = await loadAndKill(killed.env, after);
    assert.ok(r.killed, "the load finished before it could be killed");
    const db: Db = await openDb({ databaseUrl: killed.databaseUrl, home: killed.home });
    try {
      await migrate(db);
      const n = await db.query<{ n: number; r: number }>(
        "SELECT (SELECT count(*) FROM gp_entry) AS n, (SELECT count(*) FROM ingest_reject WHERE layout = 'gp-coded-record') AS r",
      );
      partials.push(Number(n[0].n));
      // Whole chunks only: rows written and rows rejected add up to a number of whole chunks.
      assert.equal((Number(n[0].n) + Number(n[0].r)) % 2000, 0, `${n[0].n} rows and ${n[0].r} rejects`);
    } finally {
      await db.close();
    }
  }
  assert.ok(partials[0] > 0 && partials[0] < ENTRIES - 4, `killed after ${partials[0]} rows`);
  const rerun = await runCli(["ingest", "csv", coded, "--json"], killed.env);
  assert.equal(rerun.code, 0, rerun.stderr);
  const [result] = JSON.parse(rerun.stdout) as {
    counts: { loaded: number; duplicates: number; rejected: number };
  }[];
  assert.ok(result.counts.duplicates >= partials[0], "the re-run skipped what was already there");
  assert.equal(result.counts.loaded + result.counts.duplicates + result.counts.rejected, ENTRIES);

  const db = await openDb({ databaseUrl: killed.databaseUrl, home: killed.home });
  try {
    const [a, b] = [await snapshot(clean.db), await snapshot(db)];
    assert.equal(b.length, a.length);
    assert.deepEqual(b, a);
    // The killed load does not stay 'running': the next load found its process gone and marked it failed.
    const loads = await db.query<{ status: string; failure: string | null }>(
      "SELECT status, failure FROM ingest_load WHERE layout = 'gp-coded-record' ORDER BY started_at",
    );
    assert.deepEqual(
      loads.map((l) => l.status),
      ["failed", "succeeded"],
    );
    assert.match(
      loads[0].failure ?? "",
      /^abandoned: the process running it \(.+#\d+\) stopped before it finished/,
    );
  } finally {
    await db.close();
  }
});

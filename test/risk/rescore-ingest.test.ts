// Ingest rescoring the people it touched, through the faces: `oneplace ingest hl7` rescores once at its end
// and says how many; the MLLP listener (as `oneplace mllp` and `oneplace serve` start it) queues the people of
// each batch with it and rescores them a moment after the ACKs; with no full stratification nothing is
// queued or rescored.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startListener } from "../../src/cli/index.ts";
import { nhsNumberCheckDigit } from "../../src/core/nhs-number.ts";
import { buildAdt, MllpClient } from "../../src/ingest/index.ts";
import { type Db, keepNhsNumberRoutes, migrate, nhsNumbersHeld, openDb } from "../../src/store/index.ts";
import { runCli } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-db.ts";
import { loadMiniPlace } from "./mini-place.ts";

let t: TestDatabase;
const dir = mkdtempSync(join(tmpdir(), "oneplace-rescore-"));

interface Chosen {
  personId: string;
  nhs: string;
  family: string;
  given: string;
  birthDate: string;
}
/** Three people aged 75 or more, given valid test-range NHS Numbers so an ADT message links to them. */
let people: Chosen[] = [];

function testNhsNumbers(n: number): string[] {
  const out: string[] = [];
  for (let i = 100; out.length < n; i++) {
    const first9 = `999${String(i).padStart(6, "0")}`;
    const check = nhsNumberCheckDigit(first9);
    if (check !== null) out.push(`${first9}${check}`);
  }
  return out;
}

before(async () => {
  t = await createTestDatabase({ migrated: true });
  const db = await openDb({ databaseUrl: t.databaseUrl, home: t.home });
  await migrate(db);
  await loadMiniPlace(db, 1500, "rescore");
  const rows = await db.query<{ person_id: string; birth_date: string }>(
    `SELECT p.person_id::text, p.birth_date::text FROM person p
     WHERE p.birth_date < '1941-01-01'
       AND NOT EXISTS (SELECT 1 FROM hospital_spell h WHERE h.person_id = p.person_id)
     ORDER BY p.person_id LIMIT 3`,
  );
  assert.equal(rows.length, 3);
  const numbers = testNhsNumbers(3);
  people = rows.map((r, i) => ({
    personId: r.person_id,
    nhs: numbers[i],
    family: `Rescore${i}`,
    given: "Test",
    birthDate: r.birth_date,
  }));
  // Written as every writer of person writes: with the numbers' routes kept in step (a Citus cluster finds a
  // person by NHS Number through them).
  const ids = people.map((p) => p.personId);
  const held = await nhsNumbersHeld(db, ids);
  for (const p of people)
    await db.query(
      "UPDATE person SET nhs_number = $2, family_name = $3, given_name = $4 WHERE person_id = $1",
      [p.personId, p.nhs, p.family, p.given],
    );
  await keepNhsNumberRoutes(db, ids, held);
  await db.close();
});
after(async () => {
  await t.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** An emergency admission (A01, admission method 21) on 2016-03-01 for one of the chosen people. */
function admission(p: Chosen, controlId: string): string {
  return buildAdt({
    sendingApplication: "acute-pas",
    sendingFacility: "ZZA01",
    controlId,
    trigger: "A01",
    messageTime: "2016-03-01T10:00:00Z",
    patient: {
      recordId: `R-${controlId}`,
      authority: "ZZA01",
      nhsNumber: p.nhs,
      family: p.family,
      given: p.given,
      birthDate: p.birthDate,
      sex: null,
      postcode: null,
    },
    visit: {
      visitNumber: `V-${controlId}`,
      patientClass: "I",
      ward: "W1",
      admissionType: "21",
      admitAt: "2016-03-01T09:30:00Z",
    },
  });
}

async function withDb<T>(f: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDb({ databaseUrl: t.databaseUrl, home: t.home });
  try {
    return await f(db);
  } finally {
    await db.close();
  }
}

type Scored = {
  run_id: string;
  scored_at: string;
  probability: number | null;
  risk_tier: string | null;
  emergency_admissions_12m: number;
};
const SCORED = `SELECT run_id::text, scored_at::text, probability, risk_tier, emergency_admissions_12m
  FROM risk_person WHERE person_id = $1`;

async function scored(db: Db, personId: string): Promise<Scored> {
  const [row] = await db.query<Scored>(SCORED, [personId]);
  assert.ok(row, "the person is scored");
  return row;
}

describe("ingest rescores the people it touched", () => {
  test("with no full stratification, an ingested admission queues and rescores nobody", async () => {
    const file = join(dir, "before.hl7");
    writeFileSync(file, admission(people[2], "B1"));
    const res = await runCli(["ingest", "hl7", file, "--quiet"], t.env);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /1 read, 1 loaded/);
    assert.match(res.stdout, /No full stratification yet: nobody rescored/);
    await withDb(async (db) => {
      const [q] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM risk_rescore_queue");
      assert.equal(q.n, 0);
      const [r] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM risk_person");
      assert.equal(r.n, 0);
    });
  });

  test("oneplace ingest hl7 of an emergency admission rescores the person against the latest full run and says so", async () => {
    const train = await runCli(["model", "train", "--quiet"], t.env);
    assert.equal(train.code, 0, train.stderr);
    const run = await runCli(["stratify", "--quiet"], t.env);
    assert.equal(run.code, 0, run.stderr);
    const before = await withDb((db) => scored(db, people[0].personId));
    assert.equal(before.emergency_admissions_12m, 0);
    const file = join(dir, "admission.hl7");
    writeFileSync(file, admission(people[0], "C1"));
    const res = await runCli(["ingest", "hl7", file, "--quiet"], t.env);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /Rescored 1 people against the stratification as at 2016-03-\d\d/);
    await withDb(async (db) => {
      const now = await scored(db, people[0].personId);
      assert.notEqual(now.run_id, before.run_id, "rescored in a run of its own");
      assert.equal(now.emergency_admissions_12m, 1, "the admission is in the snapshot");
      assert.ok(
        (now.probability ?? 0) > (before.probability ?? 0),
        `an emergency admission raises the risk (${before.probability} -> ${now.probability})`,
      );
      const [kind] = await db.query<{ kind: string; model_id: string | null }>(
        "SELECT kind, model_id::text FROM risk_run WHERE run_id = $1",
        [now.run_id],
      );
      assert.equal(kind.kind, "people");
      const [q] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM risk_rescore_queue");
      assert.equal(q.n, 0, "the queue is drained");
    });
    // Loading the same file again changes nothing and rescores nobody (its message is a duplicate).
    const again = await runCli(["ingest", "hl7", file, "--quiet"], t.env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /1 already there/);
    assert.match(again.stdout, /Rescored 0 people/);
  });

  test("oneplace ingest fhir rescores only the people its resources changed, not everyone received since the run", async () => {
    // people[0] has a record received after the full run by a load that queued nobody (a CSV extract, say): a
    // rescore of "everyone changed since the run" would take them too. The FHIR file is about people[2] alone.
    const added = await withDb((db) =>
      db.query(
        `INSERT INTO gp_entry (person_id, entry_id, practice_code, recorded_on, entry_kind, code_system, code,
           source_system, source_record_id, received_at)
         VALUES ($1, gen_random_uuid(), 'Z90001', '2016-02-01', 'condition', 'http://snomed.info/sct', '38341003',
                 'rescore-test', gen_random_uuid()::text, now())
         RETURNING entry_id`,
        [people[0].personId],
      ),
    );
    assert.equal(added.length, 1);
    const before = await withDb((db) => scored(db, people[2].personId));
    const other = await withDb((db) => scored(db, people[0].personId));
    const p = people[2];
    const file = join(dir, "one-person.ndjson");
    writeFileSync(
      file,
      `${[
        {
          resourceType: "Patient",
          id: "fhir-rescore-1",
          identifier: [{ system: "https://fhir.nhs.uk/Id/nhs-number", value: p.nhs }],
          name: [{ family: p.family, given: [p.given] }],
          birthDate: p.birthDate,
        },
        {
          resourceType: "Condition",
          id: "fhir-rescore-c1",
          subject: { reference: "Patient/fhir-rescore-1" },
          code: { coding: [{ system: "http://snomed.info/sct", code: "44054006" }] },
          recordedDate: "2015-06-01",
        },
      ]
        .map((r) => JSON.stringify(r))
        .join("\n")}\n`,
    );
    const res = await runCli(["ingest", "fhir", file, "--source", "community-ehr", "--quiet"], t.env);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /2 read, 2 loaded/);
    assert.match(res.stdout, /Rescored 1 people against the stratification/);
    await withDb(async (db) => {
      assert.notEqual((await scored(db, p.personId)).run_id, before.run_id, "the person is rescored");
      assert.equal((await scored(db, people[0].personId)).run_id, other.run_id, "nobody else is");
      const [q] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM risk_rescore_queue");
      assert.equal(q.n, 0, "the queue is drained");
    });
  });

  test("an A01 over MLLP is ACKed, then its person is rescored within seconds, off the ACK path", async () => {
    const db = await openDb({ databaseUrl: t.databaseUrl, home: t.home });
    const listener = await startListener(db, { port: 0 });
    try {
      const before = await scored(db, people[1].personId);
      const client = await MllpClient.connect(listener.port, listener.host);
      const ack = await client.send(admission(people[1], "M1"));
      await client.close();
      assert.match(ack, /\rMSA\|AA\|M1/);
      // The queue row goes after the new score is committed (a moment later, more on a loaded cluster, where
      // each person's row is its own statement): wait for both.
      const deadline = Date.now() + 20_000;
      const queued = async () =>
        (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM risk_rescore_queue"))[0].n;
      let now = before;
      let left = -1;
      while (Date.now() < deadline) {
        now = await scored(db, people[1].personId);
        left = await queued();
        if (now.run_id !== before.run_id && left === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.notEqual(now.run_id, before.run_id, "rescored within 20 s of the ACK");
      assert.equal(now.emergency_admissions_12m, 1);
      assert.ok((now.probability ?? 0) > (before.probability ?? 0));
      assert.equal(left, 0, "the queue is empty once the person is rescored");
    } finally {
      await listener.close();
      await db.close();
    }
  });

  test("people queued by a listener that stopped before rescoring are rescored by the next one", async () => {
    const db = await openDb({ databaseUrl: t.databaseUrl, home: t.home });
    try {
      const before = await scored(db, people[2].personId);
      // As a crash after the commit leaves it: queued, not rescored; and a stored row that no longer says what
      // the records do, so the rescoring shows.
      await db.query("INSERT INTO risk_rescore_queue (person_id, queued_at) VALUES ($1, now())", [
        people[2].personId,
      ]);
      await db.query("UPDATE risk_person SET probability = 0.001 WHERE person_id = $1", [people[2].personId]);
      const listener = await startListener(db, { port: 0 });
      try {
        // Rescorings against one full run share a run, and the person was rescored earlier: the drifted score
        // put right is what shows the rescoring.
        const deadline = Date.now() + 20_000;
        let now = await scored(db, people[2].personId);
        while (Date.now() < deadline && now.probability === 0.001) {
          await new Promise((r) => setTimeout(r, 50));
          now = await scored(db, people[2].personId);
        }
        assert.notEqual(now.probability, 0.001, "the queue is drained when a listener starts");
        assert.equal(now.probability, before.probability, "the score the records give");
      } finally {
        await listener.close();
      }
    } finally {
      await db.close();
    }
  });
});

// The master person index on a database: linking by NHS Number and by score, the review queue, merges and
// unmerges that move exactly the right rows (activity and objections), and one person per record always.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { recordObjection } from "../../src/governance/index.ts";
import { recordSubjects, rowId, upsertCanonical } from "../../src/ingest/index.ts";
import {
  decideReview,
  listReview,
  mergePersons,
  relinkRecord,
  resolveRecords,
  type SourceRecordInput,
  unmerge,
} from "../../src/mpi/index.ts";
import type { Db } from "../../src/store/index.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { sourceRecord } from "./source-record.ts";

let t: TestDb;
let db: Db;

before(async () => {
  t = await openTestDb();
  db = t.db;
});
after(async () => {
  await t?.dispose();
});

const record = sourceRecord;

async function resolve(...records: SourceRecordInput[]) {
  return db.transaction((tx) => resolveRecords(tx, records));
}

async function personOf(system: string, id: string): Promise<string> {
  const rows = await db.query<{ person_id: string }>(
    "SELECT person_id::text AS person_id FROM mpi_record_link WHERE source_system = $1 AND source_record_id = $2",
    [system, id],
  );
  assert.equal(rows.length, 1, `${system}/${id} is linked to exactly one person`);
  return rows[0].person_id;
}

async function gpEntry(personId: string, system: string, subject: string, entryId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await upsertCanonical(tx, "gp_entry", [
      [
        personId,
        rowId("gp_entry", system, entryId),
        "Z90001",
        "2014-02-02",
        "condition",
        "http://snomed.info/sct",
        "38341003",
        null,
        null,
        system,
        entryId,
        "2014-02-03T02:00:00Z",
      ],
    ]);
    await recordSubjects(tx, [[system, "gp_entry", entryId, system, subject]]);
  });
}

test("records with the same valid NHS Number join one person; the golden record comes from the GP", async () => {
  await resolve(record("gp", "g1", { nhsNumber: "9434765919", given: "Margaret" }));
  await resolve(
    record("acute-pas", "h1", {
      nhsNumber: "943 476 5919",
      given: "Peggy",
      identifiers: [{ system: "urn:oneplace:id:ZZA01:mrn", value: "h1" }],
    }),
  );
  const p = await personOf("gp", "g1");
  assert.equal(await personOf("acute-pas", "h1"), p);
  const golden = await db.query<{ given_name: string; nhs_number: string; source_system: string }>(
    "SELECT given_name, nhs_number, source_system FROM person WHERE person_id = $1",
    [p],
  );
  assert.deepEqual(golden[0], { given_name: "Margaret", nhs_number: "9434765919", source_system: "gp" });
  const ids = await db.query<{ value: string }>(
    "SELECT value FROM person_identifier WHERE person_id = $1 ORDER BY value",
    [p],
  );
  assert.deepEqual(
    ids.map((r) => r.value),
    ["9434765919", "h1"],
  );
  const decisions = await db.query<{ kind: string; decided_by: string }>(
    "SELECT kind, decided_by FROM mpi_decision WHERE to_person_id = $1 ORDER BY decided_at, kind",
    [p],
  );
  assert.deepEqual(decisions.map((d) => d.kind).sort(), ["link-nhs-number", "new-person"]);
  assert.ok(decisions.every((d) => d.decided_by === "mpi"));
});

test("a record without an NHS Number (or with a mistyped one) links by score; a doubtful one waits for review on its own", async () => {
  const p = await personOf("gp", "g1");
  const out = await resolve(
    record("social-care", "s1", { nhsNumber: "9434765991", postcode: "RM18 4KB" }),
    record("social-care", "s2", { given: "Peggy", family: "Tailor", postcode: null }),
    record("social-care", "s3", { given: "Marjorie", birthDate: "1938-09-04", postcode: null }),
  );
  assert.equal(await personOf("social-care", "s1"), p);
  assert.equal(await personOf("social-care", "s2"), p);
  const s3 = await personOf("social-care", "s3");
  assert.notEqual(s3, p);
  assert.equal(out.get("social-care\u0000s3")?.outcome, "review");
  const queue = await listReview(db);
  const item = queue.find((i) => i.recordId === "s3");
  assert.ok(item);
  assert.equal(item.candidatePersonId, p);
  assert.equal(item.personId, s3);
  assert.ok(item.comparison.fields.some((f) => f.field === "birth-date" && f.outcome === "swapped"));
  // Sending the same record again changes nothing.
  const again = await resolve(record("social-care", "s1", { nhsNumber: "9434765991", postcode: "RM18 4KB" }));
  assert.equal(again.get("social-care\u0000s1")?.outcome, "existing");
});

test("a reviewer's link moves the record and its rows, and the emptied person goes; 'separate' keeps it apart", async () => {
  const p = await personOf("gp", "g1");
  const s3 = await personOf("social-care", "s3");
  await gpEntry(s3, "social-care", "s3", "e-s3");
  const item = (await listReview(db)).find((i) => i.recordId === "s3");
  assert.ok(item);
  await db.transaction((tx) => decideReview(tx, item.reviewId, "link", "cli:reviewer"));
  assert.equal(await personOf("social-care", "s3"), p);
  const entry = await db.query<{ person_id: string }>(
    "SELECT person_id::text AS person_id FROM gp_entry WHERE source_record_id = 'e-s3'",
  );
  assert.equal(entry[0].person_id, p);
  assert.equal((await db.query("SELECT 1 FROM person WHERE person_id = $1", [s3])).length, 0);
  const d = await db.query<{ decided_by: string }>(
    "SELECT decided_by FROM mpi_decision WHERE kind = 'review-link' AND source_record_id = 's3'",
  );
  assert.equal(d[0].decided_by, "cli:reviewer");
  await assert.rejects(
    db.transaction((tx) => decideReview(tx, item.reviewId, "separate", "cli:reviewer")),
    /already decided/,
  );

  await resolve(
    record("social-care", "s4", {
      given: "Margery",
      birthDate: "1938-09-04",
      postcode: null,
      family: "Taylor",
    }),
  );
  const item4 = (await listReview(db)).find((i) => i.recordId === "s4");
  if (item4) {
    const before = await personOf("social-care", "s4");
    await db.transaction((tx) => decideReview(tx, item4.reviewId, "separate", "cli:reviewer"));
    assert.equal(await personOf("social-care", "s4"), before);
    assert.equal(
      (await listReview(db)).some((i) => i.reviewId === item4.reviewId),
      false,
    );
  }
});

test("a merge moves everything (objections too) and an unmerge puts back exactly what was the retired person's", async () => {
  await resolve(
    record("gp", "g9", {
      nhsNumber: "9434765870",
      family: "Ward",
      given: "Ron",
      birthDate: "1933-03-03",
      sex: "male",
    }),
  );
  await resolve(
    record("community-ehr", "c9", {
      family: "Ward",
      given: "Ronald",
      birthDate: "1933-03-30",
      sex: "male",
      postcode: "SS17 7CN",
    }),
  );
  const a = await personOf("gp", "g9");
  const b = await personOf("community-ehr", "c9");
  assert.notEqual(a, b);
  await gpEntry(a, "gp", "g9", "e-a");
  await gpEntry(b, "community-ehr", "c9", "e-b");
  await recordObjection(db, {
    personId: b,
    recordedOn: "2014-01-01",
    source: "letter",
    sourceSystem: "community-ehr",
    sourceRecordId: "obj-1",
    holdingOrgCode: "ZZC01",
  });

  // Both were on one MDT meeting's agenda; b also on another, with an action agreed there.
  const [meeting, other, action] = [randomUUID(), randomUUID(), randomUUID()];
  for (const [person, onMeeting] of [
    [a, meeting],
    [b, meeting],
    [b, other],
  ])
    await db.query("INSERT INTO mdt_agenda_item (person_id, meeting_id, position) VALUES ($1, $2, 1)", [
      person,
      onMeeting,
    ]);
  await db.query(
    `INSERT INTO mdt_action (person_id, action_id, meeting_id, team_id, description, owner, organisation, due_on,
                             status, created_by_user_id, created_at, updated_at)
     VALUES ($1, $2, $3, $3, 'Falls review', 'Community nurse', 'Community trust', '2014-02-01', 'open', $3, now(), now())`,
    [b, action, other],
  );
  const mdtRows = async (person: string) =>
    (
      await db.query<{ k: string }>(
        `SELECT 'item ' || meeting_id::text AS k FROM mdt_agenda_item WHERE person_id = $1
         UNION ALL SELECT 'action ' || action_id::text FROM mdt_action WHERE person_id = $1 ORDER BY 1`,
        [person],
      )
    ).map((r) => r.k);

  const merged = await db.transaction((tx) =>
    mergePersons(tx, a, b, "cli:reviewer", "same man, DOB keyed wrongly"),
  );
  assert.deepEqual(
    await mdtRows(a),
    [`action ${action}`, `item ${meeting}`, `item ${other}`].sort(),
    "MDT items and actions follow the merge; the meeting both were on keeps the survivor's item",
  );
  assert.deepEqual(await mdtRows(b), [`item ${meeting}`], "the clashing item waits on the retired person");
  assert.equal(await personOf("community-ehr", "c9"), a);
  const entries = await db.query<{ person_id: string }>(
    "SELECT DISTINCT person_id::text AS person_id FROM gp_entry WHERE source_record_id IN ('e-a', 'e-b')",
  );
  assert.deepEqual(
    entries.map((e) => e.person_id),
    [a],
  );
  assert.equal((await db.query("SELECT 1 FROM sharing_objection WHERE person_id = $1", [a])).length, 1);
  assert.equal((await db.query("SELECT 1 FROM person WHERE person_id = $1", [b])).length, 0);

  // A row that arrives for the retired record after the merge follows it back on unmerge.
  await gpEntry(a, "community-ehr", "c9", "e-b2");
  await db.transaction((tx) =>
    unmerge(tx, merged.mergeId as string, "cli:reviewer", "not the same man after all"),
  );
  assert.equal(await personOf("community-ehr", "c9"), b);
  const owner = async (id: string) =>
    (
      await db.query<{ person_id: string }>(
        "SELECT person_id::text AS person_id FROM gp_entry WHERE source_record_id = $1",
        [id],
      )
    )[0].person_id;
  assert.equal(await owner("e-a"), a);
  assert.equal(await owner("e-b"), b);
  assert.equal(await owner("e-b2"), b);
  assert.equal((await db.query("SELECT 1 FROM sharing_objection WHERE person_id = $1", [b])).length, 1);
  assert.equal((await db.query("SELECT 1 FROM person WHERE person_id = $1", [b])).length, 1);
  assert.deepEqual(await mdtRows(b), [`action ${action}`, `item ${meeting}`, `item ${other}`].sort());
  assert.deepEqual(await mdtRows(a), [`item ${meeting}`]);
  await assert.rejects(
    db.transaction((tx) => unmerge(tx, merged.mergeId as string, "x", "again")),
    /already undone/,
  );
  const kinds = await db.query<{ kind: string }>(
    "SELECT kind FROM mpi_decision WHERE kind IN ('merge', 'unmerge') ORDER BY decided_at",
  );
  assert.deepEqual(
    kinds.map((k) => k.kind),
    ["merge", "unmerge"],
  );
});

test("a record moved to a person of its own takes its rows; the same record resolved at once from two transactions is linked once", async () => {
  const from = await personOf("community-ehr", "c9");
  const to = await db.transaction((tx) =>
    relinkRecord(tx, ["community-ehr", "c9"], null, "cli:reviewer", "split off"),
  );
  assert.notEqual(to, from);
  assert.equal(
    (await db.query<{ n: number }>("SELECT count(*) AS n FROM gp_entry WHERE person_id = $1", [to]))[0].n,
    2,
  );
  const same = record("acute-pas", "race-1", { nhsNumber: "9000000009", family: "Race", given: "Ann" });
  const other = record("gp", "race-2", { nhsNumber: "9000000009", family: "Race", given: "Ann" });
  await Promise.all([resolve(same), resolve(same), resolve(other)]);
  const people = await db.query<{ n: number }>(
    "SELECT count(*) AS n FROM person WHERE nhs_number = '9000000009'",
  );
  assert.equal(Number(people[0].n), 1);
  assert.equal(await personOf("acute-pas", "race-1"), await personOf("gp", "race-2"));
});

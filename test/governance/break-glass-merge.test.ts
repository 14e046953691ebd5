// A break-glass access to a person the MPI then merges into another: the record of it stays as it was made (the
// table refuses to move or delete it, and its seal in the audit chain names the person it was made for), the merge
// goes through, and the IG officer finds it under the surviving person: the review page names the survivor, and
// "who accessed this person" shows the access. An unmerge gives it back to the person it was made for.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { verifyAuditChain } from "../../src/governance/audit-verify.ts";
import { createReader } from "../../src/governance/index.ts";
import { mergePersons, resolveRecords, unmerge } from "../../src/mpi/index.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { sourceRecord } from "../mpi/source-record.ts";
import { contextFor, seedUsers } from "./fixtures.ts";

const REASON = "Collapsed at the day centre, no history to hand";
let t: TestDb;
// Two records of one man the MPI kept apart (no NHS Number on one, the birth date keyed differently).
const survivor = { personId: "", nhsNumber: "9434765870", familyName: "Ward" };
const retired = { personId: "", nhsNumber: null as string | null, familyName: "Ward" };
let breakGlassId = "";

async function reader(
  username: string,
  role: string,
  team: "community" | "service",
  purpose: "direct-care" | "administration",
) {
  const { db: _db, ...identity } = await contextFor(t.db, username, role, team, purpose);
  return createReader(t.db, identity);
}

before(async () => {
  t = await openTestDb();
  await seedUsers(t.db, [
    ["nurse.merge", "community-clinician", "community"],
    ["ig.merge", "ig-officer", "service"],
  ]);
  const records = [
    sourceRecord("gp", "g1", {
      nhsNumber: survivor.nhsNumber,
      family: "Ward",
      given: "Ron",
      birthDate: "1933-03-03",
      sex: "male",
    }),
    sourceRecord("community-ehr", "c1", {
      family: "Ward",
      given: "Ronald",
      birthDate: "1933-03-30",
      sex: "male",
      postcode: "SS17 7CN",
    }),
  ];
  await t.db.transaction((tx) => resolveRecords(tx, records));
  const linked = await t.db.query<{ source_system: string; person_id: string }>(
    "SELECT source_system, person_id::text AS person_id FROM mpi_record_link",
  );
  survivor.personId = linked.find((l) => l.source_system === "gp")?.person_id ?? "";
  retired.personId = linked.find((l) => l.source_system === "community-ehr")?.person_id ?? "";
  assert.ok(survivor.personId && retired.personId && survivor.personId !== retired.personId);
  const nurse = await reader("nurse.merge", "community-clinician", "community", "direct-care");
  breakGlassId = (await nurse.breakGlass(retired.personId, REASON)).breakGlassId as string;
});
after(() => t.dispose());

test("a person with a break-glass access merges; the access stays as made, found under the survivor, the audit intact", async () => {
  const merged = await t.db.transaction((tx) =>
    mergePersons(tx, survivor.personId, retired.personId, "cli:test", "the same person, registered twice"),
  );
  assert.ok(merged.mergeId);
  const rows = await t.db.query<{ person_id: string; reason: string }>(
    "SELECT person_id::text AS person_id, reason FROM break_glass WHERE break_glass_id = $1",
    [breakGlassId],
  );
  assert.deepEqual(rows, [{ person_id: retired.personId, reason: REASON }], "kept as it was made");

  const ig = await reader("ig.merge", "ig-officer", "service", "administration");
  const { entry } = await ig.breakGlassForReview(breakGlassId);
  assert.equal(entry.personId, retired.personId);
  assert.equal(entry.mergedInto, survivor.personId);
  assert.equal(entry.nhsNumber, survivor.nhsNumber, "the review names the person it is now");
  assert.equal(entry.personName.family, survivor.familyName);
  const awaiting = await ig.breakGlassReviews({ page: 1 });
  const listed = awaiting.awaiting.rows.find((e) => e.breakGlassId === breakGlassId);
  assert.equal(listed?.nhsNumber, survivor.nhsNumber);

  for (const ref of [{ personId: survivor.personId }, { nhsNumber: survivor.nhsNumber }]) {
    const audit = await ig.auditForPerson(ref, { page: 1 });
    assert.ok(
      audit.events.rows.some((e) => e.breakGlassId === breakGlassId),
      "who accessed the survivor shows the break-glass access",
    );
  }
  assert.deepEqual((await verifyAuditChain(t.db)).problems, [], "the seal and the chain verify");

  await t.db.transaction((tx) => unmerge(tx, merged.mergeId as string, "cli:test", "two people after all"));
  const back = (await ig.breakGlassForReview(breakGlassId)).entry;
  assert.equal(back.mergedInto, null);
  assert.equal(back.nhsNumber, null, "the retired record has no NHS Number");
  assert.equal(back.personName.family, "Ward");
  const survivorAudit = await ig.auditForPerson({ personId: survivor.personId }, { page: 1 });
  assert.ok(!survivorAudit.events.rows.some((e) => e.breakGlassId === breakGlassId));
  assert.deepEqual((await verifyAuditChain(t.db)).problems, []);
});

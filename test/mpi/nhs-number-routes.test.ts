// person_by_nhs_number (the NHS Number's routes, src/store/nhs-number-routes.ts) stays exactly what person says
// through everything that writes a person's NHS Number: a new person from a feed, a number gained by a linked
// record, a merge and its unmerge, a change of number (A47), a record moved to a person of its own, and a
// person removed with their last record. On PGlite, PostgreSQL and Citus (where the look-ups read it).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  mergePersons,
  relinkRecord,
  renameRecord,
  resolveRecords,
  retractRecord,
  type SourceRecordInput,
  unmerge,
} from "../../src/mpi/index.ts";
import { type Db, peopleHoldingNhsNumber } from "../../src/store/index.ts";
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

const MARGARET = "9434765919";
const JOHN = "9990000026";
const JOHN_NEW = "9990000034";

const resolve = (...records: SourceRecordInput[]) => db.transaction((tx) => resolveRecords(tx, records));

async function personOf(system: string, id: string): Promise<string> {
  const [row] = await db.query<{ person_id: string }>(
    "SELECT person_id::text AS person_id FROM mpi_record_link WHERE source_system = $1 AND source_record_id = $2",
    [system, id],
  );
  return row.person_id;
}

/** The routes are exactly person's numbers: nothing missing, nothing left over. Returns them. */
async function inStep(when: string): Promise<string[]> {
  const held = await db.query<{ route: string }>(
    "SELECT nhs_number || ' ' || person_id AS route FROM person WHERE nhs_number IS NOT NULL",
  );
  const routes = await db.query<{ route: string }>(
    "SELECT nhs_number || ' ' || person_id AS route FROM person_by_nhs_number",
  );
  const sorted = (rows: { route: string }[]) => rows.map((r) => r.route).sort();
  assert.deepEqual(sorted(routes), sorted(held), `routes in step with person ${when}`);
  return sorted(held);
}

test("a new person's number is routed; a number gained later by a linked record is too", async () => {
  await resolve(sourceRecord("gp", "g1", { nhsNumber: MARGARET }));
  const margaret = await personOf("gp", "g1");
  assert.deepEqual(await inStep("after a new person"), [`${MARGARET} ${margaret}`]);
  assert.deepEqual(await peopleHoldingNhsNumber(db, MARGARET), [margaret]);

  // A person made from a record without a number gains one when a record with it joins them by NHS Number.
  await resolve(
    sourceRecord("social-care", "s1", { family: "Smith", given: "John", birthDate: "1950-02-03" }),
  );
  const john = await personOf("social-care", "s1");
  await inStep("after a person without a number");
  assert.deepEqual(await peopleHoldingNhsNumber(db, JOHN), []);
  await resolve(
    sourceRecord("gp", "g2", { nhsNumber: JOHN, family: "Smith", given: "John", birthDate: "1950-02-03" }),
  );
  assert.equal(await personOf("gp", "g2"), john);
  assert.deepEqual(await peopleHoldingNhsNumber(db, JOHN), [john]);
  await inStep("after a linked record gave the number");
});

test("a merge drops the retired person's route; its unmerge brings it back", async () => {
  await resolve(
    sourceRecord("acute-pas", "h9", {
      nhsNumber: "9990000042",
      family: "Jones",
      given: "Ann",
      birthDate: "1944-01-01",
    }),
  );
  const retired = await personOf("acute-pas", "h9");
  const survivor = await personOf("gp", "g1");
  const merged = await db.transaction((tx) => mergePersons(tx, survivor, retired, "test", "one person"));
  await inStep("after the merge");
  assert.deepEqual(await peopleHoldingNhsNumber(db, "9990000042"), []);
  assert.deepEqual(await peopleHoldingNhsNumber(db, MARGARET), [survivor]);
  await db.transaction((tx) => unmerge(tx, merged.mergeId as string, "test", "two people"));
  await inStep("after the unmerge");
  assert.deepEqual(await peopleHoldingNhsNumber(db, "9990000042"), [retired]);
});

test("a change of number (A47) moves the route; a record moved away and a person removed take theirs", async () => {
  const john = await personOf("gp", "g2");
  await db.transaction((tx) => renameRecord(tx, "gp", "g2", "g2b", "test", "new number", JOHN_NEW));
  assert.deepEqual(await peopleHoldingNhsNumber(db, JOHN_NEW), [john]);
  assert.deepEqual(await peopleHoldingNhsNumber(db, JOHN), []);
  await inStep("after the change of number");

  // The GP record goes to a person of its own, with its number; the one left (no number now) loses the route.
  const split = await db.transaction((tx) => relinkRecord(tx, ["gp", "g2b"], null, "test", "split"));
  await inStep("after a record moved to a person of its own");
  assert.deepEqual(await peopleHoldingNhsNumber(db, JOHN_NEW), [split]);

  // The source deletes its record: the person left without any goes, and so does their route.
  await db.transaction((tx) => retractRecord(tx, "gp", "g2b", "test", "deleted at source"));
  assert.deepEqual(await db.query("SELECT 1 FROM person WHERE person_id = $1", [split]), []);
  assert.deepEqual(await peopleHoldingNhsNumber(db, JOHN_NEW), []);
  await inStep("after a person was removed");
});

test("a batch's golden write that changes a number drops the old route (one server: in the same statement)", async () => {
  await resolve(sourceRecord("community-ehr", "c5", { nhsNumber: "9990000069", given: "Edith" }));
  const edith = await personOf("community-ehr", "c5");
  // The number the link trusts changes under the person (as an A47 does), then the record comes again changed:
  // the batch rewrites the golden record from the link, with the new number.
  await db.query(
    "UPDATE mpi_record_link SET nhs_number = '9990000077' WHERE source_system = 'community-ehr' AND source_record_id = 'c5'",
  );
  await resolve(
    sourceRecord("community-ehr", "c5", { nhsNumber: "9990000069", given: "Edith", postcode: "RM17 6VB" }),
  );
  assert.deepEqual(await peopleHoldingNhsNumber(db, "9990000077"), [edith]);
  assert.deepEqual(await peopleHoldingNhsNumber(db, "9990000069"), []);
  await inStep("after a batch changed a number");
});

test("a transaction that fails leaves no route behind", async () => {
  await assert.rejects(
    db.transaction(async (tx) => {
      await resolveRecords(tx, [sourceRecord("gp", "g7", { nhsNumber: "9990000050", given: "Rolled" })]);
      throw new Error("the batch fails after its person was written");
    }),
    /the batch fails/,
  );
  assert.deepEqual(await peopleHoldingNhsNumber(db, "9990000050"), []);
  await inStep("after a rolled-back batch");
});

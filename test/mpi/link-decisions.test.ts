// The pure core of linking, without a database: who a record joins, and the rows that record the decision.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type BlockIndex,
  changedIdentifiers,
  type LinkedRow,
  LinkWrites,
  linkWithNhs,
  linkWithoutNhs,
  type NhsState,
  uniqueRecords,
} from "../../src/mpi/link-decisions.ts";
import { type SourceRecordInput, searchKeys, toMatchRecord } from "../../src/mpi/records.ts";
import { sourceRecord } from "./source-record.ts";

const NHS = "9434765919";
const ctx = { decidedBy: "mpi", now: "2024-01-01T00:00:00.000Z" };

function record(recordId: string, more: Partial<SourceRecordInput> = {}): SourceRecordInput {
  return sourceRecord("gp", recordId, more);
}

function nhsState(holders: Record<string, SourceRecordInput> = {}): NhsState {
  const state: NhsState = {
    personByNhs: new Map(),
    holderRecords: new Map(),
    nhsLessCandidates: new Map(),
    claimed: new Set(),
  };
  for (const [personId, r] of Object.entries(holders)) {
    state.personByNhs.set(r.nhsNumber as string, personId);
    state.holderRecords.set(personId, [{ person_id: personId, ...toMatchRecord(r) }]);
  }
  return state;
}

test("a record with the holder's NHS Number and agreeing demographics joins the holder, trusting the number", () => {
  const w = new LinkWrites();
  const state = nhsState({ "p-1": record("gp-1", { nhsNumber: NHS }) });
  const outcome = linkWithNhs(
    w,
    record("acute-1", { sourceSystem: "acute-pas", nhsNumber: NHS }),
    state,
    ctx,
  );
  assert.equal(outcome.personId, "p-1");
  assert.equal(outcome.outcome, "linked");
  assert.deepEqual(w.links[0].slice(0, 4), ["acute-pas", "acute-1", "p-1", NHS]);
  assert.equal(w.decisions[0][2], "link-nhs-number");
  assert.equal(w.reviews.length, 0);
});

test("the same NHS Number with contradicting demographics waits for review on a person of its own, without the number", () => {
  const w = new LinkWrites();
  const state = nhsState({ "p-1": record("gp-1", { nhsNumber: NHS }) });
  const other = record("acute-2", {
    nhsNumber: NHS,
    family: "Okonkwo",
    given: "Chidi",
    birthDate: "1990-11-23",
    sex: "male",
    postcode: "SS17 0AB",
  });
  const outcome = linkWithNhs(w, other, state, ctx);
  assert.equal(outcome.outcome, "review");
  assert.notEqual(outcome.personId, "p-1");
  assert.equal(w.links[0][3], null, "the number is not trusted");
  assert.equal(w.decisions[0][2], "review-queued");
  assert.equal(w.reviews[0][3], "p-1", "the holder is the candidate");
});

test("an unknown NHS Number makes a new person that later records in the batch with that number join", () => {
  const w = new LinkWrites();
  const state = nhsState();
  const first = linkWithNhs(w, record("gp-1", { nhsNumber: NHS }), state, ctx);
  const second = linkWithNhs(w, record("acute-1", { sourceSystem: "acute-pas", nhsNumber: NHS }), state, ctx);
  assert.equal(first.outcome, "new");
  assert.equal(second.outcome, "linked");
  assert.equal(second.personId, first.personId);
  assert.deepEqual(
    w.decisions.map((d) => d[2]),
    ["new-person", "link-nhs-number"],
  );
});

test("without an NHS Number, a record scores against the people its keys find, including earlier ones in the batch", () => {
  const w = new LinkWrites();
  const index: BlockIndex = { peopleByKey: new Map(), recordsByPerson: new Map() };
  const a = record("sc-1", { sourceSystem: "social-care" });
  const b = record("sc-2", { sourceSystem: "community-ehr" });
  const first = linkWithoutNhs(w, a, searchKeys(toMatchRecord(a)), index, ctx);
  const second = linkWithoutNhs(w, b, searchKeys(toMatchRecord(b)), index, ctx);
  assert.equal(first.outcome, "new");
  assert.equal(second.outcome, "linked");
  assert.equal(second.personId, first.personId);
  assert.ok((second.score ?? 0) > 0);
  const stranger = record("sc-3", {
    family: "Okonkwo",
    given: "Chidi",
    birthDate: "1990-11-23",
    sex: "male",
  });
  const third = linkWithoutNhs(w, stranger, searchKeys(toMatchRecord(stranger)), index, ctx);
  assert.equal(third.outcome, "new");
  assert.notEqual(third.personId, first.personId);
});

test("a linked record is unchanged until its demographics, identifiers or ethnic category change", () => {
  const r = record("gp-1");
  const row: LinkedRow = {
    source_system: "gp",
    source_record_id: "gp-1",
    person_id: "p-1",
    nhs_number: null,
    identifiers: "[]",
    ethnic_category: null,
    rec_nhs: null,
    family_name: "Taylor",
    given_name: "Margaret",
    birth_date: "1938-04-09",
    sex: "female",
    postcode: "RM17 6VA",
  };
  assert.equal(changedIdentifiers(r, row), null);
  assert.deepEqual(changedIdentifiers({ ...r, postcode: "RM17 6VB" }, row), []);
  const withId = { ...r, identifiers: [{ system: "urn:x", value: "1" }] };
  assert.deepEqual(changedIdentifiers(withId, row), [{ system: "urn:x", value: "1" }]);
  assert.notEqual(changedIdentifiers({ ...r, ethnicCategory: "A" }, row), null);
});

test("a batch keeps the first of unchanged repeats and the last of changed ones; writes are taken once", () => {
  const early = record("gp-1", { receivedAt: "2014-01-01T00:00:00Z" });
  const repeat = record("gp-1", { receivedAt: "2015-01-01T00:00:00Z" });
  const changed = record("gp-1", { postcode: "RM17 6VB", receivedAt: "2016-01-01T00:00:00Z" });
  assert.equal([...uniqueRecords([early, repeat]).values()][0].receivedAt, "2014-01-01T00:00:00Z");
  assert.equal([...uniqueRecords([early, repeat, changed]).values()][0].postcode, "RM17 6VB");
  const w = new LinkWrites();
  linkWithNhs(w, record("gp-2", { nhsNumber: NHS }), nhsState(), ctx);
  const { rows, touched } = w.take();
  const text = rows.map((r) => r.text).join("\n");
  assert.match(text, /INSERT INTO person_record/);
  assert.match(text, /INSERT INTO mpi_decision/);
  assert.equal(touched.length, 1, "the person whose golden record and identifiers follow the rows");
  assert.deepEqual(w.take(), { rows: [], touched: [] });
});

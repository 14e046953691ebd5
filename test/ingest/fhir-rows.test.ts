import assert from "node:assert/strict";
import { test } from "node:test";
import { compile, readAs } from "../../src/ingest/fhir/declare.ts";
import {
  always,
  asSent,
  at,
  ID,
  personAt,
  practiceOn,
  RECEIVED,
  requiredText,
} from "../../src/ingest/fhir/extract.ts";
import { CATALOGUE } from "../../src/store/index.ts";

// A FHIR declaration names a canonical row's values by the catalogue's columns; the compiled mapper puts them in
// the table's order with the provenance, the person and (for the coded record and medicines) the practice of the
// day.

const ctx = {
  source: "lab",
  at: "2016-01-01T00:00:00.000Z",
  orgCode: () => undefined,
  medication: () => undefined,
};
const resource = {
  resourceType: "Test",
  id: "obs-1",
  subject: { reference: "Patient/p-1" },
  provider: "RXX",
  arrived: "2015-03-01T10:00:00.000Z",
  day: "2015-03-01",
  value: 0,
};

test("a row named by catalogue columns is built in the table's order, undeclared columns null, provenance from its origin", () => {
  const map = compile(
    readAs("Test", {
      title: "test",
      table: "ae_attendance",
      columns: [
        ["source_record_id", ID],
        ["person_id", personAt("subject")],
        ["provider_code", at("provider", requiredText)],
        ["arrived_at", at("arrived", requiredText)],
        ["received_at", RECEIVED],
      ],
    }),
  );
  const [a] = map(resource, ctx);
  assert.ok(a.kind === "activity");
  assert.deepEqual(
    [a.recordId, a.subject, a.practiceOn],
    ["obs-1", { kind: "record", recordId: "p-1" }, undefined],
  );
  const row = a.build("person-1", "P1");
  assert.deepEqual(Object.fromEntries(CATALOGUE.ae_attendance.columnNames.map((c, i) => [c, row[i]])), {
    person_id: "person-1",
    attendance_id: null,
    provider_code: "RXX",
    arrived_at: "2015-03-01T10:00:00.000Z",
    departed_at: null,
    arrival_mode: null,
    disposal: null,
    source_system: "lab",
    source_record_id: "obs-1",
    received_at: "2016-01-01T00:00:00.000Z",
  });
});

test("a coded entry written against a day takes the practice the loader finds for it, and keeps false and 0", () => {
  const map = compile(
    readAs("Test", {
      title: "test",
      table: "gp_entry",
      columns: [
        ["source_record_id", ID],
        ["person_id", personAt("subject")],
        ["recorded_on", at("day", requiredText)],
        ["entry_kind", always("observation")],
        ["code_system", always("s")],
        ["code", always("c")],
        ["value", at("value", asSent)],
        ["received_at", RECEIVED],
        ["practice_code", practiceOn("recorded_on")],
      ],
    }),
  );
  const [a] = map(resource, ctx);
  assert.ok(a.kind === "activity");
  assert.equal(a.practiceOn, "2015-03-01");
  const row = a.build("person-1", "P81001");
  const named = Object.fromEntries(CATALOGUE.gp_entry.columnNames.map((c, i) => [c, row[i]]));
  assert.equal(named.practice_code, "P81001");
  assert.equal(named.value, 0);
  assert.equal(named.value_code, null);
  assert.equal(row.length, CATALOGUE.gp_entry.columnNames.length);
});

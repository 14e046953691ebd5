import assert from "node:assert/strict";
import { test } from "node:test";
import { activity } from "../../src/ingest/fhir/fields.ts";
import { CATALOGUE } from "../../src/store/index.ts";

// A FHIR mapper names a canonical row's values by the catalogue's columns; activity() puts them in the table's
// order with the provenance, the person and (for the coded record and medicines) the practice of the day.

const origin = {
  id: "obs-1",
  subject: { kind: "record", recordId: "p-1" } as const,
  source: "lab",
  received: "2016-01-01T00:00:00.000Z",
};

test("a row named by catalogue columns is built in the table's order, unnamed columns null, provenance from its origin", () => {
  const a = activity("ae_attendance", origin, {
    provider_code: "RXX",
    arrived_at: "2015-03-01T10:00:00.000Z",
  });
  assert.equal(a.recordId, "obs-1");
  assert.equal(a.practiceOn, undefined);
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
  const a = activity(
    "gp_entry",
    origin,
    { recorded_on: "2015-03-01", entry_kind: "observation", code_system: "s", code: "c", value: 0 },
    "2015-03-01",
  );
  assert.equal(a.practiceOn, "2015-03-01");
  const row = a.build("person-1", "P81001");
  const named = Object.fromEntries(CATALOGUE.gp_entry.columnNames.map((c, i) => [c, row[i]]));
  assert.equal(named.practice_code, "P81001");
  assert.equal(named.value, 0);
  assert.equal(named.value_code, null);
  assert.equal(row.length, CATALOGUE.gp_entry.columnNames.length);
});

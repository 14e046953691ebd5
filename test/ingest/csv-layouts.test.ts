import assert from "node:assert/strict";
import { test } from "node:test";
import { checkDeclaration, type LayoutDecl, may, need, rowBuilder } from "../../src/ingest/csv/declare.ts";
import * as F from "../../src/ingest/csv/fields.ts";
import {
  CSV_LAYOUTS,
  DELAYED_TRANSFERS,
  GP_CODED_RECORD,
  SC_SERVICES,
} from "../../src/ingest/csv/layouts.ts";
import { rowId } from "../../src/ingest/ids.ts";
import { CATALOGUE, type TableName } from "../../src/store/index.ts";

// The CSV layouts are declared once against the catalogue (src/ingest/csv/declare.ts): these tests hold the
// declarations to the catalogue and check the rows the loader builds from them, by column name.

const REGISTRATIONS: LayoutDecl = {
  name: "test-registrations",
  title: "Registrations",
  defaultSource: "gp",
  table: "registration",
  person: "linked",
  columns: [
    need("registration_id", F.id, "Id", "source_record_id"),
    need("patient_id", F.id, "The patient", "person_id"),
    need("practice_code", F.odsCode, "Practice"),
    need("registered_on", F.date, "Registered"),
  ],
};

test("every CSV layout names only catalogue columns, fills each that may not be null, and stores each column it checks", () => {
  for (const layout of CSV_LAYOUTS) {
    for (const c of layout.columns) {
      for (const target of c.storedIn) {
        const [table, column] = target.split(".");
        const t = CATALOGUE[table as TableName];
        assert.ok(t?.columnNames.includes(column as never), `${layout.name}.${c.name}: ${target}`);
      }
      const derived = (layout.derived ?? []).some((d) => d.from.includes(c.name));
      assert.ok(c.storedIn.length > 0 || derived, `${layout.name}.${c.name} is stored nowhere`);
    }
    assert.ok(
      layout.columns.some((c) => c.name === layout.recordIdColumn),
      `${layout.name}: record id`,
    );
  }
  assert.deepEqual(checkDeclaration(REGISTRATIONS), []);
});

test("a declaration that disagrees with the catalogue is refused, saying where", () => {
  const columns = REGISTRATIONS.columns;
  assert.deepEqual(
    checkDeclaration({ ...REGISTRATIONS, columns: [...columns, need("practice", F.odsCode, "Typo")] }),
    ["test-registrations: practice is stored in registration.practice, which the catalogue does not have"],
  );
  assert.deepEqual(
    checkDeclaration({ ...REGISTRATIONS, columns: columns.filter((c) => c.name !== "registered_on") }),
    ["test-registrations: nothing fills registration.registered_on, which may not be null"],
  );
  assert.deepEqual(
    checkDeclaration({
      ...REGISTRATIONS,
      columns: columns.map((c) => (c.name === "practice_code" ? may(c.name, c.type, c.description) : c)),
    }),
    ["test-registrations: practice_code is optional but registration.practice_code may not be null"],
  );
  assert.deepEqual(
    checkDeclaration({
      ...REGISTRATIONS,
      columns: [...columns, may("note", F.text(), "Read by nothing", [])],
    }),
    ["test-registrations: note is stored nowhere"],
  );
  assert.deepEqual(
    checkDeclaration({ ...REGISTRATIONS, columns: columns.filter((c) => c.name !== "patient_id") }),
    ["test-registrations: no column is stored as registration.person_id"],
  );
});

/** A layout's row as the catalogue names its columns (person_id left out: the link finds it). */
function namedRow(table: TableName, row: unknown[]): Record<string, unknown> {
  return Object.fromEntries(CATALOGUE[table].columnNames.slice(1).map((c, i) => [c, row[i]]));
}

test("a coded-record row is written by the catalogue's column names: ids from provenance, the rest as declared", () => {
  const build = rowBuilder(GP_CODED_RECORD, "gp_entry", 1);
  /** The cells stored as they are, each in its same-named column. */
  const cells = {
    practice_code: "Z90031",
    recorded_on: "2014-05-01",
    entry_kind: "observation",
    code_system: "http://snomed.info/sct",
    code: "271649006",
    value: 142,
    unit: "mm[Hg]",
  };
  const values = { entry_id: "e-1", patient_id: "gp-1", ...cells, extracted_at: null };
  assert.deepEqual(namedRow("gp_entry", build({ values }, "gp", "2016-01-01T00:00:00.000Z")), {
    entry_id: rowId("gp_entry", "gp", "e-1"),
    ...cells,
    source_system: "gp",
    source_record_id: "e-1",
    received_at: "2016-01-01T00:00:00.000Z",
    value_code_system: null,
    value_code: null,
    // The subject's record id is written from the row's subject (upsertLinked), not from a cell.
    subject_record_id: null,
  });
});

test("derived columns: a delay's spell and a service's spell are the spells' own row ids", () => {
  const delay = namedRow(
    "delayed_transfer",
    rowBuilder(DELAYED_TRANSFERS, "delayed_transfer", 1)(
      {
        values: {
          delay_id: "d-1",
          patient_id: "h-1",
          visit_number: "V9",
          extracted_at: "2015-02-02T02:00:00.000Z",
        },
      },
      "acute-pas",
      "now",
    ),
  );
  assert.equal(delay.spell_id, rowId("hospital_spell", "acute-pas", "V9"));
  assert.equal(delay.received_at, "2015-02-02T02:00:00.000Z");
  const service = (values: Record<string, string | null>) =>
    namedRow(
      "social_care_service",
      rowBuilder(SC_SERVICES, "social_care_service", 1)({ values }, "social-care", "now"),
    );
  assert.equal(
    service({ service_id: "s-1", after_spell_visit: "V9" }).after_spell_id,
    rowId("hospital_spell", "acute-pas", "V9"),
  );
  assert.equal(
    service({ service_id: "s-1", after_spell_source: "other-pas", after_spell_visit: "V9" }).after_spell_id,
    rowId("hospital_spell", "other-pas", "V9"),
  );
  assert.equal(service({ service_id: "s-1", after_spell_visit: null }).after_spell_id, null);
});

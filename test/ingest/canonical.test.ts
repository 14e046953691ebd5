import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import {
  CANONICAL,
  copyUpsert,
  type LinkedWrite,
  type SubjectRow,
  upsertLinked,
  writeCanonical,
} from "../../src/ingest/canonical.ts";
import { rowId } from "../../src/ingest/ids.ts";
import { CATALOGUE } from "../../src/store/index.ts";
import { insertPerson, makePerson } from "../governance/fixtures.ts";
import { useTestDb } from "../helpers/test-db.ts";

const t = useTestDb();

test("each canonical table's upsert spec is its catalogue entry, keyed on provenance (death on the person)", () => {
  assert.deepEqual(
    CANONICAL.hospital_spell.columns.map((c) => c.name),
    CATALOGUE.hospital_spell.columnNames,
  );
  assert.deepEqual(CANONICAL.hospital_spell.key, ["person_id", "source_system", "source_record_id"]);
  assert.deepEqual(CANONICAL.death.key, ["person_id"]);
  assert.equal(CANONICAL.gp_entry.columns.find((c) => c.name === "value")?.type, "numeric");
});

// A column added to a canonical table after its writers were written loads as null from rows that stop short
// of it on the COPY path, as it does on the unnest and VALUES paths.
test("the COPY upsert loads null in the columns a row leaves out", async () => {
  await t.db.exec("CREATE TABLE scratch_upsert (id integer PRIMARY KEY, label text, added text)");
  const columns = [
    { name: "id", type: "integer" },
    { name: "label", type: "text" },
    { name: "added", type: "text" },
  ];
  const counts = await t.db.transaction((tx) =>
    copyUpsert(
      tx,
      "scratch_upsert",
      columns,
      [
        [1, "one"],
        [2, "two", "given"],
      ],
      "ON CONFLICT DO NOTHING",
    ),
  );
  assert.deepEqual(counts, { inserted: 2, updated: 0 });
  const rows = await t.db.query("SELECT id, label, added FROM scratch_upsert ORDER BY id");
  assert.deepEqual(rows, [
    { id: 1, label: "one", added: null },
    { id: 2, label: "two", added: "given" },
  ]);
});

// Rescoring after a FHIR write queues the people a write changed: both upsert paths (unnest below 200 rows,
// COPY from 200) say whose rows were inserted or updated, and a second write of the same rows names no one.
test("a canonical write names the people whose rows it inserted or updated, on both paths", async () => {
  const people = [makePerson(), makePerson(), makePerson()];
  for (const p of people) await insertPerson(t.db, p);
  const rows = (n: number, value: number) =>
    Array.from({ length: n }, (_, i) => [
      people[i % 2].personId,
      randomUUID(),
      null,
      "2024-01-01",
      "observation",
      "http://snomed.info/sct",
      "1003671000000109",
      value,
      "mmol/mol",
      `canonical-test-${n}`,
      `obs-${i}`,
      "2024-01-02T00:00:00Z",
      null,
      null,
    ]);
  for (const n of [10, 250]) {
    const first = await t.db.transaction((tx) => writeCanonical(tx, "gp_entry", rows(n, 48)));
    assert.equal(first.inserted, n, `${n} rows`);
    assert.deepEqual(first.people.sort(), [people[0].personId, people[1].personId].sort(), `${n} rows`);
    const same = await t.db.transaction((tx) => writeCanonical(tx, "gp_entry", rows(n, 48)));
    assert.deepEqual([same.unchanged, same.people], [n, []], `${n} rows again`);
    const changed = await t.db.transaction((tx) => writeCanonical(tx, "gp_entry", rows(n, 49)));
    assert.equal(changed.updated, n);
    assert.equal(changed.people.length, 2);
  }
});

// A linked chunk is written three ways (canonical.ts's LinkedWrite): `blind` COPYs the linked rows straight into
// the table, `fresh` and `upsert` go through a staging table and one statement. Each must store the same rows,
// report the same unlinked lines and counts, and record each row's subject (in the row for gp_entry, in
// ingest_row_subject for a table without the column), including a value binary COPY does not take as it is (a
// date not written YYYY-MM-DD, sent as text instead).
test("blind, fresh and upsert store a linked chunk alike: rows, subjects, unlinked lines, the last of a repeated id", async () => {
  const people = [makePerson(), makePerson()];
  for (const p of people) await insertPerson(t.db, p);
  const stored = async (source: string) => ({
    gp: await t.db.query(
      `SELECT person_id::text, entry_id::text, practice_code, recorded_on::text, entry_kind, code_system, code,
              value::text, unit, source_record_id, received_at, subject_record_id
       FROM gp_entry WHERE source_system = $1 ORDER BY source_record_id`,
      [source],
    ),
    assessments: await t.db.query(
      `SELECT person_id::text, assessment_id::text, client_id, assessed_on::text, assessment_type, outcome,
              source_record_id, received_at
       FROM social_care_assessment WHERE source_system = $1 ORDER BY source_record_id`,
      [source],
    ),
    subjects: await t.db.query(
      `SELECT table_name, source_record_id, subject_system, subject_record_id FROM ingest_row_subject
       WHERE source_system = $1 ORDER BY table_name, source_record_id`,
      [source],
    ),
  });
  const results: Record<string, unknown> = {};
  for (const mode of ["blind", "fresh", "upsert"] as LinkedWrite[]) {
    const source = `linked-${mode}`;
    for (const [i, p] of people.entries())
      await t.db.query(
        `INSERT INTO mpi_record_link (source_system, source_record_id, person_id, linked_at)
         VALUES ($1, $2, $3, now())`,
        [source, `pat-${i}`, p.personId],
      );
    const entry = (
      id: string,
      subject: string,
      line: number,
      value: number,
      on = "2024-01-01",
    ): SubjectRow => ({
      line,
      subjectId: subject,
      values: [
        rowId("gp_entry", source, id),
        "Z90001",
        on,
        "observation",
        "http://snomed.info/sct",
        "1003671000000109",
        value,
        "mmol/mol",
        source,
        id,
        "2024-01-02T00:00:00.000Z",
        null,
        null,
        null,
      ],
    });
    const gp = await t.db.transaction((tx) =>
      upsertLinked(
        tx,
        "gp_entry",
        source,
        [
          entry("e1", "pat-0", 2, 48),
          entry("e2", "nobody", 3, 49),
          entry("e3", "pat-1", 4, 50, "2024-2-3"),
          entry("e1", "pat-0", 5, 51),
          entry("e4", "missing", 6, 52),
        ],
        true,
        mode,
      ),
    );
    const assessment = (id: string, subject: string, line: number): SubjectRow => ({
      line,
      subjectId: subject,
      values: [
        rowId("social_care_assessment", source, id),
        subject,
        "2023-05-06",
        "needs",
        "long-term-support",
        source,
        id,
        "2024-01-02T00:00:00Z",
      ],
    });
    const sc = await t.db.transaction((tx) =>
      upsertLinked(
        tx,
        "social_care_assessment",
        source,
        [assessment("a1", "pat-1", 2), assessment("a2", "nobody", 3), assessment("a3", "pat-0", 4)],
        true,
        mode,
      ),
    );
    const rows = await stored(source);
    for (const r of [...rows.gp, ...rows.assessments, ...rows.subjects]) {
      for (const k of ["entry_id", "assessment_id", "subject_system"]) if (k in r) delete r[k];
    }
    results[mode] = { gp, sc, rows };
    const again = await t.db.transaction((tx) =>
      upsertLinked(tx, "gp_entry", source, [entry("e1", "pat-0", 2, 51)], true, "fresh"),
    );
    assert.deepEqual([again.inserted, again.updated, again.unchanged], [0, 0, 1], `${mode}: stored once`);
  }
  const blind = results.blind as {
    gp: { inserted: number; unchanged: number; unlinked: number[] };
    sc: { inserted: number; unlinked: number[] };
    rows: { gp: Record<string, unknown>[]; subjects: Record<string, unknown>[] };
  };
  assert.deepEqual([blind.gp.inserted, blind.gp.unchanged, blind.gp.unlinked], [2, 1, [3, 6]]);
  assert.deepEqual([blind.sc.inserted, blind.sc.unlinked], [2, [3]]);
  assert.deepEqual(
    blind.rows.gp.map((r) => [r.person_id, r.source_record_id, r.recorded_on, r.value, r.subject_record_id]),
    [
      [people[0].personId, "e1", "2024-01-01", "51", "pat-0"],
      [people[1].personId, "e3", "2024-02-03", "50", "pat-1"],
    ],
  );
  assert.deepEqual(
    blind.rows.subjects.map((r) => [r.table_name, r.source_record_id, r.subject_record_id]),
    [
      ["social_care_assessment", "a1", "pat-1"],
      ["social_care_assessment", "a3", "pat-0"],
    ],
    "a table without subject_record_id records its rows' subjects in ingest_row_subject; gp_entry in the row",
  );
  assert.deepEqual(results.fresh, results.blind);
  assert.deepEqual(results.upsert, results.blind);
});

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { CANONICAL, copyUpsert, writeCanonical } from "../../src/ingest/canonical.ts";
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

import assert from "node:assert/strict";
import { test } from "node:test";
import { CANONICAL, copyUpsert } from "../../src/ingest/canonical.ts";
import { CATALOGUE } from "../../src/store/index.ts";
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

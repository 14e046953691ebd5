import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { CATALOGUE, type Row, TABLES, tableNamed } from "../../src/store/catalogue.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { type ActualTable, compareWithCatalogue, readSchema } from "./information-schema.ts";

let t: TestDb;
let schema: Map<string, ActualTable>;
before(async () => {
  t = await openTestDb();
  schema = await readSchema(t.db);
});
after(() => t.dispose());

/** The migrated schema with one change made to one table. */
function changed(table: string, change: (t: ActualTable) => ActualTable): Map<string, ActualTable> {
  const copy = new Map(schema);
  const original = copy.get(table);
  assert.ok(original, table);
  copy.set(table, change(structuredClone(original)));
  return copy;
}

describe(`the table catalogue on ${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite"}`, () => {
  test("equals information_schema after migrating: tables, columns in order, types, nullability and keys", () => {
    assert.ok(schema.size > 50, `only ${schema.size} tables read`);
    assert.deepEqual(compareWithCatalogue(TABLES, schema), []);
  });

  test("a column a migration adds without the catalogue is named, with the line to add", () => {
    const problems = compareWithCatalogue(
      TABLES,
      changed("hospital_spell", (h) => ({
        ...h,
        columns: [...h.columns, { name: "ward_count", type: "integer", nullable: true }],
      })),
    );
    assert.deepEqual(problems, [
      'hospital_spell.ward_count: in the database but not in the catalogue; add ward_count: "integer?" to src/store/catalogue/store.ts',
    ]);
  });

  test("a changed type, nullability, order, key or table is each reported", () => {
    const retyped = changed("gp_entry", (g) => ({
      ...g,
      columns: g.columns.map((c) => (c.name === "value" ? { ...c, type: "double precision" } : c)),
    }));
    assert.match(
      compareWithCatalogue(TABLES, retyped).join("\n"),
      /^gp_entry\.value: the catalogue says value: "numeric\?", the database value: "double precision\?"$/,
    );
    const required = changed("death", (d) => ({
      ...d,
      columns: d.columns.map((c) => (c.name === "underlying_cause" ? { ...c, nullable: false } : c)),
    }));
    assert.match(compareWithCatalogue(TABLES, required).join("\n"), /^death\.underlying_cause: /);
    const reordered = changed("site", (s) => ({ ...s, columns: [...s.columns].reverse() }));
    assert.match(compareWithCatalogue(TABLES, reordered).join("\n"), /^site: columns out of order/);
    const rekeyed = changed("registration", (r) => ({ ...r, unique: [] }));
    assert.match(compareWithCatalogue(TABLES, rekeyed).join("\n"), /^registration: unique keys/);
    const extra = new Map(schema).set("scratch", {
      name: "scratch",
      columns: [],
      primaryKey: [],
      unique: [],
    });
    assert.match(compareWithCatalogue(TABLES, extra).join("\n"), /^scratch: a table the migrations create/);
    const dropped = new Map(schema);
    dropped.delete("care_plan");
    assert.match(
      compareWithCatalogue(TABLES, dropped).join("\n"),
      /^care_plan: in the catalogue .* but no migration creates it$/,
    );
  });

  test("derives which tables are person-scoped and which columns are provenance", () => {
    const spell = CATALOGUE.hospital_spell;
    assert.equal(spell.personScoped, true);
    assert.deepEqual(spell.provenance, ["source_system", "source_record_id", "received_at"]);
    assert.equal(spell.owner, "store");
    assert.equal(CATALOGUE.organisation.personScoped, false);
    assert.deepEqual(CATALOGUE.organisation.provenance, ["source_system", "received_at"]);
    // Keyed on the source record, not the person: not distributable on person_id.
    assert.equal(CATALOGUE.mpi_record_link.personScoped, false);
    assert.equal(CATALOGUE.death.personScoped, true);
    assert.deepEqual(CATALOGUE.code.provenance, []);
    for (const table of TABLES.filter((x) => x.personScoped)) {
      assert.equal(table.columnNames[0], "person_id", `${table.name} leads with person_id`);
    }
  });

  test("rows come back from the Db with the types Row<T> says", async () => {
    await t.db.exec(`INSERT INTO organisation (org_code, name, kind, source_system) VALUES ('X1', 'Practice', 'practice', 'test');
      INSERT INTO gp_entry VALUES ('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002',
        'X1', '2020-02-29', 'observation', 'snomed', '1', 12.5, 'kg', 'test', 'e1', '2020-03-01T00:00:00Z')`);
    const [row] = await t.db.query<Row<"gp_entry">>("SELECT * FROM gp_entry");
    assert.deepEqual(Object.keys(row), CATALOGUE.gp_entry.columnNames);
    assert.equal(row.recorded_on, "2020-02-29");
    assert.equal(row.value, 12.5);
    assert.ok(row.received_at instanceof Date);
    assert.equal(row.received_at.toISOString(), "2020-03-01T00:00:00.000Z");
    // Two statements, two transactions: on Citus a transaction that deleted from a distributed table over
    // several connections can no longer write a reference table.
    await t.db.exec("DELETE FROM gp_entry");
    await t.db.exec("DELETE FROM organisation");
  });

  test("names a table it does not have", () => {
    assert.equal(tableNamed("ward_stay"), CATALOGUE.ward_stay);
    assert.throws(() => tableNamed("no_such_table"), /No table "no_such_table" in the catalogue/);
  });
});

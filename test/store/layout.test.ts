// The Citus layout: every table declares where it lives on a cluster, the declarations are ones Citus can
// apply (keys, unique indexes and foreign keys checked against the migrated schema on any engine), and
// `oneplace db distribute` / `db status` on this engine. With ONEPLACE_TEST_CITUS=1 and DATABASE_URL on a
// Citus coordinator the scratch database is already distributed (test/helpers/test-db.ts).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { TABLES } from "../../src/store/catalogue.ts";
import { citusStatus, declaredLayout, distribute, type Layout } from "../../src/store/index.ts";
import { runCli } from "../helpers/cli.ts";
import { citusTest, createTestDatabase, openTestDb, type TestDb, withDatabase } from "../helpers/test-db.ts";

let t: TestDb;
before(async () => {
  t = await openTestDb();
});
after(() => t.dispose());

const engine = citusTest ? "Citus" : process.env.DATABASE_URL ? "PostgreSQL" : "PGlite";
const layouts: readonly Layout[] = ["distributed", "reference", "local", "nhs-number"];
const declared = new Map(declaredLayout().map((d) => [d.table, d.layout]));
/** A shard's placement on the Citus coordinator (reference and local tables have one): "code_102008". */
const isShard = (name: string) => !declared.has(name) && declared.has(name.replace(/_\d+$/, ""));

describe(`the Citus layout, checked on ${engine}`, () => {
  test("every table the migrations create declares its layout", async () => {
    const tables = await t.db.query<{ relname: string }>(
      "SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') AND relnamespace = 'public'::regnamespace ORDER BY 1",
    );
    assert.ok(tables.length > 50, `only ${tables.length} tables`);
    const undeclared = tables
      .map((r) => r.relname)
      .filter((name) => !declared.has(name) && !isShard(name))
      .map(
        (name) =>
          `${name}: no layout; add layout: "distributed" | "reference" | "local" | "nhs-number" to its catalogue entry`,
      );
    assert.deepEqual(undeclared, []);
    for (const table of TABLES)
      assert.ok(layouts.includes(table.layout), `${table.name}: layout ${table.layout}`);
  });

  test("a table is distributed exactly when person_id leads its primary key and every unique key", () => {
    const wrong = TABLES.filter((x) => (x.layout === "distributed") !== x.personScoped).map(
      (x) => `${x.name} (${x.owner}): layout ${x.layout}, personScoped ${x.personScoped}`,
    );
    assert.deepEqual(wrong, []);
    // Keyed on the source record, not the person: one source record belongs to one person whoever it is.
    assert.equal(declared.get("mpi_record_link"), "local");
    assert.equal(declared.get("person"), "distributed");
    assert.equal(declared.get("code"), "reference");
    assert.equal(declared.get("audit_event"), "local");
    // Keyed on the number, so that a look-up by NHS Number goes to one shard.
    assert.equal(declared.get("person_by_nhs_number"), "nhs-number");
  });

  test("every unique index of a distributed table contains its shard key (Citus can only check it per shard)", async () => {
    const rows = await t.db.query<{ table: string; index: string; columns: string[] }>(
      `SELECT c.relname AS table, i.relname AS index,
              array(SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum = ANY (x.indkey))::text[] AS columns
         FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indisunique AND c.relnamespace = 'public'::regnamespace`,
    );
    const column = { distributed: "person_id", "nhs-number": "nhs_number" } as Partial<
      Record<Layout, string>
    >;
    const wrong = rows
      .filter((r) => {
        const needs = column[declared.get(r.table) as Layout];
        return !isShard(r.table) && needs !== undefined && !r.columns.includes(needs);
      })
      .map((r) => `${r.table}.${r.index} (${r.columns.join(", ")})`);
    assert.deepEqual(wrong, []);
  });

  test("foreign keys go only where Citus allows: to reference tables, or local to local", async () => {
    const rows = await t.db.query<{ child: string; parent: string }>(
      `SELECT conrelid::regclass::text AS child, confrelid::regclass::text AS parent
         FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace`,
    );
    assert.ok(rows.length > 10, `only ${rows.length} foreign keys`);
    const allowed = (child?: Layout, parent?: Layout) =>
      parent === "reference" || (child === "local" && parent === "local");
    const wrong = rows
      .filter((r) => !isShard(r.child) && !allowed(declared.get(r.child), declared.get(r.parent)))
      .map((r) => `${r.child} (${declared.get(r.child)}) -> ${r.parent} (${declared.get(r.parent)})`);
    assert.deepEqual(wrong, []);
  });

  test(`hospital_spell queues admissions on ${engine}: ${citusTest ? "the row trigger (a shard has no transition table)" : "the statement trigger, its row counterpart off"}`, async () => {
    const rows = await t.db.query<{ tgname: string; tgenabled: string }>(
      `SELECT tgname, tgenabled FROM pg_trigger
        WHERE tgrelid = 'hospital_spell'::regclass AND tgname LIKE 'hospital_spell_admission_notice%' ORDER BY 1`,
    );
    assert.deepEqual(
      rows.map((r) => [r.tgname, r.tgenabled]),
      [
        ["hospital_spell_admission_notice", citusTest ? "D" : "O"],
        ["hospital_spell_admission_notice_on_citus", citusTest ? "O" : "D"],
      ],
    );
    if (citusTest) {
      // Each shard runs the row trigger: its copy is on on every one.
      const shards = await t.db.query<{ result: string }>(
        `SELECT result FROM run_command_on_shards('hospital_spell',
           $$SELECT tgenabled FROM pg_trigger WHERE tgrelid = '%s'::regclass AND tgname LIKE '%%_on_citus%%'$$)`,
      );
      assert.ok(shards.length > 0);
      assert.deepEqual([...new Set(shards.map((r) => r.result))], ["O"]);
    }
  });

  if (citusTest) {
    test("the scratch database is laid out as declared, and distributing it again changes nothing", async () => {
      const status = await citusStatus(t.db);
      assert.ok(status.coordinator);
      assert.ok(status.workers >= 1);
      assert.deepEqual(
        status.tables.filter((x) => !x.asDeclared).map((x) => `${x.table}: ${x.actual}`),
        [],
      );
      // The NHS Number's routes: sharded on the number, apart from person, with as many shards.
      const tables = await t.db.query<{ table: string; column: string; shards: number; group: number }>(
        `SELECT table_name::text AS table, distribution_column AS column, shard_count AS shards,
                colocation_id AS group
           FROM citus_tables WHERE table_name::text IN ('person', 'person_by_nhs_number') ORDER BY 1`,
      );
      assert.deepEqual(
        tables.map((x) => [x.table, x.column, x.shards]),
        [
          ["person", "person_id", tables[0].shards],
          ["person_by_nhs_number", "nhs_number", tables[0].shards],
        ],
      );
      assert.notEqual(tables[0].group, tables[1].group);
      assert.deepEqual(await distribute(t.db), []);
      const cli = await runCli(["db", "distribute"], t.env);
      assert.equal(cli.code, 0, cli.stderr);
      assert.match(cli.stdout, /Every table was already laid out as declared\./);
      const shown = await runCli(["db", "status"], t.env);
      assert.match(shown.stdout, /^ {2}distributed {2}hospital_spell$/m);
      assert.match(shown.stdout, /^ {2}reference {4}code$/m);
      assert.match(shown.stdout, /^ {2}local {8}audit_event$/m);
      assert.match(shown.stdout, /^ {2}nhs-number {3}person_by_nhs_number$/m);
      assert.match(shown.stdout, /Every table laid out as declared\./);
    });

    test("a table put back on the coordinator is named by db status and laid out again by db distribute", async () => {
      await t.db.query("SELECT undistribute_table('care_plan')");
      const shown = await runCli(["db", "status"], t.env);
      assert.match(shown.stdout, /^ {2}plain {8}care_plan {2}\(declared distributed\)$/m);
      assert.match(shown.stdout, /1 table\(s\) not laid out as declared: run 'oneplace db distribute'\./);
      const cli = await runCli(["db", "distribute", "--json"], t.env);
      assert.equal(cli.code, 0, cli.stderr);
      const result = JSON.parse(cli.stdout) as { steps: { table: string; from: string; to: string }[] };
      assert.deepEqual(
        result.steps.map((s) => [s.table, s.from, s.to]),
        [["care_plan", "plain", "distributed"]],
      );
      const status = await citusStatus(t.db);
      assert.deepEqual(
        status.tables.filter((x) => x.table === "care_plan").map((x) => [x.actual, x.colocated]),
        [["distributed", true]],
      );
    });
  } else {
    test("db distribute refuses without Citus, saying what to do, and changes nothing", async () => {
      // A database of its own, not held open here (an embedded one admits one process).
      const database = await createTestDatabase({ migrated: true });
      try {
        const cli = await runCli(["db", "distribute"], database.env);
        assert.notEqual(cli.code, 0);
        assert.equal(cli.stdout, "");
        assert.match(
          cli.stderr,
          database.databaseUrl
            ? /does not have the citus extension in this database.*CREATE EXTENSION citus/
            : /embedded database .* no cluster to distribute over.*DATABASE_URL to a Citus coordinator/,
        );
        const shown = await runCli(["db", "status"], database.env);
        assert.equal(shown.code, 0, shown.stderr);
        assert.match(
          shown.stdout,
          /^Citus: not installed here \(one server: every table is an ordinary table\)\.$/m,
        );
        const status = await withDatabase(database, (db) => citusStatus(db));
        assert.ok(status.tables.every((x) => x.actual === "plain"));
      } finally {
        await database.drop();
      }
    });
  }
});

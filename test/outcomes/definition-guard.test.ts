// A place's own metric definition is untrusted SQL: it is checked when saved (no writes, no sleeping or
// settings, only event and reference tables, no identifying columns, the contract's columns, a breakdown of
// categories not identifiers) and runs read-only with a timeout; one bad definition does not stop the others.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parsePeriod } from "../../src/core/periods.ts";
import { definitionTextProblem } from "../../src/outcomes/definition-guard.ts";
import {
  computeMetrics,
  defineMetric,
  type MetricDefinitionInput,
  SHIPPED_MEASURES,
} from "../../src/outcomes/index.ts";
import { onePlaceError } from "../helpers/errors.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { smallAdmittedPlace } from "./helpers/place.ts";

let t: TestDb;
const nel = SHIPPED_MEASURES.find((d) => d.metricId === "nel") as MetricDefinitionInput;
const SPELLS = `SELECT p.period_id, s.person_id, r.practice_code, 1 AS n, NULL::text AS split
  FROM periods p JOIN hospital_spell s ON s.admitted_at >= :min_start_ts AND s.admitted_at < :max_end_next_ts
  JOIN registration r ON r.person_id = s.person_id`;
const count = (metricId: string, numeratorSql: string): MetricDefinitionInput => ({
  ...nel,
  metricId,
  title: metricId,
  shortTitle: metricId,
  valueKind: "count",
  numeratorSql,
  denominatorSql: null,
  periodType: "quarter",
});
const refused = (pattern: RegExp) => onePlaceError("invalid", "outcomes.definition-sql", pattern);

before(async () => {
  t = await openTestDb();
  await smallAdmittedPlace(t.db);
});
after(() => t?.dispose());

describe("metrics define checks a definition's SQL before storing it", () => {
  test("a definition that writes is refused and writes nothing", async () => {
    const before = await t.db.query("SELECT username, status FROM app_user ORDER BY username");
    await assert.rejects(
      defineMetric(
        t.db,
        count("writes", `WITH x AS (UPDATE app_user SET status = 'locked' RETURNING 1) ${SPELLS}`),
      ),
      onePlaceError("invalid", "outcomes.definition-sql"),
    );
    assert.deepEqual(await t.db.query("SELECT username, status FROM app_user ORDER BY username"), before);
    const stored = await t.db.query("SELECT 1 FROM metric_definition WHERE metric_id = 'writes'");
    assert.equal(stored.length, 0);
  });

  test("sleeping, reading settings and reaching outside the data are refused", async () => {
    await assert.rejects(
      defineMetric(t.db, count("sleeps", `${SPELLS} WHERE pg_sleep(20) IS NOT NULL`)),
      refused(/calls pg_sleep\(\)/),
    );
    await assert.rejects(
      defineMetric(
        t.db,
        count("settings", `${SPELLS} WHERE set_config('work_mem', '1GB', false) IS NOT NULL`),
      ),
      refused(/calls set_config\(\)/),
    );
  });

  test("a second statement, or a call hidden in a comment or quotes, is refused", () => {
    const problem = (snapshotSql: string) =>
      definitionTextProblem({ metricId: "m", kind: "sql", snapshotSql });
    assert.match(
      problem("ROLLBACK TO SAVEPOINT metric_definition; DELETE FROM app_user; SELECT current_date") ?? "",
      /more than one statement/,
    );
    assert.equal(problem("SELECT current_date;"), null, "a trailing semicolon is one statement");
    assert.match(problem("SELECT pg_sleep/**/(1e9)") ?? "", /calls pg_sleep\(\)/);
    assert.match(problem(`SELECT "pg_sleep"(1e9)`) ?? "", /calls pg_sleep\(\)/);
    assert.match(
      problem(`SELECT pg_catalog."set_config"('statement_timeout', '0', true)`) ?? "",
      /calls set_config\(\)/,
    );
    // Whole rows turned into text would carry names and numbers past the column check.
    assert.match(problem("SELECT to_jsonb(p) FROM person p") ?? "", /calls to_jsonb\(\)/);
    assert.match(
      problem(`SELECT table_to_xml('person_identifier', true, false, '')`) ?? "",
      /calls table_to_xml\(\)/,
    );
  });

  test("only event and reference tables may be read, and no identifying column named", async () => {
    await assert.rejects(
      defineMetric(
        t.db,
        count("users", `${SPELLS} WHERE EXISTS (SELECT 1 FROM app_user u WHERE u.status = 'active')`),
      ),
      refused(/reads app_user; a metric may read only event and reference tables/),
    );
    await assert.rejects(
      defineMetric(
        t.db,
        count(
          "names",
          `SELECT p.period_id, s.person_id, r.practice_code, 1 AS n, pe.family_name AS split
             FROM periods p JOIN hospital_spell s ON true JOIN registration r USING (person_id)
             JOIN person pe USING (person_id)`,
        ),
      ),
      refused(/names family_name/),
    );
  });

  test("the contract's five columns, and a breakdown of categories, not identifiers", async () => {
    await assert.rejects(
      defineMetric(
        t.db,
        count(
          "four",
          "SELECT p.period_id, NULL::uuid AS person_id, 'x' AS practice_code, 1 AS n FROM periods p",
        ),
      ),
      refused(/does not run|columns/),
    );
    await assert.rejects(
      defineMetric(
        t.db,
        count(
          "by-person",
          `SELECT p.period_id, s.person_id, r.practice_code, 1 AS n, s.person_id::text AS split
             FROM periods p JOIN hospital_spell s ON true JOIN registration r USING (person_id)`,
        ),
      ),
      refused(/breakdown \(split\) holds identifiers/),
    );
    assert.deepEqual(await defineMetric(t.db, count("spells", SPELLS)), { version: 1, added: true });
  });
});

describe("metrics compute runs each definition read-only and goes on past a bad one", () => {
  test("a stored definition that fails is recorded as unavailable; the others are computed and stored", async () => {
    await defineMetric(t.db, count("spells-again", SPELLS));
    // A bad definition already in the table (stored before these checks, or written behind OnePlace's back).
    await t.db.query(
      `INSERT INTO metric_definition SELECT 'bad-write', version, title, short_title, description, group_name, kind,
         value_kind, numerator_label, denominator_label, numerator_rules, denominator_rules,
         'SELECT period_id, NULL::uuid AS person_id, ''Z1'' AS practice_code, 1 AS n, NULL::text AS split FROM periods, LATERAL (SELECT nextval(''no_such_sequence'')) q',
         denominator_sql, builtin, snapshot_sql, multiplier, unit, decimals, period_type, fy_window, follow_up_days,
         average_over, population, direction, amber_tolerance, target_note, requires, area_levels, 'x'
       FROM metric_definition WHERE metric_id = 'spells'`,
    );
    await t.db.query(
      `INSERT INTO metric_definition SELECT 'bad-ids', version, title, short_title, description, group_name, kind,
         value_kind, numerator_label, denominator_label, numerator_rules, denominator_rules,
         replace(numerator_sql, 'NULL::text AS split', 's.person_id::text AS split'),
         denominator_sql, builtin, snapshot_sql, multiplier, unit, decimals, period_type, fy_window, follow_up_days,
         average_over, population, direction, amber_tolerance, target_note, requires, area_levels, 'y'
       FROM metric_definition WHERE metric_id = 'spells'`,
    );
    const result = await computeMetrics(t.db, {
      periods: [parsePeriod("2015-Q2")],
      metricIds: ["bad-write", "bad-ids", "spells", "spells-again"],
    });
    const unavailable = Object.fromEntries(result.unavailable.map((u) => [u.metricId, u.reason]));
    assert.match(unavailable["bad-write"], /^failed: /);
    assert.match(unavailable["bad-ids"], /breakdown \(split\) holds identifiers/);
    const place = (id: string) =>
      result.values.find((v) => v.metricId === id && v.areaLevel === "place")?.numerator;
    assert.equal(place("spells"), 3);
    assert.equal(place("spells-again"), 3);
    assert.ok(result.runId);
    const stored = await t.db.query<{ metric_id: string }>(
      "SELECT DISTINCT metric_id FROM metric_value WHERE run_id = $1 ORDER BY 1",
      [result.runId],
    );
    assert.deepEqual(
      stored.map((r) => r.metric_id),
      ["spells", "spells-again"],
    );
  });
});

describe("the read-only statement", () => {
  test("runs read-only with the statement timeout, and both are lifted after", async () => {
    const { readOnlyStatement } = await import("../../src/outcomes/definition-guard.ts");
    await t.db.transaction(async (tx) => {
      const inside = await readOnlyStatement(tx, () =>
        tx.query<{ ro: string; timeout: string }>(
          "SELECT current_setting('transaction_read_only') AS ro, current_setting('statement_timeout') AS timeout",
        ),
      );
      assert.deepEqual(inside, [{ ro: "on", timeout: "2min" }]);
      const outside = await tx.query<{ ro: string }>("SELECT current_setting('transaction_read_only') AS ro");
      assert.deepEqual(outside, [{ ro: "off" }]);
    });
  });
});

describe("through the command line", () => {
  test("metrics define refuses a definition that writes, saying why, and stores nothing", async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { runCli } = await import("../helpers/cli.ts");
    const { createTestDatabase } = await import("../helpers/test-db.ts");
    const { migrate, openDb } = await import("../../src/store/index.ts");
    const scratch = await createTestDatabase({ migrated: true });
    const dir = mkdtempSync(join(tmpdir(), "oneplace-define-"));
    try {
      const db = await openDb({ databaseUrl: scratch.databaseUrl, home: scratch.home });
      await migrate(db);
      await db.close();
      const file = join(dir, "bad.json");
      writeFileSync(
        file,
        JSON.stringify(
          count("renames", `WITH x AS (UPDATE app_user SET status = 'locked' RETURNING 1) ${SPELLS}`),
        ),
      );
      const result = await runCli(["metrics", "define", "--file", file], scratch.env);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /Metric renames: its numerator does not run/);
      const after = await openDb({ databaseUrl: scratch.databaseUrl, home: scratch.home });
      const stored = await after.query("SELECT 1 FROM metric_definition WHERE metric_id = 'renames'");
      await after.close();
      assert.equal(stored.length, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await scratch.drop();
    }
  });
});

// HAZ-018: a care plan overwritten by a concurrent edit. Each source system's plan is its own row of care_plan,
// keyed on its provenance, written by the feeds' upsert; plans written in OnePlace are versioned
// (care_plan_version, optimistic concurrency) and only their signed-off version is projected into care_plan,
// by src/care/plan-store.ts alone. These tests keep it so.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { upsertCanonical } from "../../src/ingest/index.ts";
import { CATALOGUE } from "../../src/store/index.ts";
import { useTestDb } from "../helpers/test-db.ts";
import { ROOT } from "./hazards.ts";

const t = useTestDb();
const PERSON = "00000000-0000-4000-8000-0000000000c1";

function planRow(plan: Record<string, string | null>): unknown[] {
  const row: Record<string, unknown> = {
    person_id: PERSON,
    received_at: "2016-03-01T09:00:00Z",
    review_due_on: null,
    ended_on: null,
    ...plan,
  };
  return CATALOGUE.care_plan.columnNames.map((c) => row[c] ?? null);
}

test("only the feeds' provenance-keyed upsert and the projection of a signed-off plan version write care_plan; only the care routes change a plan", () => {
  const files = readdirSync(join(ROOT, "src"), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|sql)$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
  const writers = files.filter((f) =>
    /\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+care_plan\b/i.test(readFileSync(join(ROOT, f), "utf8")),
  );
  // The synthetic place's history projects its plans' versions in bulk, once, into a place where no plan was
  // made in OnePlace yet (it checks in the same transaction), so it can overwrite nobody's edit.
  const synthHistory = join("src", "synth", "care-history.ts");
  assert.deepEqual(
    writers,
    [join("src", "care", "plan-store.ts"), synthHistory],
    "a care plan is written only by its versioned store (optimistic concurrency, HAZ-018)",
  );
  assert.match(
    readFileSync(join(ROOT, synthHistory), "utf8"),
    /SELECT EXISTS \(SELECT 1 FROM care_plan_version\)/,
    "the synthetic history writes plans only into a place with no plan versions",
  );
  const routes = files.filter((f) => f.startsWith(join("src", "web", "routes")));
  const planRoutes = routes.filter((f) =>
    // A route's method with or without type arguments (app.post<...>("/people/:personId/care-plan", ...)).
    /\.(post|put|patch|delete)\b[^(]*\(\s*["'`][^"'`]*care-?plan/i.test(readFileSync(join(ROOT, f), "utf8")),
  );
  assert.deepEqual(
    planRoutes,
    [join("src", "web", "routes", "care-contributions.ts"), join("src", "web", "routes", "care.ts")],
    "only the care routes (and taking a citizen's contribution into the plan) change a plan",
  );
  for (const f of planRoutes)
    assert.match(readFileSync(join(ROOT, f), "utf8"), /baseVersion/, `${f} names the version it was made on`);
});

test("two sources' plans for one person stay side by side; concurrent versions of one plan leave one whole version", async () => {
  await t.db.exec(
    `INSERT INTO person (person_id, nhs_number, family_name, given_name, birth_date, sex, source_system, source_record_id, received_at)
     VALUES ('${PERSON}', '9990000018', 'Planperson', 'Ada', '1940-01-01', 'female', 'test', 'p1', now())`,
  );
  await t.db.exec(
    `INSERT INTO person_by_nhs_number (nhs_number, person_id) VALUES ('9990000018', '${PERSON}')`,
  );
  const community = {
    care_plan_id: "00000000-0000-4000-8000-0000000000d1",
    plan_type: "joint-health-social",
    started_on: "2016-01-04",
    lead_professional_role: "community-matron",
    lead_org_code: "ZZC01",
    source_system: "community-ehr",
    source_record_id: "cp-1",
  };
  const council = {
    care_plan_id: "00000000-0000-4000-8000-0000000000d2",
    plan_type: "crisis",
    started_on: "2015-11-02",
    lead_professional_role: "social-worker",
    lead_org_code: "ZZS01",
    source_system: "council-sc",
    source_record_id: "sc-9",
  };
  await upsertCanonical(t.db, "care_plan", [planRow(community), planRow(council)]);
  // Two versions of the community plan arrive at once, in two transactions.
  const gp = {
    ...community,
    lead_professional_role: "gp",
    lead_org_code: "Z90001",
    received_at: "2016-03-02T09:00:00Z",
  };
  const nurse = {
    ...community,
    lead_professional_role: "district-nurse",
    lead_org_code: "ZZC02",
    received_at: "2016-03-02T09:00:01Z",
  };
  await Promise.all([
    t.db.transaction((tx) => upsertCanonical(tx, "care_plan", [planRow(gp)])),
    t.db.transaction((tx) => upsertCanonical(tx, "care_plan", [planRow(nurse)])),
  ]);
  const rows = await t.db.query<{
    source_system: string;
    lead_professional_role: string;
    lead_org_code: string;
  }>(
    "SELECT source_system, lead_professional_role, lead_org_code FROM care_plan WHERE person_id = $1 ORDER BY source_system",
    [PERSON],
  );
  assert.equal(rows.length, 2, "one row per source's plan");
  assert.deepEqual(rows[1], {
    source_system: "council-sc",
    lead_professional_role: "social-worker",
    lead_org_code: "ZZS01",
  });
  const merged = `${rows[0].lead_professional_role}@${rows[0].lead_org_code}`;
  assert.ok(
    ["gp@Z90001", "district-nurse@ZZC02"].includes(merged),
    `one whole version, not a mixture: ${merged}`,
  );
});

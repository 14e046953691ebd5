// A region: several synthetic places made at once (`oneplace synth --places N`), each with its own
// organisations, areas and people, and nothing repeated across them that must be unique (person ids, NHS
// Numbers, source record ids, organisation and area codes). The first place is exactly the seed's own place.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { isSyntheticNhsNumber } from "../../src/core/nhs-number.ts";
import { isSyntheticOrgCode } from "../../src/core/org-codes.ts";
import { type Db, type NamedRow, openDb, type Table } from "../../src/store/index.ts";
import { DEFAULT_SYNTH_CONFIG, type SynthConfig, validateSynthConfig } from "../../src/synth/config.ts";
import { regionPeopleOf } from "../../src/synth/context.ts";
import { generatePlace } from "../../src/synth/generate.ts";
import { runCli } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-db.ts";

const place: SynthConfig = { ...DEFAULT_SYNTH_CONFIG, seed: "region-test", people: 300 };
const region: SynthConfig = { ...place, places: 3 };

async function rowsOf(config: SynthConfig): Promise<[string, NamedRow][]> {
  const rows: [string, NamedRow][] = [];
  await generatePlace(config, {
    add(table: Table, row: NamedRow) {
      rows.push([table.name, row]);
      return undefined;
    },
  });
  return rows;
}

const of = (rows: [string, NamedRow][], table: string) => rows.filter(([t]) => t === table).map(([, r]) => r);

function assertUnique(values: unknown[], what: string): void {
  const seen = new Set(values.map(String));
  assert.equal(seen.size, values.length, `${what} repeat across the region`);
}

let regionRows: [string, NamedRow][];
before(async () => {
  regionRows = await rowsOf(region);
});

test("each place of a region has its own organisations and areas, under synthetic codes that never repeat", () => {
  const orgs = of(regionRows, "organisation");
  for (const kind of ["ccg", "council", "acute", "community", "mental-health", "ambulance"])
    assert.equal(orgs.filter((o) => o.kind === kind).length, 3, kind);
  assert.equal(orgs.filter((o) => o.kind === "locality").length, 12);
  assert.equal(orgs.filter((o) => o.kind === "practice").length, 3 * 34);
  assertUnique(
    orgs.map((o) => o.org_code),
    "organisation codes",
  );
  assert.ok(orgs.every((o) => isSyntheticOrgCode(String(o.org_code))));
  assert.ok(orgs.some((o) => String(o.name).startsWith("Place 3 Clinical Commissioning Group")));
  assertUnique(
    of(regionRows, "site").map((s) => s.site_code),
    "site codes",
  );
  assertUnique(
    of(regionRows, "area").map((a) => a.area_code),
    "area codes",
  );
});

test("people, NHS Numbers and source records never repeat across the region's places", () => {
  const people = of(regionRows, "person");
  assert.ok(people.length > 3 * 300, `${people.length} people`);
  assertUnique(
    people.map((p) => p.person_id),
    "person ids",
  );
  const numbers = people.map((p) => p.nhs_number).filter((n) => n !== null);
  assert.equal(numbers.length, people.length);
  assertUnique(numbers, "NHS Numbers");
  assert.ok(numbers.every((n) => isSyntheticNhsNumber(String(n))));
  assertUnique(
    of(regionRows, "person_record").map((r) => `${r.source_system}|${r.source_record_id}`),
    "source records",
  );
  // Each place's people are registered at that place's practices.
  const practicesByCcg = new Map<string, Set<string>>();
  for (const o of of(regionRows, "organisation")) {
    if (o.kind !== "practice") continue;
    const locality = of(regionRows, "organisation").find((l) => l.org_code === o.parent_code);
    const ccg = String(locality?.parent_code);
    if (!practicesByCcg.has(ccg)) practicesByCcg.set(ccg, new Set());
    practicesByCcg.get(ccg)?.add(String(o.org_code));
  }
  assert.equal(practicesByCcg.size, 3);
});

test("the region's head count, known before generating (for progress), is the people generated", () => {
  assert.equal(regionPeopleOf(region), of(regionRows, "person").length);
});

test("the first place of a region is the seed's own place, row for row", async () => {
  const alone = await rowsOf(place);
  const firstPeople = of(alone, "person").length;
  const regionPeople = of(regionRows, "person").slice(0, firstPeople);
  assert.deepEqual(regionPeople, of(alone, "person"));
  const aloneOrgs = of(alone, "organisation");
  assert.deepEqual(
    of(regionRows, "organisation").filter((o) => aloneOrgs.some((a) => a.org_code === o.org_code)),
    aloneOrgs,
  );
});

test("a region too big for the synthetic codes and numbers is refused with what to change", () => {
  assert.throws(
    () => validateSynthConfig({ ...place, places: 25 }),
    /places must be a whole number from 1 to 24/,
  );
  assert.throws(
    () => validateSynthConfig({ ...place, people: 400_000, places: 12 }),
    /at most 4,000,000 fit/,
  );
});

let t: TestDatabase;
let db: Db | undefined;
after(async () => {
  await db?.close();
  await t?.drop();
});

test("oneplace synth --places 2 loads a region: two places' practices and people in one database", async () => {
  t = await createTestDatabase({ migrated: true });
  const res = await runCli(
    ["synth", "--places", "2", "--people", "200", "--seed", "region-cli", "--quiet"],
    t.env,
    600_000,
  );
  assert.equal(res.code, 0, res.stderr);
  db = await openDb({ databaseUrl: t.databaseUrl, home: t.home });
  const [counts] = await db.query<{
    practices: number;
    ccgs: number;
    registeredCcgs: number;
    people: number;
    numbers: number;
  }>(
    `SELECT (SELECT count(*)::int FROM organisation WHERE kind = 'practice') AS practices,
            (SELECT count(DISTINCT l.parent_code)::int FROM registration r
               JOIN organisation p ON p.org_code = r.practice_code
               JOIN organisation l ON l.org_code = p.parent_code) AS "registeredCcgs",
            (SELECT count(*)::int FROM organisation WHERE kind = 'ccg') AS ccgs,
            (SELECT count(*)::int FROM person) AS people,
            (SELECT count(DISTINCT nhs_number)::int FROM person) AS numbers`,
  );
  assert.equal(counts.ccgs, 2);
  assert.equal(counts.practices, 68);
  assert.equal(counts.registeredCcgs, 2);
  assert.equal(counts.numbers, counts.people);
  const [load] = await db.query<{ description: string }>("SELECT description FROM data_load");
  assert.match(load.description, /region of 2 places/);
  const refused = await runCli(["synth", "--places", "25", "--people", "200"], t.env);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /places/);
});

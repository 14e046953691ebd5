import assert from "node:assert/strict";
import { test } from "node:test";
import { NHS_NUMBER_SYSTEM } from "../../src/core/codes.ts";
import { isTestRangeNhsNumber, isValidNhsNumber } from "../../src/core/nhs-number.ts";
import { isSyntheticOrgCode } from "../../src/core/org-codes.ts";
import type { Db, Queryable } from "../../src/store/index.ts";
import { DEFAULT_SYNTH_CONFIG, type SynthConfig } from "../../src/synth/config.ts";
import { loadEfiCodeLists } from "../../src/synth/efi-codes.ts";
import { loadSyntheticPlace, type SynthLoadResult } from "../../src/synth/load.ts";
import { SOURCE_SYSTEM } from "../../src/synth/source-systems.ts";
import { ALL_SHAPES } from "../../src/synth/table-shapes.ts";
import { openTestDb, useTestDb } from "../helpers/test-db.ts";

// Fault rates well above the defaults, so a small place shows each fault often enough to measure.
const config: SynthConfig = {
  ...DEFAULT_SYNTH_CONFIG,
  seed: "load-test",
  people: 4000,
  historyStart: "2012-04-01",
  historyEnd: "2015-03-31",
  faults: {
    socialCareMissingNhsNumber: 0.2,
    socialCareMistypedNhsNumber: 0.1,
    nameVariant: 0.25,
    duplicateSocialCareRecord: 0.15,
    hospitalMissingNhsNumber: 0.05,
  },
};

let db: Db;
let result: SynthLoadResult;

useTestDb({
  async setup(opened) {
    db = opened;
    result = await loadSyntheticPlace(db, config);
  },
});

async function count(q: Queryable, sql: string, params: unknown[] = []): Promise<number> {
  const rows = await q.query<{ n: number }>(sql, params);
  return Number(rows[0].n);
}

/** True when `observed` of `n` is within four standard errors of the rate p. */
function aboutRate(observed: number, n: number, p: number): boolean {
  return Math.abs(observed / n - p) <= 4 * Math.sqrt((p * (1 - p)) / n) + 1 / n;
}

test("every table is filled and the data_load row records what was loaded", async () => {
  for (const shape of ALL_SHAPES) {
    const n = await count(db, `SELECT count(*) AS n FROM ${shape.name}`);
    assert.ok(n > 0, `${shape.name} is empty`);
    assert.equal(result.rowsByTable[shape.name], n, shape.name);
  }
  const loads = await db.query<{
    status: string;
    rows_by_table: Record<string, number>;
    finished_at: Date | null;
  }>("SELECT status, rows_by_table, finished_at FROM data_load WHERE load_id = $1", [result.loadId]);
  assert.equal(loads.length, 1);
  assert.equal(loads[0].status, "succeeded");
  assert.ok(loads[0].finished_at);
  assert.deepEqual(loads[0].rows_by_table, result.rowsByTable);
  assert.ok(result.seconds > 0);
  // Each person's NHS Number is routed (store/nhs-number-routes.ts), and nothing else is.
  const unrouted = await count(
    db,
    `SELECT count(*) AS n FROM (SELECT nhs_number, person_id FROM person WHERE nhs_number IS NOT NULL
       EXCEPT SELECT nhs_number, person_id FROM person_by_nhs_number) x`,
  );
  assert.equal(unrouted, 0);
  assert.equal(
    result.rowsByTable.person_by_nhs_number,
    await count(db, "SELECT count(*) AS n FROM person WHERE nhs_number IS NOT NULL"),
  );
});

/** The tables' indexes and constraints as the catalogue has them, one line each. */
async function keysAndIndexes(q: Queryable): Promise<string[]> {
  const tables = ALL_SHAPES.map((shape) => shape.name);
  const rows = await q.query<{ line: string }>(
    `SELECT indexdef AS line FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY($1::text[])
     UNION ALL
     SELECT conrelid::regclass::text || ': ' || conname || ' ' || pg_get_constraintdef(oid)
       FROM pg_constraint WHERE conrelid IN (SELECT to_regclass(t) FROM unnest($1::text[]) t)
     ORDER BY 1`,
    [tables],
  );
  return rows.map((r) => r.line);
}

test("the load leaves every key, constraint and index of its tables as the migrations made them", async () => {
  const fresh = await openTestDb();
  try {
    assert.deepEqual(await keysAndIndexes(db), await keysAndIndexes(fresh.db));
  } finally {
    await fresh.dispose();
  }
});

/** Each loaded table's rows as one checksum (every column, in a fixed order), by table. */
async function tableChecksums(q: Queryable): Promise<Record<string, string>> {
  const sums: Record<string, string> = {};
  for (const shape of ALL_SHAPES) {
    const [row] = await q.query<{ sum: string }>(
      `SELECT md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS sum FROM ${shape.name} t`,
    );
    sums[shape.name] = row.sum;
  }
  return sums;
}

test("rows copied in COPY's binary format are the rows its text format gives", async () => {
  const small = { ...config, seed: "load-formats", people: 600 };
  const [text, binary] = [await openTestDb(), await openTestDb()];
  try {
    await loadSyntheticPlace(text.db, small, undefined, { format: "text" });
    await loadSyntheticPlace(binary.db, small, undefined, { format: "binary" });
    assert.deepEqual(await tableChecksums(binary.db), await tableChecksums(text.db));
  } finally {
    await text.dispose();
    await binary.dispose();
  }
});

test("on the embedded engine the loaded rows are written frozen: their pages all-visible, nothing left to rewrite", async (t) => {
  if (db.engine !== "pglite") {
    t.skip("a server's load truncates nothing, so it cannot freeze");
    return;
  }
  const pages = await db.query<{ relname: string; relpages: number; relallvisible: number }>(
    `SELECT relname, relpages, relallvisible FROM pg_class
      WHERE relname = ANY($1::text[]) AND relkind = 'r' AND relpages > 0 ORDER BY relname`,
    [["person", "registration", "gp_entry", "medication_issue", "hospital_spell", "care_contact"]],
  );
  assert.equal(pages.length, 6);
  // PostgreSQL marks the pages each batch of a COPY FREEZE starts empty; the page a batch ends on, which the
  // next batch fills, stays unmarked (about one in eight for wide rows). Without FREEZE only a vacuumed table is.
  for (const p of pages)
    assert.ok(p.relallvisible > p.relpages / 2, `${p.relname}: ${p.relallvisible} of ${p.relpages} pages`);
});

test("a second load into a database that holds people is refused and changes nothing", async () => {
  const before = await count(db, "SELECT count(*) AS n FROM person");
  await assert.rejects(loadSyntheticPlace(db, config), /already holds people/);
  assert.equal(await count(db, "SELECT count(*) AS n FROM person"), before);
  assert.equal(await count(db, "SELECT count(*) AS n FROM data_load"), 1);
});

test("NHS Numbers are unique, from the test range and check-digit valid; the registered list is about the configured size", async () => {
  const rows = await db.query<{ nhs_number: string | null }>("SELECT nhs_number FROM person");
  const numbers = rows.map((r) => r.nhs_number);
  assert.ok(numbers.every((n) => n !== null && isTestRangeNhsNumber(n)));
  assert.equal(new Set(numbers).size, numbers.length);
  const registered = await count(
    db,
    "SELECT count(*) AS n FROM registration WHERE registered_on <= '2013-04-01' AND (deregistered_on IS NULL OR deregistered_on > '2013-04-01')",
  );
  assert.ok(Math.abs(registered - config.people) < 0.05 * config.people, `registered ${registered}`);
});

test("identifiers, source records and the truth table agree with each person", async () => {
  // Every source record has exactly its truth row, and nothing else is in the truth table.
  assert.equal(
    await count(
      db,
      `SELECT count(*) AS n FROM person_record r
       FULL JOIN synth_truth s USING (person_id, source_system, source_record_id)
       WHERE r.person_id IS NULL OR s.person_id IS NULL`,
    ),
    0,
  );
  // Everyone registered has a GP record holding their golden NHS Number, name and birth date.
  assert.equal(
    await count(
      db,
      `SELECT count(*) AS n FROM person p JOIN registration g ON g.person_id = p.person_id
       WHERE NOT EXISTS (SELECT 1 FROM person_record r WHERE r.person_id = p.person_id AND r.source_system = 'gp'
         AND r.nhs_number = p.nhs_number AND r.family_name = p.family_name AND r.birth_date = p.birth_date)`,
    ),
    0,
  );
  // The NHS Number identifier is the golden one; hospital numbers and client ids are those systems' record ids.
  assert.equal(
    await count(
      db,
      `SELECT count(*) AS n FROM person p LEFT JOIN person_identifier i
         ON i.person_id = p.person_id AND i.system = $1 AND i.value = p.nhs_number WHERE i.person_id IS NULL`,
      [NHS_NUMBER_SYSTEM],
    ),
    0,
  );
  for (const system of [SOURCE_SYSTEM.acute, SOURCE_SYSTEM.socialCare]) {
    const records = await count(db, "SELECT count(*) AS n FROM person_record WHERE source_system = $1", [
      system,
    ]);
    const matched = await count(
      db,
      `SELECT count(*) AS n FROM person_record r JOIN person_identifier i
         ON i.person_id = r.person_id AND i.source_system = r.source_system AND i.value = r.source_record_id
       WHERE r.source_system = $1`,
      [system],
    );
    assert.ok(records > 0);
    assert.equal(matched, records, system);
  }
  // Hospital numbers and client ids are never shared between two people.
  assert.equal(
    await count(
      db,
      "SELECT count(*) AS n FROM (SELECT system, value FROM person_identifier GROUP BY 1, 2 HAVING count(DISTINCT person_id) > 1) d",
    ),
    0,
  );
});

test("social care and hospital records carry faults at about the configured rates; the golden record stays correct", async () => {
  const social = await db.query<{
    nhs: string | null;
    golden: string;
    family: string;
    given: string;
    gf: string;
    gg: string;
    n: number;
  }>(
    `SELECT r.nhs_number AS nhs, p.nhs_number AS golden, r.family_name AS family, r.given_name AS given,
            p.family_name AS gf, p.given_name AS gg,
            row_number() OVER (PARTITION BY r.person_id ORDER BY r.source_record_id) AS n
     FROM person_record r JOIN person p USING (person_id) WHERE r.source_system = 'social-care'`,
  );
  const primaries = social;
  const clients = await db.query<{ person_id: string; records: number }>(
    "SELECT person_id, count(*) AS records FROM person_record WHERE source_system = 'social-care' GROUP BY 1",
  );
  const duplicated = clients.filter((c) => Number(c.records) === 2).length;
  assert.ok(clients.every((c) => Number(c.records) <= 2));
  assert.ok(
    aboutRate(duplicated, clients.length, config.faults.duplicateSocialCareRecord),
    `duplicates ${duplicated}/${clients.length}`,
  );

  const missing = primaries.filter((r) => r.nhs === null).length;
  const mistyped = primaries.filter((r) => r.nhs !== null && r.nhs !== r.golden).length;
  const renamed = primaries.filter((r) => r.family !== r.gf || r.given !== r.gg).length;
  assert.ok(clients.length > 100, `only ${clients.length} social care clients`);
  // Duplicates lack the number more often (0.6), so the pooled rate sits a little above the configured one.
  const pooledMissing = (clients.length * 0.2 + duplicated * 0.6) / primaries.length;
  assert.ok(aboutRate(missing, primaries.length, pooledMissing), `missing ${missing}/${primaries.length}`);
  assert.ok(mistyped > 0 && mistyped / primaries.length < 0.2, `mistyped ${mistyped}/${primaries.length}`);
  assert.ok(
    renamed / primaries.length > 0.15 && renamed / primaries.length < 0.4,
    `renamed ${renamed}/${primaries.length}`,
  );
  for (const r of primaries) if (r.nhs !== null && r.nhs !== r.golden) assert.ok(/^\d{10}$/.test(r.nhs));
  const mistypedValid = primaries.filter(
    (r) => r.nhs !== null && r.nhs !== r.golden && isValidNhsNumber(r.nhs),
  ).length;
  assert.equal(mistypedValid, 0, "a single slip from a valid NHS Number always fails the check digit");

  const acute = await db.query<{ nhs: string | null }>(
    "SELECT nhs_number AS nhs FROM person_record WHERE source_system = 'acute-pas'",
  );
  const acuteMissing = acute.filter((r) => r.nhs === null).length;
  assert.ok(
    aboutRate(acuteMissing, acute.length, config.faults.hospitalMissingNhsNumber),
    `hospital missing ${acuteMissing}/${acute.length}`,
  );
  // Events on a duplicate client record use its own client id.
  assert.equal(
    await count(
      db,
      `SELECT count(*) AS n FROM social_care_service s WHERE NOT EXISTS (
         SELECT 1 FROM person_record r WHERE r.person_id = s.person_id AND r.source_system = 'social-care'
           AND r.source_record_id = s.client_id)`,
    ),
    0,
  );
});

test("codes, organisations and postcodes are the synthetic and reference ones", async () => {
  const lists = loadEfiCodeLists();
  const conditionCodes = await db.query<{ code: string }>(
    "SELECT DISTINCT code FROM gp_entry WHERE entry_kind = 'condition'",
  );
  assert.ok(conditionCodes.length > 50);
  for (const { code } of conditionCodes)
    assert.ok(lists.deficitsByCode.has(code), `condition code ${code} is not in the eFI list`);
  const orgs = await db.query<{ org_code: string; kind: string }>("SELECT org_code, kind FROM organisation");
  for (const o of orgs) {
    assert.ok(
      o.kind === "practice" ? /^Z9\d{4}$/.test(o.org_code) : isSyntheticOrgCode(o.org_code),
      o.org_code,
    );
  }
  assert.equal(orgs.filter((o) => o.kind === "practice").length, 34);
  assert.equal(orgs.filter((o) => o.kind === "locality").length, 4);
  const badPostcodes = await count(
    db,
    `SELECT count(*) AS n FROM (SELECT postcode FROM person UNION SELECT postcode FROM person_record UNION SELECT postcode FROM organisation) p
     WHERE postcode IS NOT NULL AND postcode !~ '^(RM1[5-9]|RM20|SS17) [0-9][CIKMOV][ABDEFGHJLNPQRSTUWXYZ]$'`,
  );
  assert.equal(badPostcodes, 0);
  assert.equal(
    await count(
      db,
      "SELECT count(*) AS n FROM person p LEFT JOIN area a USING (area_code) WHERE a.area_code IS NULL",
    ),
    0,
  );
});

test("hospital spells hang together: stroke goes through a stroke unit, delays end at discharge, deaths end spells", async () => {
  const stroke = await count(
    db,
    "SELECT count(*) AS n FROM hospital_spell WHERE primary_diagnosis ~ '^I6[134]'",
  );
  assert.ok(stroke > 5, `only ${stroke} stroke spells`);
  assert.equal(
    await count(
      db,
      `SELECT count(*) AS n FROM hospital_spell h WHERE h.primary_diagnosis ~ '^I6[134]' AND NOT EXISTS (
         SELECT 1 FROM ward_stay w WHERE w.person_id = h.person_id AND w.spell_id = h.spell_id AND w.ward_kind = 'stroke-unit')`,
    ),
    0,
  );
  assert.equal(
    await count(
      db,
      `SELECT count(*) AS n FROM delayed_transfer d JOIN hospital_spell h USING (person_id, spell_id)
       WHERE d.ended_on IS DISTINCT FROM (h.discharged_at AT TIME ZONE 'UTC')::date OR d.ready_on < (h.admitted_at AT TIME ZONE 'UTC')::date`,
    ),
    0,
  );
  assert.ok(
    (await count(db, "SELECT count(*) AS n FROM delayed_transfer WHERE attribution = 'social-care'")) > 0,
  );
  const destinations = await db.query<{ discharge_destination: string }>(
    "SELECT DISTINCT discharge_destination FROM hospital_spell WHERE discharge_destination IS NOT NULL",
  );
  for (const d of ["19", "51", "79", "85", "88"])
    assert.ok(
      destinations.some((r) => r.discharge_destination === d),
      `no destination ${d}`,
    );
  assert.equal(
    await count(
      db,
      "SELECT count(*) AS n FROM hospital_spell WHERE (discharge_method = 'died') <> (discharge_destination = '79')",
    ),
    0,
  );
  // A death in hospital is the end of the person's last spell, on the day the death is registered as.
  assert.equal(
    await count(
      db,
      `SELECT count(*) AS n FROM hospital_spell h JOIN death d USING (person_id)
       WHERE h.discharge_method = 'died' AND ((h.discharged_at AT TIME ZONE 'UTC')::date <> d.died_on OR d.place_of_death <> 'hospital')`,
    ),
    0,
  );
  // Spells of one person never overlap, and the PAS message arrives after the event.
  assert.equal(
    await count(
      db,
      `SELECT count(*) AS n FROM hospital_spell a JOIN hospital_spell b ON a.person_id = b.person_id AND a.spell_id <> b.spell_id
       WHERE a.admitted_at < b.admitted_at AND (a.discharged_at IS NULL OR a.discharged_at > b.admitted_at)`,
    ),
    0,
  );
  assert.equal(
    await count(
      db,
      "SELECT count(*) AS n FROM hospital_spell WHERE received_at < coalesce(discharged_at, admitted_at)",
    ),
    0,
  );
  assert.equal(
    await count(db, "SELECT count(*) AS n FROM hospital_spell WHERE admitted_at > '2015-04-01T00:00:00Z'"),
    0,
  );
});

test("reablement follows a real discharge, and care-home moves link to the placement they follow", async () => {
  const reablement = await db.query<{
    started_on: string;
    discharged_on: string | null;
    same_person: boolean;
  }>(
    `SELECT s.started_on, (h.discharged_at AT TIME ZONE 'UTC')::date::text AS discharged_on, h.person_id IS NOT NULL AS same_person
     FROM social_care_service s LEFT JOIN hospital_spell h ON h.person_id = s.person_id AND h.spell_id = s.after_spell_id
     WHERE s.service_type = 'reablement' AND s.referral_source = 'hospital-discharge'`,
  );
  assert.ok(reablement.length >= 3, `only ${reablement.length} reablement episodes`);
  for (const r of reablement) {
    assert.ok(r.same_person, "after_spell_id must be a spell of the same person");
    assert.equal(r.started_on, r.discharged_on);
  }
  assert.equal(
    await count(
      db,
      `SELECT count(*) AS n FROM care_home_placement c WHERE c.follows_placement_id IS NOT NULL AND NOT EXISTS (
         SELECT 1 FROM care_home_placement f WHERE f.person_id = c.person_id AND f.placement_id = c.follows_placement_id
           AND f.ended_on = c.started_on)`,
    ),
    0,
  );
  assert.ok(
    (await count(
      db,
      `SELECT count(*) AS n FROM care_home_placement c JOIN care_home_placement t
         ON t.person_id = c.person_id AND t.placement_id = c.follows_placement_id
       WHERE t.placement_type = 'trial' AND t.end_reason = 'became-permanent' AND c.placement_type = 'permanent'`,
    )) > 0,
    "no trial became permanent",
  );
  const types = await db.query<{ placement_type: string }>(
    "SELECT DISTINCT placement_type FROM care_home_placement",
  );
  for (const type of ["permanent", "trial", "temporary", "respite"])
    assert.ok(
      types.some((r) => r.placement_type === type),
      type,
    );
  const plans = await db.query<{ plan_type: string }>("SELECT DISTINCT plan_type FROM care_plan");
  assert.ok(plans.some((p) => p.plan_type === "joint-health-social"));
});

test("a load that fails part-way leaves no half-written place and a 'failed' data_load row", async () => {
  const fresh = await openTestDb();
  try {
    let copies = 0;
    const failing: Db = {
      ...fresh.db,
      transaction: (fn) =>
        fresh.db.transaction((tx) =>
          fn({
            query: (sql, params) => tx.query(sql, params),
            exec: (sql) => tx.exec(sql),
            copyFrom: (table, columns, chunks, options) => {
              if (++copies === 4) return Promise.reject(new Error("disk full (simulated)"));
              return tx.copyFrom(table, columns, chunks, options);
            },
          }),
        ),
    };
    await assert.rejects(loadSyntheticPlace(failing, { ...config, people: 1500 }), /disk full/);
    assert.equal(await count(fresh.db, "SELECT count(*) AS n FROM person"), 0);
    assert.equal(await count(fresh.db, "SELECT count(*) AS n FROM organisation"), 0);
    const loads = await fresh.db.query<{ status: string }>("SELECT status FROM data_load");
    assert.deepEqual(
      loads.map((l) => l.status),
      ["failed"],
    );
  } finally {
    await fresh.dispose();
  }
});

// Each person's eFI deficits from their GP record, set-based in SQL, and the eFI on a date with the
// records behind it (so a clinician can see why).
import { addDays, addMonths, ageOn, isIsoDate } from "../core/dates.ts";
import { invalid } from "../core/errors.ts";
import { isCitus, prepared, type Queryable, replaceTableContents, setLocal } from "../store/index.ts";
import {
  DEFICITS,
  EFI_MIN_AGE,
  type EfiCategory,
  efiCategory,
  POLYPHARMACY,
  POLYPHARMACY_MIN_MEDICINES,
} from "./efi-definition.ts";

/**
 * The earliest record behind each coded deficit: any code of the deficit's list, or a value meeting one of
 * its value rules, recorded at any time (no look-back limit; coded deficits never resolve). Ties on a date
 * prefer a code over a value, then the lowest entry id, so the evidence chosen is stable. One pass over
 * gp_entry against every code that can show a deficit; the person's sex is looked up only for the
 * haemoglobin rules, the only ones that need it. For a few people (`lookUp`) each of their entries looks its
 * code up in the lists' code indexes instead: hashing all ~2,200 codes cost more than a whole person's record.
 */
function deficitEvidenceSql(personFilter: string, lookUp = false): string {
  const on = (alias: string) =>
    lookUp ? `WHERE ${alias}.system = g.code_system AND ${alias}.code = g.code` : "";
  return `SELECT DISTINCT ON (g.person_id, c.deficit_id)
      g.person_id, c.deficit_id, g.recorded_on AS first_on, c.basis, g.entry_id, c.rule_id
    FROM gp_entry g
    JOIN ${lookUp ? "LATERAL " : ""}(
      SELECT system, code, substr(list_id, 5) AS deficit_id, 'code' AS basis, NULL::text AS rule_id,
             NULL::text AS sex, NULL::numeric AS above, NULL::numeric AS below
      FROM code_list_member l ${lookUp ? `${on("l")} AND` : "WHERE"} list_id LIKE 'efi:%'
      UNION ALL
      SELECT system, code, deficit_id, 'value', rule_id, sex, above, below FROM efi_value_rule v ${on("v")}
    ) c ON c.system = g.code_system AND c.code = g.code
    WHERE (c.basis = 'code'
       OR (g.value IS NOT NULL
           AND (c.above IS NULL OR g.value > c.above)
           AND (c.below IS NULL OR g.value < c.below)
           AND CASE WHEN c.sex IS NULL THEN true
                    ELSE c.sex = (SELECT p.sex FROM person p WHERE p.person_id = g.person_id) END))
      ${personFilter.replaceAll("person_id", "g.person_id")}
    ORDER BY g.person_id, c.deficit_id, g.recorded_on, c.basis, g.entry_id`;
}

const COLUMNS = "person_id, deficit_id, first_on, basis, entry_id, rule_id";

/**
 * Rebuilds every person's coded deficits from the GP record. Call inside a transaction: it changes planner
 * settings and work_mem for the rest of it (SET LOCAL), so set your own afterwards.
 */
export async function rebuildAllDeficits(tx: Queryable): Promise<void> {
  await replaceTableContents(tx, "efi_deficit", (target) => insertAllDeficits(tx, target));
}

/** Inserts every person's coded deficits into `target` (efi_deficit or its replacement being built). */
export async function insertAllDeficits(tx: Queryable, target: string): Promise<void> {
  // A sequential pass over the GP record hashed against ~2,200 codes. The planner's estimates for the
  // per-code row counts are poor, and its nested-loop or merge plans walk the whole record through the code
  // index in random order, many times slower at scale; the sort must stay in memory.
  await setLocal(tx, { enable_nestloop: "off", enable_mergejoin: "off", work_mem: "'768MB'", jit: "off" });
  await tx.query(`INSERT INTO ${target} (${COLUMNS}) SELECT ${COLUMNS} FROM (${deficitEvidenceSql("")}) e`);
  await setLocal(tx, { enable_nestloop: "on", enable_mergejoin: "on" });
}

// One statement: upsert what the record shows now, delete what it no longer shows (a corrected record); a
// deficit whose evidence is as stored is not written again. Prepared: ingest rescoring a person after their new
// events runs it each time.
const REBUILD_DEFICITS_FOR = prepared(
  "risk.deficits.rebuild",
  `WITH found AS (${deficitEvidenceSql("AND person_id = ANY($1::uuid[])", true)}),
   upserted AS (
     INSERT INTO efi_deficit (${COLUMNS}) SELECT ${COLUMNS} FROM found
     ON CONFLICT (person_id, deficit_id) DO UPDATE SET first_on = excluded.first_on, basis = excluded.basis,
       entry_id = excluded.entry_id, rule_id = excluded.rule_id
     WHERE (efi_deficit.first_on, efi_deficit.basis, efi_deficit.entry_id, efi_deficit.rule_id)
       IS DISTINCT FROM (excluded.first_on, excluded.basis, excluded.entry_id, excluded.rule_id)
   )
   DELETE FROM efi_deficit d WHERE d.person_id = ANY($1::uuid[])
     AND NOT EXISTS (SELECT 1 FROM found f WHERE f.person_id = d.person_id AND f.deficit_id = d.deficit_id)`,
);

// A Citus cluster cannot plan the statement above (a DELETE reading a data-modifying CTE over the same
// distributed table), so there it is two: the upsert returns what the record shows, and the delete keeps those.
// Its evidence joins the code lists whole: Citus pushes no UNION of reference tables into a LATERAL subquery.
const UPSERT_DEFICITS_FOR = prepared(
  "risk.deficits.upsert",
  `INSERT INTO efi_deficit (${COLUMNS}) SELECT ${COLUMNS} FROM (${deficitEvidenceSql("AND person_id = ANY($1::uuid[])")}) f
   ON CONFLICT (person_id, deficit_id) DO UPDATE SET first_on = excluded.first_on, basis = excluded.basis,
     entry_id = excluded.entry_id, rule_id = excluded.rule_id
   RETURNING person_id::text || ' ' || deficit_id AS kept`,
);
const DELETE_DEFICITS_BUT = prepared(
  "risk.deficits.delete-but",
  `DELETE FROM efi_deficit WHERE person_id = ANY($1::uuid[])
     AND NOT (person_id::text || ' ' || deficit_id = ANY($2::text[]))`,
);

/** Rebuilds the coded deficits of some people (after new or corrected records for them). */
export async function rebuildDeficitsFor(tx: Queryable, personIds: readonly string[]): Promise<void> {
  if (personIds.length === 0) return;
  if (!isCitus(tx)) {
    await tx.query(REBUILD_DEFICITS_FOR, [personIds]);
    return;
  }
  const kept = await tx.query<{ kept: string }>(UPSERT_DEFICITS_FOR, [personIds]);
  await tx.query(DELETE_DEFICITS_BUT, [personIds, kept.map((r) => r.kept)]);
}

/** The first day of the 12-month look-back that ends on (and includes) the given date. */
export function twelveMonthsStart(onIso: string): string {
  return addDays(addMonths(onIso, -12), 1);
}

export interface DeficitEvidence {
  deficitId: string;
  name: string;
  firstOn: string;
  basis: "code" | "value" | "prescriptions";
  /** The record that made the deficit present: a gp_entry, or for polypharmacy the medicines counted. */
  sourceTable: "gp_entry" | "medication_issue";
  sourceIds: string[];
  codeSystem: string | null;
  code: string | null;
  value: number | null;
  ruleId: string | null;
}

export interface EfiResult {
  personId: string;
  on: string;
  age: number;
  deficitCount: number;
  score: { numerator: number; denominator: 36; value: number };
  /** Null under 65: the eFI is validated for people aged 65 and over. */
  category: EfiCategory | null;
  deficits: DeficitEvidence[];
  /** Distinct medication codes (as supplied: system + code) issued in the 12 months up to the date. */
  medicines12m: number;
}

// A person's page reads the eFI on every request: prepared.
const EFI_BIRTH_DATE = prepared("risk.efi.birth-date", "SELECT birth_date FROM person WHERE person_id = $1");
const EFI_CODED = prepared(
  "risk.efi.coded",
  `SELECT d.deficit_id, d.first_on, d.basis, d.entry_id::text, g.code_system, g.code, g.value, d.rule_id
     FROM efi_deficit d JOIN gp_entry g ON g.person_id = d.person_id AND g.entry_id = d.entry_id
    WHERE d.person_id = $1 AND d.first_on <= $2 ORDER BY d.deficit_id`,
);
const EFI_MEDICINES = prepared(
  "risk.efi.medicines",
  `SELECT DISTINCT ON (code_system, code) code_system, code, issued_on AS first_on, issue_id::text
     FROM medication_issue WHERE person_id = $1 AND issued_on >= $2 AND issued_on <= $3
    ORDER BY code_system, code, issued_on, issue_id`,
);

/**
 * The eFI of one person on a date, from the stored deficits (run rebuildDeficitsFor first if their record
 * changed) and their prescriptions. Null if the person is unknown or not yet born on that date.
 */
export async function efiOn(db: Queryable, personId: string, on: string): Promise<EfiResult | null> {
  if (!isIsoDate(on)) throw invalid("risk.date", `Not a date: ${JSON.stringify(on)}`);
  const [person] = await db.query<{ birth_date: string }>(EFI_BIRTH_DATE, [personId]);
  if (!person || person.birth_date > on) return null;
  const coded = await db.query<{
    deficit_id: string;
    first_on: string;
    basis: "code" | "value";
    entry_id: string;
    code_system: string;
    code: string;
    value: number | null;
    rule_id: string | null;
  }>(EFI_CODED, [personId, on]);
  const medicines = await db.query<{ code_system: string; code: string; first_on: string; issue_id: string }>(
    EFI_MEDICINES,
    [personId, twelveMonthsStart(on), on],
  );
  const names = new Map(DEFICITS.map((d) => [d.id, d.name]));
  const deficits: DeficitEvidence[] = coded.map((r) => ({
    deficitId: r.deficit_id,
    name: names.get(r.deficit_id) ?? r.deficit_id,
    firstOn: r.first_on,
    basis: r.basis,
    sourceTable: "gp_entry",
    sourceIds: [r.entry_id],
    codeSystem: r.code_system,
    code: r.code,
    value: r.value,
    ruleId: r.rule_id,
  }));
  if (medicines.length >= POLYPHARMACY_MIN_MEDICINES) {
    // Present from the day the fifth distinct medicine of the window was first issued.
    const firstIssues = medicines.map((m) => m.first_on).sort();
    deficits.push({
      deficitId: POLYPHARMACY,
      name: names.get(POLYPHARMACY) ?? POLYPHARMACY,
      firstOn: firstIssues[POLYPHARMACY_MIN_MEDICINES - 1],
      basis: "prescriptions",
      sourceTable: "medication_issue",
      sourceIds: medicines.map((m) => m.issue_id),
      codeSystem: null,
      code: null,
      value: medicines.length,
      ruleId: null,
    });
  }
  deficits.sort((a, b) => a.deficitId.localeCompare(b.deficitId));
  const age = ageOn(person.birth_date, on);
  const count = deficits.length;
  return {
    personId,
    on,
    age,
    deficitCount: count,
    score: { numerator: count, denominator: 36, value: count / 36 },
    category: age >= EFI_MIN_AGE ? efiCategory(count) : null,
    deficits,
    medicines12m: medicines.length,
  };
}

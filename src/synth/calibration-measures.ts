import { SNOMED_CT_SYSTEM } from "../core/codes.ts";
import type { Queryable } from "../store/index.ts";
import { LTC_CODES } from "./conditions.ts";
import { loadEfiCodeLists, POLYPHARMACY } from "./efi-codes.ts";
import { OBSERVATION_CODES, SMOKING_CODES } from "./gp-record.ts";

// The measures the calibration report compares with the place's targets, each one SQL query over the loaded
// tables (never the generator's internals), so the report checks what anyone querying the place would see.
// Dates are ISO strings; timestamps are read as UTC dates.

type Num = { n: number | null };

async function one(q: Queryable, sql: string, params: readonly unknown[] = []): Promise<number> {
  const rows = await q.query<Num>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

const utcDate = (column: string) => `(${column} AT TIME ZONE 'UTC')::date`;

/** Registered with a practice in the place on day $n. */
const registeredOn = (alias: string, param: string) =>
  `EXISTS (SELECT 1 FROM registration r WHERE r.person_id = ${alias}.person_id AND r.registered_on <= ${param}::date
     AND (r.deregistered_on IS NULL OR r.deregistered_on > ${param}::date))`;

export function registeredPeople(q: Queryable, day: string): Promise<number> {
  return one(q, `SELECT count(*) AS n FROM person p WHERE ${registeredOn("p", "$1")}`, [day]);
}

export function registeredAged(q: Queryable, day: string, minAge: number): Promise<number> {
  return one(
    q,
    `SELECT count(*) AS n FROM person p
     WHERE p.birth_date <= ($1::date - make_interval(years => $2::int))::date AND ${registeredOn("p", "$1")}`,
    [day, minAge],
  );
}

export function organisationsOfKind(q: Queryable, kind: string): Promise<number> {
  return one(q, "SELECT count(*) AS n FROM organisation WHERE kind = $1", [kind]);
}

export async function listSizeRange(q: Queryable, day: string): Promise<{ min: number; max: number }> {
  const rows = await q.query<{ min: number; max: number }>(
    `SELECT min(n) AS min, max(n) AS max FROM (
       SELECT count(*) AS n FROM registration r
       WHERE r.registered_on <= $1::date AND (r.deregistered_on IS NULL OR r.deregistered_on > $1::date)
       GROUP BY r.practice_code) lists`,
    [day],
  );
  return { min: Number(rows[0]?.min ?? 0), max: Number(rows[0]?.max ?? 0) };
}

/** Share (0-1) of registered people with a stated ethnicity who are not White British (category A). */
export function minorityEthnicShare(q: Queryable, day: string): Promise<number> {
  return one(
    q,
    `SELECT avg(CASE WHEN p.ethnic_category <> 'A' THEN 1.0 ELSE 0.0 END) AS n FROM person p
     WHERE p.ethnic_category IS NOT NULL AND p.ethnic_category <> 'Z' AND ${registeredOn("p", "$1")}`,
    [day],
  );
}

/** Share of registered people living in areas in IMD deciles 1-2 (the 20% most deprived in England). */
export function mostDeprivedShare(q: Queryable, day: string): Promise<number> {
  return one(
    q,
    `SELECT avg(CASE WHEN a.imd_decile <= 2 THEN 1.0 ELSE 0.0 END) AS n
     FROM person p JOIN area a ON a.area_code = p.area_code WHERE ${registeredOn("p", "$1")}`,
    [day],
  );
}

/** Share of adults (18+) registered on the day whose latest recorded smoking status says they smoke. */
export function currentSmokerShare(q: Queryable, day: string): Promise<number> {
  return one(
    q,
    `SELECT avg(CASE WHEN latest.code = $2 THEN 1.0 ELSE 0.0 END) AS n FROM (
       SELECT DISTINCT ON (g.person_id) g.person_id, g.code
       FROM gp_entry g JOIN person p ON p.person_id = g.person_id
       WHERE g.code_system = $5 AND g.code IN ($2, $3, $4) AND g.recorded_on <= $1::date
         AND p.birth_date <= ($1::date - interval '18 years')::date AND ${registeredOn("p", "$1")}
       ORDER BY g.person_id, g.recorded_on DESC, g.entry_id) latest`,
    [day, SMOKING_CODES.current, SMOKING_CODES.ex, SMOKING_CODES.never, SNOMED_CT_SYSTEM],
  );
}

/** Share of adults registered on the day whose latest BMI is 30 or more. */
export function obeseShare(q: Queryable, day: string): Promise<number> {
  return one(
    q,
    `SELECT avg(CASE WHEN latest.value >= 30 THEN 1.0 ELSE 0.0 END) AS n FROM (
       SELECT DISTINCT ON (g.person_id) g.person_id, g.value
       FROM gp_entry g JOIN person p ON p.person_id = g.person_id
       WHERE g.code_system = $3 AND g.code = $2 AND g.value IS NOT NULL AND g.recorded_on <= $1::date
         AND p.birth_date <= ($1::date - interval '18 years')::date AND ${registeredOn("p", "$1")}
       ORDER BY g.person_id, g.recorded_on DESC, g.entry_id) latest`,
    [day, OBSERVATION_CODES.bmi, SNOMED_CT_SYSTEM],
  );
}

/** Share of registered people in an age range [minAge, maxAge) with at least one long-term condition coded. */
export function longTermConditionShare(
  q: Queryable,
  day: string,
  minAge: number,
  maxAge: number,
): Promise<number> {
  const codes = Object.values(LTC_CODES).flatMap((l) => l.codes);
  return one(
    q,
    `SELECT avg(CASE WHEN EXISTS (
         SELECT 1 FROM gp_entry g WHERE g.person_id = p.person_id AND g.code_system = $4
           AND g.code = ANY ($5::text[]) AND g.recorded_on <= $1::date) THEN 1.0 ELSE 0.0 END) AS n
     FROM person p
     WHERE p.birth_date <= ($1::date - make_interval(years => $2::int))::date
       AND p.birth_date > ($1::date - make_interval(years => $3::int))::date
       AND ${registeredOn("p", "$1")}`,
    [day, minAge, maxAge, SNOMED_CT_SYSTEM, codes],
  );
}

export interface FrailtyShares {
  people: number;
  fit: number;
  mild: number;
  moderate: number;
  severe: number;
}

/**
 * eFI categories of registered people aged 65+ on the day: coded deficits ever recorded, the value rules of
 * efi-value-rules.md (SNOMED CT concepts of section 4, thresholds of section 3), and polypharmacy as 5 or more
 * distinct medicine codes issued in the 12 months to the day.
 */
export async function frailtyShares(q: Queryable, day: string): Promise<FrailtyShares> {
  const lists = loadEfiCodeLists();
  const codes: string[] = [];
  const deficits: string[] = [];
  for (const [deficit, entries] of lists.codesByDeficit) {
    for (const e of entries) {
      codes.push(e.code);
      deficits.push(deficit);
    }
  }
  const o = OBSERVATION_CODES;
  const rows = await q.query<{ people: number; fit: number; mild: number; moderate: number; severe: number }>(
    `WITH pop AS (
       SELECT p.person_id, p.sex FROM person p
       WHERE p.birth_date <= ($1::date - interval '65 years')::date AND ${registeredOn("p", "$1")}),
     efi AS (SELECT * FROM unnest($2::text[], $3::text[]) AS e(code, deficit)),
     coded AS (
       SELECT g.person_id, e.deficit FROM gp_entry g JOIN pop USING (person_id) JOIN efi e ON e.code = g.code
       WHERE g.code_system = $4 AND g.recorded_on <= $1::date),
     valued AS (
       SELECT g.person_id,
         CASE g.code WHEN $5 THEN 'chronic-kidney-disease' WHEN $6 THEN 'activity-limitation'
           WHEN $7 THEN 'memory-and-cognitive-problems' WHEN $8 THEN 'weight-loss-and-anorexia'
           WHEN $9 THEN 'falls' WHEN $10 THEN 'anaemia-and-haematinic-deficiency' END AS deficit
       FROM gp_entry g JOIN pop USING (person_id)
       WHERE g.code_system = $4 AND g.recorded_on <= $1::date AND g.value IS NOT NULL AND (
         (g.code = $5 AND g.value > 0 AND g.value < 60) OR
         (g.code = $6 AND g.value < 18.1) OR
         (g.code = $7 AND g.value > 7.9) OR
         (g.code = $8 AND g.value > 0.9999) OR
         (g.code = $9 AND g.value > 0) OR
         (g.code = $10 AND pop.sex = 'male' AND ((g.value > 0 AND g.value < 13) OR (g.value > 25 AND g.value < 130))) OR
         (g.code = $10 AND pop.sex <> 'male' AND ((g.value > 0 AND g.value < 11.5) OR (g.value > 25 AND g.value < 115))))),
     poly AS (
       SELECT m.person_id, $11::text AS deficit FROM medication_issue m JOIN pop USING (person_id)
       WHERE m.issued_on > ($1::date - 365) AND m.issued_on <= $1::date
       GROUP BY m.person_id HAVING count(DISTINCT m.code) >= 5),
     present AS (SELECT * FROM coded UNION SELECT * FROM valued UNION SELECT * FROM poly),
     counted AS (SELECT pop.person_id, count(present.deficit) AS n FROM pop LEFT JOIN present USING (person_id) GROUP BY pop.person_id)
     SELECT count(*) AS people,
       count(*) FILTER (WHERE n <= 4) AS fit, count(*) FILTER (WHERE n BETWEEN 5 AND 8) AS mild,
       count(*) FILTER (WHERE n BETWEEN 9 AND 12) AS moderate, count(*) FILTER (WHERE n >= 13) AS severe
     FROM counted`,
    [
      day,
      codes,
      deficits,
      SNOMED_CT_SYSTEM,
      o.egfr,
      o.barthel,
      o.sixCit,
      o.must,
      o.falls,
      o.haemoglobin,
      POLYPHARMACY,
    ],
  );
  const r = rows[0];
  const people = Number(r?.people ?? 0);
  const share = (n: unknown) => (people > 0 ? Number(n) / people : 0);
  return {
    people,
    fit: share(r?.fit),
    mild: share(r?.mild),
    moderate: share(r?.moderate),
    severe: share(r?.severe),
  };
}

/** Person-years registered between two days (inclusive), optionally only at or above an age. */
export function registeredPersonYears(q: Queryable, from: string, to: string, minAge = 0): Promise<number> {
  return one(
    q,
    `SELECT sum(greatest(0, least(coalesce(r.deregistered_on, $2::date + 1), $2::date + 1)
               - greatest(r.registered_on, $1::date, (p.birth_date + make_interval(years => $3::int))::date))) / 365.25 AS n
     FROM registration r JOIN person p ON p.person_id = r.person_id`,
    [from, to, minAge],
  );
}

export function emergencyAdmissions(q: Queryable, from: string, to: string): Promise<number> {
  return one(
    q,
    `SELECT count(*) AS n FROM hospital_spell
     WHERE admission_method = 'emergency' AND ${utcDate("admitted_at")} BETWEEN $1::date AND $2::date`,
    [from, to],
  );
}

export function aeAttendances(q: Queryable, from: string, to: string): Promise<number> {
  return one(
    q,
    `SELECT count(*) AS n FROM ae_attendance WHERE ${utcDate("arrived_at")} BETWEEN $1::date AND $2::date`,
    [from, to],
  );
}

export function deaths(q: Queryable, from: string, to: string): Promise<number> {
  return one(q, "SELECT count(*) AS n FROM death WHERE died_on BETWEEN $1::date AND $2::date", [from, to]);
}

/**
 * ASCOF 2A(2) numerator: council-supported (council or joint funded) permanent admissions of people aged 65+,
 * a trial intended to become permanent included; moves between homes (follows_placement_id) and respite or
 * temporary stays left out.
 */
export function permanentCareHomeAdmissions65(q: Queryable, from: string, to: string): Promise<number> {
  return one(
    q,
    `SELECT count(*) AS n FROM care_home_placement c JOIN person p ON p.person_id = c.person_id
     WHERE c.placement_type IN ('permanent', 'trial') AND c.follows_placement_id IS NULL
       AND c.funding IN ('council', 'joint') AND c.started_on BETWEEN $1::date AND $2::date
       AND p.birth_date <= (c.started_on - interval '65 years')::date`,
    [from, to],
  );
}

/** Reablement started on discharge (after_spell_id) for people aged 65+, by discharge date. */
export function reablementDischarges65(q: Queryable, from: string, to: string): Promise<number> {
  return one(
    q,
    `SELECT count(*) AS n FROM social_care_service s
     JOIN hospital_spell h ON h.person_id = s.person_id AND h.spell_id = s.after_spell_id
     JOIN person p ON p.person_id = s.person_id
     WHERE s.service_type = 'reablement' AND s.referral_source = 'hospital-discharge'
       AND ${utcDate("h.discharged_at")} BETWEEN $1::date AND $2::date
       AND p.birth_date <= (${utcDate("h.discharged_at")} - interval '65 years')::date`,
    [from, to],
  );
}

/**
 * ASCOF 2B(2) denominator: people aged 65+ discharged alive after at least one night in an emergency stay,
 * each person counted once in each year of the history (years run from the history's first day).
 */
export function peopleDischarged65(
  q: Queryable,
  from: string,
  to: string,
  historyStart: string,
): Promise<number> {
  return one(
    q,
    `SELECT count(*) AS n FROM (
       SELECT DISTINCT h.person_id, floor((${utcDate("h.discharged_at")} - $3::date) / 365.25) AS year
       FROM hospital_spell h JOIN person p ON p.person_id = h.person_id
       WHERE h.admission_method = 'emergency' AND h.discharge_method IN ('discharged', 'transferred')
         AND ${utcDate("h.discharged_at")} BETWEEN $1::date AND $2::date
         AND ${utcDate("h.discharged_at")} > ${utcDate("h.admitted_at")}
         AND p.birth_date <= (${utcDate("h.discharged_at")} - interval '65 years')::date) people_years`,
    [from, to, historyStart],
  );
}

/**
 * ASCOF 2B(1): of people aged 65+ discharged into reablement (discharge dates in the period, with day 91
 * inside the data), how many are at home on day 91: alive, not in hospital that night, and not in a care home
 * other than for respite.
 */
export async function atHomeOnDay91(
  q: Queryable,
  from: string,
  to: string,
): Promise<{ discharged: number; atHome: number }> {
  const rows = await q.query<{ discharged: number; at_home: number }>(
    `WITH r AS (
       SELECT s.person_id, ${utcDate("h.discharged_at")} + 91 AS day91
       FROM social_care_service s
       JOIN hospital_spell h ON h.person_id = s.person_id AND h.spell_id = s.after_spell_id
       JOIN person p ON p.person_id = s.person_id
       WHERE s.service_type = 'reablement' AND s.referral_source = 'hospital-discharge'
         AND ${utcDate("h.discharged_at")} BETWEEN $1::date AND $2::date
         AND p.birth_date <= (${utcDate("h.discharged_at")} - interval '65 years')::date)
     SELECT count(*) AS discharged, count(*) FILTER (WHERE
         NOT EXISTS (SELECT 1 FROM death d WHERE d.person_id = r.person_id AND d.died_on <= r.day91)
         AND NOT EXISTS (SELECT 1 FROM hospital_spell x WHERE x.person_id = r.person_id
               AND ${utcDate("x.admitted_at")} <= r.day91
               AND (x.discharged_at IS NULL OR ${utcDate("x.discharged_at")} > r.day91))
         AND NOT EXISTS (SELECT 1 FROM care_home_placement c WHERE c.person_id = r.person_id
               AND c.placement_type <> 'respite' AND c.started_on <= r.day91
               AND (c.ended_on IS NULL OR c.ended_on > r.day91))) AS at_home
     FROM r`,
    [from, to],
  );
  return { discharged: Number(rows[0]?.discharged ?? 0), atHome: Number(rows[0]?.at_home ?? 0) };
}

export function telecareInstallations(q: Queryable, from: string, to: string): Promise<number> {
  return one(
    q,
    "SELECT count(*) AS n FROM social_care_service WHERE service_type = 'telecare' AND started_on BETWEEN $1::date AND $2::date",
    [from, to],
  );
}

/**
 * Of people with a council-funded (council or joint) care package (home care, day care, direct payment or
 * meals) on each month end in the period, the share who also have telecare then; pooled over the month ends.
 */
export function telecareShareOfPackages(q: Queryable, from: string, to: string): Promise<number> {
  return one(
    q,
    `WITH month_end AS (
       SELECT (m + interval '1 month' - interval '1 day')::date AS day
       FROM generate_series(date_trunc('month', $1::date), date_trunc('month', $2::date + 1) - interval '1 month', interval '1 month') m),
     packaged AS (
       SELECT DISTINCT d.day, s.person_id FROM month_end d JOIN social_care_service s
         ON s.service_type IN ('home-care', 'day-care', 'direct-payment', 'meals') AND s.funding IN ('council', 'joint')
        AND s.started_on <= d.day AND (s.ended_on IS NULL OR s.ended_on > d.day))
     SELECT avg(CASE WHEN EXISTS (SELECT 1 FROM social_care_service t WHERE t.person_id = k.person_id
         AND t.service_type = 'telecare' AND t.started_on <= k.day AND (t.ended_on IS NULL OR t.ended_on > k.day))
       THEN 1.0 ELSE 0.0 END) AS n
     FROM packaged k`,
    [from, to],
  );
}

/** Delayed days (nights from ready to leaving) that fall between two days inclusive. */
export function delayedDays(q: Queryable, from: string, to: string): Promise<number> {
  return one(
    q,
    `SELECT coalesce(sum(greatest(0, least(coalesce(ended_on, $2::date + 1), $2::date + 1) - greatest(ready_on, $1::date))), 0) AS n
     FROM delayed_transfer`,
    [from, to],
  );
}

/** Share of people changing practice within the place per registered person-year. */
export function practiceMoves(q: Queryable, from: string, to: string): Promise<number> {
  return one(
    q,
    `SELECT count(*) AS n FROM registration
     WHERE deregistration_reason = 'moved-practice' AND deregistered_on BETWEEN $1::date AND $2::date`,
    [from, to],
  );
}

/** Of stroke spells (primary diagnosis I61, I63, I64) ending alive, the share with a joint plan started by discharge. */
export function strokeDischargesWithJointPlan(q: Queryable, from: string, to: string): Promise<number> {
  return one(
    q,
    `SELECT avg(CASE WHEN EXISTS (SELECT 1 FROM care_plan c WHERE c.person_id = h.person_id
         AND c.plan_type = 'joint-health-social' AND c.started_on <= ${utcDate("h.discharged_at")}
         AND (c.ended_on IS NULL OR c.ended_on >= ${utcDate("h.discharged_at")})) THEN 1.0 ELSE 0.0 END) AS n
     FROM hospital_spell h
     WHERE (h.primary_diagnosis LIKE 'I61%' OR h.primary_diagnosis LIKE 'I63%' OR h.primary_diagnosis LIKE 'I64%')
       AND h.discharge_method = 'discharged' AND ${utcDate("h.discharged_at")} BETWEEN $1::date AND $2::date`,
    [from, to],
  );
}

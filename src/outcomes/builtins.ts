// Metrics computed in code with another capability's logic, named by definitions of kind builtin.
import { addDays, addMonths } from "../core/dates.ts";
import { financialYearOf, type Period, quartersIn } from "../core/periods.ts";
import { efiCategorySql, POLYPHARMACY_MIN_MEDICINES, readSettings } from "../risk/index.ts";
import type { Queryable } from "../store/index.ts";
import type { AreaLevel } from "./definitions.ts";
import { dayStart } from "./measures/sql.ts";

export interface BuiltinValue {
  periodId: string;
  areaLevel: AreaLevel;
  areaCode: string;
  numerator: number;
  denominator: number;
  note?: string;
}

type Builtin = (db: Queryable, periods: readonly Period[]) => Promise<BuiltinValue[]>;

/**
 * High Intensity Users on a day, by the risk capability's rules and settings: at least minNonElectiveEvents
 * emergency admissions, A&E attendances and unplanned contacts in the 12 months to the day, of which at
 * least minEmergencyAdmissions admissions, and frail (the eFI categories in the settings; eFI = coded
 * deficits recorded by the day, plus polypharmacy, for people aged 65+). The same rules as
 * src/risk/snapshot.ts, written for the few people with that much activity rather than the whole list.
 */
async function identifyHiu(
  db: Queryable,
  identifiedOn: string,
): Promise<{ personId: string; locality: string }[]> {
  const { hiu } = await readSettings(db);
  const from = addDays(addMonths(identifiedOn, -12), 1);
  const deficits = `(coalesce(efi.n, 0) + CASE WHEN coalesce(meds.n, 0) >= ${POLYPHARMACY_MIN_MEDICINES} THEN 1 ELSE 0 END)`;
  const rows = await db.query<{ person_id: string; locality: string }>(
    `WITH ev AS (
       SELECT person_id, 1 AS em FROM hospital_spell WHERE admission_method = 'emergency'
         AND admitted_at >= ${dayStart("$1::date")} AND admitted_at < ${dayStart("$2::date + 1")}
       UNION ALL
       SELECT person_id, 0 FROM ae_attendance
         WHERE arrived_at >= ${dayStart("$1::date")} AND arrived_at < ${dayStart("$2::date + 1")}
       UNION ALL
       SELECT person_id, 0 FROM care_contact WHERE service = ANY($3::text[]) AND contact_on BETWEEN $1 AND $2),
     busy AS (SELECT person_id FROM ev GROUP BY person_id HAVING count(*) >= $4 AND sum(em) >= $5),
     reg AS (
       SELECT DISTINCT ON (r.person_id) r.person_id, r.practice_code FROM registration r JOIN busy USING (person_id)
       WHERE r.registered_on <= $2 AND (r.deregistered_on IS NULL OR r.deregistered_on > $2)
       ORDER BY r.person_id, r.registered_on DESC, r.registration_id),
     b AS (
       SELECT reg.person_id, o.parent_code AS locality, date_part('year', age($2::date, p.birth_date))::int AS age
       FROM reg JOIN person p ON p.person_id = reg.person_id LEFT JOIN organisation o ON o.org_code = reg.practice_code
       WHERE p.birth_date <= $2 AND NOT EXISTS (SELECT 1 FROM death d WHERE d.person_id = reg.person_id AND d.died_on <= $2)),
     efi AS (
       SELECT e.person_id, count(*) AS n FROM efi_deficit e JOIN efi_deficit_def dd ON dd.deficit_id = e.deficit_id
       JOIN b ON b.person_id = e.person_id WHERE e.first_on <= $2 GROUP BY e.person_id),
     meds AS (
       SELECT m.person_id, count(DISTINCT m.code_system || '|' || m.code) AS n FROM medication_issue m
       JOIN b ON b.person_id = m.person_id WHERE m.issued_on >= $1 AND m.issued_on <= $2 GROUP BY m.person_id)
     SELECT b.person_id::text, coalesce(b.locality, 'unknown') AS locality
     FROM b LEFT JOIN efi ON efi.person_id = b.person_id LEFT JOIN meds ON meds.person_id = b.person_id
     WHERE cardinality($6::text[]) = 0 OR ${efiCategorySql(deficits, "b.age")} = ANY($6::text[])`,
    [
      from,
      identifiedOn,
      hiu.unplannedServices,
      hiu.minNonElectiveEvents,
      hiu.minEmergencyAdmissions,
      hiu.frailty,
    ],
  );
  return rows.map((r) => ({ personId: r.person_id, locality: r.locality }));
}

/**
 * Their activity a quarter during the period (emergency admissions, A&E attendances, unplanned community
 * and mental health contacts) against the quarter before identification, by the locality they were
 * registered in when identified; people who died by the period's end are left out of both.
 */
async function hiuActivityChange(db: Queryable, periods: readonly Period[]): Promise<BuiltinValue[]> {
  const out: BuiltinValue[] = [];
  const { hiu } = await readSettings(db);
  const cohorts = new Map<string, { personId: string; locality: string }[]>();
  for (const period of periods) {
    const identifiedOn = addDays(financialYearOf(period.start).start, -1);
    const baseline = quartersIn({ kind: "custom", id: "b", start: identifiedOn, end: identifiedOn })[0];
    let cohort = cohorts.get(identifiedOn);
    if (!cohort) {
      cohort = await identifyHiu(db, identifiedOn);
      cohorts.set(identifiedOn, cohort);
    }
    const quarters = quartersIn(period).length;
    const rows = await db.query<{ locality: string; alive: number; baseline: number; during: number }>(
      `WITH c AS MATERIALIZED (
         SELECT * FROM unnest($1::uuid[], $2::text[]) AS c(person_id, locality)
         -- Not a correlated NOT EXISTS: Citus cannot correlate a distributed table with an unnest(); the
         -- dead are one small list (a hashed subplan on one server, an intermediate result on Citus).
         WHERE c.person_id NOT IN (SELECT d.person_id FROM death d WHERE d.died_on <= $5)),
       ev AS (
         SELECT h.person_id, (h.admitted_at AT TIME ZONE 'Europe/London')::date AS on_date FROM hospital_spell h
           JOIN c ON c.person_id = h.person_id
           WHERE h.admission_method = 'emergency' AND h.admitted_at >= ${dayStart("$3::date")} AND h.admitted_at < ${dayStart("$5::date + 1")}
         UNION ALL
         SELECT a.person_id, (a.arrived_at AT TIME ZONE 'Europe/London')::date FROM ae_attendance a
           JOIN c ON c.person_id = a.person_id
           WHERE a.arrived_at >= ${dayStart("$3::date")} AND a.arrived_at < ${dayStart("$5::date + 1")}
         UNION ALL
         SELECT k.person_id, k.contact_on FROM care_contact k JOIN c ON c.person_id = k.person_id
           WHERE k.service = ANY($6::text[]) AND k.contact_on BETWEEN $3 AND $5)
       SELECT c.locality, count(DISTINCT c.person_id)::int AS alive,
         count(ev.on_date) FILTER (WHERE ev.on_date <= $4)::int AS baseline,
         count(ev.on_date) FILTER (WHERE ev.on_date >= $7)::int AS during
       FROM c LEFT JOIN ev ON ev.person_id = c.person_id
       GROUP BY ROLLUP (c.locality)`,
      [
        cohort.map((x) => x.personId),
        cohort.map((x) => x.locality),
        baseline.start,
        baseline.end,
        period.end,
        hiu.unplannedServices,
        period.start,
      ],
    );
    const note = `${cohort.length} High Intensity Users identified on ${identifiedOn}; baseline ${baseline.start} to ${baseline.end}`;
    for (const r of rows) {
      if (r.alive === 0 && r.locality !== null) continue;
      out.push({
        periodId: period.id,
        areaLevel: r.locality === null ? "place" : "locality",
        areaCode: r.locality ?? "place",
        numerator: r.during / quarters,
        denominator: r.baseline,
        note,
      });
    }
  }
  return out;
}

export const BUILTINS: Readonly<Record<string, Builtin>> = {
  "risk.hiu-activity-change": hiuActivityChange,
};

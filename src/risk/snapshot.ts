// What is known about each registered, living person on a date: the eFI, long-term conditions and
// activity in the 12 months up to and including that date. One SQL statement for the whole population (or
// some people), shared by stratification (which stores it in risk_person), model training and rescoring.
import { addDays, addMonths, isIsoDate } from "../core/dates.ts";
import { invalid } from "../core/errors.ts";
import type { SqlParams } from "../store/index.ts";
import {
  deficitOrdinal,
  efiCategorySql,
  POLYPHARMACY,
  POLYPHARMACY_MIN_MEDICINES,
} from "./efi-definition.ts";
import type { HiuSettings } from "./settings.ts";
import { serviceBitSql } from "./social-care.ts";

/** The columns the snapshot yields, in risk_person's names. */
export const SNAPSHOT_COLUMNS = [
  "person_id",
  "age",
  "sex",
  "practice_code",
  "locality_code",
  "imd_decile",
  "deficit_mask",
  "deficit_count",
  "efi_category",
  "long_term_conditions",
  "medicines_12m",
  "emergency_admissions_12m",
  "emergency_admissions_prior_12m",
  "emergency_bed_days_12m",
  "elective_admissions_12m",
  "ae_attendances_12m",
  "ae_attendances_prior_12m",
  "outpatient_attendances_12m",
  "outpatient_missed_12m",
  "community_contacts_12m",
  "mental_health_contacts_12m",
  "unplanned_contacts_12m",
  "social_care_now",
  "social_care_12m",
  "care_home",
  "days_since_discharge",
  "hiu",
] as const;

export interface SnapshotOptions {
  asOf: string;
  /** Only these people (rescoring); all registered people when absent. */
  personIds?: readonly string[];
  hiu: HiuSettings;
  /** Where the coded deficits are read from: efi_deficit, or its replacement while a full run builds it. */
  deficitTable?: string;
  /** Also yield each person's family_name and given_name, read with the rest of the person's row. */
  names?: boolean;
}

/** Start of an English calendar day as a timestamptz, so day boundaries are those of the place. */
function dayStart(dateParam: string): string {
  return `(${dateParam}::timestamp AT TIME ZONE 'Europe/London')`;
}

/**
 * The snapshot as a SELECT (no trailing semicolon) with its parameters added to `p`. Windows: the 12 months
 * up to and including asOf (e.g. 2015-04-01..2016-03-31), and the 12 months before that for prior
 * emergency admissions.
 */
export function snapshotSql(p: SqlParams, options: SnapshotOptions): string {
  const { asOf } = options;
  if (!isIsoDate(asOf)) throw invalid("risk.date", `Not a date: ${JSON.stringify(asOf)}`);
  const d = p.add(asOf, "date");
  const w12 = p.add(addDays(addMonths(asOf, -12), 1), "date");
  const w24 = p.add(addDays(addMonths(asOf, -24), 1), "date");
  const dayAfter = p.add(addDays(asOf, 1), "date");
  const unplanned = p.add(options.hiu.unplannedServices, "text[]");
  const filter = options.personIds ? `AND person_id = ANY(${p.add(options.personIds, "uuid[]")})` : "";
  const f = (alias: string) => filter.replace("person_id", `${alias}.person_id`);
  // For some people their rows are found by the person's index. A plan made for any people (rescoring's
  // prepared statement) guesses a window of dates holds a sliver of a table, and would read the date's index
  // for the whole window as well (70,000 to 120,000 entries a table at Thurrock's size): adding nothing to the
  // date keeps the window's test off that index, as a filter on the person's own rows.
  const inWindow = (column: string, zero: "0" | "'0 s'::interval") =>
    options.personIds ? `(${column} + ${zero})` : column;
  const day = (column: string) => inWindow(column, "0");
  const instant = (column: string) => inWindow(column, "'0 s'::interval");
  const end = dayStart(dayAfter);
  const start12 = dayStart(w12);
  const start24 = dayStart(w24);
  const polyBit = `${(1n << BigInt(deficitOrdinal(POLYPHARMACY))).toString()}::bigint`;
  const isPoly = `coalesce(meds.n, 0) >= ${POLYPHARMACY_MIN_MEDICINES}`;
  const deficitCount = `(coalesce(efi.n, 0) + CASE WHEN ${isPoly} THEN 1 ELSE 0 END)`;
  const ageSql = "b.age";
  const hiu = options.hiu;
  const hiuFrailty = p.add(hiu.frailty, "text[]");
  const category = efiCategorySql(deficitCount, ageSql);
  const nonElective = "coalesce(sp.em12, 0) + coalesce(ae.n, 0) + coalesce(cc.unplanned, 0)";
  const names = options.names ? ", p.family_name, p.given_name" : "";
  return `WITH pop AS (
      SELECT DISTINCT ON (r.person_id) r.person_id, r.practice_code
      FROM registration r
      WHERE r.registered_on <= ${d} AND (r.deregistered_on IS NULL OR r.deregistered_on > ${d}) ${f("r")}
      ORDER BY r.person_id, r.registered_on DESC, r.registration_id
    ),
    b AS (
      SELECT pop.person_id, pop.practice_code, o.parent_code AS locality_code, p.sex,
             date_part('year', age(${d}, p.birth_date))::int AS age, a.imd_decile${names}
      FROM pop
      JOIN person p ON p.person_id = pop.person_id
      LEFT JOIN organisation o ON o.org_code = pop.practice_code
      LEFT JOIN area a ON a.area_code = p.area_code
      WHERE p.birth_date <= ${d}
        AND NOT EXISTS (SELECT 1 FROM death x WHERE x.person_id = pop.person_id AND x.died_on <= ${d} ${f("x")})
    ),
    efi AS (
      SELECT e.person_id, bit_or(1::bigint << dd.ordinal) AS mask, count(*) AS n,
             count(*) FILTER (WHERE dd.long_term_condition) AS ltc
      FROM ${options.deficitTable ?? "efi_deficit"} e JOIN efi_deficit_def dd ON dd.deficit_id = e.deficit_id
      WHERE e.first_on <= ${d} ${f("e")}
      GROUP BY e.person_id
    ),
    meds AS (
      SELECT person_id, count(*) AS n FROM (
        SELECT DISTINCT m.person_id, m.code_system, m.code
        FROM medication_issue m
        WHERE ${day("m.issued_on")} >= ${w12} AND ${day("m.issued_on")} <= ${d} ${f("m")}
      ) distinct_medicines
      GROUP BY person_id
    ),
    sp AS (
      SELECT h.person_id,
        count(*) FILTER (WHERE h.admission_method = 'emergency' AND h.admitted_at >= ${start12}) AS em12,
        count(*) FILTER (WHERE h.admission_method = 'emergency' AND h.admitted_at < ${start12}) AS em_prior,
        sum((least(coalesce(h.discharged_at, ${end}), ${end}) AT TIME ZONE 'Europe/London')::date
            - (h.admitted_at AT TIME ZONE 'Europe/London')::date)
          FILTER (WHERE h.admission_method = 'emergency' AND h.admitted_at >= ${start12}) AS bed_days,
        count(*) FILTER (WHERE h.admission_method = 'elective' AND h.admitted_at >= ${start12}) AS el12,
        max(h.discharged_at) FILTER (WHERE h.discharged_at < ${end}) AS last_discharge
      FROM hospital_spell h
      WHERE ${instant("h.admitted_at")} >= ${start24} AND ${instant("h.admitted_at")} < ${end} ${f("h")}
      GROUP BY h.person_id
    ),
    ae AS (
      SELECT a.person_id, count(*) FILTER (WHERE a.arrived_at >= ${start12}) AS n,
             count(*) FILTER (WHERE a.arrived_at < ${start12}) AS prior
      FROM ae_attendance a
      WHERE ${instant("a.arrived_at")} >= ${start24} AND ${instant("a.arrived_at")} < ${end} ${f("a")}
      GROUP BY a.person_id
    ),
    op AS (
      SELECT o.person_id,
        count(*) FILTER (WHERE o.attendance = 'attended') AS attended,
        count(*) FILTER (WHERE o.attendance = 'did-not-attend') AS missed
      FROM outpatient_attendance o
      WHERE ${day("o.appointment_on")} >= ${w12} AND ${day("o.appointment_on")} <= ${d} ${f("o")}
      GROUP BY o.person_id
    ),
    cc AS (
      SELECT c.person_id,
        count(*) FILTER (WHERE c.setting = 'community') AS community,
        count(*) FILTER (WHERE c.setting = 'mental-health') AS mental_health,
        count(*) FILTER (WHERE c.service = ANY(${unplanned})) AS unplanned
      FROM care_contact c
      WHERE ${day("c.contact_on")} >= ${w12} AND ${day("c.contact_on")} <= ${d} ${f("c")}
      GROUP BY c.person_id
    ),
    sc AS (
      SELECT s.person_id,
        coalesce(bit_or(${serviceBitSql("s.service_type")})
          FILTER (WHERE s.ended_on IS NULL OR s.ended_on > ${d}), 0) AS now_mask,
        bit_or(${serviceBitSql("s.service_type")}) AS year_mask
      FROM social_care_service s
      WHERE s.started_on <= ${d} AND (s.ended_on IS NULL OR s.ended_on >= ${w12}) ${f("s")}
      GROUP BY s.person_id
    ),
    ch AS (
      SELECT DISTINCT c.person_id FROM care_home_placement c
      WHERE c.placement_type IN ('permanent', 'trial') AND c.started_on <= ${d}
        AND (c.ended_on IS NULL OR c.ended_on > ${d}) ${f("c")}
    )
    SELECT b.person_id, b.age, b.sex, b.practice_code, b.locality_code, b.imd_decile,${names ? " b.family_name, b.given_name," : ""}
      coalesce(efi.mask, 0) | CASE WHEN ${isPoly} THEN ${polyBit} ELSE 0::bigint END AS deficit_mask,
      ${deficitCount} AS deficit_count,
      ${category} AS efi_category,
      coalesce(efi.ltc, 0) AS long_term_conditions,
      coalesce(meds.n, 0) AS medicines_12m,
      coalesce(sp.em12, 0) AS emergency_admissions_12m,
      coalesce(sp.em_prior, 0) AS emergency_admissions_prior_12m,
      coalesce(sp.bed_days, 0) AS emergency_bed_days_12m,
      coalesce(sp.el12, 0) AS elective_admissions_12m,
      coalesce(ae.n, 0) AS ae_attendances_12m,
      coalesce(ae.prior, 0) AS ae_attendances_prior_12m,
      coalesce(op.attended, 0) AS outpatient_attendances_12m,
      coalesce(op.missed, 0) AS outpatient_missed_12m,
      coalesce(cc.community, 0) AS community_contacts_12m,
      coalesce(cc.mental_health, 0) AS mental_health_contacts_12m,
      coalesce(cc.unplanned, 0) AS unplanned_contacts_12m,
      coalesce(sc.now_mask, 0) AS social_care_now,
      coalesce(sc.year_mask, 0) AS social_care_12m,
      ch.person_id IS NOT NULL AS care_home,
      ${d} - (sp.last_discharge AT TIME ZONE 'Europe/London')::date AS days_since_discharge,
      coalesce(${nonElective} >= ${p.add(hiu.minNonElectiveEvents, "int")}
        AND coalesce(sp.em12, 0) >= ${p.add(hiu.minEmergencyAdmissions, "int")}
        AND (cardinality(${hiuFrailty}) = 0 OR ${category} = ANY(${hiuFrailty})), false) AS hiu
    FROM b
    LEFT JOIN efi ON efi.person_id = b.person_id
    LEFT JOIN meds ON meds.person_id = b.person_id
    LEFT JOIN sp ON sp.person_id = b.person_id
    LEFT JOIN ae ON ae.person_id = b.person_id
    LEFT JOIN op ON op.person_id = b.person_id
    LEFT JOIN cc ON cc.person_id = b.person_id
    LEFT JOIN sc ON sc.person_id = b.person_id
    LEFT JOIN ch ON ch.person_id = b.person_id`;
}

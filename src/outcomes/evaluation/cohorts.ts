// Who received an intervention in a window (with the day they did: the index date), who could be compared
// with them, and what is known about each at the index date and over the months before and after it.

import { OnePlaceError, type OnePlaceErrorOptions } from "../../core/errors.ts";
import type { Queryable } from "../../store/index.ts";
import { dayStart, diedBy, londonDate, practiceOn } from "../measures/sql.ts";

export const INTERVENTIONS = ["reablement", "telecare", "joint-care-plan", "mdt-review"] as const;
export type Intervention = (typeof INTERVENTIONS)[number];
export const OUTCOMES = ["emergency-admissions", "care-home-admission", "cost"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface Candidate {
  personId: string;
  indexOn: string;
  treated: boolean;
}

export class EvaluationUnavailable extends OnePlaceError {
  override readonly name = "EvaluationUnavailable";
  constructor(message: string, options?: OnePlaceErrorOptions) {
    super("unavailable", "outcomes.evaluation-unavailable", message, options);
  }
}

interface Window {
  from: string;
  to: string;
  months: number;
}

/**
 * The first start in the window of a service or plan of one kind (`condition` on its columns), for each
 * person with none of that kind running in the year before.
 */
function firstStartSql(table: "social_care_service" | "care_plan", condition: string): string {
  return `SELECT DISTINCT ON (s.person_id) s.person_id::text AS person_id, s.started_on AS index_on
        FROM ${table} s
        WHERE s.${condition} AND s.started_on BETWEEN $1 AND $2
          AND NOT EXISTS (SELECT 1 FROM ${table} q WHERE q.person_id = s.person_id
            AND q.${condition} AND q.started_on < s.started_on
            AND (q.ended_on IS NULL OR q.ended_on >= s.started_on - 365))
        ORDER BY s.person_id, s.started_on`;
}

/** The first intervention in the window for each person, without one in the year before. */
function treatedSql(intervention: Intervention): string {
  switch (intervention) {
    case "reablement":
      // Indexed on the discharge the reablement followed, as the comparison group is.
      return `SELECT DISTINCT ON (s.person_id) s.person_id::text AS person_id,
          coalesce(${londonDate("h.discharged_at")}, s.started_on) AS index_on
        FROM social_care_service s
        LEFT JOIN hospital_spell h ON h.person_id = s.person_id AND h.spell_id = s.after_spell_id
        WHERE s.service_type = 'reablement' AND s.started_on BETWEEN $1 AND $2
          AND NOT EXISTS (SELECT 1 FROM social_care_service q WHERE q.person_id = s.person_id
            AND q.service_type = 'reablement' AND q.started_on < s.started_on AND q.started_on >= s.started_on - 365)
        ORDER BY s.person_id, s.started_on`;
    case "telecare":
      return firstStartSql("social_care_service", "service_type = 'telecare'");
    case "joint-care-plan":
      return firstStartSql("care_plan", "plan_type = 'joint-health-social'");
    case "mdt-review":
      // Indexed on the first meeting in the window that discussed the person, without one in the year before.
      return `SELECT DISTINCT ON (a.person_id) a.person_id::text AS person_id, m.held_on AS index_on
        FROM mdt_agenda_item a JOIN mdt_meeting m ON m.meeting_id = a.meeting_id
        WHERE m.held_on BETWEEN $1 AND $2
          AND NOT EXISTS (SELECT 1 FROM mdt_agenda_item qa JOIN mdt_meeting qm ON qm.meeting_id = qa.meeting_id
            WHERE qa.person_id = a.person_id AND qm.held_on < m.held_on AND qm.held_on >= m.held_on - 365)
        ORDER BY a.person_id, m.held_on`;
  }
}

/** Had the intervention between a year before and the end of follow-up after `day` (a comparison-group exclusion). */
function hadIntervention(intervention: Intervention, person: string, from: string, to: string): string {
  if (intervention === "mdt-review") {
    return `EXISTS (SELECT 1 FROM mdt_agenda_item qa JOIN mdt_meeting qm ON qm.meeting_id = qa.meeting_id
      WHERE qa.person_id = ${person} AND qm.held_on BETWEEN ${from} AND ${to})`;
  }
  if (intervention === "joint-care-plan") {
    return `EXISTS (SELECT 1 FROM care_plan q WHERE q.person_id = ${person} AND q.plan_type = 'joint-health-social'
      AND q.started_on <= ${to} AND (q.ended_on IS NULL OR q.ended_on >= ${from}))`;
  }
  return `EXISTS (SELECT 1 FROM social_care_service q WHERE q.person_id = ${person}
    AND q.service_type = '${intervention}' AND q.started_on <= ${to} AND (q.ended_on IS NULL OR q.ended_on >= ${from}))`;
}

/**
 * The comparison pool. After reablement: people discharged home from an emergency inpatient stay in the
 * window without reablement, indexed on that discharge. Otherwise: people with no such intervention from a
 * year before the window to the end of follow-up, each given an index date drawn (by a hash of their id,
 * so the same every run) from the treated people's index dates.
 */
function poolSql(intervention: Intervention): string {
  if (intervention === "reablement") {
    const discharged = londonDate("h.discharged_at");
    return `SELECT DISTINCT ON (h.person_id) h.person_id::text AS person_id, ${discharged} AS index_on
      FROM hospital_spell h
      WHERE h.admission_method = 'emergency' AND h.patient_class = 'inpatient'
        AND h.discharge_method = 'discharged' AND coalesce(h.discharge_destination, '19') IN ('19', '29')
        AND h.discharged_at >= ${dayStart("$1::date")} AND h.discharged_at < ${dayStart("$2::date + 1")}
        AND NOT ${hadIntervention("reablement", "h.person_id", `${discharged} - 365`, `(${discharged} + make_interval(months => $3::int))::date`)}
      ORDER BY h.person_id, h.discharged_at`;
  }
  return `SELECT r.person_id::text AS person_id,
      ($4::date[])[1 + (((('x' || substr(md5(r.person_id::text), 1, 8))::bit(32)::int) & 2147483647) % cardinality($4::date[]))] AS index_on
    FROM (SELECT DISTINCT person_id FROM registration
      WHERE registered_on <= $2 AND (deregistered_on IS NULL OR deregistered_on > $1)) r
    WHERE NOT ${hadIntervention(intervention, "r.person_id", "$1::date - 365", "($2::date + make_interval(months => $3::int))::date")}`;
}

export async function findCandidates(
  db: Queryable,
  intervention: Intervention,
  window: Window,
): Promise<{ treated: Candidate[]; pool: Candidate[] }> {
  if (intervention === "mdt-review") {
    const [{ held }] = await db.query<{ held: boolean }>("SELECT EXISTS (SELECT 1 FROM mdt_meeting) AS held");
    if (!held) {
      throw new EvaluationUnavailable(
        "No MDT meetings are recorded: MDT reviews are evaluated from the meetings the care coordination capability records (oneplace care mdt, or the MDT pages)",
      );
    }
  }
  const treatedRows = await db.query<{ person_id: string; index_on: string }>(treatedSql(intervention), [
    window.from,
    window.to,
  ]);
  const treated = treatedRows.map((r) => ({ personId: r.person_id, indexOn: r.index_on, treated: true }));
  if (treated.length === 0) return { treated, pool: [] };
  const dates = [...new Set(treated.map((t) => t.indexOn))].sort();
  const params: unknown[] = [window.from, window.to, window.months];
  if (intervention !== "reablement") params.push(dates);
  const poolRows = await db.query<{ person_id: string; index_on: string }>(poolSql(intervention), params);
  const treatedIds = new Set(treated.map((t) => t.personId));
  const pool = poolRows
    .filter((r) => !treatedIds.has(r.person_id))
    .map((r) => ({ personId: r.person_id, indexOn: r.index_on, treated: false }));
  return { treated, pool };
}

export interface CandidateFacts extends Candidate {
  age: number;
  female: number;
  imdDecile: number;
  efiDeficits: number | null;
  emergencyPrior12: number;
  aePrior12: number;
  bedDaysPrior12: number;
  emergencyPre: number;
  emergencyPost: number;
  careHomePre: number;
  careHomePost: number;
  diedInFollowUp: boolean;
}

/**
 * Facts for the candidates who are eligible on their index date: aged minAge or over, registered in the
 * place, alive, not living in a care home, and followed up for `months` by the data cut-off. Covariates
 * are as at the day before the index date (12 months of history); outcomes count the `months` before the
 * index date (pre) and after it (post).
 */
export async function candidateFacts(
  db: Queryable,
  candidates: readonly Candidate[],
  options: { months: number; minAge: number; asOf: string; withEfi: boolean },
): Promise<CandidateFacts[]> {
  if (candidates.length === 0) return [];
  // One candidate a person: treated if they are treated at all.
  const one = new Map<string, Candidate>();
  for (const c of candidates) {
    const seen = one.get(c.personId);
    if (!seen || (c.treated && !seen.treated)) one.set(c.personId, c);
  }
  const people = [...one.values()];
  const pre = "(e.index_on - make_interval(months => $4::int))::date";
  const post = "(e.index_on + make_interval(months => $4::int))::date";
  const year = "(e.index_on - interval '12 months')::date";
  const emergency = (from: string, to: string) =>
    `(SELECT count(*) FROM hospital_spell h WHERE h.person_id = pe.person_id AND h.admission_method = 'emergency'
       AND h.admitted_at >= ${dayStart(from)} AND h.admitted_at < ${dayStart(to)})`;
  const careHome = (from: string, to: string) =>
    `(SELECT count(*) FROM care_home_placement c WHERE c.person_id = pe.person_id
       AND c.placement_type IN ('permanent', 'trial') AND c.started_on >= ${from} AND c.started_on < ${to}) > 0`;
  const rows = await db.query<{
    person_id: string;
    index_on: string;
    treated: boolean;
    age: number;
    female: boolean;
    imd_decile: number | null;
    efi: number | null;
    em_prior: number;
    ae_prior: number;
    bed_prior: number | null;
    em_pre: number;
    em_post: number;
    ch_pre: boolean;
    ch_post: boolean;
    died: boolean;
  }>(
    // One SELECT over the candidates joined to person, each look-up correlated with pe.person_id (the distribution
    // column): on Citus the candidate list goes to every node and each looks up its own people, where a CTE of
    // candidates gathered on the coordinator could not be correlated with them.
    `SELECT pe.person_id::text AS person_id, e.index_on, e.treated,
       date_part('year', age(e.index_on, pe.birth_date))::int AS age, pe.sex = 'female' AS female, a.imd_decile,
       ${options.withEfi ? "(SELECT count(*) FROM efi_deficit x WHERE x.person_id = pe.person_id AND x.first_on < e.index_on)" : "NULL::int"} AS efi,
       ${emergency(year, "e.index_on")} AS em_prior,
       (SELECT count(*) FROM ae_attendance a WHERE a.person_id = pe.person_id
         AND a.arrived_at >= ${dayStart(year)} AND a.arrived_at < ${dayStart("e.index_on")}) AS ae_prior,
       (SELECT sum(greatest(0, least(coalesce(${londonDate("h.discharged_at")}, e.index_on), e.index_on)
           - greatest(${londonDate("h.admitted_at")}, ${year})))
         FROM hospital_spell h WHERE h.person_id = pe.person_id AND h.patient_class = 'inpatient'
           AND h.admitted_at < ${dayStart("e.index_on")}
           AND (h.discharged_at IS NULL OR h.discharged_at >= ${dayStart(year)})) AS bed_prior,
       ${emergency(pre, "e.index_on")} AS em_pre,
       ${emergency("e.index_on + 1", `${post} + 1`)} AS em_post,
       ${careHome(pre, "e.index_on")} AS ch_pre,
       ${careHome("e.index_on + 1", `${post} + 1`)} AS ch_post,
       ${diedBy("pe.person_id", post)} AS died
     FROM unnest($1::uuid[], $2::date[], $3::boolean[]) AS e(person_id, index_on, treated)
     JOIN person pe ON pe.person_id = e.person_id
     LEFT JOIN area a ON a.area_code = pe.area_code
     WHERE pe.birth_date <= (e.index_on - make_interval(years => $5::int))::date
       AND (e.index_on + make_interval(months => $4::int))::date <= $6::date
       AND ${practiceOn("pe.person_id", "e.index_on")} IS NOT NULL
       AND NOT ${diedBy("pe.person_id", "e.index_on")}
       AND NOT EXISTS (SELECT 1 FROM care_home_placement ch WHERE ch.person_id = pe.person_id
         AND ch.placement_type <> 'respite' AND ch.started_on <= e.index_on
         AND (ch.ended_on IS NULL OR ch.ended_on > e.index_on))
     ORDER BY pe.person_id`,
    [
      people.map((c) => c.personId),
      people.map((c) => c.indexOn),
      people.map((c) => c.treated),
      options.months,
      options.minAge,
      options.asOf,
    ],
  );
  return rows.map((r) => ({
    personId: r.person_id,
    indexOn: r.index_on,
    treated: r.treated,
    age: r.age,
    female: r.female ? 1 : 0,
    imdDecile: r.imd_decile ?? 5.5,
    efiDeficits: r.efi,
    emergencyPrior12: r.em_prior,
    aePrior12: r.ae_prior,
    bedDaysPrior12: Number(r.bed_prior ?? 0),
    emergencyPre: r.em_pre,
    emergencyPost: r.em_post,
    careHomePre: r.ch_pre ? 1 : 0,
    careHomePost: r.ch_post ? 1 : 0,
    diedInFollowUp: r.died,
  }));
}

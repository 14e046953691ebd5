// The national Better Care Fund metrics (2014/15 to 2016/17 framework) and Thurrock's local metric, as in
// ../shared/domain/metrics.md. Each rule there is a clause here; the tests in test/outcomes exercise each.
import type { MetricDefinitionInput } from "../definitions.ts";
import {
  agedAtLeast,
  dayStart,
  diedBy,
  jointPlanOn,
  londonDate,
  practiceOn,
  registeredPopulation,
} from "./sql.ts";

const ROW = "p.period_id, f.person_id, f.practice_code";

// ASCOF 2A(2): a permanent admission is a permanent or trial placement (a trial is intended to become
// permanent) that is not a continuation of one: not the permanent placement a trial became, not a move
// between homes or from residential to nursing care (follows_placement_id, or a placement running up to
// the day before).
const careHomeAdmissions = `WITH f AS MATERIALIZED (
    SELECT c.person_id, c.started_on, c.care_type, ${practiceOn("c.person_id", "c.started_on")} AS practice_code
    FROM care_home_placement c
    JOIN person pe ON pe.person_id = c.person_id
    WHERE c.started_on BETWEEN :min_start AND least(:max_end, :as_of)
      AND c.placement_type IN ('permanent', 'trial')
      AND c.funding IN ('council', 'joint')
      AND ${agedAtLeast("pe.birth_date", "c.started_on", 65)}
      AND NOT EXISTS (
        SELECT 1 FROM care_home_placement prev
        WHERE prev.person_id = c.person_id AND prev.placement_id <> c.placement_id
          AND prev.placement_type IN ('permanent', 'trial')
          AND (prev.placement_id = c.follows_placement_id
            OR ((prev.started_on, prev.placement_id) < (c.started_on, c.placement_id)
              AND (prev.ended_on IS NULL OR prev.ended_on >= c.started_on - 1))))
  )
  SELECT ${ROW}, 1 AS n, f.care_type AS split
  FROM f JOIN periods p ON f.started_on BETWEEN p.start_on AND p.end_on`;

const ascof2a2: MetricDefinitionInput = {
  metricId: "ascof-2a2",
  title: "Permanent admissions of people aged 65 and over to residential and nursing care homes, per 100,000",
  shortTitle: "Care home admissions 65+",
  description:
    "ASCOF 2A(2). Council-supported permanent admissions of people aged 65+ to residential or nursing care, per 100,000 people aged 65+.",
  groupName: "bcf-national",
  kind: "sql",
  valueKind: "rate",
  numeratorLabel: "permanent admissions",
  denominatorLabel: "people aged 65+",
  numeratorRules:
    "Council-supported (council or joint funding) placements of people aged 65+ on the day they start, placement type permanent or trial (a trial is intended to become permanent), counted on the day the first of them starts. Not counted: respite and temporary stays; the permanent placement a trial becomes; moves between homes and from residential to nursing care (a placement that follows another permanent or trial placement, or starts the day after one ends or while one runs). Attributed to the practice the person was registered with on the day; people not registered in the place that day are not counted.",
  denominatorRules:
    "People aged 65+ registered with a practice in the place and alive on 30 September of the financial year the period's middle day falls in (or the data cut-off if earlier): the registered list stands in for the ONS mid-year estimate, one population a year.",
  numeratorSql: careHomeAdmissions,
  denominatorSql: registeredPopulation(65),
  multiplier: 100_000,
  unit: "per 100,000 aged 65+",
  decimals: 1,
  periodType: "financial-year",
  population: "registered, aged 65+",
  direction: "lower",
};

// ASCOF 2B: discharges of people aged 65+ from an inpatient spell, alive and not to another hospital, into
// reablement (a reablement service recorded against the spell), meant to return home (not discharged to a
// care home or hospice). The spell's columns and the look-ups about the person (`select`, written against h and
// the discharge day) are one SELECT over the spells, not a CTE the look-ups correlate with: Citus runs them
// beside the spells on each node, and cannot correlate a subquery with a CTE's rows gathered on the coordinator.
const DISCHARGED_ON = londonDate("h.discharged_at");
function reablementDischarges(select: string, where = ""): string {
  return `SELECT h.person_id, h.spell_id, ${DISCHARGED_ON} AS discharged_on, ${select}
    FROM hospital_spell h
    JOIN person pe ON pe.person_id = h.person_id
    WHERE h.discharged_at >= :min_start_ts AND h.discharged_at < :max_end_next_ts
      AND h.patient_class = 'inpatient'
      AND h.discharge_method IN ('discharged', 'self-discharged')
      AND coalesce(h.discharge_destination, '19') NOT IN ('51', '54', '65', '79', '85', '88')
      AND ${agedAtLeast("pe.birth_date", DISCHARGED_ON, 65)}
      AND EXISTS (SELECT 1 FROM social_care_service s WHERE s.person_id = h.person_id
        AND s.service_type = 'reablement' AND s.after_spell_id = h.spell_id)${where}`;
}

/**
 * Where each followed discharge was on day 91 (discharge day + 91): dead (on or before day 91), in hospital
 * (admitted on or before day 91 and not discharged by its end), in a care home other than respite, or at
 * home. People neither registered in the place nor dead on day 91 have moved away and cannot be followed;
 * discharges whose day 91 is after the data cut-off are not yet followed.
 */
function stillAtHome(onlyAtHome: boolean): string {
  const day91 = `(${DISCHARGED_ON} + 91)`;
  return `WITH f AS MATERIALIZED (${reablementDischarges(
    `${practiceOn("h.person_id", DISCHARGED_ON)} AS practice_code,
      CASE
        WHEN ${diedBy("h.person_id", day91)} THEN 'died'
        WHEN EXISTS (SELECT 1 FROM hospital_spell h2 WHERE h2.person_id = h.person_id AND h2.spell_id <> h.spell_id
          AND h2.admitted_at < ${dayStart(`${DISCHARGED_ON} + 92`)}
          AND (h2.discharged_at IS NULL OR h2.discharged_at >= ${dayStart(`${DISCHARGED_ON} + 92`)})) THEN 'in-hospital'
        WHEN EXISTS (SELECT 1 FROM care_home_placement c WHERE c.person_id = h.person_id
          AND c.placement_type <> 'respite' AND c.started_on <= ${day91}
          AND (c.ended_on IS NULL OR c.ended_on > ${day91})) THEN 'in-care-home'
        WHEN ${practiceOn("h.person_id", day91)} IS NULL THEN 'moved-away'
        ELSE 'at-home'
      END AS day91`,
    `
      AND ${day91} <= :as_of`,
  )})
  SELECT ${ROW}, 1 AS n, ${onlyAtHome ? "NULL::text" : "f.day91"} AS split
  FROM f JOIN periods p ON f.discharged_on BETWEEN p.start_on AND p.end_on
  WHERE f.day91 ${onlyAtHome ? "= 'at-home'" : "<> 'moved-away'"}`;
}

const ascof2b1: MetricDefinitionInput = {
  metricId: "ascof-2b1",
  title:
    "Proportion of people aged 65 and over still at home 91 days after discharge from hospital into reablement or rehabilitation",
  shortTitle: "At home 91 days after reablement",
  description:
    "ASCOF 2B(1). Annual values count discharges from 1 October to 31 December, each followed for 91 days; any other period counts the discharges in it.",
  groupName: "bcf-national",
  kind: "sql",
  valueKind: "rate",
  numeratorLabel: "at home on day 91",
  denominatorLabel: "discharged into reablement",
  numeratorRules:
    "Of the denominator, those at home on day 91 (the discharge day plus 91 days). Not at home: dead on or before day 91 (death on day 90 is not at home, on day 92 is); in hospital at the end of day 91 (admitted on or before it and not discharged by then: readmitted on day 91 is not at home, discharged on day 91 is); in a care home on day 91 in any placement but respite (respite over day 91 is at home; a trial or temporary placement is not). Extra-care housing is home.",
  denominatorRules:
    "Discharges of people aged 65+ from an inpatient spell in the period, alive and not transferred to another hospital, with a reablement service recorded as following that spell, and not discharged to a care home or hospice (the intention is to return home). Attributed to the practice on the discharge day. Left out: discharges whose day 91 is after the data cut-off (not yet followed), and people who moved out of the place before day 91 without dying (they cannot be followed).",
  numeratorSql: stillAtHome(true),
  denominatorSql: stillAtHome(false),
  multiplier: 100,
  unit: "%",
  decimals: 1,
  periodType: "financial-year",
  fyWindow: "10-01..12-31",
  followUpDays: 91,
  population: "discharged into reablement, aged 65+",
  direction: "higher",
};

const ascof2b2: MetricDefinitionInput = {
  metricId: "ascof-2b2",
  title: "Coverage of reablement: people aged 65 and over offered reablement on discharge from hospital",
  shortTitle: "Reablement coverage",
  description: "ASCOF 2B(2). Same window as 2B(1).",
  groupName: "bcf-national",
  kind: "sql",
  valueKind: "rate",
  numeratorLabel: "discharged into reablement",
  denominatorLabel: "discharged alive, aged 65+",
  numeratorRules:
    "The 2B(1) denominator's discharges: people aged 65+ discharged alive from an inpatient spell into reablement, meant to return home (no follow-up needed).",
  denominatorRules:
    "All discharges of people aged 65+ from an inpatient spell in the window, alive (discharged or self-discharged; deaths and transfers to another hospital left out), registered in the place on the discharge day.",
  numeratorSql: `WITH f AS MATERIALIZED (${reablementDischarges(
    `${practiceOn("h.person_id", DISCHARGED_ON)} AS practice_code`,
    `\n      AND ${DISCHARGED_ON} <= :as_of`,
  )})
  SELECT ${ROW}, 1 AS n, NULL::text AS split FROM f JOIN periods p ON f.discharged_on BETWEEN p.start_on AND p.end_on`,
  denominatorSql: `WITH f AS MATERIALIZED (
    SELECT h.person_id, ${londonDate("h.discharged_at")} AS discharged_on,
      ${practiceOn("h.person_id", londonDate("h.discharged_at"))} AS practice_code
    FROM hospital_spell h JOIN person pe ON pe.person_id = h.person_id
    WHERE h.discharged_at >= :min_start_ts AND h.discharged_at < :max_end_next_ts
      AND h.patient_class = 'inpatient' AND h.discharge_method IN ('discharged', 'self-discharged')
      AND ${agedAtLeast("pe.birth_date", londonDate("h.discharged_at"), 65)}
      AND ${londonDate("h.discharged_at")} <= :as_of)
  SELECT ${ROW}, 1 AS n, NULL::text AS split FROM f JOIN periods p ON f.discharged_on BETWEEN p.start_on AND p.end_on`,
  multiplier: 100,
  unit: "%",
  decimals: 1,
  periodType: "financial-year",
  fyWindow: "10-01..12-31",
  population: "discharged alive, aged 65+",
  direction: "higher",
};

// A delay runs from ready_on to the day before ended_on (the nights spent waiting): ready on 30 January and
// leaving on 3 February is 2 days in January and 2 in February. Still delayed: up to the data cut-off.
const dtoc: MetricDefinitionInput = {
  metricId: "dtoc",
  title: "Delayed transfers of care from hospital: delayed days per 100,000 adults, monthly average",
  shortTitle: "Delayed transfers of care",
  description:
    "Total delayed days in the period divided by its months, per 100,000 people aged 18+; broken down by attribution (NHS, social care, both).",
  groupName: "bcf-national",
  kind: "sql",
  valueKind: "rate",
  numeratorLabel: "delayed days",
  denominatorLabel: "people aged 18+",
  numeratorRules:
    "Each day from the day a patient is ready for transfer (clinically ready, agreed by the MDT, safe) to the day before they leave; days falling in the period only (a delay over a month end is split between the months); still-delayed patients counted to the data cut-off. Attributed to NHS, social care or both as recorded, and to the practice the person was registered with on the day they became ready.",
  denominatorRules:
    "People aged 18+ registered in the place and alive on 30 September of the financial year the period's middle day falls in (or the data cut-off if earlier).",
  numeratorSql: `WITH f AS MATERIALIZED (
    SELECT t.person_id, t.ready_on, coalesce(t.ended_on - 1, :as_of) AS last_day, t.attribution,
      ${practiceOn("t.person_id", "t.ready_on")} AS practice_code
    FROM delayed_transfer t
    WHERE t.ready_on <= least(:max_end, :as_of) AND (t.ended_on IS NULL OR t.ended_on > :min_start)
  )
  SELECT ${ROW},
    (least(f.last_day, p.end_on, :as_of) - greatest(f.ready_on, p.start_on) + 1) AS n, f.attribution AS split
  FROM f JOIN periods p ON f.ready_on <= p.end_on AND f.last_day >= p.start_on
  WHERE least(f.last_day, p.end_on, :as_of) >= greatest(f.ready_on, p.start_on)`,
  denominatorSql: registeredPopulation(18),
  multiplier: 100_000,
  unit: "delayed days per 100,000 adults a month",
  decimals: 1,
  periodType: "month",
  averageOver: "month",
  population: "registered, aged 18+",
  direction: "lower",
};

const nel: MetricDefinitionInput = {
  metricId: "nel",
  title: "Non-elective (emergency) admissions per 100,000 registered people",
  shortTitle: "Emergency admissions",
  description:
    "Emergency admissions of people registered in the place; the numerator is the count against plan.",
  groupName: "bcf-national",
  kind: "sql",
  valueKind: "rate",
  numeratorLabel: "emergency admissions",
  denominatorLabel: "registered people",
  numeratorRules:
    "Hospital spells with admission method emergency starting in the period (English days), of people registered with a practice in the place on the day of admission (admissions after someone moved away are not counted). Maternity admissions and transfers in are not emergency admissions.",
  denominatorRules:
    "People registered in the place and alive on 30 September of the financial year the period's middle day falls in (or the data cut-off if earlier).",
  numeratorSql: `WITH f AS MATERIALIZED (
    SELECT h.person_id, ${londonDate("h.admitted_at")} AS admitted_on,
      ${practiceOn("h.person_id", londonDate("h.admitted_at"))} AS practice_code
    FROM hospital_spell h
    WHERE h.admission_method = 'emergency'
      AND h.admitted_at >= :min_start_ts AND h.admitted_at < :max_end_next_ts
      AND ${londonDate("h.admitted_at")} <= :as_of)
  SELECT ${ROW}, 1 AS n, NULL::text AS split FROM f JOIN periods p ON f.admitted_on BETWEEN p.start_on AND p.end_on`,
  denominatorSql: registeredPopulation(0),
  multiplier: 100_000,
  unit: "per 100,000 registered",
  decimals: 0,
  periodType: "month",
  population: "registered",
  direction: "lower",
};

function experience(
  metricId: string,
  title: string,
  shortTitle: string,
  unit: string,
): MetricDefinitionInput {
  return {
    metricId,
    title,
    shortTitle,
    description: "Survey-based (the Adult Social Care Survey or the carers' survey): entered, not computed.",
    groupName: "bcf-national",
    kind: "entered",
    valueKind: "rate",
    multiplier: unit === "%" ? 100 : 1,
    unit,
    decimals: 1,
    periodType: "year",
    population: "survey respondents",
    direction: "higher",
  };
}

// Thurrock's local metric: patients leaving the acute stroke unit with a joint plan in place.
const localStroke: MetricDefinitionInput = {
  metricId: "local",
  title:
    "Local metric: patients discharged from the acute stroke unit with a joint health and social care plan",
  shortTitle: "Stroke discharges with a joint plan",
  description: "Thurrock's local BCF metric. Target: at least 90%.",
  groupName: "bcf-local",
  kind: "sql",
  valueKind: "rate",
  numeratorLabel: "with a joint plan at discharge",
  denominatorLabel: "eligible stroke discharges",
  numeratorRules:
    "Of the denominator, those with a joint health and social care plan in place on the discharge day (started on or before it, not ended before it). A plan started after discharge does not count.",
  denominatorRules:
    "Inpatient spells with a stay on the acute stroke unit, of people aged 18+, discharged alive in the period (discharged or self-discharged; deaths and transfers to another hospital are not eligible), registered in the place on the discharge day.",
  numeratorSql: strokeSql(true),
  denominatorSql: strokeSql(false),
  multiplier: 100,
  unit: "%",
  decimals: 1,
  periodType: "quarter",
  population: "stroke-unit discharges, aged 18+",
  direction: "higher",
  targetNote: "at least 90%",
};

function strokeSql(withPlan: boolean): string {
  return `WITH f AS MATERIALIZED (
    SELECT h.person_id, ${londonDate("h.discharged_at")} AS discharged_on,
      ${practiceOn("h.person_id", londonDate("h.discharged_at"))} AS practice_code
    FROM hospital_spell h JOIN person pe ON pe.person_id = h.person_id
    WHERE h.discharged_at >= :min_start_ts AND h.discharged_at < :max_end_next_ts
      AND h.discharge_method IN ('discharged', 'self-discharged')
      AND ${agedAtLeast("pe.birth_date", londonDate("h.discharged_at"), 18)}
      AND ${londonDate("h.discharged_at")} <= :as_of
      AND EXISTS (SELECT 1 FROM ward_stay w WHERE w.person_id = h.person_id AND w.spell_id = h.spell_id
        AND w.ward_kind = 'stroke-unit')${withPlan ? `\n      AND ${jointPlanOn("h.person_id", londonDate("h.discharged_at"))}` : ""})
  SELECT ${ROW}, 1 AS n, NULL::text AS split FROM f JOIN periods p ON f.discharged_on BETWEEN p.start_on AND p.end_on`;
}

export const BCF_MEASURES: readonly MetricDefinitionInput[] = [
  ascof2a2,
  ascof2b1,
  ascof2b2,
  dtoc,
  nel,
  experience(
    "experience",
    "Overall satisfaction of people who use social care with their care and support",
    "Service user satisfaction",
    "%",
  ),
  experience(
    "experience-carers",
    "Overall satisfaction of carers with social services",
    "Carer satisfaction",
    "%",
  ),
  experience(
    "experience-scrqol",
    "Social-care-related quality of life",
    "Social care quality of life",
    "score",
  ),
  localStroke,
];

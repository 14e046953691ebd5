// The place's other measures (metrics.md, "Other measures the place's plans track"). Those about risk read
// the risk stratification's tables (risk_person, risk_run, risk_setting): they are available once
// 'oneplace stratify' has run, and report that they are not until then.
import type { MetricDefinitionInput } from "../definitions.ts";
import { diedBy, jointPlanOn, londonDate, practiceOn } from "./sql.ts";

const LATEST_STRATIFICATION =
  "SELECT max(as_of) FROM risk_run WHERE kind = 'full' AND finished_at IS NOT NULL";
const HIGH_RISK_TIERS = `coalesce((SELECT array_agg(t) FROM risk_setting s, jsonb_array_elements_text(s.value -> 'highRiskTiers') t
    WHERE s.key = 'nationalCondition'), ARRAY['very-high', 'high'])`;
const ADULT_AGE = `coalesce((SELECT (s.value ->> 'adultAge')::int FROM risk_setting s WHERE s.key = 'nationalCondition'), 18)`;
const RISK_TABLES = ["risk_person", "risk_run"];

function riskSql(where: string): string {
  return `SELECT p.period_id, rp.person_id, rp.practice_code, 1 AS n, NULL::text AS split
    FROM risk_person rp CROSS JOIN periods p
    WHERE rp.age >= ${ADULT_AGE} ${where}`;
}

const highRisk = `AND rp.risk_tier = ANY(${HIGH_RISK_TIERS})`;
const withPlan = `AND ${jointPlanOn("rp.person_id", "rp.as_of")}`;
const withLead = `AND EXISTS (SELECT 1 FROM care_plan cp WHERE cp.person_id = rp.person_id
    AND cp.plan_type = 'joint-health-social' AND cp.lead_professional_role IS NOT NULL
    AND cp.started_on <= rp.as_of AND (cp.ended_on IS NULL OR cp.ended_on >= rp.as_of))`;

type SnapshotFields = Pick<MetricDefinitionInput, "metricId" | "title" | "shortTitle" | "direction"> &
  Partial<MetricDefinitionInput>;

function snapshotMeasure(fields: SnapshotFields): MetricDefinitionInput {
  return {
    groupName: "place",
    kind: "sql",
    valueKind: "rate",
    multiplier: 100,
    unit: "%",
    decimals: 1,
    periodType: "snapshot",
    snapshotSql: LATEST_STRATIFICATION,
    requires: RISK_TABLES,
    population: "registered, living (latest stratification)",
    ...fields,
  };
}

const highRiskShare = snapshotMeasure({
  metricId: "high-risk-share",
  title: "Share of adults at high risk of emergency admission",
  shortTitle: "Adults at high risk",
  description: "BCF national condition 4, as at the latest stratification.",
  numeratorLabel: "adults at high risk",
  denominatorLabel: "adults",
  numeratorRules:
    "Adults in the high-risk tiers of the latest stratification (the national condition's tiers in risk settings; very high and high by default).",
  denominatorRules:
    "Adults (18+ unless risk settings say otherwise) registered and alive at the latest stratification.",
  numeratorSql: riskSql(highRisk),
  denominatorSql: riskSql(""),
  direction: "lower",
});

const highRiskPlan = snapshotMeasure({
  metricId: "high-risk-joint-plan",
  title: "Share of adults at high risk with a joint health and social care plan",
  shortTitle: "High risk with a joint plan",
  numeratorLabel: "with a joint plan",
  denominatorLabel: "adults at high risk",
  numeratorRules:
    "Of the denominator, those with a joint health and social care plan in place on the stratification date.",
  denominatorRules: "Adults in the high-risk tiers of the latest stratification.",
  numeratorSql: riskSql(`${highRisk} ${withPlan}`),
  denominatorSql: riskSql(highRisk),
  direction: "higher",
});

const highRiskLead = snapshotMeasure({
  metricId: "high-risk-lead-professional",
  title: "Share of adults at high risk with an accountable lead professional",
  shortTitle: "High risk with a lead professional",
  numeratorLabel: "with a lead professional",
  denominatorLabel: "adults at high risk",
  numeratorRules:
    "Of the denominator, those whose joint health and social care plan in place on the stratification date names a lead professional.",
  denominatorRules: "Adults in the high-risk tiers of the latest stratification.",
  numeratorSql: riskSql(`${highRisk} ${withLead}`),
  denominatorSql: riskSql(highRisk),
  direction: "higher",
});

function efiShare(category: string, direction: "higher" | "lower"): MetricDefinitionInput {
  const efi = `SELECT p.period_id, rp.person_id, rp.practice_code, 1 AS n, NULL::text AS split
    FROM risk_person rp CROSS JOIN periods p WHERE rp.efi_category IS NOT NULL`;
  return snapshotMeasure({
    metricId: `efi-${category}`,
    title: `Share of people aged 65 and over whose electronic frailty index is ${category}`,
    shortTitle: `eFI ${category}`,
    description: "The eFI, routinely reported by practice: counts and shares fit, mild, moderate, severe.",
    numeratorLabel: `eFI ${category}`,
    denominatorLabel: "aged 65+",
    numeratorRules: `People aged 65+ whose eFI category at the latest stratification is ${category}.`,
    denominatorRules:
      "People aged 65+ registered and alive at the latest stratification (those given an eFI).",
    numeratorSql: `${efi} AND rp.efi_category = '${category}'`,
    denominatorSql: efi,
    direction,
    population: "registered, aged 65+ (latest stratification)",
  });
}

const hiu: MetricDefinitionInput = {
  metricId: "hiu-activity-change",
  title: "Change in the non-elective activity of High Intensity Users",
  shortTitle: "High Intensity User activity",
  description:
    "Computed by the risk stratification capability's rules and settings (High Intensity Users are identified from frailty and 12 months' non-elective activity). Reported by locality.",
  groupName: "place",
  kind: "builtin",
  builtin: "risk.hiu-activity-change",
  valueKind: "change",
  numeratorLabel: "activity a quarter in the period",
  denominatorLabel: "activity in the baseline quarter",
  numeratorRules:
    "Emergency admissions, A&E attendances and unplanned community and mental health contacts of the High Intensity Users, per quarter of the period (averaged over its quarters). People who died by the end of the period are left out of both parts.",
  denominatorRules:
    "The same people's activity in the quarter before they were identified. They are identified on the day before the financial year containing the period starts, from their previous 12 months.",
  multiplier: 100,
  unit: "% change",
  decimals: 1,
  periodType: "quarter",
  population: "High Intensity Users",
  direction: "lower",
  requires: ["efi_deficit", "risk_setting"],
  areaLevels: ["place", "locality"],
};

const telecareInstallations: MetricDefinitionInput = {
  metricId: "telecare-installations",
  title: "Telecare installations a month",
  shortTitle: "Telecare installations",
  groupName: "place",
  kind: "sql",
  valueKind: "count",
  numeratorLabel: "installations",
  numeratorRules:
    "Telecare services starting in the period, of people registered in the place on the day (any funding; broken down by funding), averaged over the period's months.",
  numeratorSql: `WITH f AS MATERIALIZED (
    SELECT s.person_id, s.started_on, s.funding, ${practiceOn("s.person_id", "s.started_on")} AS practice_code
    FROM social_care_service s
    WHERE s.service_type = 'telecare' AND s.started_on BETWEEN :min_start AND least(:max_end, :as_of))
  SELECT p.period_id, f.person_id, f.practice_code, 1 AS n, f.funding AS split
  FROM f JOIN periods p ON f.started_on BETWEEN p.start_on AND p.end_on`,
  multiplier: 1,
  unit: "installations a month",
  decimals: 1,
  periodType: "month",
  averageOver: "month",
  population: "registered",
  direction: "higher",
};

function packagesSql(withTelecare: boolean): string {
  return `WITH s AS MATERIALIZED (
    SELECT s.person_id, s.service_type, s.started_on, s.ended_on, ${practiceOn("s.person_id", "s.started_on")} AS practice_code
    FROM social_care_service s
    WHERE s.funding IN ('council', 'joint') AND s.service_type <> 'reablement'
      AND s.started_on <= least(:max_end, :as_of) AND (s.ended_on IS NULL OR s.ended_on >= :min_start)),
  f AS (
    SELECT p.period_id, s.person_id,
      (array_agg(s.practice_code ORDER BY s.started_on DESC) FILTER (WHERE s.practice_code IS NOT NULL))[1] AS practice_code,
      bool_or(s.service_type = 'telecare') AS telecare
    FROM s JOIN periods p ON s.started_on <= least(p.end_on, :as_of) AND (s.ended_on IS NULL OR s.ended_on >= p.start_on)
    GROUP BY p.period_id, s.person_id)
  SELECT f.period_id, f.person_id, f.practice_code, 1 AS n, NULL::text AS split FROM f
  ${withTelecare ? "WHERE f.telecare" : ""}`;
}

const telecarePackages: MetricDefinitionInput = {
  metricId: "telecare-in-packages",
  title: "Share of council-funded care packages that include telecare",
  shortTitle: "Packages with telecare",
  groupName: "place",
  kind: "sql",
  valueKind: "rate",
  numeratorLabel: "packages with telecare",
  denominatorLabel: "council-funded packages",
  numeratorRules:
    "Of the denominator, the people whose council-funded services in the period include telecare.",
  denominatorRules:
    "People with a council- or jointly-funded social care service other than reablement (home care, day care, direct payment, equipment, meals, telecare) in place at any time in the period: one package a person. Attributed to the practice at the start of their latest service.",
  numeratorSql: packagesSql(true),
  denominatorSql: packagesSql(false),
  multiplier: 100,
  unit: "%",
  decimals: 1,
  periodType: "quarter",
  population: "council-funded social care clients",
  direction: "higher",
};

// The people with dementia are a grouped subquery, not a CTE of their own: the look-ups correlated with them
// (practice, death, plan) then run beside the diagnoses on each Citus node, which cannot correlate a subquery
// with a CTE's rows gathered on the coordinator; one server plans the two forms alike.
function dementiaSql(withPlan: boolean): string {
  const onDate = "least(p.end_on, :as_of)";
  return `WITH f AS MATERIALIZED (
    SELECT p.period_id, dx.person_id, ${onDate} AS on_date,
      ${practiceOn("dx.person_id", onDate)} AS practice_code
    FROM (SELECT g.person_id, min(g.recorded_on) AS first_on
      FROM gp_entry g
      JOIN code_list_member c ON c.list_id = 'outcomes:dementia' AND c.system = g.code_system AND c.code = g.code
      WHERE g.entry_kind = 'condition' AND g.recorded_on <= least(:max_end, :as_of)
      GROUP BY g.person_id) dx
    JOIN periods p ON dx.first_on <= ${onDate}
    WHERE NOT ${diedBy("dx.person_id", onDate)}${
      withPlan
        ? `
      AND ${jointPlanOn("dx.person_id", onDate)}`
        : ""
    })
  SELECT f.period_id, f.person_id, f.practice_code, 1 AS n, NULL::text AS split FROM f`;
}

const dementia: MetricDefinitionInput = {
  metricId: "dementia-joint-plan",
  title: "Share of people with dementia who have a joint health and social care plan",
  shortTitle: "Dementia with a joint plan",
  groupName: "place",
  kind: "sql",
  valueKind: "rate",
  numeratorLabel: "with a joint plan",
  denominatorLabel: "people with dementia",
  numeratorRules: "Of the denominator, those with a joint health and social care plan in place on that day.",
  denominatorRules:
    "People with dementia coded in their GP record (code list outcomes:dementia) on or before the period's last day (or the data cut-off), registered in the place and alive on that day.",
  numeratorSql: dementiaSql(true),
  denominatorSql: dementiaSql(false),
  multiplier: 100,
  unit: "%",
  decimals: 1,
  periodType: "quarter",
  population: "registered people with dementia",
  direction: "higher",
  targetNote: "all (100%)",
};

// Needs the care coordination capability to record when a care team was told of an admission. The table
// named here is the shape asked of it: admission_notification(person_id, notification_id, spell_id,
// team_id, notified_at).
function unknownSql(notified: boolean): string {
  return `WITH f AS MATERIALIZED (
    SELECT h.person_id, h.spell_id, h.admitted_at, ${londonDate("h.admitted_at")} AS admitted_on,
      ${practiceOn("h.person_id", londonDate("h.admitted_at"))} AS practice_code,
      (SELECT min(n.notified_at) FROM admission_notification n
        WHERE n.person_id = h.person_id AND n.spell_id = h.spell_id) AS notified_at
    FROM hospital_spell h
    WHERE h.admission_method = 'emergency'
      AND h.admitted_at >= :min_start_ts AND h.admitted_at < :max_end_next_ts
      AND ${londonDate("h.admitted_at")} <= :as_of
      AND EXISTS (SELECT 1 FROM risk_register_member m WHERE m.person_id = h.person_id
        AND m.joined_on <= ${londonDate("h.admitted_at")}
        AND (m.left_on IS NULL OR m.left_on > ${londonDate("h.admitted_at")})))
  SELECT p.period_id, f.person_id, f.practice_code, 1 AS n,
    CASE WHEN f.notified_at IS NULL THEN 'not-notified'
      WHEN f.notified_at <= f.admitted_at + interval '24 hours' THEN 'within-24-hours'
      ELSE 'later' END AS split
  FROM f JOIN periods p ON f.admitted_on BETWEEN p.start_on AND p.end_on
  ${notified ? "WHERE f.notified_at IS NOT NULL" : ""}`;
}

const noUnknownPatients: MetricDefinitionInput = {
  metricId: "no-unknown-patients",
  title:
    "No unknown patients: emergency admissions of people on the high-risk register whose care team was notified",
  shortTitle: "No unknown patients",
  groupName: "place",
  kind: "sql",
  valueKind: "rate",
  numeratorLabel: "care team notified",
  denominatorLabel: "emergency admissions from the register",
  numeratorRules:
    "Of the denominator, admissions whose care team was notified (broken down by how soon: within 24 hours of admission, or later).",
  denominatorRules:
    "Emergency admissions in the period of people on a high-risk register (risk_register_member) on the day of admission, registered in the place that day.",
  numeratorSql: unknownSql(true),
  denominatorSql: unknownSql(false),
  multiplier: 100,
  unit: "%",
  decimals: 1,
  periodType: "month",
  population: "people on the high-risk register",
  direction: "higher",
  requires: ["admission_notification", "risk_register_member"],
};

export const PLACE_MEASURES: readonly MetricDefinitionInput[] = [
  highRiskShare,
  highRiskPlan,
  highRiskLead,
  hiu,
  efiShare("fit", "higher"),
  efiShare("mild", "lower"),
  efiShare("moderate", "lower"),
  efiShare("severe", "lower"),
  telecareInstallations,
  telecarePackages,
  dementia,
  noUnknownPatients,
];

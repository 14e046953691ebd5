// The risk model's inputs: each a named, readable SQL expression over a risk_person (or snapshot) row.
// One definition serves training, scoring the population and explaining one person's score.

import { unavailable } from "../core/errors.ts";
import { DEFICITS } from "./efi-definition.ts";
import { serviceBit } from "./social-care.ts";

export type FeatureKind = "indicator" | "count" | "number";

export interface Feature {
  id: string;
  label: string;
  group: "Demographics" | "Frailty and conditions" | "Activity" | "Social care";
  kind: FeatureKind;
  /** float8 SQL. For counts it is ln(1 + count), so the effect of each extra event tapers. */
  sql: string;
}

const indicator = (id: string, label: string, group: Feature["group"], condition: string): Feature => ({
  id,
  label,
  group,
  kind: "indicator",
  sql: `(CASE WHEN ${condition} THEN 1 ELSE 0 END)::float8`,
});

const count = (id: string, label: string, column: string): Feature => ({
  id,
  label,
  group: "Activity",
  kind: "count",
  sql: `ln(1::float8 + ${column})`,
});

export const FEATURES: readonly Feature[] = [
  // Age bands against 25 to 44; infants and young children are admitted more than older children.
  indicator("age-0", "Aged under 1", "Demographics", "age < 1"),
  indicator("age-1-4", "Aged 1 to 4", "Demographics", "age BETWEEN 1 AND 4"),
  indicator("age-5-14", "Aged 5 to 14", "Demographics", "age BETWEEN 5 AND 14"),
  indicator("age-15-24", "Aged 15 to 24", "Demographics", "age BETWEEN 15 AND 24"),
  indicator("age-45-64", "Aged 45 to 64", "Demographics", "age BETWEEN 45 AND 64"),
  indicator("age-65-74", "Aged 65 to 74", "Demographics", "age BETWEEN 65 AND 74"),
  indicator("age-75-84", "Aged 75 to 84", "Demographics", "age BETWEEN 75 AND 84"),
  indicator("age-85-plus", "Aged 85 or over", "Demographics", "age >= 85"),
  indicator("male", "Male", "Demographics", "sex = 'male'"),
  {
    id: "deprivation",
    label: "Deprivation of home area (10 = most deprived tenth of England)",
    group: "Demographics",
    kind: "number",
    sql: "(11 - coalesce(imd_decile, 5.5))::float8",
  },
  {
    id: "efi-deficits",
    label: "eFI deficits",
    group: "Frailty and conditions",
    kind: "number",
    sql: "deficit_count::float8",
  },
  ...DEFICITS.map((d, i) =>
    indicator(`deficit-${d.id}`, d.name, "Frailty and conditions", `(deficit_mask >> ${i}) & 1 = 1`),
  ),
  count("emergency-admissions-12m", "Emergency admissions in the last 12 months", "emergency_admissions_12m"),
  count(
    "emergency-admissions-prior-12m",
    "Emergency admissions in the 12 months before that",
    "emergency_admissions_prior_12m",
  ),
  count(
    "emergency-bed-days-12m",
    "Days in hospital after emergency admission, last 12 months",
    "emergency_bed_days_12m",
  ),
  count("elective-admissions-12m", "Planned admissions in the last 12 months", "elective_admissions_12m"),
  count("ae-attendances-12m", "A&E attendances in the last 12 months", "ae_attendances_12m"),
  count(
    "ae-attendances-prior-12m",
    "A&E attendances in the 12 months before that",
    "ae_attendances_prior_12m",
  ),
  {
    id: "long-term-conditions",
    label: "Long-term conditions",
    group: "Frailty and conditions",
    kind: "number",
    sql: "long_term_conditions::float8",
  },
  count(
    "outpatient-attendances-12m",
    "Outpatient attendances in the last 12 months",
    "outpatient_attendances_12m",
  ),
  count(
    "outpatient-missed-12m",
    "Missed outpatient appointments in the last 12 months",
    "outpatient_missed_12m",
  ),
  count(
    "community-contacts-12m",
    "Community health contacts in the last 12 months",
    "community_contacts_12m",
  ),
  count(
    "mental-health-contacts-12m",
    "Mental health contacts in the last 12 months",
    "mental_health_contacts_12m",
  ),
  count("medicines-12m", "Different medicines issued in the last 12 months", "medicines_12m"),
  indicator(
    "discharged-30d",
    "Discharged from hospital in the last 30 days",
    "Activity",
    "days_since_discharge <= 30",
  ),
  indicator(
    "discharged-31-90d",
    "Discharged from hospital 31 to 90 days ago",
    "Activity",
    "days_since_discharge BETWEEN 31 AND 90",
  ),
  indicator("social-care-now", "Receives social care services", "Social care", "social_care_now <> 0"),
  indicator(
    "home-care-now",
    "Receives home care",
    "Social care",
    `social_care_now & ${serviceBit("home-care")} <> 0`,
  ),
  indicator(
    "reablement-12m",
    "Had reablement in the last 12 months",
    "Social care",
    `social_care_12m & ${serviceBit("reablement")} <> 0`,
  ),
  indicator("care-home", "Lives in a care home", "Social care", "care_home"),
];

const BY_ID = new Map(FEATURES.map((f) => [f.id, f]));

export function featureById(id: string): Feature {
  const f = BY_ID.get(id);
  if (!f)
    throw unavailable(
      "risk.unknown-feature",
      `The model uses a feature this version of OnePlace does not know: ${id}`,
    );
  return f;
}

/** How a person's feature value reads beside its label. */
export function describeValue(feature: Feature, value: number): string {
  if (feature.kind === "indicator") return value >= 0.5 ? "yes" : "no";
  if (feature.kind === "count") return String(Math.round(Math.expm1(value)));
  return String(Math.round(value * 100) / 100);
}

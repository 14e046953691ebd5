// BCF national condition 4: the share of adults at high risk of emergency admission, and of them the share
// with a joint health and social care plan and the share with an accountable lead professional. Plans are
// read live from care_plan, so the last two start counting as soon as plans are recorded.
import type { Queryable } from "../store/index.ts";
import { readSettings } from "./settings.ts";

export interface ConditionFigures {
  area: string;
  adults: number;
  highRisk: number;
  highRiskShare: number;
  withJointCarePlan: number;
  jointCarePlanShare: number;
  withLeadProfessional: number;
  leadProfessionalShare: number;
}

export interface NationalCondition {
  asOf: string | null;
  highRiskTiers: string[];
  adultAge: number;
  place: ConditionFigures;
  byLocality: ConditionFigures[];
}

const share = (part: number, whole: number) => (whole ? part / whole : 0);

export async function nationalCondition(db: Queryable): Promise<NationalCondition> {
  const { nationalCondition: s } = await readSettings(db);
  const rows = await db.query<{
    locality: string;
    as_of: string | null;
    adults: number;
    high: number;
    plan: number;
    lead: number;
  }>(
    `WITH plans AS (
       SELECT cp.person_id, bool_or(cp.lead_professional_role IS NOT NULL) AS lead
       FROM care_plan cp JOIN risk_person rp ON rp.person_id = cp.person_id
       WHERE cp.plan_type = 'joint-health-social' AND (cp.ended_on IS NULL OR cp.ended_on > rp.as_of)
       GROUP BY cp.person_id
     )
     SELECT coalesce(rp.locality_code, 'unknown') AS locality, max(rp.as_of)::text AS as_of,
       count(*) AS adults,
       count(*) FILTER (WHERE rp.risk_tier = ANY($2::text[])) AS high,
       count(pl.person_id) FILTER (WHERE rp.risk_tier = ANY($2::text[])) AS plan,
       count(pl.person_id) FILTER (WHERE rp.risk_tier = ANY($2::text[]) AND pl.lead) AS lead
     FROM risk_person rp LEFT JOIN plans pl ON pl.person_id = rp.person_id
     WHERE rp.age >= $1
     GROUP BY 1 ORDER BY 1`,
    [s.adultAge, s.highRiskTiers],
  );
  const figures = (
    area: string,
    adults: number,
    high: number,
    plan: number,
    lead: number,
  ): ConditionFigures => ({
    area,
    adults,
    highRisk: high,
    highRiskShare: share(high, adults),
    withJointCarePlan: plan,
    jointCarePlanShare: share(plan, high),
    withLeadProfessional: lead,
    leadProfessionalShare: share(lead, high),
  });
  const sum = (k: "adults" | "high" | "plan" | "lead") => rows.reduce((t, r) => t + r[k], 0);
  return {
    asOf: rows.reduce<string | null>((m, r) => (r.as_of && (!m || r.as_of > m) ? r.as_of : m), null),
    highRiskTiers: s.highRiskTiers,
    adultAge: s.adultAge,
    place: figures("place", sum("adults"), sum("high"), sum("plan"), sum("lead")),
    byLocality: rows.map((r) => figures(r.locality, r.adults, r.high, r.plan, r.lead)),
  };
}

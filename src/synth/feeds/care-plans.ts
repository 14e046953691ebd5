import { FHIR_EXTENSIONS, FHIR_SYSTEMS } from "../../ingest/index.ts";
import { SOURCE_SYSTEM as S } from "../source-systems.ts";
import type { FeedFileKey, FeedLine } from "./feed-files.ts";
import { odsIdentifier, patientRef, resourceOf } from "./fhir.ts";
import { type PersonRows, type Row, rowsOf, text } from "./person-rows.ts";

// Joint care plans as FHIR EpisodeOfCare, each from whichever system holds it.

const PLAN_FILE: Partial<Record<string, FeedFileKey>> = {
  [S.gp]: "gpPlans",
  [S.socialCare]: "scPlans",
  [S.mentalHealth]: "mhPlans",
};

function leadProfessional(plan: Row) {
  const role = text(plan.lead_professional_role);
  const org = text(plan.lead_org_code);
  if (!role && !org) return undefined;
  return [
    {
      resourceType: "PractitionerRole",
      id: "lead",
      ...(role ? { code: [{ coding: [{ system: FHIR_SYSTEMS.professionalRole, code: role }] }] } : {}),
      ...(org ? { organization: { identifier: odsIdentifier(org) } } : {}),
    },
  ];
}

export function episodeOfCare(plan: Row, p: PersonRows) {
  const contained = leadProfessional(plan);
  return {
    ...resourceOf("EpisodeOfCare", plan),
    ...(plan.review_due_on
      ? { extension: [{ url: FHIR_EXTENSIONS.reviewDue, valueDate: plan.review_due_on }] }
      : {}),
    ...(contained ? { contained, careManager: { reference: "#lead" } } : {}),
    status: plan.ended_on ? "finished" : "active",
    type: [{ coding: [{ system: FHIR_SYSTEMS.carePlanType, code: plan.plan_type }] }],
    patient: patientRef(String(plan.source_system), p),
    period: { start: plan.started_on, ...(plan.ended_on ? { end: plan.ended_on } : {}) },
  };
}

export function carePlanLines(p: PersonRows): FeedLine[] {
  return rowsOf(p, "care_plan").map((plan) => [
    PLAN_FILE[String(plan.source_system)] ?? "cmPlans",
    episodeOfCare(plan, p),
  ]);
}

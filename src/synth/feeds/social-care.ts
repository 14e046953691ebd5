import { SOURCE_SYSTEM as S } from "../source-systems.ts";
import type { FaultDice } from "./faults.ts";
import type { FeedLine } from "./feed-files.ts";
import { type PersonRows, type Row, rowsOf, visitNumbers } from "./person-rows.ts";

// The council's social care system: client, assessment, service and placement extracts as CSV (from Windows:
// a byte order mark and CRLF). Its care plans go with the others (care-plans.ts). A damaged assessment has a
// type the layout does not know.

function clientLine(r: Row): FeedLine {
  return [
    "scClients",
    {
      client_id: r.source_record_id,
      nhs_number: r.nhs_number,
      family_name: r.family_name,
      given_name: r.given_name,
      birth_date: r.birth_date,
      sex: r.sex,
      postcode: r.postcode,
      extracted_at: r.received_at,
    },
  ];
}

function serviceLine(v: Row, visits: Map<string, string>): FeedLine {
  const visit = v.after_spell_id ? visits.get(String(v.after_spell_id)) : null;
  return [
    "scServices",
    {
      service_id: v.source_record_id,
      client_id: v.client_id,
      service_type: v.service_type,
      started_on: v.started_on,
      ended_on: v.ended_on,
      funding: v.funding,
      referral_source: v.referral_source,
      after_spell_source: visit ? S.acute : null,
      after_spell_visit: visit,
      hours_per_week: v.hours_per_week,
      end_reason: v.end_reason,
      extracted_at: v.received_at,
    },
  ];
}

function placementLine(p: Row, placementIds: Map<string, string>): FeedLine {
  return [
    "scPlacements",
    {
      placement_id: p.source_record_id,
      client_id: p.client_id,
      care_home_code: p.care_home_code,
      care_type: p.care_type,
      placement_type: p.placement_type,
      started_on: p.started_on,
      ended_on: p.ended_on,
      funding: p.funding,
      follows_placement_id: p.follows_placement_id ? placementIds.get(String(p.follows_placement_id)) : null,
      end_reason: p.end_reason,
      extracted_at: p.received_at,
    },
  ];
}

export function socialCareLines(p: PersonRows, dice: FaultDice): FeedLine[] {
  const lines: FeedLine[] = (p.records.get(S.socialCare) ?? []).map(clientLine);
  for (const a of rowsOf(p, "social_care_assessment")) {
    const bad = dice.damage("social_care_assessment", S.socialCare, String(a.source_record_id));
    lines.push([
      "scAssessments",
      {
        assessment_id: a.source_record_id,
        client_id: a.client_id,
        assessed_on: a.assessed_on,
        assessment_type: bad ? "unknown-type" : a.assessment_type,
        outcome: a.outcome,
        extracted_at: a.received_at,
      },
    ]);
  }
  const visits = visitNumbers(p);
  for (const v of rowsOf(p, "social_care_service")) lines.push(serviceLine(v, visits));
  const placements = rowsOf(p, "care_home_placement");
  const placementIds = new Map(
    placements.map((pl) => [String(pl.placement_id), String(pl.source_record_id)]),
  );
  for (const pl of placements) lines.push(placementLine(pl, placementIds));
  return lines;
}

import { SOURCE_SYSTEM as S } from "../source-systems.ts";
import type { FaultDice } from "./faults.ts";
import type { FeedLine } from "./feed-files.ts";
import { extractRow, type PersonRows, type Row, rowsOf, visitNumbers } from "./person-rows.ts";

// The council's social care system: client, assessment, service and placement extracts as CSV (from Windows:
// a byte order mark and CRLF). Its care plans go with the others (care-plans.ts). A damaged assessment has a
// type the layout does not know.

function serviceLine(v: Row, visits: Map<string, string>): FeedLine {
  const visit = v.after_spell_id ? visits.get(String(v.after_spell_id)) : null;
  return [
    "scServices",
    extractRow(v, {
      service_id: v.source_record_id,
      after_spell_source: visit ? S.acute : null,
      after_spell_visit: visit,
    }),
  ];
}

function placementLine(p: Row, placementIds: Map<string, string>): FeedLine {
  const follows = p.follows_placement_id ? placementIds.get(String(p.follows_placement_id)) : null;
  return ["scPlacements", extractRow(p, { placement_id: p.source_record_id, follows_placement_id: follows })];
}

export function socialCareLines(p: PersonRows, dice: FaultDice): FeedLine[] {
  const lines: FeedLine[] = (p.records.get(S.socialCare) ?? []).map((r) => [
    "scClients",
    extractRow(r, { client_id: r.source_record_id }),
  ]);
  for (const a of rowsOf(p, "social_care_assessment")) {
    const bad = dice.damage("social_care_assessment", S.socialCare, String(a.source_record_id));
    const own = { assessment_id: a.source_record_id };
    lines.push(["scAssessments", extractRow(a, bad ? { ...own, assessment_type: "unknown-type" } : own)]);
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

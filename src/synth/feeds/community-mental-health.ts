import { FHIR_SYSTEMS } from "../../ingest/index.ts";
import { SOURCE_SYSTEM as S } from "../source-systems.ts";
import type { FaultDice } from "./faults.ts";
import type { FeedLine } from "./feed-files.ts";
import { ACT_CODE, fhirPatient, odsIdentifier, patientRef, resourceOf } from "./fhir.ts";
import { type PersonRows, type Row, rowsOf } from "./person-rows.ts";

// The community and mental health trusts' systems: their patients and contacts as FHIR Patient and Encounter
// (their care plans go with the others, care-plans.ts). A damaged contact was cut off mid-write.

const CONTACT_CLASS: Record<string, string> = {
  "face-to-face": "AMB",
  "home-visit": "HH",
  telephone: "VR",
  video: "VR",
};

function contactEncounter(c: Row, community: boolean, p: PersonRows) {
  return {
    ...resourceOf("Encounter", c),
    status: "finished",
    class: { system: ACT_CODE, code: CONTACT_CLASS[String(c.contact_mode)] ?? "AMB" },
    type: [
      {
        coding: [
          {
            system: FHIR_SYSTEMS.encounterKind,
            code: community ? "community-contact" : "mental-health-contact",
          },
        ],
      },
      ...(c.contact_mode ? [{ coding: [{ system: FHIR_SYSTEMS.contactMode, code: c.contact_mode }] }] : []),
    ],
    serviceType: { coding: [{ system: FHIR_SYSTEMS.careService, code: c.service }] },
    subject: patientRef(community ? S.community : S.mentalHealth, p),
    period: { start: c.contact_on },
    serviceProvider: { identifier: odsIdentifier(c.provider_code) },
  };
}

export function communityMentalHealthLines(p: PersonRows, dice: FaultDice): FeedLine[] {
  const ethnic = p.person.ethnic_category;
  const lines: FeedLine[] = [
    ...(p.records.get(S.community) ?? []).map((r): FeedLine => ["cmPatients", fhirPatient(r, ethnic)]),
    ...(p.records.get(S.mentalHealth) ?? []).map((r): FeedLine => ["mhPatients", fhirPatient(r, ethnic)]),
  ];
  // One walk over the contacts of both settings: the faults are drawn in the order they were generated.
  for (const c of rowsOf(p, "care_contact")) {
    const community = c.setting === "community";
    const file = community ? "cmEncounters" : "mhEncounters";
    const resource = contactEncounter(c, community, p);
    if (dice.damage("care_contact", community ? S.community : S.mentalHealth, String(c.source_record_id))) {
      const whole = JSON.stringify(resource);
      lines.push([file, whole.slice(0, Math.floor(whole.length / 2))]);
    } else lines.push([file, resource]);
  }
  return lines;
}

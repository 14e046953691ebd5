// Audit rows as FHIR R4 AuditEvent resources, for export to a place's or the nation's audit store.
import type { AuditRecord } from "./audit-log.ts";

const DCM = "http://dicom.nema.org/resources/ontology/DCM";
const ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
const ONEPLACE = "https://oneplace.example/fhir/CodeSystem";

const PERSON_ACTIONS: Record<string, { code: "C" | "R" | "U" | "D" | "E"; type: [string, string] }> = {
  view: { code: "R", type: ["110110", "Patient Record"] },
  search: { code: "E", type: ["110112", "Query"] },
  list: { code: "R", type: ["110110", "Patient Record"] },
  export: { code: "R", type: ["110106", "Export"] },
  change: { code: "U", type: ["110110", "Patient Record"] },
  aggregate: { code: "E", type: ["110112", "Query"] },
  login: { code: "E", type: ["110114", "User Authentication"] },
};

function purposeOfEvent(r: AuditRecord): { system: string; code: string; display: string }[] {
  const local = r.purpose
    ? [{ system: `${ONEPLACE}/purpose-of-use`, code: r.purpose, display: r.purpose }]
    : [];
  if (r.relationship === "break-glass")
    return [{ system: ACT_REASON, code: "ETREAT", display: "Emergency Treatment" }, ...local];
  const v3: Record<string, [string, string]> = {
    "direct-care": ["TREAT", "treatment"],
    commissioning: ["HOPERAT", "healthcare operations"],
    administration: ["HSYSADMIN", "health system administration"],
  };
  const mapped = r.purpose ? v3[r.purpose] : undefined;
  return mapped ? [{ system: ACT_REASON, code: mapped[0], display: mapped[1] }, ...local] : local;
}

export function toFhirAuditEvent(r: AuditRecord): Record<string, unknown> {
  const known = PERSON_ACTIONS[r.action] ?? { code: "E", type: ["110100", "Application Activity"] };
  const entity = (ids: string[], role: string) =>
    ids.map((id) => ({
      what: { reference: `Patient/${id}` },
      type: {
        system: "http://terminology.hl7.org/CodeSystem/audit-entity-type",
        code: "1",
        display: "Person",
      },
      role: { system: "http://terminology.hl7.org/CodeSystem/object-role", code: "1", display: "Patient" },
      ...(role === "withheld" ? { description: "withheld: not disclosed" } : {}),
    }));
  return {
    resourceType: "AuditEvent",
    id: r.eventId,
    meta: {
      tag: r.flagged
        ? [{ system: `${ONEPLACE}/audit-flag`, code: "break-glass", display: "Flagged for IG review" }]
        : [],
    },
    extension: [
      { url: `${ONEPLACE}/StructureDefinition/audit-chain-sequence`, valueInteger: r.seq },
      { url: `${ONEPLACE}/StructureDefinition/audit-chain-hash`, valueString: r.hash },
      ...(r.disclosure
        ? [{ url: `${ONEPLACE}/StructureDefinition/disclosure`, valueCode: r.disclosure }]
        : []),
      ...(r.relationship
        ? [{ url: `${ONEPLACE}/StructureDefinition/relationship`, valueCode: r.relationship }]
        : []),
    ],
    type: { system: DCM, code: known.type[0], display: known.type[1] },
    subtype: [{ system: `${ONEPLACE}/audit-action`, code: r.action, display: r.action }],
    action: known.code,
    recorded: r.occurredAt,
    outcome: r.allowed ? "0" : "4",
    outcomeDesc: r.reason,
    purposeOfEvent: [{ coding: purposeOfEvent(r) }],
    agent: [
      {
        who: {
          identifier: { system: `${ONEPLACE}/username`, value: r.actor },
          ...(r.actorUserId ? { reference: `Practitioner/${r.actorUserId}` } : {}),
        },
        requestor: true,
        ...(r.roleCode
          ? {
              role: [
                {
                  coding: [{ system: `${ONEPLACE}/role`, code: r.roleCode }],
                  text: r.teamCode ? `${r.roleCode} in ${r.teamCode}` : r.roleCode,
                },
              ],
            }
          : {}),
        ...(r.clientAddress ? { network: { address: r.clientAddress, type: "2" } } : {}),
      },
    ],
    source: {
      site: r.channel,
      observer: { display: "OnePlace" },
      type: [
        {
          system: "http://terminology.hl7.org/CodeSystem/security-source-type",
          code: "4",
          display: "Application Server",
        },
      ],
    },
    entity: [...entity(r.personIds, "disclosed"), ...entity(r.withheldIds, "withheld")],
  };
}

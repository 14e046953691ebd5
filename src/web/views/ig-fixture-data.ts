// Synthetic example data shared by the IG and sharing pages' fixtures (no real person).
import type { AuditLine, BreakGlassEntry, SharingView } from "../../governance/index.ts";

export const EXAMPLE_PERSON_ID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";

export function exampleBreakGlass(overrides: Partial<BreakGlassEntry> = {}): BreakGlassEntry {
  return {
    breakGlassId: "0b6c7d8e-9f01-4a2b-8c3d-4e5f60718293",
    personId: EXAMPLE_PERSON_ID,
    mergedInto: null,
    nhsNumber: "9990001234",
    personName: { given: "Ada", family: "Example" },
    username: "sam.social",
    userDisplayName: "Sam Social",
    roleCode: "social-worker",
    roleName: "Social worker",
    teamCode: "adult-social-care",
    teamName: "Adult social care",
    reason: "Safeguarding concern raised by a neighbour out of hours; no allocated worker yet",
    startedAt: "2026-12-04T09:15:00Z",
    expiresAt: "2026-12-04T10:15:00Z",
    reviewedAt: null,
    reviewedBy: null,
    reviewOutcome: null,
    reviewNote: null,
    alert: null,
    ...overrides,
  };
}

export function exampleAudit(seq: number, overrides: Partial<AuditLine> = {}): AuditLine {
  const line: AuditLine = {
    seq,
    eventId: `00000000-0000-4000-8000-${String(seq).padStart(12, "0")}`,
    occurredAt: "2026-12-04T09:16:00Z",
    actorUserId: null,
    actor: "sam.social",
    roleCode: "social-worker",
    teamCode: "adult-social-care",
    purpose: "direct-care",
    action: "view",
    personIds: [EXAMPLE_PERSON_ID],
    withheldIds: [],
    personCount: 1,
    allowed: true,
    reason: "break-glass",
    relationship: "break-glass",
    disclosure: "identifiable",
    breakGlassId: null,
    flagged: true,
    channel: "web",
    clientAddress: null,
    detail: "GET /people/:personId",
    prevHash: "0".repeat(64),
    hash: "1".repeat(64),
    disclosedCount: 0,
    withheldCount: 0,
    withheldTarget: false,
    ...overrides,
  };
  return {
    ...line,
    disclosedCount: overrides.disclosedCount ?? line.personIds.length,
    withheldCount: overrides.withheldCount ?? line.withheldIds.length,
  };
}

export function exampleSharing(overrides: Partial<SharingView> = {}): SharingView {
  return {
    person: {
      personId: EXAMPLE_PERSON_ID,
      nhsNumber: "9990001234",
      name: { given: "Ada", family: "Example" },
      birthDate: "1938-02-14",
      sex: "female",
      postcode: "RM17 6ZZ",
      practiceCode: "Z90001",
    },
    relationship: "registered",
    objections: [],
    optOuts: [],
    organisation: { code: "Z90001", name: "Riverside (synthetic)" },
    changeRefusal: null,
    ...overrides,
  };
}

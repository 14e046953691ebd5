// Subject access (UK GDPR Article 15): everything OnePlace holds about one person, and the audit of who saw
// them, for the information governance officer answering a subject access request. Only a role with
// may_read_audit, acting for administration, may ask; the request's reference is required; the export is one
// audit row (action "export", naming the people, with the reference), committed before anything is read. A
// refusal is audited too. The IG officer reads no record in the ordinary way (the access matrix), so this is a
// decision of its own, not a relationship: it is for answering the person, not for caring for them.
import { invalid, notFound } from "../core/errors.ts";
import { normaliseNhsNumber } from "../core/nhs-number.ts";
import { type MergedPerson, mergedPeople, peopleMergedInto } from "../mpi/index.ts";
import { auditBase } from "./access.ts";
import { appendAuditEvent } from "./audit-log.ts";
import {
  type AuditLine,
  auditPageForPeople,
  type ObjectionRow,
  type OptOutRow,
  peopleByNhsNumber,
  sharingRecords,
} from "./ig.ts";
import {
  type PersonDemographics,
  type PersonRecord,
  readDemographics,
  readPersonRecords,
  readRiskScore,
} from "./person-reads.ts";
import type { ReaderBase } from "./reader-base.ts";
import { readTimeline, type TimelineEvent } from "./timeline.ts";

/** A subject access request's reference (the organisation's case number): what the audit row carries. */
export const SAR_REFERENCE = /^[A-Za-z0-9][A-Za-z0-9 ./_-]{2,63}$/;
const AUDIT_BATCH = 1_000;

export interface SubjectAccessPerson {
  demographics: PersonDemographics;
  /** Each source system's record of the person, with its provenance. */
  sourceRecords: PersonRecord[];
  /** Every event across organisations, in date order. */
  events: TimelineEvent[];
  riskScore: { probability: number | null; riskTier: string | null; riskPercentile: number | null } | null;
  objections: ObjectionRow[];
  optOuts: OptOutRow[];
  /**
   * The people the master person index merged into this one (merges not undone), as they were recorded: their
   * records moved to this person with the merge, and what was audited under their ids is in `audit`.
   */
  merged: MergedIdentity[];
}

/** A person merged into the one exported: their own id and the record OnePlace held of them at the merge. */
export interface MergedIdentity {
  personId: string;
  mergedAt: string;
  nhsNumber: string | null;
  name: { given: string | null; family: string | null };
  birthDate: string | null;
  sex: string | null;
  postcode: string | null;
}

function mergedIdentity(m: MergedPerson): MergedIdentity {
  const text = (key: string) => (typeof m.person[key] === "string" ? (m.person[key] as string) : null);
  return {
    personId: m.personId,
    mergedAt: m.mergedAt,
    nhsNumber: text("nhs_number"),
    name: { given: text("given_name"), family: text("family_name") },
    birthDate: text("birth_date"),
    sex: text("sex"),
    postcode: text("postcode"),
  };
}

export interface SubjectAccessExport {
  reference: string;
  nhsNumber: string;
  /** When the export was made, and by whom (the audit row of the export itself is the last in `audit`). */
  exportedAt: string;
  exportedBy: { username: string; roleCode: string; teamCode: string };
  /** More than one only while the master person index holds the number on two records. */
  people: SubjectAccessPerson[];
  /**
   * Every audit row naming the person or anyone merged into them (shown or withheld), oldest first: who saw
   * them, when, why.
   */
  audit: AuditLine[];
}

export interface SubjectAccessReads {
  /** One person's data and who saw it, by NHS Number, for a subject access request (audited as an export). */
  subjectAccessExport(nhsNumber: string, reference: string): Promise<SubjectAccessExport>;
}

async function wholeAudit(base: ReaderBase, personIds: string[]): Promise<AuditLine[]> {
  const rows: AuditLine[] = [];
  for (let offset = 0; ; offset += AUDIT_BATCH) {
    const page = await auditPageForPeople(base.db, personIds, { limit: AUDIT_BATCH, offset });
    rows.push(...page.rows);
    if (offset + AUDIT_BATCH >= page.total) break;
  }
  return rows.sort((a, b) => a.seq - b.seq);
}

export function subjectAccessReads(base: ReaderBase): SubjectAccessReads {
  const { db, identity, ctx, refuse } = base;
  return {
    async subjectAccessExport(nhsNumberText, referenceText) {
      const { role, team } = identity.roleAssignment;
      if (identity.user.status !== "active")
        return refuse("export", `the account is ${identity.user.status}`);
      if (!role.mayReadAudit || identity.purpose !== "administration") {
        return refuse(
          "export",
          `the ${role.name} role does not answer subject access requests: the information governance officer does`,
        );
      }
      const reference = referenceText.trim();
      if (!SAR_REFERENCE.test(reference)) {
        throw invalid("governance.sar-reference", "A subject access export needs the request's reference.", {
          hint: "Give the case reference of the request (3 to 64 letters, digits, spaces, '.', '/', '_' or '-').",
        });
      }
      const nhsNumber = normaliseNhsNumber(nhsNumberText);
      if (!nhsNumber) {
        throw invalid("governance.sar-nhs-number", "That is not a valid NHS Number.", {
          hint: "Give the person's ten-digit NHS Number (spaces allowed); check it against the request.",
        });
      }
      const personIds = await peopleByNhsNumber(db, nhsNumber);
      // Each holder's merged-away people: their records moved with the merge, their audit stays under their ids.
      const mergedInto = new Map<string, string[]>();
      for (const personId of personIds) mergedInto.set(personId, await peopleMergedInto(db, [personId]));
      const everyone = [...new Set([...personIds, ...[...mergedInto.values()].flat()])];
      const at = new Date();
      await appendAuditEvent(
        db,
        {
          ...auditBase(ctx, "export"),
          personIds: everyone,
          personCount: everyone.length,
          allowed: personIds.length > 0,
          reason:
            personIds.length > 0
              ? `subject access request ${reference}`
              : `subject access request ${reference}: nobody holds the NHS Number`,
          disclosure: personIds.length > 0 ? "identifiable" : null,
          detail: `subject access export; ${ctx.origin.detail ?? ctx.origin.channel}`,
        },
        at,
      );
      if (personIds.length === 0) {
        throw notFound("governance.sar-no-person", "Nobody in OnePlace holds that NHS Number.", {
          hint: "Answer the request saying OnePlace holds no data about the person, or check the number.",
        });
      }
      const people: SubjectAccessPerson[] = [];
      for (const personId of personIds) {
        const demographics = await readDemographics(db, personId);
        if (!demographics) continue;
        const sharing = await sharingRecords(db, personId);
        people.push({
          demographics,
          sourceRecords: await readPersonRecords(db, [personId]),
          events: await readTimeline(db, personId),
          riskScore: await readRiskScore(db, personId),
          objections: sharing.objections,
          optOuts: sharing.optOuts,
          merged: (await mergedPeople(db, mergedInto.get(personId) ?? [])).map(mergedIdentity),
        });
      }
      return {
        reference,
        nhsNumber,
        exportedAt: at.toISOString(),
        exportedBy: { username: identity.user.username, roleCode: role.roleCode, teamCode: team.teamCode },
        people,
        audit: await wholeAudit(base, everyone),
      };
    },
  };
}

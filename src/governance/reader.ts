// The governed reader: the only way a face (web routes, CLI commands, the coming FHIR API) reaches personal
// data. It is made per request or command for one identity, and every method decides, audits and reads in
// one call, in the spirit of Medplum's per-request repository: a face that holds a reader cannot read a
// person without the decision and its audit row. Refusals throw AccessDenied (a forbidden OnePlaceError).
import { invalid, notFound } from "../core/errors.ts";
import { metricPeople as drillDown, type PeopleRequest } from "../outcomes/index.ts";
import { type Contribution, type EfiResult, efiOn, explainScore, modelById } from "../risk/index.ts";
import type { Db } from "../store/index.ts";
import { AccessDenied, decideAccess, MAX_PEOPLE_PER_FILTER } from "./access.ts";
import { appendAuditEvent } from "./audit-log.ts";
import { breakGlassPreconditions } from "./break-glass-limits.ts";
import {
  type PersonDemographics,
  type PersonRecord,
  readDemographics,
  readPersonRecords,
  readRiskScore,
  registerCandidates,
} from "./person-reads.ts";
import type { PseudonymKeys } from "./pseudonym-keys.ts";
import {
  type CohortMode,
  type CohortQuery,
  type PseudonymisedPerson,
  queryPseudonymisedPeople,
} from "./pseudonymised-queries.ts";
import { type AdminReads, adminReads } from "./reader-admin.ts";
import { type BackofficeReads, backofficeReads } from "./reader-backoffice.ts";
import { type PeopleList, type ReaderBase, type ReaderIdentity, readerBase } from "./reader-base.ts";
import { type CareReads, careReads } from "./reader-care.ts";
import { type FindReads, findReads } from "./reader-find.ts";
import { type HomeReads, homeReads } from "./reader-home.ts";
import { type IgReads, igReads } from "./reader-ig.ts";
import { type MdtReads, mdtReads } from "./reader-mdt.ts";
import { type NotificationsReads, notificationsReads } from "./reader-notifications.ts";
import { type PersonReads, personReads } from "./reader-person.ts";
import { type RegistersReads, registersReads } from "./reader-registers.ts";
import { type SubjectAccessReads, subjectAccessReads } from "./reader-subject-access.ts";
import type { Operator } from "./security-events.ts";
import { readTimeline, type TimelineEvent } from "./timeline.ts";
import type { AccessDecision, Action, Disclosure, Relationship } from "./types.ts";

export type { PeopleList, ReaderBase, ReaderIdentity } from "./reader-base.ts";
export { readerBase } from "./reader-base.ts";

/** A person's demographics with the decision that disclosed them. */
export interface PersonView extends PersonDemographics {
  disclosure: Disclosure | null;
  relationship: Relationship | null;
}

export interface Timeline {
  personId: string;
  relationship: Relationship | null;
  events: TimelineEvent[];
}

export interface GovernedReader
  extends HomeReads,
    AdminReads,
    FindReads,
    PersonReads,
    RegistersReads,
    NotificationsReads,
    CareReads,
    MdtReads,
    BackofficeReads,
    IgReads,
    SubjectAccessReads {
  readonly identity: ReaderIdentity;
  /** Demographics and current practice ("view"). */
  person(personId: string): Promise<PersonView>;
  /** Emergency access to one person's record: the decision, flagged to the IG officer when granted. */
  breakGlass(personId: string, reason: string): Promise<AccessDecision>;
  /** Only the people this identity may see for the action, in name order; the rest are counted. */
  people(personIds: readonly string[], action: Action): Promise<PeopleList>;
  /** A practice's register now, for a team of that practice ("list"); the team's own practice by default. */
  register(practiceCode?: string): Promise<PeopleList>;
  /** The person's events across organisations in date order; needs the identifiable record ("view"). */
  timeline(personId: string): Promise<Timeline>;
  /** Each source system's record of the person, as the master person index holds them ("view"). */
  personRecords(personId: string): Promise<PersonRecord[]>;
  /** The people behind a metric value, filtered person by person ("list" unless told). */
  metricPeople(request: PeopleRequest, action?: Action): Promise<PeopleList>;
  /** Pseudonymised person-level rows for commissioning ("search", "list" or "export"). */
  pseudonymisedCohort(
    query: CohortQuery,
    keys: PseudonymKeys,
    mode?: CohortMode,
  ): Promise<PseudonymisedPerson[]>;
}

/** The reads every face started with: a person, lists of people, a timeline, their source records. */
function coreReads(base: ReaderBase) {
  const { db, identity, ctx, allowed, filtered, refuse } = base;
  return {
    async person(personId: string): Promise<PersonView> {
      const decision = await allowed(personId);
      const person = await readDemographics(db, personId.toLowerCase());
      if (!person) throw notFound("governance.no-such-person", "There is no such person.");
      return { ...person, disclosure: decision.disclosure, relationship: decision.relationship };
    },
    async breakGlass(personId: string, reason: string): Promise<AccessDecision> {
      await breakGlassPreconditions(ctx, personId);
      const decision = await decideAccess({
        ...ctx,
        person: personId,
        action: "view",
        breakGlass: { reason },
      });
      if (!decision.allow) throw new AccessDenied(decision);
      return decision;
    },
    people: filtered,
    async register(practiceCode?: string): Promise<PeopleList> {
      const { team } = identity.roleAssignment;
      if (team.kind !== "practice" || !team.orgCode) {
        throw invalid("governance.register-needs-practice-team", "A register belongs to a practice team.", {
          hint: "Act in a role in a practice team to see its register.",
        });
      }
      const code = practiceCode ?? team.orgCode;
      if (code !== team.orgCode) return refuse("list", "a team sees its own practice's register only");
      return filtered(await registerCandidates(db, code, MAX_PEOPLE_PER_FILTER), "list");
    },
    async timeline(personId: string): Promise<Timeline> {
      const decision = await allowed(personId, "identifiable");
      const events = await readTimeline(db, personId.toLowerCase());
      return { personId: personId.toLowerCase(), relationship: decision.relationship, events };
    },
    async personRecords(personId: string): Promise<PersonRecord[]> {
      await allowed(personId);
      return readPersonRecords(db, [personId.toLowerCase()]);
    },
    async metricPeople(request: PeopleRequest, action: Action = "list"): Promise<PeopleList> {
      return filtered(await drillDown(db, request), action);
    },
    pseudonymisedCohort(
      query: CohortQuery,
      keys: PseudonymKeys,
      mode: CohortMode = "search",
    ): Promise<PseudonymisedPerson[]> {
      return queryPseudonymisedPeople(ctx, query, keys, mode);
    },
  };
}

export function createReader(db: Db, identity: ReaderIdentity): GovernedReader {
  const base = readerBase(db, identity);
  return {
    identity,
    ...coreReads(base),
    ...homeReads(base),
    ...adminReads(base),
    ...findReads(base),
    ...personReads(base),
    ...registersReads(base),
    ...notificationsReads(base),
    ...careReads(base),
    ...mdtReads(base),
    ...backofficeReads(base),
    ...igReads(base),
    ...subjectAccessReads(base),
  };
}

/** One person's eFI with its evidence, their current score and the factors raising it. */
export interface RiskExplanation {
  efi: EfiResult;
  score: { probability: number | null; riskTier: string | null; riskPercentile: number | null } | null;
  factors: Contribution[] | null;
}

/**
 * What an operator at the command line (no role, the database's own user) may read: identity review and a
 * person's risk explanation. Each read writes its audit row before anything is read.
 */
export interface OperatorReader {
  /** Every source system's record of each person, for deciding a match; one audit row for the lot. */
  personRecords(personIds: readonly string[]): Promise<Map<string, PersonRecord[]>>;
  /** One person's eFI, score and top factors on a date, under the model given (none: eFI only). */
  riskExplanation(personId: string, asOf: string, modelId: string | null): Promise<RiskExplanation>;
}

export function createOperatorReader(db: Db, operator: Operator): OperatorReader {
  const audit = (personIds: string[], reason: string, detail: string) =>
    appendAuditEvent(db, {
      actorUserId: operator.userId,
      actor: operator.name,
      roleCode: null,
      teamCode: null,
      purpose: "administration",
      action: "view",
      personIds,
      allowed: true,
      reason,
      channel: operator.channel,
      clientAddress: operator.clientAddress ?? null,
      detail,
    });
  return {
    async riskExplanation(personId, asOf, modelId) {
      const id = personId.toLowerCase();
      await audit([id], "risk explanation shown at the command line", "risk stratification");
      const efi = await efiOn(db, id, asOf).catch(() => null);
      if (!efi) throw notFound("risk.no-person", `No person with id ${personId} was known on ${asOf}.`);
      const model = modelId ? await modelById(db, modelId) : null;
      const factors = model ? await explainScore(db, model, id) : null;
      return { efi, score: await readRiskScore(db, id), factors };
    },
    async personRecords(personIds) {
      const ids = [...new Set(personIds.map((id) => id.toLowerCase()))];
      await audit(ids, "identity review: demographics shown at the command line", "master person index");
      const byPerson = new Map<string, PersonRecord[]>();
      for (const record of await readPersonRecords(db, ids)) {
        const list = byPerson.get(record.personId) ?? [];
        list.push(record);
        byPerson.set(record.personId, list);
      }
      return byPerson;
    },
  };
}

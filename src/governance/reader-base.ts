// The base every group of governed reader methods builds on (ReaderBase) and its one implementation
// (readerBase). It lives apart from reader.ts so that each reader-<area>.ts can import it without an import
// cycle: reader.ts imports every group, and every group imports only this file.
import type { Db } from "../store/index.ts";
import {
  AccessDenied,
  auditBase,
  countAndFilterPeople,
  decideAccess,
  denied,
  filterPeopleForAccess,
  type Naming,
} from "./access.ts";
import { appendAuditEvent } from "./audit-log.ts";
import { type PersonSummary, readSummaries } from "./person-reads.ts";
import type { AccessContext, AccessDecision, Action, Disclosure } from "./types.ts";

/** Who is reading, as what, for what and from where: everything of an AccessContext but the database. */
export type ReaderIdentity = Omit<AccessContext, "db">;

/** A set of people after the access filter: those disclosed, and only a count of those withheld. */
export interface PeopleList {
  people: (PersonSummary & { disclosure: Disclosure | null })[];
  withheld: number;
}

/** The people allowed among those asked for, each with what was disclosed; the rest only counted. */
export interface DecidedPeople {
  allowed: string[];
  disclosures: Map<string, Disclosure | null>;
  withheld: number;
}

/**
 * What every group of reader methods builds on: the access context, one audited decision for one person,
 * the person-by-person filter for lists, and an audited refusal decided outside the policy. A group of
 * methods lives in its own file (`reader-<area>.ts`) as `<area>Reads(base)` and is spread into the reader
 * by createReader, so no face can reach what a group reads without this base's decision and audit.
 */
export interface ReaderBase {
  readonly db: Db;
  readonly identity: ReaderIdentity;
  readonly ctx: AccessContext;
  /** One decision for one person, audited; throws AccessDenied unless allowed. */
  allowed(personId: string, requires?: "identifiable", action?: Action): Promise<AccessDecision>;
  /** Only the people this identity may see for the action, in name order; the rest are counted. */
  filtered(personIds: readonly string[], action: Action, context?: string): Promise<PeopleList>;
  /**
   * The same decisions and audit row as `filtered`, without reading the people's names: the ids allowed (in
   * the order given) with each one's disclosure, for a read that fetches its own columns for them.
   */
  decided(personIds: readonly string[], action: Action, context?: string): Promise<DecidedPeople>;
  /**
   * Many people decided at once for a page that counts them and names a few (`name` picks those from the
   * decisions): one audit row for the people named, whose names are read; the rest only counted (`judged`).
   */
  counted(
    personIds: readonly string[],
    action: Action,
    name: (decisions: ReadonlyMap<string, AccessDecision>) => Naming,
  ): Promise<PeopleList & { judged: ReadonlyMap<string, AccessDecision> }>;
  /** A refusal decided by the reader rather than the policy: one audit row, then AccessDenied. */
  refuse(action: Action, reason: string): Promise<never>;
}

export function readerBase(db: Db, identity: ReaderIdentity): ReaderBase {
  const ctx: AccessContext = { ...identity, db };
  const refuse = async (action: Action, reason: string): Promise<never> => {
    await auditRefusal(ctx, action, reason);
    throw new AccessDenied(denied(reason));
  };
  const refusePseudonymised = (action: Action) => {
    const { role } = identity.roleAssignment;
    // Their decisions allow pseudonymised rows, which a list of names is not.
    if (role.accessBasis === "pseudonymised") {
      return refuse(action, `the ${role.name} role reads people only as a pseudonymised cohort`);
    }
  };
  const summariesOf = async (ids: string[], disclosures: Map<string, Disclosure | null>) =>
    (await readSummaries(db, ids)).map((p) => ({ ...p, disclosure: disclosures.get(p.personId) ?? null }));
  const decided = async (
    personIds: readonly string[],
    action: Action,
    context?: string,
  ): Promise<DecidedPeople> => {
    await refusePseudonymised(action);
    const { allowed, withheld, decisions } = await filterPeopleForAccess(ctx, personIds, action, context);
    const disclosures = new Map(allowed.map((id) => [id, decisions.get(id)?.disclosure ?? null]));
    return { allowed, disclosures, withheld: withheld.length };
  };
  return {
    db,
    identity,
    ctx,
    async allowed(personId, requires, action = "view") {
      const decision = await decideAccess({ ...ctx, person: personId, action, requires });
      if (!decision.allow) throw new AccessDenied(decision);
      return decision;
    },
    filtered: async (personIds, action, context) => {
      const { allowed: ids, disclosures, withheld } = await decided(personIds, action, context);
      return { people: await summariesOf(ids, disclosures), withheld };
    },
    decided,
    counted: async (personIds, action, name) => {
      await refusePseudonymised(action);
      const { allowed, withheld, decisions, judged } = await countAndFilterPeople(
        ctx,
        personIds,
        action,
        name,
      );
      const disclosures = new Map(allowed.map((id) => [id, decisions.get(id)?.disclosure ?? null]));
      return { people: await summariesOf(allowed, disclosures), withheld: withheld.length, judged };
    },
    refuse,
  };
}

/** A refusal decided here rather than by the policy: still one audit row, like every other attempt. */
async function auditRefusal(ctx: AccessContext, action: Action, reason: string): Promise<void> {
  await appendAuditEvent(ctx.db, { ...auditBase(ctx, action), personCount: 0, allowed: false, reason });
}

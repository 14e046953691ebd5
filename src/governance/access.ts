// The one choke point for personal data. Every face (web pages, the FHIR API, exports, reports) asks here
// before it reads a person's data, and every answer, allow or deny, is in the audit trail before the face
// gets it. See docs/governance.md.
import { invalid, OnePlaceError } from "../core/errors.ts";
import { isUuid } from "../core/ids.ts";
import { isCitus } from "../store/index.ts";
import { appendAuditEvent } from "./audit-log.ts";
import { breakGlassReasonProblem, insertBreakGlass } from "./break-glass.ts";
import { BREAK_GLASS_ACTIONS, denied, evaluateAccess } from "./policy.ts";
import {
  type FactsScope,
  factsForPeople,
  factsForPerson,
  SIGNATURE,
  signatureSql,
} from "./relationship-facts.ts";
import type { AccessContext, AccessDecision, Action, PersonFacts } from "./types.ts";

export { denied };

export interface AccessRequest extends AccessContext {
  person: string;
  action: Action;
  /** Ask for emergency access when there is no legitimate relationship: a typed reason is required. */
  breakGlass?: { reason: string };
  /** The read needs the identifiable record (a timeline, not just demographics): anything less is a deny. */
  requires?: "identifiable";
}

/** Thrown when the decision is deny; every face maps the forbidden kind (403, exit 1). */
export class AccessDenied extends OnePlaceError {
  override readonly name: string = "AccessDenied";
  readonly decision: AccessDecision;
  constructor(decision: AccessDecision) {
    // The reason is the message: the kind already says "forbidden", and faces show the reason as is.
    super("forbidden", "governance.access-denied", decision.reason);
    this.decision = decision;
  }
}

const UUID_LOWER = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Upper bound for one filter call: a register of a large practice is well under this. */
export const MAX_PEOPLE_PER_FILTER = 100_000;

function clock(ctx: AccessContext): Date {
  return ctx.now ? ctx.now() : new Date();
}

function scopeOf(ctx: AccessContext, at: Date): FactsScope {
  return { user: ctx.user, roleAssignment: ctx.roleAssignment, at };
}

/** The audit fields that say who acted, as what, for what and from where: every access row starts with them. */
export function auditBase(ctx: AccessContext, action: string) {
  return {
    actorUserId: ctx.user.userId,
    actor: ctx.user.username,
    roleCode: ctx.roleAssignment.role.roleCode,
    teamCode: ctx.roleAssignment.team.teamCode,
    purpose: ctx.purpose,
    action,
    channel: ctx.origin.channel,
    clientAddress: ctx.origin.clientAddress ?? null,
    detail: ctx.origin.detail ?? null,
  };
}

function judge(ctx: AccessContext, action: Action, facts: PersonFacts): AccessDecision {
  return evaluateAccess({
    roleAssignment: ctx.roleAssignment,
    userActive: ctx.user.status === "active",
    purpose: ctx.purpose,
    action,
    facts,
  });
}

async function breakGlass(
  request: AccessRequest,
  facts: PersonFacts,
  at: Date,
  reason: string,
): Promise<AccessDecision> {
  const { role } = request.roleAssignment;
  const problem = breakGlassReasonProblem(reason);
  if (problem) return denied(problem);
  if (role.accessBasis !== "relationship" || !role.mayBreakGlass || request.user.status !== "active") {
    return denied(`the ${role.name} role may not break glass`);
  }
  if (!request.roleAssignment.role.purposes.includes(request.purpose) || request.purpose !== "direct-care") {
    return denied("break-glass is for direct care only");
  }
  if (!BREAK_GLASS_ACTIONS.includes(request.action)) {
    return denied("break-glass covers one person's record, not lists or exports");
  }
  if (!facts.known) return denied("no such person", "no-such-person");
  const grant = await insertBreakGlass(request.db, {
    user: request.user,
    roleAssignment: request.roleAssignment,
    personId: facts.personId,
    reason,
    at,
  });
  return judge(request, request.action, { ...facts, breakGlassId: grant.breakGlassId });
}

/**
 * Decides whether this user, in this role, for this purpose, may take this action on this person, and
 * records the attempt in the audit trail before returning. With breakGlass, a clinician without a
 * relationship gets time-limited access, flagged to the IG officer.
 */
export async function decideAccess(request: AccessRequest): Promise<AccessDecision> {
  return decideAndAudit(request, clock(request), null);
}

/** decideAccess, from facts already read at `at` (a PersonGate's statement) or, when null, read here. */
async function decideAndAudit(
  request: AccessRequest,
  at: Date,
  known: PersonFacts | null,
): Promise<AccessDecision> {
  let decision: AccessDecision;
  let personIds: string[] = [];
  if (!isUuid(request.person)) {
    decision = denied("not a person id");
  } else {
    personIds = [request.person.toLowerCase()];
    const facts = known ?? (await factsForPerson(request.db, scopeOf(request, at), personIds[0]));
    decision = judge(request, request.action, facts);
    if (!decision.allow && request.breakGlass) {
      decision = await breakGlass(request, facts, at, request.breakGlass.reason);
    }
    if (decision.allow && request.requires && decision.disclosure !== request.requires) {
      decision = denied(`the ${request.roleAssignment.role.name} role sees ${decision.disclosure} only`);
    }
  }
  await appendAuditEvent(
    request.db,
    {
      ...auditBase(request, request.action),
      personIds,
      personCount: decision.allow ? 1 : 0,
      allowed: decision.allow,
      reason: decision.reason,
      relationship: decision.relationship,
      disclosure: decision.disclosure,
      breakGlassId: decision.breakGlassId,
      flagged: decision.flagged,
    },
    at,
  );
  if (decision.flagged) {
    request.log?.warn(
      { userId: request.user.userId, personId: personIds[0], breakGlassId: decision.breakGlassId },
      "break-glass access: flagged to the IG officer",
    );
  } else if (!decision.allow) {
    request.log?.info({ userId: request.user.userId, action: request.action }, "access denied");
  }
  return decision;
}

/** Runs fn only if access is allowed (and audited); otherwise throws AccessDenied. */
export async function withPersonAccess<T>(
  ctx: AccessContext,
  personId: string,
  action: Action,
  fn: (decision: AccessDecision) => Promise<T>,
  options: { breakGlass?: { reason: string }; requires?: "identifiable" } = {},
): Promise<T> {
  const decision = await decideAccess({ ...ctx, person: personId, action, ...options });
  if (!decision.allow) throw new AccessDenied(decision);
  return fn(decision);
}

export interface FilteredPeople {
  /** The people this user may see, in the order given. */
  allowed: string[];
  withheld: string[];
  decisions: Map<string, AccessDecision>;
}

/**
 * The people withheld among decisions (each with how many people it stands for) and why, for an audit row:
 * "12: no legitimate relationship; 1: the person objects to sharing: ...".
 */
export function withheldTally(decisions: Iterable<readonly [AccessDecision, number]>): {
  withheld: number;
  why: string;
} {
  const reasons = new Map<string, number>();
  for (const [d, n] of decisions) if (!d.allow) reasons.set(d.reason, (reasons.get(d.reason) ?? 0) + n);
  return {
    withheld: [...reasons.values()].reduce((a, b) => a + b, 0),
    why: [...reasons].map(([reason, n]) => `${n}: ${reason}`).join("; "),
  };
}

const eachOnce = (decisions: Iterable<AccessDecision>) => [...decisions].map((d) => [d, 1] as const);

function summarise(decisions: Map<string, AccessDecision>, allowedCount: number): string {
  const { withheld, why } = withheldTally(eachOnce(decisions.values()));
  if (withheld === 0) return `all ${decisions.size} disclosed`;
  return `${allowedCount} of ${decisions.size} disclosed; withheld ${why}`;
}

/**
 * The decisions for many people, in one query, without an audit row: for counting the people a page may
 * show (a home page's panels) and choosing which to name. Whatever is then shown must still pass
 * filterPeopleForAccess, which decides again and audits. Ids must be distinct lower-case UUIDs.
 */
export async function judgePeople(
  ctx: AccessContext,
  ids: readonly string[],
  action: Action,
  at: Date = clock(ctx),
): Promise<Map<string, AccessDecision>> {
  const facts = await factsForPeople(ctx.db, scopeOf(ctx, at), ids);
  const decisions = new Map<string, AccessDecision>();
  for (const f of facts) decisions.set(f.personId, judge(ctx, action, f));
  return decisions;
}

/** Distinct lower-case UUIDs, at most MAX_PEOPLE_PER_FILTER of them, or an invalid error. */
function checkedIds(personIds: readonly string[], caller: string): string[] {
  if (personIds.length > MAX_PEOPLE_PER_FILTER) {
    throw invalid(
      "governance.too-many-people",
      `at most ${MAX_PEOPLE_PER_FILTER} people may be filtered at once`,
    );
  }
  const ids = [...new Set(personIds.map((id) => (UUID_LOWER.test(id) ? id : id.toLowerCase())))];
  for (const id of ids) {
    if (!UUID_LOWER.test(id)) throw invalid("governance.person-id", `${caller}: person ids must be UUIDs`);
  }
  return ids;
}

/** The one audit row of a set read: the people disclosed among `ids` and those withheld, with why. */
async function auditFiltered(
  ctx: AccessContext,
  ids: readonly string[],
  decisions: Map<string, AccessDecision>,
  action: Action,
  context: string | undefined,
  at: Date,
): Promise<FilteredPeople> {
  const allowed = ids.filter((id) => decisions.get(id)?.allow);
  const withheld = ids.filter((id) => !decisions.get(id)?.allow);
  const disclosed = allowed.map((id) => decisions.get(id) as AccessDecision);
  const flagged = disclosed.filter((d) => d.flagged);
  await appendAuditEvent(
    ctx.db,
    {
      ...auditBase(ctx, action),
      personIds: allowed,
      withheldIds: withheld,
      allowed: allowed.length > 0,
      reason: [ids.length === 0 ? "no people asked for" : summarise(decisions, allowed.length), context]
        .filter(Boolean)
        .join("; "),
      relationship: flagged.length > 0 ? "break-glass" : null,
      disclosure: disclosed[0]?.disclosure ?? null,
      breakGlassId: flagged[0]?.breakGlassId ?? null,
      flagged: flagged.length > 0,
    },
    at,
  );
  if (flagged.length > 0) {
    ctx.log?.warn(
      { userId: ctx.user.userId, people: flagged.length },
      "break-glass access in a list: flagged",
    );
  }
  return { allowed, withheld, decisions };
}

/**
 * The set form of decideAccess, for registers, searches and exports: the same rules applied to thousands
 * of people in one query, and one audit row naming the people disclosed and those withheld.
 */
export async function filterPeopleForAccess(
  ctx: AccessContext,
  personIds: readonly string[],
  action: Action,
  /** What the people were picked from, for the audit row (a register's page and what it withheld). */
  context?: string,
): Promise<FilteredPeople> {
  const ids = checkedIds(personIds, "filterPeopleForAccess");
  const at = clock(ctx);
  const decisions = await judgePeople(ctx, ids, action, at);
  return auditFiltered(ctx, ids, decisions, action, context, at);
}

/** What a page names among the people it counted, and what it counted without naming (for the audit row). */
export interface Naming {
  /** The people the page would show: those allowed are disclosed, the rest withheld (both in the audit row). */
  named: readonly string[];
  /** What the page counted and did not name, and why it withheld people: the audit row's context. */
  context?: string;
}

/**
 * For a page that counts many people and shows a few (a home page: its panels' candidates, its worklist's
 * and its notifications' people): every person decided in one query, `name` picks from those decisions the
 * people the page shows, and one audit row names them (those allowed disclosed, the others withheld), as
 * filterPeopleForAccess would for them, with what was only counted in its context. The people counted are
 * never read; `judged` holds every decision, for the counts. The named must be among the people counted.
 */
export async function countAndFilterPeople(
  ctx: AccessContext,
  personIds: readonly string[],
  action: Action,
  name: (decisions: ReadonlyMap<string, AccessDecision>) => Naming,
): Promise<FilteredPeople & { judged: ReadonlyMap<string, AccessDecision> }> {
  const ids = checkedIds(personIds, "countAndFilterPeople");
  const at = clock(ctx);
  const judged = await judgePeople(ctx, ids, action, at);
  const { named, context } = name(judged);
  const shown = checkedIds(named, "countAndFilterPeople");
  const decisions = new Map<string, AccessDecision>();
  for (const id of shown) {
    const decision = judged.get(id);
    if (!decision) throw new Error("countAndFilterPeople: a person named was not among those counted");
    decisions.set(id, decision);
  }
  return { ...(await auditFiltered(ctx, shown, decisions, action, context, at)), judged };
}

/** How many people of each signature a query found (see AccessGate). */
export interface SignatureCount {
  signature: number;
  count: number;
}

/**
 * The policy, turned into the set of fact signatures it allows, for a query that must page and count only
 * the people this identity may see among thousands without deciding for each (a register). The query
 * computes each person's signature with `signature`; `allowed` is every signature the policy allows for the
 * action, found by judging each possible combination of facts once, so the rules stay in evaluateAccess.
 * The people a page then shows still go through filterPeopleForAccess, which decides and audits them.
 */
export interface AccessGate {
  signature(column: string, add: (value: unknown, cast: string) => string, probe?: boolean): string;
  allowed: number[];
  /** The people shown and withheld among the counts a query returned, and why they were withheld. */
  tally(groups: readonly SignatureCount[]): { shown: number; withheld: number; withheldWhy: string };
}

const FACT_BITS = [
  SIGNATURE.known,
  SIGNATURE.registered,
  SIGNATURE.caseload,
  SIGNATURE.careTeam,
  SIGNATURE.referral,
  SIGNATURE.admission,
  SIGNATURE.optedOut,
  SIGNATURE.breakGlass,
];

function factsOfSignature(signature: number, teamOrg: string | null): PersonFacts {
  const has = (bit: number) => (signature & bit) !== 0;
  return {
    personId: "",
    known: has(SIGNATURE.known),
    registered: has(SIGNATURE.registered),
    caseload: has(SIGNATURE.caseload),
    careTeam: has(SIGNATURE.careTeam),
    referral: has(SIGNATURE.referral),
    admission: has(SIGNATURE.admission),
    optedOut: has(SIGNATURE.optedOut),
    breakGlassId: has(SIGNATURE.breakGlass) ? "00000000-0000-0000-0000-000000000000" : null,
    objectionHolders: has(SIGNATURE.objectionHeldByTeam)
      ? [teamOrg ?? ""]
      : has(SIGNATURE.objectionElsewhere)
        ? ["another organisation"]
        : [],
  };
}

// The signatures a policy allows depend only on what judge() reads: the role's policy, the team's organisation,
// whether the user is active, the purpose and the action. Judging all 768 combinations cost ~0.3 ms a register
// page, so each answer is kept for the process (a changed role policy is a different key).
const ALLOWED_SIGNATURES = new Map<string, readonly number[]>();
const MAX_GATES = 1_000;

function allowedSignatures(
  ctx: AccessContext,
  action: Action,
  decide: (signature: number) => AccessDecision,
) {
  const key = JSON.stringify([
    ctx.roleAssignment.role,
    ctx.roleAssignment.team.orgCode,
    ctx.user.status,
    ctx.purpose,
    action,
  ]);
  const known = ALLOWED_SIGNATURES.get(key);
  if (known) return known;
  const allowed: number[] = [];
  for (let combo = 0; combo < 1 << FACT_BITS.length; combo++) {
    const facts = FACT_BITS.reduce((sig, bit, i) => (combo & (1 << i) ? sig | bit : sig), 0);
    for (const objection of [0, SIGNATURE.objectionHeldByTeam, SIGNATURE.objectionElsewhere]) {
      if (decide(facts | objection).allow) allowed.push(facts | objection);
    }
  }
  if (ALLOWED_SIGNATURES.size >= MAX_GATES) ALLOWED_SIGNATURES.clear();
  ALLOWED_SIGNATURES.set(key, Object.freeze(allowed));
  return allowed;
}

export function accessGate(ctx: AccessContext, action: Action): AccessGate {
  const scope = scopeOf(ctx, clock(ctx));
  const teamOrg = ctx.roleAssignment.team.orgCode;
  const decide = (signature: number) => judge(ctx, action, factsOfSignature(signature, teamOrg));
  const allowed = [...allowedSignatures(ctx, action, decide)];
  return {
    signature: (column, add, probe) => signatureSql(scope, column, add, probe),
    allowed,
    tally(groups) {
      const judged = groups.map(({ signature, count }) => [decide(signature), count] as const);
      const { withheld, why } = withheldTally(judged);
      const shown = judged.reduce((n, [d, count]) => (d.allow ? n + count : n), 0);
      return { shown, withheld, withheldWhy: why };
    },
  };
}

/**
 * Deciding while reading: the statement that reads a person's rows also computes the facts the decision
 * needs (`signature`, the same SIGNATURE bits as accessGate's), so a read costs one trip to the database,
 * not two. The rows are not shown before `decide` (or `filter`) has decided and audited, exactly as
 * decideAccess and filterPeopleForAccess do. A signature carries a fact only as a bit where the decision or its
 * audit row needs more (which break-glass grant, whose objection): those people, and a person whose statement
 * found no row, are decided from their full facts by a query of their own. On Citus, whose planner takes no
 * such per-row probes of its distributed tables, `signature` is null and every decision reads its own facts.
 */
export interface PersonGate {
  /** The signature of the person in `column` (SQL, its parameters added through `add`), or null: see above. */
  signature(column: string, add: (value: unknown, cast: string) => string): string | null;
  /** decideAccess for one person, given the signature the statement returned (null: none read). */
  decide(personId: string, signature: number | null): Promise<AccessDecision>;
  /** filterPeopleForAccess for the people a statement returned, each with its signature. */
  filter(signatures: ReadonlyMap<string, number | null>, context?: string): Promise<FilteredPeople>;
}

/** Bits standing for facts the decision or its audit row needs in full. */
const PARTIAL_BITS = SIGNATURE.breakGlass | SIGNATURE.objectionHeldByTeam | SIGNATURE.objectionElsewhere;

function exactFacts(personId: string, signature: number | null, teamOrg: string | null) {
  if (signature === null || (signature & PARTIAL_BITS) !== 0) return null;
  return { ...factsOfSignature(signature, teamOrg), personId };
}

export function personGate(
  ctx: AccessContext,
  action: Action,
  options: { requires?: "identifiable" } = {},
): PersonGate {
  const at = clock(ctx);
  const scope = scopeOf(ctx, at);
  const teamOrg = ctx.roleAssignment.team.orgCode;
  return {
    signature: (column, add) => (isCitus(ctx.db) ? null : signatureSql(scope, column, add, true)),
    decide(personId, signature) {
      const facts = isUuid(personId) ? exactFacts(personId.toLowerCase(), signature, teamOrg) : null;
      return decideAndAudit({ ...ctx, person: personId, action, ...options }, at, facts);
    },
    async filter(signatures, context) {
      const ids = checkedIds([...signatures.keys()], "personGate.filter");
      const decisions = new Map<string, AccessDecision>();
      const unknown: string[] = [];
      for (const [raw, signature] of signatures) {
        const id = UUID_LOWER.test(raw) ? raw : raw.toLowerCase();
        if (decisions.has(id) || unknown.includes(id)) continue; // a few at most: the rest are decided
        const facts = exactFacts(id, signature, teamOrg);
        if (facts) decisions.set(id, judge(ctx, action, facts));
        else unknown.push(id);
      }
      if (unknown.length > 0)
        for (const [id, d] of await judgePeople(ctx, unknown, action, at)) decisions.set(id, d);
      // In the order given, as judgePeople's are: the audit row's reasons are tallied in that order.
      const ordered = new Map(ids.map((id) => [id, decisions.get(id) as AccessDecision]));
      return auditFiltered(ctx, ids, ordered, action, context, at);
    },
  };
}

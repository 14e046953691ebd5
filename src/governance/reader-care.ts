// The reader's care coordination: a person's joint care plans and referrals, the changes a team makes to them,
// and a user's worklist. Every read of a person is one decision and one audit row ("view", the identifiable
// record); every change is a "change" decision, audited, before anything is written, so a sharing objection
// or the lack of a relationship refuses the write as it refuses the read. The worklist names only people the
// user may see now (the list filter); the rest are counted. The directory of services is reference data.
import {
  type ActionInput,
  type ActionStatus,
  type Author,
  addAction,
  addGoal,
  type CarePlan,
  type CareService,
  type Discharge,
  decideReferral,
  editPlan,
  endPlan,
  listServices,
  makeReferral,
  type PlanEdit,
  type Referral,
  type ReferralDecision,
  type ReferralInput,
  readDischarges,
  readPlans,
  readReferral,
  readReferrals,
  readWorklist,
  recordFollowUp,
  setActionStatus,
  signOffPlan,
  startPlan,
  type WorkItem,
} from "../care/index.ts";
import { invalid, notFound } from "../core/errors.ts";
import { type StaffMember, staffCaringFor } from "./care-owners.ts";
import {
  type Contribution,
  closeContribution,
  readContributions,
  takeContribution,
} from "./citizen-contributions.ts";
import { type ProxyGrant, type ProxyInput, proxiesOf, recordProxy, revokeProxy } from "./citizen-proxy.ts";
import type { PersonSummary } from "./person-reads.ts";
import { readBanner } from "./person-view.ts";
import type { ReaderBase } from "./reader-base.ts";
import type { PersonPageBase } from "./reader-person.ts";
import { londonDate } from "./relationship-facts.ts";
import type { Action, Disclosure } from "./types.ts";

export type { StaffMember };

export interface PersonCarePage extends PersonPageBase {
  plans: CarePlan[];
  referrals: Referral[];
  /** What the person (or their carer, by proxy) added from the citizen's view, newest first. */
  contributions: Contribution[];
  /** Who may act for the person in the citizen's view (proxy access), revoked grants too. */
  proxies: ProxyGrant[];
}

export interface WorklistItem extends WorkItem {
  person: PersonSummary & { disclosure: Disclosure | null };
}

export interface Worklist {
  items: WorklistItem[];
  overdue: number;
  /** Items about people the user may not see now: counted, not named. */
  withheld: number;
}

export interface CareReads {
  /** The Care plan tab ("view", identifiable): the person's plans with their history, and their referrals. */
  personCarePlans(personId: string): Promise<PersonCarePage>;
  /** One referral with the banner and the person's latest discharges ("view", identifiable). */
  personReferral(
    personId: string,
    referralId: string,
  ): Promise<PersonPageBase & { referral: Referral; discharges: Discharge[] }>;
  startCarePlan(personId: string): Promise<CarePlan>;
  editCarePlan(personId: string, planId: string, baseVersion: number, edit: PlanEdit): Promise<CarePlan>;
  addCarePlanGoal(
    personId: string,
    planId: string,
    baseVersion: number,
    goal: { description: string; measure: string },
  ): Promise<CarePlan>;
  addCarePlanAction(
    personId: string,
    planId: string,
    baseVersion: number,
    action: ActionInput,
  ): Promise<CarePlan>;
  setCarePlanActionStatus(
    personId: string,
    planId: string,
    baseVersion: number,
    actionId: string,
    status: ActionStatus,
  ): Promise<CarePlan>;
  signOffCarePlan(personId: string, planId: string, baseVersion: number): Promise<CarePlan>;
  /** Takes what the person added into the plan's next version ("change"); both saved, or neither. */
  takeCitizenContribution(
    personId: string,
    planId: string,
    baseVersion: number,
    contributionId: string,
  ): Promise<CarePlan>;
  /** Closes what the person added without changing the plan, with a reason they will read ("change"). */
  closeCitizenContribution(personId: string, contributionId: string, reason: string): Promise<void>;
  /** Records that a citizen may act for the person ("change"; not under break-glass). */
  recordCitizenProxy(personId: string, input: ProxyInput): Promise<ProxyGrant>;
  /** Revokes a proxy grant at once ("change"). */
  revokeCitizenProxy(personId: string, proxyId: string, reason: string): Promise<void>;
  endCarePlan(personId: string, planId: string, baseVersion: number, reason: string): Promise<CarePlan>;
  referPerson(personId: string, input: ReferralInput): Promise<Referral>;
  decideReferral(
    personId: string,
    referralId: string,
    baseVersion: number,
    decision: ReferralDecision,
  ): Promise<Referral>;
  recordReferralFollowUp(
    personId: string,
    referralId: string,
    baseVersion: number,
    outcome: string,
  ): Promise<Referral>;
  /** The signed-in user's worklist: their actions and reviews, their team's referral steps ("list"). */
  careWorklist(): Promise<Worklist>;
  /** The directory of services (reference data: no person). */
  careServices(): Promise<CareService[]>;
  /** Staff who may lead a plan (staff accounts: no person in care). */
  careStaff(): Promise<StaffMember[]>;
  /** Staff who may own an action about this person: their team holds a relationship with them now. */
  careOwners(personId: string): Promise<StaffMember[]>;
}

export function careReads(base: ReaderBase): CareReads {
  const { db, ctx, identity, allowed, filtered } = base;
  const now = () => ctx.now?.() ?? new Date();
  const author = (): Author => {
    const at = now();
    return {
      userId: identity.user.userId,
      teamId: identity.roleAssignment.team.teamId,
      at,
      today: londonDate(at),
    };
  };

  /** One decision and its audit row for the identifiable record, then the banner. */
  async function page(personId: string, action: Action = "view"): Promise<PersonPageBase> {
    const decision = await allowed(personId, "identifiable", action);
    const today = londonDate(now());
    const banner = await readBanner(db, personId.toLowerCase(), today);
    if (!banner) throw notFound("governance.no-such-person", "There is no such person.");
    return {
      banner,
      disclosure: decision.disclosure,
      relationship: decision.relationship,
      breakGlassId: decision.breakGlassId,
      today,
    };
  }

  /** A change to a person's care record: decided and audited as "change" before anything is written. */
  async function changing<T>(personId: string, write: (id: string, who: Author) => Promise<T>): Promise<T> {
    await allowed(personId, "identifiable", "change");
    return write(personId.toLowerCase(), author());
  }

  return {
    async personCarePlans(personId) {
      const base = await page(personId);
      const id = personId.toLowerCase();
      const [plans, referrals, contributions, proxies] = await Promise.all([
        readPlans(db, id),
        readReferrals(db, id),
        readContributions(db, [id]),
        proxiesOf(db, id),
      ]);
      return { ...base, plans, referrals, contributions, proxies };
    },
    async personReferral(personId, referralId) {
      const base = await page(personId);
      const id = personId.toLowerCase();
      const [referral, discharges] = await Promise.all([
        readReferral(db, id, referralId),
        readDischarges(db, id),
      ]);
      return { ...base, referral, discharges };
    },
    startCarePlan: (personId) => changing(personId, (id, who) => startPlan(db, id, who)),
    editCarePlan: (personId, planId, baseVersion, edit) =>
      changing(personId, (id, who) => editPlan(db, id, planId, baseVersion, edit, who)),
    addCarePlanGoal: (personId, planId, baseVersion, goal) =>
      changing(personId, (id, who) => addGoal(db, id, planId, baseVersion, goal, who)),
    addCarePlanAction: (personId, planId, baseVersion, action) =>
      changing(personId, async (id, who) => {
        if (action.ownerUserId) await requireOwner(db, id, action.ownerUserId, who.at);
        return addAction(db, id, planId, baseVersion, action, who);
      }),
    setCarePlanActionStatus: (personId, planId, baseVersion, actionId, status) =>
      changing(personId, (id, who) => setActionStatus(db, id, planId, baseVersion, actionId, status, who)),
    signOffCarePlan: (personId, planId, baseVersion) =>
      changing(personId, (id, who) => signOffPlan(db, id, planId, baseVersion, who)),
    takeCitizenContribution: (personId, planId, baseVersion, contributionId) =>
      changing(personId, (id, who) => takeContribution(db, id, planId, baseVersion, contributionId, who)),
    closeCitizenContribution: (personId, contributionId, reason) =>
      changing(personId, (id, who) => closeContribution(db, id, contributionId, reason, who)),
    async recordCitizenProxy(personId, input) {
      // A proxy opens the person's record to a member of the public: only someone who cares for the person.
      const decision = await allowed(personId, "identifiable", "change");
      if (decision.breakGlassId) {
        return base.refuse(
          "change",
          "proxy access recorded under break-glass would open the record to someone else beyond the emergency; record it once you care for the person",
        );
      }
      const who = author();
      return recordProxy(db, personId.toLowerCase(), input, who);
    },
    revokeCitizenProxy: (personId, proxyId, reason) =>
      changing(personId, (id, who) => revokeProxy(db, id, proxyId, reason, who)),
    endCarePlan: (personId, planId, baseVersion, reason) =>
      changing(personId, (id, who) => endPlan(db, id, planId, baseVersion, reason, who)),
    async referPerson(personId, input) {
      // A referral is a relationship for the receiving team until it closes: made under break-glass, it would
      // outlast the emergency access that allowed it.
      const decision = await allowed(personId, "identifiable", "change");
      if (decision.breakGlassId) {
        return base.refuse(
          "change",
          "a referral made under break-glass would give the receiving team a relationship that outlasts it; refer once you care for the person",
        );
      }
      return makeReferral(db, personId.toLowerCase(), input, author());
    },
    decideReferral: (personId, referralId, baseVersion, decision) =>
      changing(personId, (id, who) => decideReferral(db, id, referralId, baseVersion, decision, who)),
    recordReferralFollowUp: (personId, referralId, baseVersion, outcome) =>
      changing(personId, (id, who) => recordFollowUp(db, id, referralId, baseVersion, outcome, who)),
    async careWorklist() {
      const who = author();
      const items = await readWorklist(db, who, who.today);
      if (items.length === 0) return { items: [], overdue: 0, withheld: 0 };
      const seen = await filtered([...new Set(items.map((i) => i.personId))], "list", "care worklist");
      const byId = new Map(seen.people.map((p) => [p.personId, p]));
      const shown: WorklistItem[] = [];
      let withheld = 0;
      for (const item of items) {
        const person = byId.get(item.personId);
        if (person) shown.push({ ...item, person });
        else withheld++;
      }
      return { items: shown, overdue: shown.filter((i) => i.overdue).length, withheld };
    },
    careServices: () => listServices(db),
    careOwners: (personId) => staffCaringFor(db, personId.toLowerCase(), now()),
    async careStaff() {
      const rows = await db.query<{
        user_id: string;
        display_name: string;
        team_id: string;
        team_name: string;
        org_code: string | null;
        role_name: string;
      }>(
        `SELECT u.user_id, u.display_name, t.team_id, t.name AS team_name, t.org_code, r.name AS role_name
         FROM user_role ur JOIN app_user u ON u.user_id = ur.user_id JOIN team t ON t.team_id = ur.team_id
         JOIN app_role r ON r.role_code = ur.role_code
         WHERE u.status = 'active' AND r.access_basis = 'relationship' AND 'direct-care' = ANY(r.purposes)
         ORDER BY u.display_name, t.name LIMIT 1000`,
      );
      return rows.map((r) => ({
        userId: r.user_id,
        name: r.display_name,
        teamId: r.team_id,
        teamName: r.team_name,
        orgCode: r.org_code,
        roleName: r.role_name,
      }));
    },
  };
}

/** An action's owner with an account must be an active user of a team with a relationship with the person. */
export async function requireOwner(
  db: ReaderBase["db"],
  personId: string,
  userId: string,
  at: Date,
): Promise<void> {
  if ((await staffCaringFor(db, personId, at, userId)).length === 0) {
    throw invalid(
      "care.action-owner-no-relationship",
      "The owner chosen is not an active member of a team caring for this person.",
      {
        hint: "Choose the owner from the list of the teams involved, or say they are outside OnePlace and type their name.",
      },
    );
  }
}

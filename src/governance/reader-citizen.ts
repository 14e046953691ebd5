// The governed reader for a citizen: a person signed in through NHS login (citizen-sign-in.ts) reading their
// own record, and only their own. The record is found by the NHS Number and the date of birth the provider
// asserted (exactly one record holding both, else nothing is shown), never by an id the browser sends, so
// there is nothing to point at anyone else's. The record needs identity proofed to P9; below it every read is
// refused (and audited). Each read is one audit row, as a citizen read (role
// "citizen", relationship "self"), written before anything is read, so "who has looked at my record" shows the
// person their own visits as the IG officer sees them. Proxy access (a carer acting for someone) is not here.
import { randomUUID } from "node:crypto";
import { type CarePlan, type PlanVersion, type Referral, readPlans, readReferrals } from "../care/index.ts";
import { conflict, forbidden, notFound } from "../core/errors.ts";
import { type Db, isCitus, peopleHoldingNhsNumber } from "../store/index.ts";
import { AccessDenied, denied } from "./access.ts";
import { appendAuditEvent } from "./audit-log.ts";
import {
  addContribution,
  type Contribution,
  checkContribution,
  readContributions,
} from "./citizen-contributions.ts";
import {
  BASIS_ALLOWS,
  BASIS_WORDS,
  grantInForce,
  grantsInForceFor,
  type ProxyGrant,
  type ProxyScope,
  proxyNames,
} from "./citizen-proxy.ts";
import { type CitizenIdentity, RECORD_PROOFING_LEVEL } from "./citizen-sign-in.ts";
import { recordObjection } from "./consent.ts";
import { type ObjectionRow, organisationName, sharingRecords, withdrawHeldObjection } from "./ig.ts";
import { type PersonDemographics, readDemographics } from "./person-reads.ts";
import { type CareTeamEntry, readCareTeam } from "./person-view.ts";
import { londonDate } from "./relationship-facts.ts";

/** The audit trail's role code for a person reading their own record. */
export const CITIZEN_ROLE = "citizen";
/** Objections a citizen records themselves carry this source system. */
export const CITIZEN_SOURCE_SYSTEM = "oneplace-citizen";
export const CITIZEN_AUDIT_PAGE_SIZE = 25;

/** Where the request came from, for the audit row: the route, never the URL. */
export interface CitizenOrigin {
  clientAddress: string | null;
  detail: string;
}

export interface CitizenPerson {
  name: { given: string | null; family: string | null };
  practice: { code: string; name: string | null } | null;
}

export interface CitizenPlanView {
  person: CitizenPerson;
  /** The agreed (signed-off) plan in force; null when none is agreed yet. */
  plan: PlanVersion | null;
  /** A plan is being written but not yet agreed. */
  draftInProgress: boolean;
}

export interface CitizenReferralsView {
  person: CitizenPerson;
  referrals: Referral[];
}

export interface CitizenCareTeamView {
  person: CitizenPerson;
  /** Those with a relationship now. */
  current: CareTeamEntry[];
  lead: PlanVersion["lead"];
}

/** One access to the person's record, in words for them: who (organisation and role, never the staff member). */
export interface RecordAccess {
  at: string;
  organisation: string;
  role: string;
  what: string;
  emergency: boolean;
  refused: boolean;
}

export interface RecordAccessView {
  person: CitizenPerson;
  accesses: RecordAccess[];
  total: number;
  page: number;
  pageSize: number;
}

export interface CitizenSharingView {
  person: CitizenPerson;
  /** Objections in force, with the organisation that holds each. */
  current: ObjectionRow[];
  /** Of those, the ones another organisation recorded: only it can withdraw them, not the person here. */
  heldByOthers: ObjectionRow[];
  withdrawn: ObjectionRow[];
  /** Why an objection cannot be recorded here (no registered practice to hold it); null when it can. */
  cannotRecord: string | null;
}

export interface CitizenContributionsView {
  person: CitizenPerson;
  contributions: Contribution[];
  /** Whether there is a plan (draft or agreed) for the care team to take what is added into. */
  hasPlan: boolean;
}

/** Whose record a proxy is looking at, and what their basis lets them see. */
export interface ActingFor {
  proxyId: string;
  name: string;
  basis: string;
  allows: readonly ProxyScope[];
}

export interface CitizenReader {
  readonly identity: CitizenIdentity;
  /** The proxy grant the session acts under, checked now; null for the person's own record. */
  actingFor(): Promise<ActingFor | null>;
  /** The people this NHS login account may act for today (for "whose record"); audited as a list. */
  peopleICareFor(): Promise<{ proxyId: string; name: string; relationship: string; basis: string }[]>;
  /** Whether the identity is proved well enough to see the record (P9). */
  readonly mayReadRecord: boolean;
  /** Audits a page view refused because the identity is not proved to P9 (the page says what to do instead). */
  refuseUnproved(): Promise<void>;
  myPlan(): Promise<CitizenPlanView>;
  myReferrals(): Promise<CitizenReferralsView>;
  myCareTeam(): Promise<CitizenCareTeamView>;
  /** Who has looked at the record (staff, systems, other NHS login accounts; not this one), newest first. */
  recordAccess(page: number): Promise<RecordAccessView>;
  mySharing(): Promise<CitizenSharingView>;
  /** What the person has added to their plan, and what the care team did with each. */
  myContributions(): Promise<CitizenContributionsView>;
  /** Adds what matters to them, a goal or a preference, for the lead professional to take into the plan. */
  addMyContribution(kind: string, body: string): Promise<Contribution>;
  /** Records an objection held by the registered practice; recording it again changes nothing. */
  recordMyObjection(): Promise<{ recorded: boolean }>;
  /**
   * Withdraws the objections the person recorded here (source system oneplace-citizen); those another
   * organisation recorded stay in force and are answered, so the page can say whom to ask. Withdrawing when
   * there is none changes nothing.
   */
  withdrawMyObjections(): Promise<{ withdrawn: number; heldByOthers: ObjectionRow[] }>;
}

const ACTION_WORDS: Record<string, string> = {
  view: "Looked at your record",
  list: "Saw your name in a list of people",
  search: "Found you in a search",
  change: "Changed your record",
  export: "Exported your record",
  create: "Added to your record",
};

export function createCitizenReader(
  db: Db,
  identity: CitizenIdentity,
  origin: CitizenOrigin,
  now: () => Date = () => new Date(),
): CitizenReader {
  const mayReadRecord = identity.proofingLevel === RECORD_PROOFING_LEVEL && identity.nhsNumber !== null;
  const audit = (action: string, allowed: boolean, reason: string, personIds: string[] = [], note = "") =>
    appendAuditEvent(db, {
      actorUserId: null,
      actor: identity.actor,
      roleCode: CITIZEN_ROLE,
      teamCode: null,
      purpose: "direct-care",
      action,
      personIds,
      personCount: allowed ? personIds.length : 0,
      allowed,
      reason,
      relationship: allowed ? "self" : null,
      disclosure: allowed ? "identifiable" : null,
      channel: "web",
      clientAddress: origin.clientAddress,
      detail: `citizen ${origin.detail}${note}`,
    });

  const unproved = `the record needs identity proved to ${RECORD_PROOFING_LEVEL} in NHS login; this sign-in is ${identity.proofingLevel}`;

  const proxyAudit = (
    grant: ProxyGrant | null,
    proxyId: string,
    action: string,
    allowed: boolean,
    reason: string,
    note: string,
  ) =>
    appendAuditEvent(db, {
      actorUserId: null,
      actor: identity.actor,
      roleCode: CITIZEN_ROLE,
      teamCode: null,
      purpose: "direct-care",
      action,
      personIds: grant ? [grant.personId] : [],
      personCount: allowed && grant ? 1 : 0,
      allowed,
      reason,
      relationship: allowed ? "proxy" : null,
      disclosure: allowed ? "identifiable" : null,
      channel: "web",
      clientAddress: origin.clientAddress,
      detail: `${PROXY_DETAIL} ${proxyId} ${origin.detail}${note}`,
    });

  /**
   * The record a proxy acts for: the grant looked up again now (revoked, past review, a child turned 16, or
   * another account's: refused and audited), and the basis allowing this part; audited as a proxy read.
   */
  const proxied = async (proxyId: string, action: "view" | "change", scope: ProxyScope, note: string) => {
    const grant = await grantInForce(db, identity, proxyId, londonDate(now()));
    if (!grant) {
      await proxyAudit(
        null,
        proxyId,
        action,
        false,
        "proxy access not in force for this NHS login account (revoked, ended, or never granted)",
        note,
      );
      throw forbidden("governance.proxy-not-in-force", "You can no longer see this person's record.", {
        hint: "Your access as their carer has ended or been revoked. Choose whose record to look at, or ask their care team.",
      });
    }
    if (!BASIS_ALLOWS[grant.basis].includes(scope)) {
      await proxyAudit(
        grant,
        proxyId,
        action,
        false,
        `proxy on the basis '${grant.basis}' does not cover ${scope}`,
        note,
      );
      throw forbidden(
        "governance.proxy-not-covered",
        `${BASIS_WORDS[grant.basis]} does not let you see or do this.`,
        {
          hint: "Ask the person's care team if you think it should.",
        },
      );
    }
    await proxyAudit(
      grant,
      proxyId,
      action,
      true,
      `proxy for the person (${grant.basis}), signed in through NHS login`,
      note,
    );
    return [grant.personId];
  };

  /** The person's own record ids, decided and audited before anything is read. */
  const own = async (action: "view" | "change", note = "", scope: ProxyScope = "plan"): Promise<string[]> => {
    if (!mayReadRecord) {
      await audit(action, false, unproved, [], note);
      throw new AccessDenied(denied(unproved));
    }
    if (identity.actingForProxyId) return proxied(identity.actingForProxyId, action, scope, note);
    if (identity.birthDate === null) {
      const reason = "NHS login gave no date of birth, so the record cannot be matched safely";
      await audit(action, false, reason);
      throw new AccessDenied(denied(reason));
    }
    const ids = await peopleMatching(db, identity.nhsNumber as string, identity.birthDate);
    if (ids.length === 0) {
      await audit(
        action,
        false,
        "no record in OnePlace holds both the NHS Number and the date of birth the person signed in with",
      );
      throw notFound("governance.citizen-no-record", "OnePlace holds no record for you.", {
        hint: "If you think it should, ask your GP practice.",
      });
    }
    if (ids.length > 1) {
      await audit(
        action,
        false,
        `${ids.length} records in OnePlace hold the NHS Number and date of birth the person signed in with`,
      );
      throw conflict("governance.citizen-several-records", "We cannot show your record just now.", {
        hint: "OnePlace holds more than one record with your details. Contact your GP practice so they can put this right.",
      });
    }
    await audit(action, true, "the person's own record, signed in through NHS login", ids, note);
    return ids;
  };

  const personOf = async (ids: string[]): Promise<CitizenPerson> => {
    const people = (await Promise.all(ids.map((id) => readDemographics(db, id)))).filter(
      (p): p is PersonDemographics => p !== null,
    );
    const first = people.find((p) => p.practiceCode) ?? people[0];
    const code = first?.practiceCode ?? null;
    return {
      name: first?.name ?? { given: null, family: null },
      practice: code ? { code, name: await organisationName(db, code) } : null,
    };
  };

  const plansOf = async (ids: string[]): Promise<CarePlan[]> =>
    (await Promise.all(ids.map((id) => readPlans(db, id)))).flat();

  /** The agreed plan in force most recently agreed; a plan that has ended is not in force. */
  const planInForce = (plans: CarePlan[]): PlanVersion | null =>
    plans
      .filter((p) => p.latest.status !== "ended")
      .map((p) => p.inForce)
      .filter((v): v is PlanVersion => v !== null)
      .sort((a, b) => b.savedAt.localeCompare(a.savedAt))[0] ?? null;

  return {
    identity,
    mayReadRecord,

    async refuseUnproved() {
      await audit("view", false, unproved);
    },

    async actingFor() {
      const proxyId = identity.actingForProxyId;
      if (!proxyId || !mayReadRecord) return null;
      const grant = await grantInForce(db, identity, proxyId, londonDate(now()));
      if (!grant) return null;
      const [person] = await Promise.all([personOf([grant.personId])]);
      return {
        proxyId,
        name: [person.name.given, person.name.family].filter(Boolean).join(" ") || "the person",
        basis: BASIS_WORDS[grant.basis],
        allows: BASIS_ALLOWS[grant.basis],
      };
    },

    async peopleICareFor() {
      if (!mayReadRecord) return [];
      const grants = await grantsInForceFor(db, identity, londonDate(now()));
      if (grants.length === 0) return [];
      await appendAuditEvent(db, {
        actorUserId: null,
        actor: identity.actor,
        roleCode: CITIZEN_ROLE,
        teamCode: null,
        purpose: "direct-care",
        action: "list",
        personIds: grants.map((g) => g.personId),
        personCount: grants.length,
        allowed: true,
        reason: "the people this NHS login account has proxy access for",
        relationship: "proxy",
        disclosure: "identifiable",
        channel: "web",
        clientAddress: origin.clientAddress,
        detail: `${PROXY_DETAIL} list ${origin.detail}`,
      });
      return Promise.all(
        grants.map(async (g) => {
          const person = await personOf([g.personId]);
          return {
            proxyId: g.proxyId,
            name: [person.name.given, person.name.family].filter(Boolean).join(" ") || "A person",
            relationship: g.relationship,
            basis: BASIS_WORDS[g.basis],
          };
        }),
      );
    },

    async myPlan() {
      const ids = await own("view");
      const plans = await plansOf(ids);
      const plan = planInForce(plans);
      return {
        person: await personOf(ids),
        plan,
        draftInProgress: plan === null && plans.some((p) => p.latest.status === "draft"),
      };
    },

    async myReferrals() {
      const ids = await own("view", "", "referrals");
      const referrals = (await Promise.all(ids.map((id) => readReferrals(db, id))))
        .flat()
        .sort((a, b) => b.referredOn.localeCompare(a.referredOn));
      return { person: await personOf(ids), referrals };
    },

    async myCareTeam() {
      const ids = await own("view", "", "care-team");
      const today = londonDate(now());
      const entries = (await Promise.all(ids.map((id) => readCareTeam(db, id, today)))).flat();
      return {
        person: await personOf(ids),
        current: entries.filter((e) => e.current),
        lead: planInForce(await plansOf(ids))?.lead ?? null,
      };
    },

    async recordAccess(page) {
      const ids = await own("view", "", "record-access");
      const pageSize = CITIZEN_AUDIT_PAGE_SIZE;
      const { rows, total } = await accessesOf(db, ids, identity.actor, pageSize, (page - 1) * pageSize);
      return { person: await personOf(ids), accesses: rows, total, page, pageSize };
    },

    async mySharing() {
      const ids = await own("view", "", "sharing");
      const objections = (await Promise.all(ids.map((id) => sharingRecords(db, id)))).flatMap(
        (s) => s.objections,
      );
      const person = await personOf(ids);
      return {
        person,
        current: objections.filter((o) => o.withdrawnOn === null),
        heldByOthers: objections.filter(
          (o) => o.withdrawnOn === null && o.sourceSystem !== CITIZEN_SOURCE_SYSTEM,
        ),
        withdrawn: objections.filter((o) => o.withdrawnOn !== null),
        cannotRecord: person.practice
          ? null
          : "You are not registered with a GP practice we know, so there is no organisation to hold your objection.",
      };
    },

    async myContributions() {
      const ids = await own("view");
      const [contributions, plans] = await Promise.all([readContributions(db, ids), plansOf(ids)]);
      return {
        person: await personOf(ids),
        contributions,
        hasPlan: plans.some((p) => p.latest.status !== "ended"),
      };
    },

    async addMyContribution(kind, body) {
      const checked = checkContribution(kind, body); // refused before the record is opened or audited
      const ids = await own("change", `; added to my care plan: ${checked.kind}`, "add-to-plan");
      return addContribution(db, {
        personId: ids[0],
        ...checked,
        submittedBy: identity.actor,
        proxyId: identity.actingForProxyId,
        at: now(),
      });
    },

    async recordMyObjection() {
      const ids = await own("change", "; choice: record an objection", "sharing");
      const today = londonDate(now());
      let recorded = false;
      for (const id of ids) {
        const practice = (await readDemographics(db, id))?.practiceCode;
        if (!practice) continue;
        const { objections } = await sharingRecords(db, id);
        if (objections.some((o) => o.withdrawnOn === null && o.holdingOrgCode === practice)) continue;
        await recordObjection(db, {
          personId: id,
          holdingOrgCode: practice,
          recordedOn: today,
          source: "the person, signed in through NHS login",
          sourceSystem: CITIZEN_SOURCE_SYSTEM,
          sourceRecordId: randomUUID(),
        });
        recorded = true;
      }
      if (!recorded && (await personOf(ids)).practice === null) {
        throw conflict("governance.citizen-no-practice", "There is no GP practice to hold your objection.", {
          hint: "Ask your GP practice, or the council's adult social care team, to record it for you.",
        });
      }
      return { recorded };
    },

    async withdrawMyObjections() {
      const ids = await own("change", "; choice: withdraw the objection recorded here", "sharing");
      const today = londonDate(now());
      let withdrawn = 0;
      const heldByOthers: ObjectionRow[] = [];
      for (const id of ids) {
        const { objections } = await sharingRecords(db, id);
        for (const o of objections) {
          if (o.withdrawnOn !== null) continue;
          if (o.sourceSystem !== CITIZEN_SOURCE_SYSTEM) {
            heldByOthers.push(o); // recorded by an organisation: only it withdraws it
            continue;
          }
          const [, on] = [o.recordedOn, today].sort(); // never before it was recorded
          if (await withdrawHeldObjection(db, id, o.objectionId, o.holdingOrgCode, on)) withdrawn++;
        }
      }
      return { withdrawn, heldByOthers };
    },
  };
}

/**
 * The people (never merged away: a merge retires the other person row) holding both the NHS Number and the
 * date of birth the identity provider asserted. The NHS Number alone is not enough: a local record with a
 * mistyped but valid number would otherwise be shown to the number's real owner.
 */
async function peopleMatching(db: Db, nhsNumber: string, birthDate: string): Promise<string[]> {
  if (!isCitus(db)) {
    const rows = await db.query<{ person_id: string }>(
      "SELECT person_id FROM person WHERE nhs_number = $1 AND birth_date = $2::date ORDER BY person_id",
      [nhsNumber, birthDate],
    );
    return rows.map((r) => r.person_id);
  }
  // On Citus the number's routes name the holders (one shard), whose own rows are then read (theirs alone).
  const holders = await peopleHoldingNhsNumber(db, nhsNumber);
  if (holders.length === 0) return [];
  const rows = await db.query<{ person_id: string }>(
    `SELECT person_id FROM person WHERE person_id = ANY($3::uuid[]) AND nhs_number = $1 AND birth_date = $2::date
      ORDER BY person_id`,
    [nhsNumber, birthDate, holders],
  );
  return rows.map((r) => r.person_id);
}

/** The audit detail's prefix for a proxy's read: the grant's id follows, so the person's page can name the carer. */
const PROXY_DETAIL = "citizen-proxy";

/** Who another NHS login account's visit was, in the person's words: no account, no name. */
const OTHER_CITIZEN = "Someone signed in with NHS login";

/**
 * The audit rows naming the person, newest first, with the role's and the organisation's names (a team's
 * organisation, else the team). No staff member's name or username. Only this NHS login account's own
 * visits are left out: a visit by another account (someone else signed in with NHS login) is shown.
 */
async function accessesOf(
  db: Db,
  personIds: string[],
  ownActor: string,
  limit: number,
  offset: number,
): Promise<{ rows: RecordAccess[]; total: number }> {
  const hits = `
    SELECT seq FROM audit_event WHERE person_ids && $1::uuid[] OR withheld_ids && $1::uuid[]
    UNION
    SELECT seq FROM audit_set_member WHERE person_id = ANY($1::uuid[])`;
  const [count] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM audit_event
      WHERE seq IN (${hits}) AND (role_code IS DISTINCT FROM '${CITIZEN_ROLE}' OR actor <> $2)`,
    [personIds, ownActor],
  );
  const rows = await db.query<{
    occurred_at: Date | string;
    action: string;
    allowed: boolean;
    break_glass_id: string | null;
    channel: string;
    role_code: string | null;
    role_name: string | null;
    team_name: string | null;
    org_name: string | null;
    withheld: boolean;
    relationship: string | null;
    detail: string | null;
  }>(
    `SELECT a.occurred_at, a.action, a.allowed, a.break_glass_id, a.channel, a.role_code, a.relationship, a.detail,
            r.name AS role_name, t.name AS team_name, o.name AS org_name,
            (a.withheld_ids && $1::uuid[]
              OR EXISTS (SELECT 1 FROM audit_set_member m
                          WHERE m.seq = a.seq AND m.withheld AND m.person_id = ANY($1::uuid[]))) AS withheld
       FROM audit_event a
       LEFT JOIN app_role r ON r.role_code = a.role_code
       LEFT JOIN team t ON t.team_code = a.team_code
       LEFT JOIN organisation o ON o.org_code = t.org_code
      WHERE a.seq IN (${hits}) AND (a.role_code IS DISTINCT FROM '${CITIZEN_ROLE}' OR a.actor <> $4)
      ORDER BY a.seq DESC LIMIT $2 OFFSET $3`,
    [personIds, limit, offset, ownActor],
  );
  const carers = await proxyNames(db, personIds);
  return {
    total: Number(count?.n ?? 0),
    rows: rows.map((r) => {
      const system = r.role_code === null;
      const citizen = r.role_code === CITIZEN_ROLE;
      const proxyId =
        r.relationship === "proxy"
          ? new RegExp(`^${PROXY_DETAIL} ([0-9a-f-]{36}) `).exec(r.detail ?? "")?.[1]
          : undefined;
      const carer = proxyId ? carers.get(proxyId) : undefined;
      const refused = !r.allowed || r.withheld;
      return {
        at: new Date(r.occurred_at).toISOString(),
        organisation: citizen
          ? "NHS login"
          : system
            ? "OnePlace"
            : (r.org_name ?? r.team_name ?? "An organisation no longer in OnePlace"),
        role: carer
          ? `Your carer ${carer}, acting for you`
          : citizen
            ? OTHER_CITIZEN
            : system
              ? r.channel === "cli"
                ? "Data manager, checking records match the right person"
                : "The OnePlace system"
              : (r.role_name ?? r.role_code ?? "Unknown role"),
        what: refused
          ? "Tried to see your record but was not allowed"
          : (ACTION_WORDS[r.action] ?? "Used your record"),
        emergency: r.break_glass_id !== null,
        refused,
      };
    }),
  };
}

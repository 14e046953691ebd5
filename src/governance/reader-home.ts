// The home page's reads, by role: what this user needs now. Each kind of home decides before it reads and
// writes its audit row; people appear only through the person-by-person filter (base.filtered), and the
// back office, IG and administrator homes read counts about work, never a person's record.
import { readDeliveries, readWorklist } from "../care/index.ts";
import { type FeedHealth, feedHealth } from "../ingest/index.ts";
import { openReviewCount } from "../mpi/index.ts";
import { auditBase, withheldTally } from "./access.ts";
import { appendAuditEvent } from "./audit-log.ts";
import {
  accountCounts,
  breakGlassCounts,
  type Candidate,
  caseloadOf,
  openReferrals,
  organisationName,
  practiceAdmissions,
  practiceNewOnRegister,
  practiceRegisterCounts,
  practiceReviewsDue,
  teamAdmissions,
  teamReviewsDue,
} from "./home-queries.ts";
import type { ReaderBase } from "./reader-base.ts";
import { type NotificationsPage, notificationsPage } from "./reader-notifications.ts";
import { londonDate } from "./relationship-facts.ts";
import type { AccessDecision } from "./types.ts";

/** One person in a home panel: who, and the date (and a word) the panel is about. */
export interface HomePerson {
  personId: string;
  nhsNumber: string | null;
  name: string;
  birthDate: string | null;
  /** Admitted on, review due on, on the caseload since. */
  date: string | null;
  /** A word about it: the admitting hospital, overdue, the risk tier. */
  detail: string | null;
}

/** The first few people of a panel, and how many there are in all (that the user may see). */
export interface HomeList {
  people: HomePerson[];
  total: number;
}

export interface FeedSummary {
  source: string;
  lastReceivedAt: string | null;
  messages: number;
  openRejects: number;
  /** Messages or resources held waiting (for an admission, a Patient) longer than the alarm threshold. */
  heldTooLong: number;
  status: "ok" | "rejecting" | "holding" | "silent";
}

export interface BreakGlassAwaiting {
  breakGlassId: string;
  at: string;
  username: string;
  roleName: string;
  reason: string;
}

export type HomeData =
  | {
      kind: "practice";
      practiceCode: string;
      practiceName: string;
      /** Admissions are counted from this date (yesterday). */
      since: string;
      /** People at the practice in the latest stratification (the practice's register), and the top two tiers. */
      registerSize: number;
      highRisk: number;
      newlyOnRegister: HomeList;
      reviewsDue: HomeList;
      admitted: HomeList;
      withheld: number;
    }
  | {
      kind: "caseload";
      since: string;
      caseloadSize: number;
      caseload: HomeList;
      /** Referrals to the team still open: its tasks. */
      referrals: HomeList;
      reviewsDue: HomeList;
      admitted: HomeList;
      withheld: number;
    }
  | { kind: "backoffice"; reviewQueue: number; openRejects: number; feeds: FeedSummary[] }
  | {
      kind: "ig";
      breakGlassAwaiting: number;
      breakGlassReviewedRecently: number;
      awaiting: BreakGlassAwaiting[];
    }
  | { kind: "commissioning"; pseudonymised: boolean }
  | { kind: "admin"; activeUsers: number; lockedUsers: number; teams: number }
  | { kind: "none" };

/** The user's worklist as the home page shows it: how many items wait and how many are overdue. */
export interface HomeWorklist {
  /** Items about people the user may see now, and of those the overdue. */
  items: number;
  overdue: number;
  /** Items about people the user may not see now. */
  withheld: number;
}

/** Everything the home page shows, decided and audited together. */
export interface HomePage {
  home: HomeData;
  /** The user's latest unread notifications, on a practice or caseload home. */
  notifications?: NotificationsPage;
  /** The counts of the user's worklist, when asked for. */
  worklist?: HomeWorklist;
}

export interface HomeReads {
  /** What this user's home page shows, for their role and team now. */
  home(): Promise<HomeData>;
  /**
   * The whole home page: the panels and, as asked, the user's latest unread notifications (on a practice or
   * caseload home, whose users are told of admissions) and the counts of their worklist. Every person on it is
   * decided in one query, and one audit row ("list") names everyone the page shows (panels and
   * notifications); the rest, the worklist's people among them, are only counted.
   */
  homePage(options?: HomePageOptions): Promise<HomePage>;
}

export interface HomePageOptions {
  /** The latest unread notifications, on a practice or caseload home. */
  notifications?: boolean;
  /** The counts of the user's worklist. */
  worklist?: boolean;
}

/** How many people a panel names; the rest are counted, and the page it links to lists them. */
export const HOME_PANEL_PEOPLE = 10;
const BREAK_GLASS_SHOWN = 5;
/** How many unread notifications the home page shows. */
export const HOME_NOTIFICATIONS = 5;
const REVIEWED_RECENTLY_DAYS = 30;

function yesterdayOf(day: string): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

function nameOf(p: { name: { given: string | null; family: string | null } }): string {
  const family = p.name.family ? p.name.family.toUpperCase() : "";
  return [family, p.name.given].filter(Boolean).join(", ") || "Name not known";
}

/** The people of each panel that the filter disclosed, in the panel's order; the first few named. */
function listsOf<K extends string>(
  panels: Record<K, Candidate[]>,
  disclosed: Map<
    string,
    {
      nhsNumber: string | null;
      name: { given: string | null; family: string | null };
      birthDate: string | null;
    }
  >,
  totals: Record<K, number>,
): Record<K, HomeList> {
  const out = {} as Record<K, HomeList>;
  for (const key of Object.keys(panels) as K[]) {
    const seen = panels[key].filter((c) => disclosed.has(c.personId));
    out[key] = {
      total: totals[key],
      people: seen.slice(0, HOME_PANEL_PEOPLE).map((c) => {
        const p = disclosed.get(c.personId) as NonNullable<ReturnType<typeof disclosed.get>>;
        return {
          personId: c.personId,
          nhsNumber: p.nhsNumber,
          name: nameOf(p),
          birthDate: p.birthDate,
          date: c.date,
          detail: c.detail,
        };
      }),
    };
  }
  return out;
}

/** Each panel's list by the panel's name (the keys its home builder reads). */
type PanelLists = Record<string, HomeList>;

/** What a page's people part read before the decision: panels' candidates, notifications, worklist items. */
interface PeopleParts {
  panels: Record<string, Candidate[]>;
  delivered: Awaited<ReturnType<typeof readDeliveries>> | null;
  work: Awaited<ReturnType<typeof readWorklist>> | null;
}

export function homeReads(base: ReaderBase): HomeReads {
  const { db, identity, ctx } = base;

  /**
   * Every person of the page judged at once, in one query (for the counts); then only the people the page
   * names (the first few allowed of each panel, and the people of the notifications shown) disclosed, with
   * one audit row, before their names are read. The worklist's people are counted, never named.
   */
  async function decide({ panels, delivered, work }: PeopleParts) {
    const panelIds = new Set(
      Object.values<Candidate[]>(panels).flatMap((list) => list.map((c) => c.personId)),
    );
    const noticeIds = new Set((delivered?.items ?? []).map((n) => n.personId));
    const workIds = new Set((work ?? []).map((i) => i.personId));
    const everyone = [...new Set([...panelIds, ...noticeIds, ...workIds])];
    let named = new Set<string>();
    const { people, judged } = await base.counted(everyone, "list", (decisions) => {
      const allowedIn = (list: Candidate[]) => list.filter((c) => decisions.get(c.personId)?.allow);
      const fromPanels = Object.values<Candidate[]>(panels).flatMap((list) =>
        allowedIn(list)
          .slice(0, HOME_PANEL_PEOPLE)
          .map((c) => c.personId),
      );
      named = new Set([...fromPanels, ...noticeIds]);
      const countedOnly = everyone
        .filter((id) => !named.has(id))
        .map((id) => decisions.get(id) as AccessDecision);
      const { withheld: withheldCount, why } = withheldTally(countedOnly.map((d) => [d, 1] as const));
      const context = [
        `home page: ${countedOnly.length - withheldCount} more counted, not named`,
        ...(withheldCount > 0 ? [`withheld ${withheldCount}, never read: ${why}`] : []),
        ...(delivered ? [`${noticeIds.size} in the notifications shown`] : []),
        ...(work ? [`worklist counted: ${work.length} items about ${workIds.size} people`] : []),
      ].join("; ");
      return { named: [...named], context };
    });
    const allowed = (id: string) => judged.get(id)?.allow === true;
    const disclosed = new Map(people.map((p) => [p.personId, p]));
    const totals: Record<string, number> = {};
    for (const key of Object.keys(panels))
      totals[key] = panels[key].filter((c) => allowed(c.personId)).length;
    const shownItems = (work ?? []).filter((i) => allowed(i.personId));
    return {
      lists: listsOf(panels, disclosed, totals),
      /** The panels' people the user may not see (a person named is allowed, so never among them). */
      withheld: [...panelIds].filter((id) => !allowed(id)).length,
      notifications: delivered ? notificationsPage(delivered, people) : undefined,
      worklist: work
        ? {
            items: shownItems.length,
            overdue: shownItems.filter((i) => i.overdue).length,
            withheld: work.length - shownItems.length,
          }
        : undefined,
    };
  }

  /** The panels of a practice home: its register's counts, and who was admitted, is due a review or is new. */
  async function practicePanels(practiceCode: string, day: string, since: string) {
    const [name, counts, admitted, reviewsDue, newlyOnRegister] = await Promise.all([
      organisationName(db, practiceCode),
      practiceRegisterCounts(db, practiceCode),
      practiceAdmissions(db, practiceCode, day, since),
      practiceReviewsDue(db, practiceCode, day),
      practiceNewOnRegister(db, practiceCode),
    ]);
    return {
      panels: { admitted, reviewsDue, newlyOnRegister },
      home: (lists: PanelLists, withheld: number): HomeData => ({
        kind: "practice",
        practiceCode,
        practiceName: name ?? practiceCode,
        since,
        registerSize: counts.stratified,
        highRisk: counts.highRisk,
        admitted: lists.admitted,
        reviewsDue: lists.reviewsDue,
        newlyOnRegister: lists.newlyOnRegister,
        withheld,
      }),
    };
  }

  /** The panels of a caseload home: the user's caseload, the team's referrals, admissions and reviews. */
  async function caseloadPanels(day: string, since: string) {
    const { team } = identity.roleAssignment;
    const { userId } = identity.user;
    const [caseload, referrals, admitted, reviewsDue] = await Promise.all([
      caseloadOf(db, userId, team.teamId, day),
      openReferrals(db, team.teamId, day),
      teamAdmissions(db, userId, team.teamId, day, since),
      teamReviewsDue(db, userId, team.teamId, day),
    ]);
    return {
      panels: { caseload, referrals, admitted, reviewsDue },
      home: (lists: PanelLists, withheld: number): HomeData => ({
        kind: "caseload",
        since,
        caseloadSize: lists.caseload.total,
        caseload: lists.caseload,
        referrals: lists.referrals,
        admitted: lists.admitted,
        reviewsDue: lists.reviewsDue,
        withheld,
      }),
    };
  }

  async function homePage(options: HomePageOptions = {}): Promise<HomePage> {
    const now = ctx.now ? ctx.now() : new Date();
    const day = londonDate(now);
    const worklist = (): Promise<Awaited<ReturnType<typeof readWorklist>>> =>
      readWorklist(db, { userId: identity.user.userId, teamId: identity.roleAssignment.team.teamId }, day);
    const work = await workHome(base, now);
    if (work) {
      // A home of counts; a worklist asked for beside it still has its people decided, counted, never named.
      if (!options.worklist) return { home: work };
      const items = await worklist();
      if (items.length === 0) return { home: work, worklist: { items: 0, overdue: 0, withheld: 0 } };
      const decided = await decide({ panels: {}, delivered: null, work: items });
      return { home: work, worklist: decided.worklist };
    }
    const { team } = identity.roleAssignment;
    const since = yesterdayOf(day);
    const [page, delivered, items] = await Promise.all([
      team.kind === "practice" && team.orgCode
        ? practicePanels(team.orgCode, day, since)
        : caseloadPanels(day, since),
      options.notifications
        ? readDeliveries(db, identity.user.userId, {
            limit: HOME_NOTIFICATIONS,
            offset: 0,
            unreadOnly: true,
          })
        : null,
      options.worklist ? worklist() : null,
    ]);
    const decided = await decide({ panels: page.panels, delivered, work: items });
    return {
      home: page.home(decided.lists, decided.withheld),
      notifications: decided.notifications,
      worklist: decided.worklist,
    };
  }

  return {
    home: async () => (await homePage()).home,
    homePage,
  };
}

/** A home of counts about work, never about a person's record; null for a home of people. */
async function workHome(base: ReaderBase, now: Date): Promise<HomeData | null> {
  const { db, ctx } = base;
  const { role } = base.identity.roleAssignment;
  /** One audit row for a home that reads counts about work, not people: who looked, and at what. */
  const noteRead = (reason: string) =>
    appendAuditEvent(db, { ...auditBase(ctx, "view"), personIds: [], personCount: 0, allowed: true, reason });
  if (role.mayManageUsers) {
    await noteRead("home: counts of accounts and teams");
    const c = await accountCounts(db, now);
    return { kind: "admin", activeUsers: c.active, lockedUsers: c.locked, teams: c.teams };
  }
  if (role.mayReadAudit) {
    await noteRead("home: break-glass accesses awaiting review");
    const recent = new Date(now.getTime() - REVIEWED_RECENTLY_DAYS * 86_400_000);
    const bg = await breakGlassCounts(db, recent, BREAK_GLASS_SHOWN);
    return {
      kind: "ig",
      breakGlassAwaiting: bg.awaiting,
      breakGlassReviewedRecently: bg.reviewedSince,
      awaiting: bg.oldest,
    };
  }
  switch (role.accessBasis) {
    case "relationship":
      return null;
    case "identity-admin": {
      await noteRead("home: feed health, open rejects and the identity review queue");
      const feeds = await feedHealth(db);
      return {
        kind: "backoffice",
        reviewQueue: await openReviewCount(db),
        openRejects: feeds.reduce((n, f) => n + f.openRejects, 0),
        feeds: feeds.map((f) => ({
          source: f.sourceSystem,
          lastReceivedAt: f.lastReceivedAt,
          messages: f.received,
          openRejects: f.openRejects,
          heldTooLong: f.heldOverdue ?? 0,
          status: feedStatus(f),
        })),
      };
    }
    case "pseudonymised":
      return { kind: "commissioning", pseudonymised: true };
    case "aggregate":
      return { kind: "commissioning", pseudonymised: false };
    default:
      return { kind: "none" };
  }
}

function feedStatus(f: FeedHealth): FeedSummary["status"] {
  if (f.openRejects > 0) return "rejecting";
  if ((f.heldOverdue ?? 0) > 0) return "holding";
  return f.received === 0 ? "silent" : "ok";
}

// The home page's reads, by role: what this user needs now. Each kind of home decides before it reads and
// writes its audit row; people appear only through the person-by-person filter (base.filtered), and the
// back office, IG and administrator homes read counts about work, never a person's record.
import { type FeedHealth, feedHealth } from "../ingest/index.ts";
import { openReviewCount } from "../mpi/index.ts";
import { auditBase, judgePeople, withheldTally } from "./access.ts";
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
import { londonDate } from "./relationship-facts.ts";

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

export interface HomeReads {
  /** What this user's home page shows, for their role and team now. */
  home(): Promise<HomeData>;
}

/** How many people a panel names; the rest are counted, and the page it links to lists them. */
export const HOME_PANEL_PEOPLE = 10;
const BREAK_GLASS_SHOWN = 5;
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

export function homeReads(base: ReaderBase): HomeReads {
  const { db, identity, ctx } = base;

  /** One audit row for a home that reads counts about work, not people: who looked, and at what. */
  const noteRead = (reason: string) =>
    appendAuditEvent(db, { ...auditBase(ctx, "view"), personIds: [], personCount: 0, allowed: true, reason });

  /**
   * Every candidate of every panel judged at once (for the counts), then only the people the panels name
   * (the first few of each) through the access filter, with its audit row, before their names are read.
   */
  async function disclose<K extends string>(panels: Record<K, Candidate[]>) {
    const ids = [
      ...new Set(Object.values<Candidate[]>(panels).flatMap((list) => list.map((c) => c.personId))),
    ];
    const decisions = await judgePeople(ctx, ids, "list");
    const allowedIn = (list: Candidate[]) => list.filter((c) => decisions.get(c.personId)?.allow);
    const named = [
      ...new Set(
        Object.values<Candidate[]>(panels).flatMap((list) =>
          allowedIn(list)
            .slice(0, HOME_PANEL_PEOPLE)
            .map((c) => c.personId),
        ),
      ),
    ];
    const { withheld: withheldCount, why } = withheldTally(
      [...decisions.values()].map((d) => [d, 1] as const),
    );
    const allowedCount = ids.length - withheldCount;
    const context = [
      `home page panels: ${allowedCount - named.length} more counted, not named`,
      ...(withheldCount > 0 ? [`withheld ${withheldCount}, never read: ${why}`] : []),
    ].join("; ");
    const { people, withheld } = await base.filtered(named, "list", context);
    const disclosed = new Map(people.map((p) => [p.personId, p]));
    const totals = {} as Record<K, number>;
    for (const key of Object.keys(panels) as K[]) totals[key] = allowedIn(panels[key]).length;
    return { lists: listsOf(panels, disclosed, totals), withheld: ids.length - allowedCount + withheld };
  }

  async function practiceHome(practiceCode: string, day: string): Promise<HomeData> {
    const since = yesterdayOf(day);
    const [name, counts, admitted, reviewsDue, newlyOnRegister] = await Promise.all([
      organisationName(db, practiceCode),
      practiceRegisterCounts(db, practiceCode),
      practiceAdmissions(db, practiceCode, day, since),
      practiceReviewsDue(db, practiceCode, day),
      practiceNewOnRegister(db, practiceCode),
    ]);
    const { lists, withheld } = await disclose({ admitted, reviewsDue, newlyOnRegister });
    return {
      kind: "practice",
      practiceCode,
      practiceName: name ?? practiceCode,
      since,
      registerSize: counts.stratified,
      highRisk: counts.highRisk,
      ...lists,
      withheld,
    };
  }

  async function caseloadHome(day: string): Promise<HomeData> {
    const { team } = identity.roleAssignment;
    const { userId } = identity.user;
    const since = yesterdayOf(day);
    const [caseload, referrals, admitted, reviewsDue] = await Promise.all([
      caseloadOf(db, userId, team.teamId, day),
      openReferrals(db, team.teamId, day),
      teamAdmissions(db, userId, team.teamId, day, since),
      teamReviewsDue(db, userId, team.teamId, day),
    ]);
    const { lists, withheld } = await disclose({ caseload, referrals, admitted, reviewsDue });
    return { kind: "caseload", since, caseloadSize: lists.caseload.total, ...lists, withheld };
  }

  return {
    async home(): Promise<HomeData> {
      const { role, team } = identity.roleAssignment;
      const now = ctx.now ? ctx.now() : new Date();
      const day = londonDate(now);
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
          return team.kind === "practice" && team.orgCode
            ? practiceHome(team.orgCode, day)
            : caseloadHome(day);
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
    },
  };
}

function feedStatus(f: FeedHealth): FeedSummary["status"] {
  if (f.openRejects > 0) return "rejecting";
  if ((f.heldOverdue ?? 0) > 0) return "holding";
  return f.received === 0 ? "silent" : "ok";
}

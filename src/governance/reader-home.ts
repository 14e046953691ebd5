// The home page's reads, by role: what this user needs now. Each kind of home decides before it reads and
// writes its audit row; people appear only through the person-by-person filter (base.filtered), and the
// back office, IG and administrator homes read counts about work, never a person's record.
import type { AccessContext, Action } from "./types.ts";

/**
 * What this group needs of the reader's base (ReaderBase in reader.ts, which satisfies it). Declared here by
 * shape, not imported: reader.ts imports this file, and the house forbids import cycles, types included.
 */
export interface HomeReaderBase {
  readonly db: AccessContext["db"];
  readonly identity: Omit<AccessContext, "db">;
  readonly ctx: AccessContext;
  filtered(
    personIds: readonly string[],
    action: Action,
  ): Promise<{ people: { personId: string }[]; withheld: number }>;
  refuse(action: Action, reason: string): Promise<never>;
}

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
  status: "ok" | "rejecting" | "silent";
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
      registerSize: number;
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
  | { kind: "commissioning"; pseudonymised: boolean; people: number | null; registeredNow: number | null }
  | { kind: "admin"; activeUsers: number; lockedUsers: number; teams: number }
  | { kind: "none" };

export interface HomeReads {
  /** What this user's home page shows, for their role and team now. */
  home(): Promise<HomeData>;
}

export function homeReads(base: HomeReaderBase): HomeReads {
  const { identity } = base;
  return {
    async home(): Promise<HomeData> {
      const { role } = identity.roleAssignment;
      if (role.mayManageUsers) return { kind: "admin", activeUsers: 0, lockedUsers: 0, teams: 0 };
      if (role.mayReadAudit)
        return { kind: "ig", breakGlassAwaiting: 0, breakGlassReviewedRecently: 0, awaiting: [] };
      return { kind: "none" };
    },
  };
}

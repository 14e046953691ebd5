// Example contexts for home.njk: each kind of home (practice, caseload, back office, IG, commissioning,
// administrator), empty and full, and a role with nothing to show.
import type { HomeData, HomeList, HomePerson } from "../../governance/index.ts";
import type { ViewFixture } from "./fixtures.ts";
import { homeContext, worklistPanel } from "./home.context.ts";
import { fixtureIdentity, fixtureShell } from "./layout.fixtures.ts";

const none: HomeList = { people: [], total: 0 };

function person(i: number, date: string, detail: string | null): HomePerson {
  return {
    personId: `00000000-0000-4000-8000-0000000000${String(10 + i)}`,
    nhsNumber: "9990000018",
    name: ["Ada Example", "Brian O'Test", "Chidi Sample", "Dorota Placeholder"][i % 4],
    birthDate: `19${40 + i}-0${(i % 9) + 1}-1${i % 9}`,
    date,
    detail,
  };
}

const list = (n: number, total: number, date: string, detail: string | null): HomeList => ({
  people: Array.from({ length: n }, (_, i) => person(i, date, detail)),
  total,
});

function home(
  roleCode: string,
  data: HomeData,
  worklist?: { overdue: number; text: string },
): ViewFixture["context"] {
  const id = fixtureIdentity(roleCode);
  return {
    ...fixtureShell(roleCode),
    ...homeContext(
      {
        displayName: id.user.displayName,
        roleName: id.roleAssignment.role.name,
        teamName: id.roleAssignment.team.name,
      },
      data,
      undefined,
      worklist,
    ),
  };
}

export const fixtures: ViewFixture[] = [
  {
    name: "GP, a full practice home",
    context: home(
      "gp",
      {
        kind: "practice",
        practiceCode: "F81001",
        practiceName: "Riverside Surgery",
        since: "2016-03-30",
        registerSize: 8_412,
        highRisk: 412,
        newlyOnRegister: list(3, 12, "2016-03-01", "High"),
        reviewsDue: list(4, 30, "2016-04-05", "overdue"),
        admitted: list(2, 2, "2016-03-30", "Basildon University Hospital"),
        withheld: 3,
      },
      worklistPanel({ items: 3, overdue: 2 }),
    ),
  },
  {
    name: "MDT coordinator, an empty practice home",
    context: home("practice-mdt-coordinator", {
      kind: "practice",
      practiceCode: "F81001",
      practiceName: "Riverside Surgery",
      since: "2016-03-30",
      registerSize: 0,
      highRisk: 0,
      newlyOnRegister: none,
      reviewsDue: none,
      admitted: none,
      withheld: 0,
    }),
  },
  {
    name: "social worker, a full caseload",
    context: home("social-worker", {
      kind: "caseload",
      since: "2016-03-30",
      caseloadSize: 27,
      caseload: list(4, 27, "2015-11-02", null),
      referrals: list(2, 2, "2016-03-20", "reablement"),
      reviewsDue: list(2, 2, "2016-03-28", "overdue"),
      admitted: list(1, 1, "2016-03-31", "Southend University Hospital"),
      withheld: 1,
    }),
  },
  {
    name: "community nurse, an empty caseload",
    context: home("community-clinician", {
      kind: "caseload",
      since: "2016-03-30",
      caseloadSize: 0,
      caseload: none,
      referrals: none,
      reviewsDue: none,
      admitted: none,
      withheld: 0,
    }),
  },
  {
    name: "integration engineer",
    context: home("integration-engineer", {
      kind: "backoffice",
      reviewQueue: 14,
      openRejects: 3,
      feeds: [
        {
          source: "hospital-pas",
          lastReceivedAt: "2016-03-31T10:00:00Z",
          messages: 120_345,
          openRejects: 3,
          heldTooLong: 0,
          status: "rejecting",
        },
        {
          source: "gp-extract",
          lastReceivedAt: "2016-03-31T02:00:00Z",
          messages: 40_002,
          openRejects: 0,
          heldTooLong: 2,
          status: "holding",
        },
        {
          source: "social-care",
          lastReceivedAt: null,
          messages: 0,
          openRejects: 0,
          heldTooLong: 0,
          status: "silent",
        },
      ],
    }),
  },
  {
    name: "integration engineer, nothing loaded",
    context: home("integration-engineer", { kind: "backoffice", reviewQueue: 0, openRejects: 0, feeds: [] }),
  },
  {
    name: "IG officer",
    context: home("ig-officer", {
      kind: "ig",
      breakGlassAwaiting: 2,
      breakGlassReviewedRecently: 5,
      awaiting: [
        {
          breakGlassId: "00000000-0000-4000-8000-0000000000c1",
          at: "2016-03-31T09:12:00Z",
          username: "sw.example",
          roleName: "Social worker",
          reason: "Safeguarding concern raised by a neighbour",
        },
      ],
    }),
  },
  {
    name: "IG officer, nothing to review",
    context: home("ig-officer", {
      kind: "ig",
      breakGlassAwaiting: 0,
      breakGlassReviewedRecently: 0,
      awaiting: [],
    }),
  },
  {
    name: "commissioner",
    context: home("commissioner-analyst", {
      kind: "commissioning",
      pseudonymised: true,
    }),
  },
  {
    name: "board member",
    context: home("hwb-board-member", {
      kind: "commissioning",
      pseudonymised: false,
    }),
  },
  {
    name: "administrator",
    context: home("administrator", { kind: "admin", activeUsers: 14, lockedUsers: 1, teams: 9 }),
  },
  { name: "a role with nothing", context: home("gp", { kind: "none" }) },
];

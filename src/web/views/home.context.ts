// The home page by role: panels of what this user needs now, built from what the reader's home() returned
// (reader-home.ts). Each panel links to the page that lists the rest; nothing here reads anything.
import { spaceNhsNumber } from "../../core/nhs-number.ts";
import type { HomeData, HomePerson } from "../../governance/index.ts";

type FeedSummaryStatus = Extract<HomeData, { kind: "backoffice" }>["feeds"][number]["status"];

import type { notificationsPanelContext } from "./notifications.context.ts";

type NotificationsPanel = ReturnType<typeof notificationsPanelContext>;

type Cell = { text?: string; html?: string; format?: string };

export interface HomePanel {
  id: string;
  heading: string;
  text?: string;
  summaryRows?: object[];
  table?: { caption: string; head: Cell[]; rows: Cell[][]; empty: string; more?: string };
  links?: { href: string; text: string }[];
}

export interface HomeContext {
  title: string;
  caption: string;
  heading: string;
  intro?: string;
  notice?: { heading: string; text: string };
  panels: HomePanel[];
  notifications?: NotificationsPanel;
  worklist?: { overdue: number; text: string };
}

export interface HomeUser {
  displayName: string;
  roleName: string;
  teamName: string;
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

/** 9434765919 as 943 476 5919. */
export function nhsNumber334(n: string | null): string {
  return n && /^\d{10}$/.test(n) ? spaceNhsNumber(n) : (n ?? "–");
}

function count(label: string, value: number | null, href?: string): object {
  return {
    key: { text: label },
    value: { text: value === null ? "–" : value.toLocaleString("en-GB") },
    ...(href
      ? { actions: { items: [{ href, text: "View", visuallyHiddenText: label.toLowerCase() }] } }
      : {}),
  };
}

function personCell(p: HomePerson): Cell {
  return { html: `<a href="/people/${encodeURIComponent(p.personId)}">${escapeHtml(p.name)}</a>` };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** 2016-03-31 as 31 Mar 2016. */
function shortDate(iso: string | null): string {
  if (!iso) return "–";
  return `${Number(iso.slice(8, 10))} ${MONTHS[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;
}

/** The column of a panel of admissions: the day and the admitting hospital. */
const ADMITTED = {
  head: "Admitted",
  cell: (p: HomePerson) => `${shortDate(p.date)}${p.detail ? `, ${p.detail}` : ""}`,
};

/** The reviews due panel, the same on the practice and the caseload home. */
function reviewsPanel(reviewsDue: { people: HomePerson[]; total: number }): HomePanel {
  return {
    id: "reviews",
    heading: "Reviews due",
    table: peopleTable(
      "Care plan reviews due in the next 14 days or overdue",
      reviewsDue.people,
      reviewsDue.total,
      "No care plan reviews are due in the next 14 days.",
      {
        head: "Review due",
        cell: (p) => `${shortDate(p.date)}${p.detail ? ` (${p.detail})` : ""}`,
      },
    ),
  };
}

function peopleTable(
  caption: string,
  people: HomePerson[],
  total: number,
  empty: string,
  detail: { head: string; cell: (p: HomePerson) => string },
): HomePanel["table"] {
  return {
    caption,
    head: [{ text: "Name" }, { text: "NHS Number" }, { text: "Date of birth" }, { text: detail.head }],
    rows: people.map((p) => [
      personCell(p),
      { text: nhsNumber334(p.nhsNumber) },
      { text: shortDate(p.birthDate) },
      { text: detail.cell(p) },
    ]),
    empty,
    more: total > people.length ? `Showing ${people.length} of ${total.toLocaleString("en-GB")}.` : undefined,
  };
}

function withheldText(withheld: number): string | undefined {
  if (withheld === 0) return undefined;
  return `${withheld.toLocaleString("en-GB")} ${withheld === 1 ? "person is" : "people are"} not shown: they have objected to sharing or you have no relationship with them.`;
}

function practicePanels(data: Extract<HomeData, { kind: "practice" }>): HomePanel[] {
  const register = `/registers/practice/${encodeURIComponent(data.practiceCode)}`;
  return [
    {
      id: "register",
      heading: `${data.practiceName} register`,
      summaryRows: [
        count("People on the practice's register", data.registerSize, register),
        count("Very high or high risk", data.highRisk, `${register}?tier=very-high&tier=high`),
        count("New on a saved practice register at its last refresh", data.newlyOnRegister.total),
        count("Reviews due or overdue", data.reviewsDue.total),
        count(`Admitted since ${shortDate(data.since)}`, data.admitted.total),
      ],
      text: withheldText(data.withheld),
    },
    {
      id: "admitted",
      heading: "Admitted since yesterday",
      table: peopleTable(
        "People on your register admitted to hospital",
        data.admitted.people,
        data.admitted.total,
        "Nobody on your register has been admitted since yesterday.",
        ADMITTED,
      ),
    },
    reviewsPanel(data.reviewsDue),
    {
      id: "new",
      heading: "New on the register",
      table: peopleTable(
        "People newly on the risk register",
        data.newlyOnRegister.people,
        data.newlyOnRegister.total,
        "Nobody is new on the register since the last scoring.",
        {
          head: "Risk tier",
          cell: (p) => p.detail ?? "–",
        },
      ),
      links: [
        { href: register, text: "Open the whole register" },
        { href: "/find", text: "Find a person" },
      ],
    },
  ];
}

function caseloadPanels(data: Extract<HomeData, { kind: "caseload" }>): HomePanel[] {
  return [
    {
      id: "caseload",
      heading: "Your caseload",
      summaryRows: [
        count("People on your caseload", data.caseloadSize),
        count("Open referrals to your team", data.referrals.total),
        count("Reviews due or overdue", data.reviewsDue.total),
        count(`Admitted since ${shortDate(data.since)}`, data.admitted.total),
      ],
      text: withheldText(data.withheld),
    },
    {
      id: "admitted",
      heading: "Admissions of people on your caseload",
      table: peopleTable(
        "People on your caseload or in your team's care admitted to hospital since yesterday",
        data.admitted.people,
        data.admitted.total,
        "Nobody on your caseload has been admitted since yesterday.",
        ADMITTED,
      ),
    },
    reviewsPanel(data.reviewsDue),
    {
      id: "referrals",
      heading: "Referrals to your team",
      table: peopleTable(
        "Open referrals to your team, oldest first",
        data.referrals.people,
        data.referrals.total,
        "Your team has no open referrals.",
        { head: "Referred", cell: (p) => `${shortDate(p.date)}${p.detail ? `, ${p.detail}` : ""}` },
      ),
    },
    {
      id: "people",
      heading: "People on your caseload",
      table: peopleTable(
        "People on your caseload, most recent first",
        data.caseload.people,
        data.caseloadSize,
        "You have nobody on your caseload.",
        {
          head: "Since",
          cell: (p) => shortDate(p.date),
        },
      ),
      links: [{ href: "/find", text: "Find a person" }],
    },
  ];
}

const FEED_STATUS: Record<FeedSummaryStatus, string> = {
  ok: "Receiving",
  rejecting: "Rejecting messages",
  holding: "Holding messages too long",
  silent: "No messages yet",
};

function backofficePanels(data: Extract<HomeData, { kind: "backoffice" }>): HomePanel[] {
  return [
    {
      id: "work",
      heading: "Work waiting",
      summaryRows: [
        count("Identity matches to review", data.reviewQueue, "/mpi/review"),
        count("Open rejected messages", data.openRejects, "/rejects"),
        count(
          "Messages held too long",
          data.feeds.reduce((n, f) => n + f.heldTooLong, 0),
          "/feeds",
        ),
        count("Feeds with a problem", data.feeds.filter((f) => f.status !== "ok").length, "/feeds"),
      ],
    },
    {
      id: "feeds",
      heading: "Feed health",
      table: {
        caption: "Each source: its last message and what is waiting",
        head: [
          { text: "Source" },
          { text: "Last message" },
          { text: "Messages", format: "numeric" },
          { text: "Open rejects", format: "numeric" },
          { text: "Held too long", format: "numeric" },
          { text: "Status" },
        ],
        rows: data.feeds.map((f) => [
          { text: f.source },
          { text: f.lastReceivedAt ? shortDate(f.lastReceivedAt) : "Never" },
          { text: f.messages.toLocaleString("en-GB"), format: "numeric" },
          { text: f.openRejects.toLocaleString("en-GB"), format: "numeric" },
          { text: f.heldTooLong.toLocaleString("en-GB"), format: "numeric" },
          { text: FEED_STATUS[f.status] },
        ]),
        empty: "No source has sent anything yet.",
      },
      links: [
        { href: "/feeds", text: "Feed health in full" },
        { href: "/rejects", text: "Rejected messages" },
        { href: "/mpi/review", text: "Identity review queue" },
      ],
    },
  ];
}

function igPanels(data: Extract<HomeData, { kind: "ig" }>): HomePanel[] {
  return [
    {
      id: "break-glass",
      heading: "Break-glass accesses",
      summaryRows: [
        count("Awaiting your review", data.breakGlassAwaiting, "/ig/break-glass"),
        count("Reviewed in the last 30 days", data.breakGlassReviewedRecently),
      ],
      table: {
        caption: "Oldest break-glass accesses awaiting review",
        head: [{ text: "When" }, { text: "Who" }, { text: "Role" }, { text: "Reason given" }],
        rows: data.awaiting.map((b) => [
          {
            html: `<a href="/ig/break-glass/${encodeURIComponent(b.breakGlassId)}">${escapeHtml(shortDate(b.at))}</a>`,
          },
          { text: b.username },
          { text: b.roleName },
          { text: b.reason },
        ]),
        empty: "Every break-glass access has been reviewed.",
      },
    },
    {
      id: "audit",
      heading: "Who looked at a record",
      text: "Search the audit trail by a person's NHS Number, or by a user.",
      links: [{ href: "/ig/audit", text: "Search the audit trail" }],
    },
  ];
}

function commissioningPanels(data: Extract<HomeData, { kind: "commissioning" }>): HomePanel[] {
  return [
    {
      id: "reports",
      heading: "Reports and dashboards",
      text: data.pseudonymised
        ? "Your role sees pseudonymised and aggregate figures only: never a named person."
        : "Your role sees aggregate figures only: never a person.",
      links: [
        ...(data.pseudonymised ? [{ href: "/analytics/model", text: "How well the risk model works" }] : []),
        { href: "/status", text: "What is loaded" },
      ],
    },
  ];
}

function adminPanels(data: Extract<HomeData, { kind: "admin" }>): HomePanel[] {
  return [
    {
      id: "accounts",
      heading: "Users and teams",
      summaryRows: [
        count("Active users", data.activeUsers, "/admin/users"),
        count("Locked or disabled accounts", data.lockedUsers, "/admin/users"),
        count("Teams", data.teams, "/admin/teams"),
      ],
      links: [
        { href: "/admin/users", text: "Manage users" },
        { href: "/admin/teams", text: "Manage teams" },
      ],
    },
  ];
}

function panelsFor(data: HomeData): HomePanel[] {
  switch (data.kind) {
    case "practice":
      return practicePanels(data);
    case "caseload":
      return caseloadPanels(data);
    case "backoffice":
      return backofficePanels(data);
    case "ig":
      return igPanels(data);
    case "commissioning":
      return commissioningPanels(data);
    case "admin":
      return adminPanels(data);
    default:
      return [];
  }
}

const INTROS: Record<HomeData["kind"], string> = {
  practice: "Your practice's register, who is due a review and who has been admitted since yesterday.",
  caseload: "Your team's caseload, who is due a review and who has been admitted since yesterday.",
  backoffice:
    "Feeds, rejected messages and identity matches waiting for you. You see demographics only, never the care record.",
  ig: "Break-glass accesses waiting for your review, and the audit trail.",
  commissioning: "Figures for planning and evaluating services.",
  admin: "User accounts, their roles and teams. Your role has no access to people's records.",
  none: "",
};

/** The worklist's line on the home page: how many plan actions, reviews and referral steps wait, and how many are overdue. */
/** The worklist's counts on the home page: the items about people the user may see, and the overdue. */
export function worklistPanel(work: { items: number; overdue: number }): {
  overdue: number;
  text: string;
} {
  const n = work.items;
  return {
    overdue: work.overdue,
    text:
      n === 0
        ? "Nothing is waiting for you: no plan actions, reviews or referrals."
        : `${n} ${n === 1 ? "item waits" : "items wait"} for you: plan actions, reviews and referral steps.`,
  };
}

export function homeContext(
  user: HomeUser,
  data: HomeData,
  notifications?: NotificationsPanel,
  worklist?: { overdue: number; text: string },
): HomeContext {
  return {
    title: "Home",
    caption: `${user.roleName}, ${user.teamName}`,
    heading: `Hello, ${user.displayName}`,
    intro: INTROS[data.kind] || undefined,
    notice:
      data.kind === "none"
        ? {
            heading: "Nothing to show yet",
            text: "Your role has no pages in OnePlace yet. Ask your administrator.",
          }
        : undefined,
    panels: panelsFor(data),
    ...(notifications ? { notifications } : {}),
    ...(worklist ? { worklist } : {}),
  };
}

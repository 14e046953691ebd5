// The MDT meeting pages' contexts: the team's meetings, the schedule form, the agenda (edit, attendance), one
// person's recording page and the minutes (page and printable). Words, not codes; dates as people write them.
import {
  AGENDA_REASON_TEXT,
  AGENDA_RULES,
  type AgendaItem,
  DEFAULT_AGENDA,
  LEAD_ROLES,
  MDT_TIERS,
  type MdtAction,
  type Meeting,
  type MeetingSummary,
} from "../../care/index.ts";
import type { MdtMeetingView, MdtPerson, MdtPersonPage, StaffMember } from "../../governance/index.ts";
import { longdate } from "../../platform/index.ts";
import { escapeHtml, type PageError } from "./care.context.ts";
import { bannerContext, type PersonBannerContext } from "./partials/person-banner.context.ts";

const capitalised = (s: string) => (s ? `${s[0].toUpperCase()}${s.slice(1)}` : s);
const words = (s: string | null | undefined) => (s ?? "").replaceAll("-", " ");
const spaced = (n: string | null) =>
  n && /^\d{10}$/.test(n) ? `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}` : (n ?? "Not known");
const nameOf = (p: MdtPerson | undefined) =>
  p ? [p.name.given, p.name.family].filter(Boolean).join(" ") || "Name not known" : "Name not known";

export const RULE_TEXT: Record<string, string> = {
  "very-high-new": "New to the very-high tier (not discussed at an earlier meeting)",
  "admitted-since-last": "Admitted to hospital since the last meeting",
  "review-due": "Joint plan review due by the meeting",
  "no-plan": "No joint plan yet",
};

const ACTION_STATUS: Record<string, { text: string; colour: string }> = {
  open: { text: "Open", colour: "blue" },
  done: { text: "Done", colour: "green" },
  cancelled: { text: "Cancelled", colour: "grey" },
};

const tag = (status: string) => {
  const s = ACTION_STATUS[status] ?? { text: status, colour: "grey" };
  return `<strong class="nhsuk-tag nhsuk-tag--${s.colour}">${s.text}</strong>`;
};

const whenText = (m: MeetingSummary) => `${longdate(m.heldOn)}${m.startsAt ? ` at ${m.startsAt}` : ""}`;
const meetingHref = (m: MeetingSummary) => `/care/mdt/${m.meetingId}`;
const reasonsText = (i: AgendaItem) => i.reasons.map((r) => AGENDA_REASON_TEXT[r] ?? words(r)).join("; ");

export function meetingsContext(meetings: MeetingSummary[], teamName: string) {
  return {
    title: "MDT meetings",
    breadcrumbs: [{ href: "/", text: "Home" }],
    teamName,
    rows: meetings.map((m) => [
      { html: `<a href="${meetingHref(m)}">${escapeHtml(m.title)}</a>` },
      { text: whenText(m) },
      { text: String(m.people), format: "numeric" },
      { text: `${m.recorded} of ${m.people}` },
      {
        html: `<a href="${meetingHref(m)}/minutes">Minutes<span class="nhsuk-u-visually-hidden"> of ${escapeHtml(m.title)}, ${whenText(m)}</span></a>`,
      },
    ]),
  };
}

export interface ScheduleForm {
  title: string;
  day: string;
  month: string;
  year: string;
  startsAt: string;
  location: string;
  cohortId: string;
  rules: string[];
  tiers: string[];
  size: string;
}

export const EMPTY_SCHEDULE: ScheduleForm = {
  title: "",
  day: "",
  month: "",
  year: "",
  startsAt: "",
  location: "",
  cohortId: "",
  rules: ["very-high-new", "admitted-since-last", "review-due", "no-plan"],
  tiers: ["very-high", "high"],
  size: String(DEFAULT_AGENDA),
};

export function scheduleContext(
  cohorts: { cohortId: string; description: string }[],
  extra: { csrf: string | null; errors?: PageError[]; form?: ScheduleForm },
) {
  const form = extra.form ?? EMPTY_SCHEDULE;
  return {
    title: `${extra.errors?.length ? "Error: " : ""}Schedule an MDT meeting`,
    breadcrumbs: [
      { href: "/", text: "Home" },
      { href: "/care/mdt", text: "MDT meetings" },
    ],
    csrf: extra.csrf,
    errorList: extra.errors ?? [],
    form,
    sourceItems: [
      { value: "", text: "The team's risk register" },
      ...cohorts.map((c) => ({
        value: c.cohortId,
        text: `Saved cohort: ${c.description || c.cohortId}`,
        selected: c.cohortId === form.cohortId,
      })),
    ],
    // One field a box: the form parser keeps the first value of a repeated name.
    ruleItems: AGENDA_RULES.map((r) => ({
      name: `rule-${r}`,
      value: "yes",
      text: RULE_TEXT[r],
      checked: form.rules.includes(r),
    })),
    tierItems: MDT_TIERS.map((t) => ({
      name: `tier-${t}`,
      value: "yes",
      text: capitalised(words(t)),
      checked: form.tiers.includes(t),
    })),
  };
}

function actionRows(actions: MdtAction[], html = true) {
  return actions.map((a) => [
    { text: a.description },
    { text: `${a.owner}, ${a.organisation}` },
    { text: longdate(a.dueOn) },
    html
      ? {
          html: `${tag(a.status)}${a.carried ? ` <span class="nhsuk-body-s">from ${longdate(a.agreedOn)}</span>` : ""}`,
        }
      : {
          text: `${ACTION_STATUS[a.status]?.text ?? a.status}${a.carried ? ` (from ${longdate(a.agreedOn)})` : ""}`,
        },
  ]);
}

function meetingHeading(m: Meeting | MeetingSummary) {
  return {
    meetingId: m.meetingId,
    title: m.title,
    when: whenText(m),
    location: m.location || "Not set",
    drawnFrom:
      m.sourceKind === "cohort"
        ? `Saved cohort ${m.sourceCode}`
        : `The ${m.sourceKind} register (${m.sourceCode})`,
    rules: m.rules.map((r) => RULE_TEXT[r] ?? r).join("; "),
    tiers: m.tiers.map((t) => capitalised(words(t))).join(", "),
  };
}

export function agendaContext(
  view: MdtMeetingView,
  extra: { csrf: string | null; errors?: PageError[]; nhsNumber?: string },
) {
  const m = view.meeting;
  const base = `/care/mdt/${m.meetingId}`;
  const last = m.items.length - 1;
  return {
    title: `${extra.errors?.length ? "Error: " : ""}${m.title} – agenda`,
    breadcrumbs: [
      { href: "/", text: "Home" },
      { href: "/care/mdt", text: "MDT meetings" },
    ],
    csrf: extra.csrf,
    errorList: extra.errors ?? [],
    meeting: meetingHeading(m),
    withheld: view.withheld,
    withheldAtScheduling: m.withheld,
    minutesHref: `${base}/minutes`,
    addAction: `${base}/people`,
    attendeeAction: `${base}/attendees`,
    nhsNumber: extra.nhsNumber ?? "",
    attendees: m.attendees.map((a) => [
      { text: a.name },
      { text: a.role },
      { text: a.organisation || "Not recorded" },
    ]),
    items: m.items.map((i, n) => {
      const p = view.people.get(i.personId);
      const name = nameOf(p);
      return {
        position: n + 1,
        name,
        nhsNumber: spaced(p?.nhsNumber ?? null),
        href: `${base}/people/${i.personId}`,
        moveAction: `${base}/people/${i.personId}/move`,
        removeAction: `${base}/people/${i.personId}/remove`,
        canUp: n > 0,
        canDown: n < last,
        reasons: reasonsText(i),
        recorded: i.recordedAt !== null,
        openActions: i.actions.filter((a) => a.status === "open").length,
      };
    }),
  };
}

export function mdtPersonContext(
  page: MdtPersonPage,
  staff: StaffMember[],
  extra: { csrf: string | null; errors?: PageError[]; form?: Record<string, string>; owners?: StaffMember[] },
) {
  const person: PersonBannerContext = bannerContext(page.banner, page, page.today);
  const m = page.meeting;
  const item = m.items[0];
  const base = `/care/mdt/${m.meetingId}/people/${person.personId}`;
  const form = {
    summary: item.summary,
    decisions: item.decisions,
    lead: item.lead?.userId ?? "",
    leadRole: item.lead?.role ?? "",
    leadOutcome: item.lead?.outcome ?? "",
    plan: "",
    description: "",
    ownerUserId: "",
    owner: "",
    organisation: "",
    dueDay: "",
    dueMonth: "",
    dueYear: "",
    ...extra.form,
  };
  return {
    title: `${extra.errors?.length ? "Error: " : ""}${person.name} – ${m.title}`,
    breadcrumbs: [
      { href: "/", text: "Home" },
      { href: "/care/mdt", text: "MDT meetings" },
      { href: `/care/mdt/${m.meetingId}`, text: `${m.title}, ${whenText(m)}` },
    ],
    csrf: extra.csrf,
    errorList: extra.errors ?? [],
    person,
    meeting: meetingHeading(m),
    reasons: reasonsText(item),
    recordAction: base,
    actionAction: `${base}/actions`,
    agendaHref: `/care/mdt/${m.meetingId}`,
    planHref: `/people/${person.personId}/care-plan`,
    plan: item.plan
      ? `${capitalised(item.plan.outcome)} at this meeting${item.plan.version ? ` (version ${item.plan.version})` : ""}`
      : null,
    leadPlan: item.lead?.plan ? `written into the joint plan as version ${item.lead.plan.version}` : null,
    hasPlan: page.currentPlanId !== null,
    planVersion: page.currentPlanVersion === null ? "" : String(page.currentPlanVersion),
    form,
    leadOptions: [
      { value: "", text: "No lead professional recorded" },
      ...staff
        .filter((s, n, all) => all.findIndex((o) => o.userId === s.userId) === n)
        .map((s) => ({
          value: s.userId,
          text: `${s.name}, ${s.roleName}, ${s.teamName}`,
          selected: s.userId === form.lead,
        })),
    ],
    ownerOptions: ownerOptions(extra.owners ?? [], form.ownerUserId),
    roleOptions: [
      { value: "", text: "Choose a role" },
      ...LEAD_ROLES.map((r) => ({ value: r, text: capitalised(words(r)), selected: r === form.leadRole })),
    ],
    leadOutcomeItems: [
      { value: "assigned", text: "Assigned at this meeting", checked: form.leadOutcome === "assigned" },
      { value: "confirmed", text: "Confirmed (unchanged)", checked: form.leadOutcome === "confirmed" },
    ],
    planItems: [
      { value: "", text: "No change to the plan", checked: form.plan === "" },
      page.currentPlanId
        ? { value: "reviewed", text: "Reviewed the joint plan", checked: form.plan === "reviewed" }
        : {
            value: "started",
            text: "Start a joint plan (a draft to complete)",
            checked: form.plan === "started",
          },
    ],
    actions: item.actions.map((a) => ({
      description: a.description,
      owner: `${a.owner}, ${a.organisation}`,
      due: longdate(a.dueOn),
      status: ACTION_STATUS[a.status]?.text ?? a.status,
      statusTag: tag(a.status),
      carriedFrom: a.carried ? longdate(a.agreedOn) : null,
      statusAction: `${base}/actions/${a.actionId}`,
      next:
        a.status === "open"
          ? [
              { value: "done", text: "Mark done" },
              { value: "cancelled", text: "Cancel" },
            ]
          : [{ value: "open", text: "Reopen" }],
    })),
  };
}

export function minutesContext(view: MdtMeetingView, today: string) {
  const m = view.meeting;
  return {
    title: `${m.title} – minutes`,
    breadcrumbs: [
      { href: "/", text: "Home" },
      { href: "/care/mdt", text: "MDT meetings" },
      { href: `/care/mdt/${m.meetingId}`, text: `${m.title}, ${whenText(m)}` },
    ],
    meeting: meetingHeading(m),
    pdfHref: `/care/mdt/${m.meetingId}/minutes.pdf`,
    printedOn: longdate(today),
    withheld: view.withheld,
    attendees: m.attendees.map((a) => [
      { text: a.name },
      { text: a.role },
      { text: a.organisation || "Not recorded" },
    ]),
    people: m.items.map((i) => {
      const p = view.people.get(i.personId);
      return {
        name: nameOf(p),
        nhsNumber: spaced(p?.nhsNumber ?? null),
        reasons: reasonsText(i),
        rows: [
          { key: { text: "Discussion" }, value: { text: i.summary || "Not discussed" } },
          { key: { text: "Decisions" }, value: { text: i.decisions || "None recorded" } },
          {
            key: { text: "Lead professional" },
            value: {
              text: i.lead
                ? `${i.lead.name}, ${words(i.lead.role)} (${i.lead.outcome}${i.lead.plan ? `; in the plan from version ${i.lead.plan.version}` : ""})`
                : "Not recorded",
            },
          },
          {
            key: { text: "Joint plan" },
            value: {
              text: i.plan
                ? `${capitalised(i.plan.outcome)}${i.plan.version ? ` (plan version ${i.plan.version})` : ""}`
                : "No change",
            },
          },
        ],
        actions: actionRows(i.actions),
        actionsText: actionRows(i.actions, false),
      };
    }),
  };
}

/** The owners to pick from: staff of the teams caring for the person, then someone outside OnePlace. */
export function ownerOptions(owners: StaffMember[], selected: string) {
  return [
    { value: "", text: "Choose the owner" },
    ...owners
      .filter((s, n, all) => all.findIndex((o) => o.userId === s.userId) === n)
      .map((s) => ({
        value: s.userId,
        text: `${s.name}, ${s.roleName}, ${s.teamName}`,
        selected: s.userId === selected,
      })),
    {
      value: "external",
      text: "Someone outside OnePlace (type their name)",
      selected: selected === "external",
    },
  ];
}

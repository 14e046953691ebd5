// The care coordination pages' contexts: a person's Care plan tab (the plan, its history, their referrals),
// the plan's edit form and printable page, the referral form and a referral's page with the receiving team's
// decisions, the worklist and the directory of services. Words, not codes; dates as people write them.
import type { CarePlan, CareService, PlanVersion, Referral } from "../../care/index.ts";
import { EPISODE_ENDS, FOLLOW_UP_OUTCOMES, LEAD_ROLES } from "../../care/index.ts";
import type {
  Contribution,
  PersonPageBase,
  ProxyGrant,
  StaffMember,
  Worklist,
} from "../../governance/index.ts";
import { longdate } from "../../platform/index.ts";
import { staffContributionsContext, staffProxiesContext } from "./care-contributions.context.ts";
import {
  bannerContext,
  type PersonBannerContext,
  personBreadcrumbs,
  personTitle,
  sectionsContext,
} from "./partials/person-banner.context.ts";

const words = (s: string | null | undefined) => (s ?? "").replaceAll("-", " ");
const capitalised = (s: string) => (s ? `${s[0].toUpperCase()}${s.slice(1)}` : s);
const dateText = (d: string | null | undefined) => (d ? longdate(d) : "Not set");
const instant = (iso: string) => `${longdate(iso.slice(0, 10))} at ${iso.slice(11, 16)}`;

/** A problem to show in the error summary: the message and what to do. */
export interface PageError {
  text: string;
  href?: string;
}

export const errorList = (error: { message: string; hint?: string | null } | null): PageError[] =>
  error ? [{ text: error.hint ? `${error.message} ${error.hint}` : error.message }] : [];

const STATUS_TEXT: Record<string, { text: string; colour: string }> = {
  draft: { text: "Draft", colour: "yellow" },
  "signed-off": { text: "Signed off", colour: "green" },
  ended: { text: "Ended", colour: "grey" },
};

const REFERRAL_STATUS: Record<string, { text: string; colour: string }> = {
  "awaiting-decision": { text: "Awaiting decision", colour: "yellow" },
  accepted: { text: "Accepted", colour: "blue" },
  declined: { text: "Declined", colour: "red" },
  completed: { text: "Completed", colour: "green" },
  withdrawn: { text: "Withdrawn", colour: "grey" },
};

function leadText(v: PlanVersion): string {
  if (!v.lead) return "Not assigned";
  return `${v.lead.name}, ${words(v.lead.role)}, ${v.lead.orgName ? `${v.lead.orgName} (${v.lead.orgCode})` : v.lead.orgCode}`;
}

/** The plan's sections as summary-list rows (shared by the tab and the printable page). */
function planRows(v: PlanVersion) {
  const c = v.content;
  const row = (key: string, value: string) => ({
    key: { text: key },
    value: { text: value || "Not recorded" },
  });
  return [
    row("Accountable lead professional", leadText(v)),
    row("Review date", dateText(v.reviewDueOn)),
    row("What matters to me", c.whatMattersToMe),
    row("Strengths", c.strengths),
    row("Needs", c.needs),
    row("Contingency plan", c.contingency),
    row("Crisis plan", c.crisis),
    row(
      "Carer and their needs",
      c.carer
        ? `${c.carer.name} (${c.carer.relationship}): ${c.carer.needs}${c.carer.assessmentOffered ? ". Carer's assessment offered." : ""}`
        : "",
    ),
    row("End of life preferences", c.endOfLife),
    row(
      "Consent to share",
      c.consentToShare.given
        ? `Given${c.consentToShare.recordedOn ? ` on ${longdate(c.consentToShare.recordedOn)}` : ""}${c.consentToShare.note ? `: ${c.consentToShare.note}` : ""}`
        : "Not recorded",
    ),
  ];
}

function goalRows(v: PlanVersion) {
  return v.content.goals.map((g) => [{ text: g.description }, { text: g.measure || "Not recorded" }]);
}

function actionRows(v: PlanVersion) {
  const goal = new Map(v.content.goals.map((g) => [g.goalId, g.description]));
  return v.content.actions.map((a) => [
    { text: a.description },
    { text: `${a.ownerName}${a.ownerOrgCode ? ` (${a.ownerOrgCode})` : ""}` },
    { text: longdate(a.dueOn) },
    { text: a.goalId ? (goal.get(a.goalId) ?? "") : "" },
    { text: capitalised(a.status) },
  ]);
}

function historyRows(plan: CarePlan) {
  return plan.history.map((v) => [
    { text: String(v.version) },
    { text: instant(v.savedAt) },
    { text: `${v.savedBy.name}, ${v.savedBy.teamName}` },
    {
      text:
        v.changes.map((c) => `${c.field} ${c.change}${c.summary ? `: ${c.summary}` : ""}`).join("; ") ||
        "No change",
    },
    { text: STATUS_TEXT[v.status].text },
  ]);
}

function referralRows(personId: string, referrals: Referral[]) {
  return referrals.map((r) => [
    { html: `<a href="/people/${personId}/referrals/${r.referralId}">${escapeHtml(r.serviceName)}</a>` },
    { text: longdate(r.referredOn) },
    { text: r.toTeam.name },
    { text: r.urgency ? capitalised(r.urgency) : "Not recorded" },
    { text: REFERRAL_STATUS[r.status].text },
  ]);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function personParts(page: PersonPageBase) {
  const person = bannerContext(page.banner, page, page.today);
  return {
    title: personTitle(person, "care-plan"),
    breadcrumbs: personBreadcrumbs(person, "care-plan"),
    person,
    sections: sectionsContext(person.personId, "care-plan"),
  };
}

export interface StaffOption {
  value: string;
  text: string;
  selected?: boolean;
}

function staffOptions(staff: StaffMember[], selected: string | null, withTeam: boolean): StaffOption[] {
  return [
    { value: "", text: "Choose a person" },
    ...staff.map((s) => {
      const value = withTeam ? `${s.userId}:${s.teamId}` : s.userId;
      return {
        value,
        text: `${s.name}, ${s.roleName}, ${s.teamName}`,
        selected: value === selected,
      };
    }),
  ];
}

/** The Care plan tab: the current plan (or the button to start one), its goals, actions and history. */
export function carePlanTabContext(
  page: PersonPageBase & {
    plans: CarePlan[];
    referrals: Referral[];
    contributions?: Contribution[];
    proxies?: ProxyGrant[];
  },
  extra: { csrf: string | null; staff: StaffMember[]; errors?: PageError[]; signOffProblems?: string[] },
) {
  const parts = personParts(page);
  const plan = page.plans.find((p) => p.latest.status !== "ended") ?? null;
  const personId = parts.person.personId;
  const v = plan?.latest;
  return {
    ...parts,
    csrf: extra.csrf,
    errorList: extra.errors ?? [],
    plan:
      plan && v
        ? {
            planId: plan.planId,
            version: v.version,
            status: STATUS_TEXT[v.status],
            inForce: plan.inForce
              ? `Version ${plan.inForce.version}, signed off ${instant(plan.inForce.savedAt)}`
              : "Not yet signed off: a draft does not count as a plan in force",
            rows: planRows(v),
            goals: goalRows(v),
            goalOptions: [
              { value: "", text: "None" },
              ...v.content.goals.map((g) => ({ value: g.goalId, text: g.description })),
            ],
            actions: actionRows(v),
            openActions: v.content.actions
              .filter((a) => a.status === "open")
              .map((a) => ({ actionId: a.actionId, description: a.description })),
            history: historyRows(plan),
            contributors: plan.contributors.map(
              (c) => `${c.name}${c.organisation ? ` (${c.organisation})` : ""}`,
            ),
            editHref: `/people/${personId}/care-plan/${plan.planId}/edit`,
            printHref: `/people/${personId}/care-plan/${plan.planId}/print`,
            action: `/people/${personId}/care-plan/${plan.planId}`,
            canSignOff: v.status === "draft",
          }
        : null,
    startAction: `/people/${personId}/care-plan`,
    endedPlans: page.plans
      .filter((p) => p.latest.status === "ended")
      .map((p) => ({
        href: `/people/${personId}/care-plan/${p.planId}/print`,
        text: `Plan ended ${longdate(p.latest.savedAt.slice(0, 10))}`,
        why: p.latest.changes.find((c) => c.field === "Plan")?.summary ?? "",
      })),
    ownerOptions: [
      ...staffOptions(extra.staff, null, false),
      { value: "external", text: "Someone outside OnePlace (type their name)", selected: false },
    ],
    citizenContributions: staffContributionsContext(personId, page.contributions ?? [], plan?.latest ?? null),
    citizenProxies: staffProxiesContext(personId, page.proxies ?? [], page.today),
    referrals: referralRows(personId, page.referrals),
    referHref: `/people/${personId}/referrals/new`,
  };
}

/** The plan's edit form: every section, the lead professional and the review date, on the version read. */
export function carePlanEditContext(
  page: PersonPageBase & { plans: CarePlan[] },
  planId: string,
  extra: { csrf: string | null; staff: StaffMember[]; errors?: PageError[]; form?: Record<string, string> },
) {
  const parts = personParts(page);
  const plan = page.plans.find((p) => p.planId === planId);
  const v = plan?.latest;
  const c = v?.content;
  const review = v?.reviewDueOn?.split("-") ?? ["", "", ""];
  const form: Record<string, string> = {
    baseVersion: String(v?.version ?? ""),
    whatMattersToMe: c?.whatMattersToMe ?? "",
    strengths: c?.strengths ?? "",
    needs: c?.needs ?? "",
    contingency: c?.contingency ?? "",
    crisis: c?.crisis ?? "",
    carerName: c?.carer?.name ?? "",
    carerRelationship: c?.carer?.relationship ?? "",
    carerNeeds: c?.carer?.needs ?? "",
    carerAssessmentOffered: c?.carer?.assessmentOffered ? "yes" : "",
    endOfLife: c?.endOfLife ?? "",
    consent: c?.consentToShare.given ? "given" : "not-given",
    consentNote: c?.consentToShare.note ?? "",
    leadRole: v?.lead?.role ?? "",
    reviewDay: review[2] ?? "",
    reviewMonth: review[1] ?? "",
    reviewYear: review[0] ?? "",
    ...extra.form,
  };
  const current = v?.lead
    ? extra.staff.find((s) => s.userId === v.lead?.userId && s.orgCode === v.lead?.orgCode)
    : undefined;
  const selectedLead = extra.form?.lead ?? (current ? `${current.userId}:${current.teamId}` : "");
  return {
    ...parts,
    title: `${parts.person.name} – Edit care plan`,
    breadcrumbs: [
      ...parts.breadcrumbs,
      { href: `/people/${parts.person.personId}/care-plan`, text: "Care plan" },
    ],
    csrf: extra.csrf,
    errorList: extra.errors ?? [],
    action: `/people/${parts.person.personId}/care-plan/${planId}`,
    cancelHref: `/people/${parts.person.personId}/care-plan`,
    form,
    leadOptions: staffOptions(extra.staff, selectedLead, true),
    roleOptions: [
      { value: "", text: "Choose a role" },
      ...LEAD_ROLES.map((r) => ({ value: r, text: capitalised(words(r)), selected: r === form.leadRole })),
    ],
  };
}

/** The printable plan: the plan in force (or the draft, marked), its goals, actions and who contributed. */
export function carePlanPrintContext(page: PersonPageBase & { plans: CarePlan[] }, planId: string) {
  const person: PersonBannerContext = bannerContext(page.banner, page, page.today);
  const plan = page.plans.find((p) => p.planId === planId);
  const v = plan?.latest;
  return {
    title: `${person.name} – Joint care plan`,
    person,
    plan:
      plan && v
        ? {
            status: STATUS_TEXT[v.status].text,
            version: v.version,
            savedAt: instant(v.savedAt),
            rows: planRows(v),
            goals: goalRows(v),
            actions: actionRows(v),
            contributors: plan.contributors.map(
              (c) => `${c.name}${c.organisation ? ` (${c.organisation})` : ""}`,
            ),
          }
        : null,
    printedOn: longdate(page.today),
    backHref: `/people/${person.personId}/care-plan`,
  };
}

/** The referral form: the directory's services (those not for the person marked), reason, urgency, consent. */
export function referralFormContext(
  page: PersonPageBase,
  services: CareService[],
  extra: {
    csrf: string | null;
    errors?: PageError[];
    form?: Record<string, string>;
    /** The service's access criteria the person does not meet: go ahead only with a reason. */
    criteriaWarning?: string | null;
  },
) {
  const parts = personParts(page);
  const form = { serviceCode: "", reason: "", urgency: "", consent: "", criteriaReason: "", ...extra.form };
  return {
    ...parts,
    title: `${parts.person.name} – Make a referral`,
    breadcrumbs: [
      ...parts.breadcrumbs,
      { href: `/people/${parts.person.personId}/care-plan`, text: "Care plan" },
    ],
    csrf: extra.csrf,
    errorList: extra.errors ?? [],
    action: `/people/${parts.person.personId}/referrals`,
    form,
    criteriaWarning: extra.criteriaWarning ?? null,
    serviceItems: services.map((s) => ({
      value: s.serviceCode,
      text: s.name,
      checked: s.serviceCode === form.serviceCode,
      hint: {
        text: `${s.provider}. ${s.responseTime || "Response time not stated"}.${s.team ? "" : ` Not referable through OnePlace: ${s.howToRefer}`}`,
      },
    })),
    urgencyItems: ["routine", "urgent", "emergency"].map((u) => ({
      value: u,
      text: capitalised(u),
      checked: u === form.urgency,
    })),
    consentItems: [
      { value: "given", text: "The person agreed to the referral", checked: form.consent === "given" },
      {
        value: "best-interests",
        text: "The person cannot decide; the referral is in their best interests",
        checked: form.consent === "best-interests",
      },
    ],
  };
}

/** A referral's page: what was asked, by whom, and the receiving team's forms for its next step. */
export function referralContext(
  page: PersonPageBase & { referral: Referral },
  extra: {
    csrf: string | null;
    errors?: PageError[];
    receivingTeam: boolean;
    spells?: { value: string; text: string }[];
  },
) {
  const parts = personParts(page);
  const r = page.referral;
  const row = (key: string, value: string | null) => ({
    key: { text: key },
    value: { text: value || "Not recorded" },
  });
  const base = `/people/${parts.person.personId}/referrals/${r.referralId}`;
  const isReablement = r.serviceKind === "reablement";
  return {
    ...parts,
    title: `${parts.person.name} – Referral to ${r.serviceName}`,
    breadcrumbs: [
      ...parts.breadcrumbs,
      { href: `/people/${parts.person.personId}/care-plan`, text: "Care plan" },
    ],
    csrf: extra.csrf,
    errorList: extra.errors ?? [],
    heading: `Referral to ${r.serviceName}`,
    status: REFERRAL_STATUS[r.status],
    rows: [
      row("Service", r.serviceName),
      row("Receiving team", r.toTeam.name),
      row(
        "Referred",
        `${longdate(r.referredOn)}${r.referredBy ? ` by ${r.referredBy}` : ""}${r.fromTeam ? `, ${r.fromTeam.name}` : ""}`,
      ),
      row("Reason", r.reason),
      row("Urgency", r.urgency ? capitalised(r.urgency) : null),
      row(
        "Consent",
        r.consent === "given"
          ? "The person agreed"
          : r.consent === "best-interests"
            ? "In their best interests"
            : null,
      ),
      row("Decision due", r.dueOn ? longdate(r.dueOn) : null),
      ...(r.criteria
        ? [
            row(
              "Access criteria not met",
              `It is ${r.criteria.notMet.join("; ")}. Referred anyway because: ${r.criteria.reason}`,
            ),
          ]
        : []),
      ...(r.decidedBy
        ? [row("Last decided by", `${r.decidedBy}${r.decidedAt ? `, ${instant(r.decidedAt)}` : ""}`)]
        : []),
      ...(r.declineReason ? [row("Why declined", r.declineReason)] : []),
      ...(r.outcomeSummary ? [row("Outcome", r.outcomeSummary)] : []),
      ...(r.episode
        ? [
            row(
              "Reablement episode",
              `${longdate(r.episode.startedOn)} to ${r.episode.endedOn ? longdate(r.episode.endedOn) : "now"}`,
            ),
          ]
        : []),
      ...(r.followUp
        ? [
            row(
              "91 days after discharge",
              r.followUp.outcome
                ? `${capitalised(words(r.followUp.outcome))}${r.followUp.recordedBy ? `, recorded by ${r.followUp.recordedBy}` : ""}`
                : `Due ${longdate(r.followUp.dueOn)}`,
            ),
          ]
        : []),
      row("Recorded in", r.sourceSystem),
    ],
    version: r.version,
    decideAction: `${base}/decision`,
    followUpAction: `${base}/follow-up`,
    canDecide: extra.receivingTeam && r.status === "awaiting-decision",
    canComplete: extra.receivingTeam && r.status === "accepted",
    canFollowUp: extra.receivingTeam && !!r.followUp && !r.followUp.outcome && r.followUp.dueOn <= page.today,
    followUpNotYet:
      extra.receivingTeam && !!r.followUp && !r.followUp.outcome && r.followUp.dueOn > page.today,
    followUpDue: r.followUp ? longdate(r.followUp.dueOn) : "",
    isReablement,
    spellItems: [{ value: "", text: "It did not follow a hospital stay" }, ...(extra.spells ?? [])],
    endItems: EPISODE_ENDS.map((e) => ({ value: e, text: capitalised(words(e)) })),
    followUpItems: FOLLOW_UP_OUTCOMES.map((o) => ({ value: o, text: capitalised(words(o)) })),
  };
}

const WORK_KIND: Record<string, string> = {
  "plan-action": "Plan action",
  "plan-review": "Plan review",
  "plan-sign-off": "Plan sign-off",
  "referral-decision": "Referral",
  "referral-completion": "Referral",
  "follow-up": "Reablement follow-up",
  "mdt-action": "MDT action",
};

export function worklistContext(worklist: Worklist) {
  return {
    title: "Your worklist",
    breadcrumbs: [{ href: "/", text: "Home" }],
    overdue: worklist.overdue,
    withheld: worklist.withheld,
    rows: worklist.items.map((i) => {
      // An MDT action's meeting is open only to its team; its owner may be in another, so it links the record.
      const href = i.kind.startsWith("plan")
        ? `/people/${i.personId}/care-plan`
        : i.kind === "mdt-action"
          ? `/people/${i.personId}`
          : `/people/${i.personId}/referrals/${i.recordId}`;
      const name = [i.person.name.given, i.person.name.family].filter(Boolean).join(" ") || "Name not known";
      return [
        { html: `<a href="${href}">${escapeHtml(name)}</a>` },
        { text: WORK_KIND[i.kind] },
        { text: i.title },
        { text: i.dueOn ? longdate(i.dueOn) : "No date" },
        { html: i.overdue ? '<strong class="nhsuk-tag nhsuk-tag--red">Overdue</strong>' : "" },
      ];
    }),
  };
}

export function servicesContext(services: CareService[]) {
  return {
    title: "Directory of services",
    breadcrumbs: [{ href: "/", text: "Home" }],
    services: services.map((s) => ({
      name: s.name,
      rows: [
        { key: { text: "Provider" }, value: { text: s.provider } },
        { key: { text: "What it does" }, value: { text: s.description || "Not described" } },
        {
          key: { text: "Who it is for" },
          value: {
            text:
              [
                s.minAge !== null || s.maxAge !== null
                  ? `aged ${s.minAge ?? 0}${s.maxAge !== null ? ` to ${s.maxAge}` : " and over"}`
                  : "",
                s.efiCategories.length ? `${s.efiCategories.join(" or ")} frailty (eFI)` : "",
                s.riskTiers.length ? `${s.riskTiers.map(words).join(" or ")} risk` : "",
                s.localities.length ? `in ${s.localities.join(", ")}` : "",
              ]
                .filter(Boolean)
                .join("; ") || "Adults in the place",
          },
        },
        { key: { text: "Hours" }, value: { text: s.hours || "Not stated" } },
        { key: { text: "Response time" }, value: { text: s.responseTime || "Not stated" } },
        { key: { text: "How to refer" }, value: { text: s.howToRefer || "Not stated" } },
        {
          key: { text: "Receives referrals in OnePlace" },
          value: { text: s.team ? `Yes: ${s.team.name}` : `No (team ${s.teamCode} has no OnePlace account)` },
        },
        ...(s.bcfScheme ? [{ key: { text: "Better Care Fund scheme" }, value: { text: s.bcfScheme } }] : []),
      ],
    })),
  };
}

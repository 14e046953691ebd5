// The citizen's pages in plain words: what the reader returns (src/governance/reader-citizen.ts) turned into
// what each page shows. Shared by the routes (routes/citizen.ts) and the fixtures, so both render the same.
import { londonDateTime } from "../../core/index.ts";
import {
  type CitizenCareTeamView,
  type CitizenContributionsView,
  type CitizenPerson,
  type CitizenPlanView,
  type CitizenReferralsView,
  type CitizenSharingView,
  CONTRIBUTION_MAX,
  KIND_WORDS,
  type RecordAccessView,
} from "../../governance/index.ts";
import { previousNext } from "./pagination.ts";

export const CITIZEN_PAGES = [
  { href: "/citizen", text: "My care plan" },
  { href: "/citizen/what-matters", text: "Add to my care plan" },
  { href: "/citizen/referrals", text: "My referrals" },
  { href: "/citizen/care-team", text: "My care team" },
  { href: "/citizen/record-access", text: "Who has looked at my record" },
  { href: "/citizen/sharing", text: "Sharing my record" },
] as const;

/** Which part of the record each page is, for what a proxy's basis allows (governance/citizen-proxy.ts). */
const PAGE_SCOPE: Record<string, string> = {
  "/citizen": "plan",
  "/citizen/what-matters": "add-to-plan",
  "/citizen/referrals": "referrals",
  "/citizen/care-team": "care-team",
  "/citizen/record-access": "record-access",
  "/citizen/sharing": "sharing",
};

export interface ShellActingFor {
  name: string;
  basis: string;
  allows: readonly string[];
}

/**
 * The citizen layout's context: the sign-out form's token (null when not signed in), the navigation (for a
 * proxy, only the pages their basis allows) and whose record a proxy is looking at.
 */
export function citizenShell(options: {
  csrf: string | null;
  current: string;
  actingFor?: ShellActingFor | null;
  caresFor?: boolean;
}) {
  const acting = options.actingFor ?? null;
  const pages = acting
    ? CITIZEN_PAGES.filter((p) => acting.allows.includes(PAGE_SCOPE[p.href]))
    : CITIZEN_PAGES;
  return {
    citizenCsrf: options.csrf,
    actingFor: acting ? { name: acting.name, basis: acting.basis } : null,
    caresFor: options.caresFor ?? false,
    citizenNav: options.csrf ? pages.map((p) => ({ ...p, current: p.href === options.current })) : [],
    // The staff layout's keys, emptied so nothing of a staff session could show on a citizen's page.
    account: null,
    navigation: [],
  };
}

const LEAD_ROLE_WORDS: Record<string, string> = {
  gp: "GP",
  "community-matron": "Community matron",
  "district-nurse": "District nurse",
  "social-worker": "Social worker",
  "care-coordinator": "Care coordinator",
};

function nameOf(person: CitizenPerson): string {
  return [person.name.given, person.name.family].filter(Boolean).join(" ") || "you";
}

function leadOf(
  lead: CitizenPlanView["plan"] extends infer P ? (P extends { lead: infer L } ? L : null) : null,
) {
  if (!lead) return null;
  return {
    name: lead.name,
    role: LEAD_ROLE_WORDS[lead.role] ?? lead.role,
    organisation: lead.orgName ?? lead.orgCode,
  };
}

const ACTION_STATUS_WORDS: Record<string, string> = {
  open: "To do",
  done: "Done",
  cancelled: "Not needed now",
};

export function planContext(view: CitizenPlanView) {
  const plan = view.plan;
  const goals = plan?.content.goals ?? [];
  return {
    title: "My care plan",
    personName: nameOf(view.person),
    draftInProgress: view.draftInProgress,
    plan: plan
      ? {
          whatMattersToMe: plan.content.whatMattersToMe,
          strengths: plan.content.strengths,
          goals: goals.map((g) => ({ description: g.description, measure: g.measure })),
          actions: plan.content.actions
            .filter((a) => a.status !== "cancelled")
            .map((a) => ({
              description: a.description,
              who: a.ownerName,
              dueOn: a.dueOn,
              status: ACTION_STATUS_WORDS[a.status] ?? a.status,
              done: a.status === "done",
              goal: goals.find((g) => g.goalId === a.goalId)?.description ?? null,
            })),
          contingency: plan.content.contingency,
          crisis: plan.content.crisis,
          reviewDueOn: plan.reviewDueOn,
          agreedOn: plan.savedAt.slice(0, 10),
          lead: leadOf(plan.lead),
        }
      : null,
  };
}

const REFERRAL_STATUS: Record<string, { text: string; colour: string; meaning: string }> = {
  "awaiting-decision": {
    text: "Waiting for a reply",
    colour: "nhsuk-tag--blue",
    meaning: "The service has your referral and will decide whether it can help.",
  },
  accepted: {
    text: "Accepted",
    colour: "nhsuk-tag--green",
    meaning: "The service has agreed to help you. They will contact you if they have not already.",
  },
  declined: {
    text: "Not accepted",
    colour: "nhsuk-tag--orange",
    meaning: "The service could not help this time. Your care team will talk to you about other options.",
  },
  completed: {
    text: "Finished",
    colour: "nhsuk-tag--grey",
    meaning: "The service has finished helping you.",
  },
  withdrawn: { text: "Cancelled", colour: "nhsuk-tag--grey", meaning: "The referral was cancelled." },
};

export function referralsContext(view: CitizenReferralsView) {
  return {
    title: "My referrals",
    personName: nameOf(view.person),
    referrals: view.referrals.map((r) => {
      const status = REFERRAL_STATUS[r.status] ?? { text: r.status, colour: "nhsuk-tag--grey", meaning: "" };
      return {
        service: r.serviceName,
        team: r.toTeam.name,
        referredOn: r.referredOn,
        status,
        // Service, team, status and dates only: the reason, a decline's reason and the outcome are staff's
        // free text, written for colleagues, not reviewed for the person to read.
        closedOn: r.closedOn,
      };
    }),
  };
}

const WHY_WORDS: Record<string, string> = {
  registration: "You are registered with this GP practice",
  caseload: "Someone in this team looks after you",
  "care-team": "This team is part of your care",
  referral: "You were referred to this team",
  admission: "You were in this hospital recently",
  "lead-professional": "This organisation leads your care plan",
};

export function careTeamContext(view: CitizenCareTeamView) {
  const seen = new Set<string>();
  const team = view.current
    .map((e) => ({
      team: e.team,
      why: WHY_WORDS[e.why] ?? e.why,
      professional: e.why === "caseload" ? e.professional : null,
      since: e.from,
    }))
    .filter((e) => {
      const key = `${e.team}\n${e.why}\n${e.professional ?? ""}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  return { title: "My care team", personName: nameOf(view.person), lead: leadOf(view.lead), team };
}

export function recordAccessContext(view: RecordAccessView) {
  const pages = Math.max(1, Math.ceil(view.total / view.pageSize));
  return {
    title: "Who has looked at my record",
    personName: nameOf(view.person),
    total: view.total,
    accesses: view.accesses.map((a) => ({ ...a, when: londonDateTime(a.at) })),
    pagination: previousNext(
      view.page,
      pages,
      (n) => `/citizen/record-access?page=${n}`,
      (n) => `Page ${n} of ${pages}`,
    ),
  };
}

const DONE_WORDS: Record<string, string> = {
  recorded: "Your objection is recorded. From now on only your GP practice can see your joined-up record.",
  withdrawn: "Your objection is withdrawn. The teams caring for you can see your joined-up record again.",
  unchanged: "Nothing needed to change: your choice was already recorded.",
};

export function sharingContext(view: CitizenSharingView, done: string | null) {
  const others = new Set(view.heldByOthers.map((o) => o.objectionId));
  const words =
    done === "withdrawn" && others.size > 0
      ? "The objection you made here is withdrawn. Objections held by other organisations are still in force: see below."
      : done
        ? (DONE_WORDS[done] ?? null)
        : null;
  return {
    title: "Sharing my record",
    personName: nameOf(view.person),
    practice: view.person.practice?.name ?? view.person.practice?.code ?? null,
    objecting: view.current.length > 0,
    current: view.current.map((o) => ({
      holder: o.holdingOrgName ?? o.holdingOrgCode,
      recordedOn: o.recordedOn,
    })),
    withdrawable: view.current.some((o) => !others.has(o.objectionId)),
    heldByOthers: view.heldByOthers.map((o) => ({
      holder: o.holdingOrgName ?? o.holdingOrgCode,
      recordedOn: o.recordedOn,
    })),
    cannotRecord: view.cannotRecord,
    done: words,
  };
}

const DAY = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Europe/London",
  day: "numeric",
  month: "long",
  year: "numeric",
});

/** What happened to each thing the person added, in their words. */
function contributionStatus(c: CitizenContributionsView["contributions"][number]) {
  if (c.status === "taken") {
    return {
      text: "Added to your plan",
      colour: "nhsuk-tag--green",
      meaning: `Your care team added this to your care plan on ${DAY.format(new Date(c.decidedAt ?? c.submittedAt))}.`,
    };
  }
  if (c.status === "closed") {
    return {
      text: "Not added",
      colour: "nhsuk-tag--grey",
      meaning: `Your care team read this on ${DAY.format(new Date(c.decidedAt ?? c.submittedAt))} and did not add it. They said: ${c.closedReason ?? ""}`,
    };
  }
  return {
    text: "Waiting",
    colour: "blue",
    meaning: "Your lead professional will read this and talk to you about adding it to your plan.",
  };
}

export interface ContributionForm {
  kind: string;
  body: string;
  error: { field: "kind" | "body"; text: string } | null;
}

export function contributionsContext(
  view: CitizenContributionsView,
  options: { form?: ContributionForm; added?: boolean } = {},
) {
  const form = options.form ?? { kind: "", body: "", error: null };
  return {
    title: "Add to my care plan",
    personName: nameOf(view.person),
    hasPlan: view.hasPlan,
    maxLength: CONTRIBUTION_MAX,
    added: options.added ?? false,
    form,
    errorList: form.error ? [{ text: form.error.text, href: `#contribution-${form.error.field}` }] : [],
    kinds: Object.entries(KIND_WORDS).map(([value, text]) => ({
      value,
      text,
      checked: form.kind === value,
    })),
    contributions: view.contributions.map((c) => ({
      kind: KIND_WORDS[c.kind],
      body: c.body,
      added: DAY.format(new Date(c.submittedAt)),
      byProxy: c.byProxy,
      status: contributionStatus(c),
    })),
  };
}

/** "Whose record": the signed-in person's own, and each person they may act for today. */
export function peopleContext(
  people: { proxyId: string; name: string; relationship: string; basis: string }[],
  current: string | null,
) {
  return {
    title: "Whose record do you want to look at?",
    error: null as string | null,
    choices: [
      { value: "self", text: "My own record", hint: null, checked: current === null },
      ...people.map((p) => ({
        value: p.proxyId,
        text: p.name,
        hint: `You are their ${p.relationship}. ${p.basis}.`,
        checked: current === p.proxyId,
      })),
    ],
  };
}

// A joint care plan's content, in the shape care-planning standards use (what matters to me, strengths, needs,
// goals with measures, actions with who does what by when, contingency and crisis plan, the carer and their
// needs, end-of-life preferences, consent to share), and the pure checks on it: what a save refuses, what
// sign-off needs, and what changed between two versions in words. No database here.
import { isIsoDate } from "../core/dates.ts";
import { invalid } from "../core/errors.ts";

/** Who a lead professional is to the place's plans; the notifier tells holders of these roles (notifier.ts). */
export const LEAD_ROLES = [
  "gp",
  "community-matron",
  "district-nurse",
  "social-worker",
  "care-coordinator",
] as const;
export type LeadRole = (typeof LEAD_ROLES)[number];

export interface PlanGoal {
  goalId: string;
  /** In the person's words where possible: "to walk to the shops again". */
  description: string;
  /** How everyone will know it is met: "walks 200 m with a stick by March". */
  measure: string;
}

export const ACTION_STATUSES = ["open", "done", "cancelled"] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

export interface PlanAction {
  actionId: string;
  description: string;
  /** Who does it: a named user, their organisation (kept as written, so history reads the same later). */
  ownerUserId: string;
  ownerName: string;
  ownerOrgCode: string;
  /** An owner outside OnePlace: a typed name and organisation, no account (ownerUserId is empty). */
  ownerExternal?: boolean;
  dueOn: string;
  goalId: string | null;
  status: ActionStatus;
}

export interface PlanCarer {
  name: string;
  relationship: string;
  needs: string;
  /** A carer's assessment offered (the Care Act 2014 duty). */
  assessmentOffered: boolean;
}

export interface PlanContent {
  whatMattersToMe: string;
  strengths: string;
  needs: string;
  goals: PlanGoal[];
  actions: PlanAction[];
  /** What to do if things start to go wrong. */
  contingency: string;
  /** Who to call and what to do in a crisis. */
  crisis: string;
  carer: PlanCarer | null;
  /** Preferences at the end of life, where relevant (preferred place of care and death, wishes). */
  endOfLife: string;
  consentToShare: { given: boolean; recordedOn: string | null; note: string };
}

export const EMPTY_CONTENT: PlanContent = {
  whatMattersToMe: "",
  strengths: "",
  needs: "",
  goals: [],
  actions: [],
  contingency: "",
  crisis: "",
  carer: null,
  endOfLife: "",
  consentToShare: { given: false, recordedOn: null, note: "" },
};

/** The accountable lead professional: a named user, the role they lead in and their organisation. */
export interface LeadProfessional {
  userId: string;
  role: LeadRole;
  orgCode: string;
}

const TEXT_MAX = 4_000;

/** Refuses text fields over the limit with the field's name; trims them. */
function text(value: string, field: string): string {
  const t = value.trim();
  if (t.length > TEXT_MAX) {
    throw invalid("care.text-too-long", `${field} is longer than ${TEXT_MAX} characters.`, {
      hint: "Shorten it, or keep the detail in the source record and summarise it here.",
    });
  }
  return t;
}

/**
 * An action as the form or a script gives it. Refused, with the reason, without an owner or a due date (a
 * task nobody holds is a task nobody does), or with a due date that is not a real day.
 */
export interface ActionInput {
  description: string;
  ownerUserId: string | null;
  /** An owner outside OnePlace, said so explicitly: their typed name and organisation. */
  ownerExternal?: boolean;
  ownerName?: string;
  ownerOrgCode?: string;
  dueOn: string | null;
  goalId?: string | null;
}

export function checkAction(input: ActionInput): { description: string; ownerUserId: string; dueOn: string } {
  if (input.ownerExternal) {
    if (input.ownerUserId) {
      throw invalid(
        "care.action-owner-both",
        "Choose an owner from the list or type one outside OnePlace, not both.",
      );
    }
    if (
      text(input.ownerName ?? "", "The owner's name") === "" ||
      text(input.ownerOrgCode ?? "", "Their organisation") === ""
    ) {
      throw invalid(
        "care.action-needs-owner",
        "An action owned outside OnePlace needs the owner's name and organisation.",
        {
          hint: "Type who will do it and the organisation they work for.",
        },
      );
    }
  }
  const description = text(input.description ?? "", "The action");
  if (description === "") {
    throw invalid("care.action-needs-description", "An action needs a description of what is to be done.", {
      hint: "Say what will be done, for example 'Fit a key safe'.",
    });
  }
  if (!input.ownerUserId && !input.ownerExternal) {
    throw invalid("care.action-needs-owner", "An action needs an owner: who will do it.", {
      hint: "Choose the person responsible for the action, or say they are outside OnePlace and type their name.",
    });
  }
  if (!input.dueOn) {
    throw invalid("care.action-needs-due-date", "An action needs a due date: when it will be done by.", {
      hint: "Enter the date the action is due, like 27 3 2016.",
    });
  }
  if (!isIsoDate(input.dueOn)) {
    throw invalid("care.action-due-date-invalid", "The action's due date must be a real date.", {
      hint: "Enter the date the action is due, like 27 3 2016.",
    });
  }
  return { description, ownerUserId: input.ownerUserId ?? "", dueOn: input.dueOn };
}

/** Checks and tidies a whole content document (a save); actions each pass checkAction. */
export function checkContent(content: PlanContent): PlanContent {
  const goalIds = new Set(content.goals.map((g) => g.goalId));
  for (const a of content.actions) {
    checkAction(a);
    if (a.goalId && !goalIds.has(a.goalId)) {
      throw invalid("care.action-goal-unknown", "An action names a goal the plan does not have.", {
        hint: "Choose one of the plan's goals, or none.",
      });
    }
  }
  for (const g of content.goals) {
    if (text(g.description, "A goal") === "") {
      throw invalid("care.goal-needs-description", "A goal needs a description.", {
        hint: "Write the goal, in the person's words where possible.",
      });
    }
  }
  if (content.consentToShare.recordedOn && !isIsoDate(content.consentToShare.recordedOn)) {
    throw invalid("care.consent-date-invalid", "The date consent was recorded must be a real date.");
  }
  return {
    whatMattersToMe: text(content.whatMattersToMe, "What matters to me"),
    strengths: text(content.strengths, "Strengths"),
    needs: text(content.needs, "Needs"),
    goals: content.goals.map((g) => ({
      ...g,
      description: g.description.trim(),
      measure: text(g.measure, "A goal's measure"),
    })),
    actions: content.actions.map((a) => ({ ...a, description: a.description.trim() })),
    contingency: text(content.contingency, "Contingency plan"),
    crisis: text(content.crisis, "Crisis plan"),
    carer: content.carer
      ? {
          name: text(content.carer.name, "The carer's name"),
          relationship: text(content.carer.relationship, "The carer's relationship"),
          needs: text(content.carer.needs, "The carer's needs"),
          assessmentOffered: content.carer.assessmentOffered,
        }
      : null,
    endOfLife: text(content.endOfLife, "End of life preferences"),
    consentToShare: {
      given: content.consentToShare.given,
      recordedOn: content.consentToShare.recordedOn,
      note: text(content.consentToShare.note, "Consent note"),
    },
  };
}

/**
 * Why a version cannot be signed off, in words a person can act on; empty when it can. A plan without an
 * accountable lead professional may be kept as a draft, never signed off (hazard HAZ-080).
 */
export function signOffProblems(
  lead: LeadProfessional | null,
  reviewDueOn: string | null,
  content: PlanContent,
  today: string,
): string[] {
  const problems: string[] = [];
  if (!lead)
    problems.push("Assign an accountable lead professional (a named person, their role and organisation)");
  if (!reviewDueOn) problems.push("Set the date the plan will be reviewed");
  else if (reviewDueOn <= today) problems.push("The review date must be in the future");
  if (content.whatMattersToMe === "") problems.push("Record what matters to the person");
  if (!content.consentToShare.given) {
    problems.push("Record the person's consent to share the plan between the organisations caring for them");
  }
  return problems;
}

export interface PlanChange {
  field: string;
  change: "added" | "changed" | "removed";
  summary: string;
}

const FIELD_NAMES: Record<string, string> = {
  whatMattersToMe: "What matters to me",
  strengths: "Strengths",
  needs: "Needs",
  contingency: "Contingency plan",
  crisis: "Crisis plan",
  endOfLife: "End of life preferences",
};

const short = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}...` : s);

/** What changed between two versions' content, in words for the plan's history. */
export function diffContent(before: PlanContent, after: PlanContent): PlanChange[] {
  const changes: PlanChange[] = [];
  for (const [key, name] of Object.entries(FIELD_NAMES)) {
    const a = before[key as keyof PlanContent] as string;
    const b = after[key as keyof PlanContent] as string;
    if (a === b) continue;
    changes.push({
      field: name,
      change: a === "" ? "added" : b === "" ? "removed" : "changed",
      summary: b === "" ? "cleared" : short(b),
    });
  }
  const goalsBefore = new Map(before.goals.map((g) => [g.goalId, g]));
  for (const g of after.goals) {
    const was = goalsBefore.get(g.goalId);
    if (!was) changes.push({ field: "Goal", change: "added", summary: short(g.description) });
    else if (was.description !== g.description || was.measure !== g.measure) {
      changes.push({ field: "Goal", change: "changed", summary: short(g.description) });
    }
    goalsBefore.delete(g.goalId);
  }
  for (const g of goalsBefore.values())
    changes.push({ field: "Goal", change: "removed", summary: short(g.description) });
  const actionsBefore = new Map(before.actions.map((a) => [a.actionId, a]));
  for (const a of after.actions) {
    const was = actionsBefore.get(a.actionId);
    const who = `${short(a.description)} (${a.ownerName}, by ${a.dueOn})`;
    if (!was) changes.push({ field: "Action", change: "added", summary: who });
    else if (was.status !== a.status) {
      changes.push({ field: "Action", change: "changed", summary: `${short(a.description)}: ${a.status}` });
    } else if (
      was.description !== a.description ||
      was.ownerUserId !== a.ownerUserId ||
      was.ownerName !== a.ownerName ||
      was.dueOn !== a.dueOn
    ) {
      changes.push({ field: "Action", change: "changed", summary: who });
    }
    actionsBefore.delete(a.actionId);
  }
  for (const a of actionsBefore.values()) {
    changes.push({ field: "Action", change: "removed", summary: short(a.description) });
  }
  const carerText = (c: PlanCarer | null) => (c ? `${c.name} (${c.relationship}): ${c.needs}` : "");
  if (
    carerText(before.carer) !== carerText(after.carer) ||
    before.carer?.assessmentOffered !== after.carer?.assessmentOffered
  ) {
    changes.push({
      field: "Carer",
      change: !before.carer ? "added" : !after.carer ? "removed" : "changed",
      summary: after.carer ? short(carerText(after.carer)) : "cleared",
    });
  }
  const c0 = before.consentToShare;
  const c1 = after.consentToShare;
  if (c0.given !== c1.given || c0.recordedOn !== c1.recordedOn || c0.note !== c1.note) {
    changes.push({
      field: "Consent to share",
      change: "changed",
      summary: c1.given ? `given${c1.recordedOn ? ` on ${c1.recordedOn}` : ""}` : "not given",
    });
  }
  return changes;
}

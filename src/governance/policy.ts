// The access rules, as one pure function of the role's policy (data from app_role), the purpose, the
// action and the facts about the person. decideAccess and filterPeopleForAccess both call it, so a single
// person and a register of thousands are judged by the same rules.
import type {
  AccessDecision,
  Action,
  Disclosure,
  PersonFacts,
  Purpose,
  RefusalKind,
  Relationship,
  RelationshipKind,
  RoleAssignment,
} from "./types.ts";

export interface PolicyInput {
  roleAssignment: RoleAssignment;
  userActive: boolean;
  purpose: Purpose;
  action: Action;
  facts: PersonFacts;
}

/** Break-glass is for one person in an emergency: it never opens a list or an export. */
export const BREAK_GLASS_ACTIONS: readonly Action[] = ["view", "search", "change"];

/** A deny decision with its reason (also for refusals decided outside the policy table). */
export function denied(reason: string, refusal?: RefusalKind): AccessDecision {
  return {
    allow: false,
    reason,
    ...(refusal ? { refusal } : {}),
    relationship: null,
    disclosure: null,
    flagged: false,
    breakGlassId: null,
  };
}

function allow(
  reason: string,
  disclosure: Disclosure,
  relationship: Relationship | null,
  breakGlassId: string | null = null,
): AccessDecision {
  return {
    allow: true,
    reason,
    relationship,
    disclosure,
    flagged: relationship === "break-glass",
    breakGlassId,
  };
}

export function heldRelationships(
  kinds: readonly RelationshipKind[],
  facts: PersonFacts,
): RelationshipKind[] {
  const held: Record<RelationshipKind, boolean> = {
    registered: facts.registered,
    caseload: facts.caseload,
    "care-team": facts.careTeam,
    referral: facts.referral,
    admission: facts.admission,
  };
  return kinds.filter((k) => held[k]);
}

export function evaluateAccess(input: PolicyInput): AccessDecision {
  const { roleAssignment, purpose, action, facts } = input;
  const { role } = roleAssignment;
  if (!input.userActive) return denied("the user's account is not active");
  if (!role.purposes.includes(purpose)) {
    return denied(`the ${role.name} role may not act for the purpose "${purpose}"`);
  }
  if (!facts.known) return denied("no such person", "no-such-person");

  switch (role.accessBasis) {
    case "none":
      return denied(`the ${role.name} role has no access to personal data`);
    case "aggregate":
      return denied(`the ${role.name} role sees aggregate figures only, never a person`);
    case "identity-admin":
      if (!role.actions.includes(action)) return denied(`the ${role.name} role may not ${action}`);
      return allow("identity administration: demographics only", "demographics", null);
    case "pseudonymised":
      if (!role.actions.includes(action)) {
        return denied(`the ${role.name} role sees pseudonymised data only and may not ${action}`);
      }
      if (facts.optedOut) return denied("national data opt-out: excluded from secondary use");
      if (facts.objectionHolders.length > 0)
        return denied("objection to sharing: excluded from secondary use");
      return allow(`pseudonymised for ${purpose}`, "pseudonymised", null);
    case "relationship":
      return evaluateRelationship(input);
  }
  return denied(`unknown access basis for the ${role.name} role`);
}

function evaluateRelationship(input: PolicyInput): AccessDecision {
  const { roleAssignment, action, facts } = input;
  const { role, team } = roleAssignment;
  if (!role.actions.includes(action)) return denied(`the ${role.name} role may not ${action}`);
  const objectionBlocks =
    facts.objectionHolders.length > 0 &&
    (team.orgCode === null || !facts.objectionHolders.includes(team.orgCode));
  const held = objectionBlocks ? [] : heldRelationships(role.relationshipKinds, facts);
  if (held.length > 0) return allow(`legitimate relationship: ${held[0]}`, "identifiable", held[0]);
  if (facts.breakGlassId) {
    if (!role.mayBreakGlass) return denied(`the ${role.name} role may not break glass`);
    if (!BREAK_GLASS_ACTIONS.includes(action)) {
      return denied(`break-glass covers one person's record, not ${action === "list" ? "lists" : "exports"}`);
    }
    return allow(
      "break-glass: emergency access with a recorded reason",
      "identifiable",
      "break-glass",
      facts.breakGlassId,
    );
  }
  if (objectionBlocks) {
    return denied(`the person objects to sharing: visible only to ${facts.objectionHolders.join(", ")}`);
  }
  return denied("no legitimate relationship", "no-relationship");
}

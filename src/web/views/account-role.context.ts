// The "switch role" page: each role the user holds in each team, for each purpose the role may act for,
// as one radio; the one they are working in now is checked.
import type { Identity, RoleAssignment } from "../../governance/index.ts";

export interface RoleChoice {
  value: string;
  text: string;
  hint?: { text: string };
  checked: boolean;
}

const PURPOSE_WORDS: Record<string, string> = {
  "direct-care": "direct care",
  commissioning: "commissioning",
  administration: "administration",
};

/** The form value of a choice: role, team and purpose, none of which may contain a space. */
export function choiceValue(roleCode: string, teamCode: string, purpose: string): string {
  return `${roleCode} ${teamCode} ${purpose}`;
}

export function roleChoices(held: RoleAssignment[], current: Identity | null): RoleChoice[] {
  const now = current
    ? choiceValue(current.roleAssignment.role.roleCode, current.roleAssignment.team.teamCode, current.purpose)
    : null;
  return held.flatMap(({ role, team }) =>
    role.purposes.map((purpose) => {
      const value = choiceValue(role.roleCode, team.teamCode, purpose);
      return {
        value,
        text: `${role.name}, ${team.name}`,
        hint: { text: `For ${PURPOSE_WORDS[purpose] ?? purpose}. ${role.description}` },
        checked: value === now,
      };
    }),
  );
}

export function accountRoleContext(
  held: RoleAssignment[],
  current: Identity | null,
  csrf: string,
  error?: string,
) {
  return { title: "Switch role", csrf, choices: roleChoices(held, current), error };
}

// Example contexts for account-role.njk: two roles to choose between, and the form sent with none chosen.
import type { RoleAssignment } from "../../governance/index.ts";
import { accountRoleContext } from "./account-role.context.ts";
import type { ViewFixture } from "./fixtures.ts";
import { FIXTURE_SHELL, fixtureRole, fixtureTeam } from "./layout.fixtures.ts";

const held: RoleAssignment[] = [
  { role: fixtureRole("gp"), team: fixtureTeam("practice") },
  { role: fixtureRole("practice-mdt-coordinator"), team: fixtureTeam("locality-mdt") },
];

export const fixtures: ViewFixture[] = [
  { name: "two roles", context: { ...FIXTURE_SHELL, ...accountRoleContext(held, null, "fixture-csrf") } },
  {
    name: "none chosen",
    context: {
      ...FIXTURE_SHELL,
      ...accountRoleContext(held, null, "fixture-csrf", "Choose the role you are working in"),
    },
  },
];

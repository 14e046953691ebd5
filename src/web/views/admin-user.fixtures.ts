// Example contexts for admin-user.njk: an account after a change, a locked account with no role, a failed
// change, and the administrator's own account.
import { userContext } from "./admin.context.ts";
import { EXAMPLE_ROLES, EXAMPLE_TEAMS, EXAMPLE_USER } from "./admin.examples.ts";
import type { ViewFixture } from "./fixtures.ts";

const csrf = "fixture-csrf-token";

export const fixtures: ViewFixture[] = [
  {
    name: "an account after a role was given",
    context: userContext(EXAMPLE_USER, EXAMPLE_ROLES, EXAMPLE_TEAMS, { csrf, done: "role-assigned" }),
  },
  {
    name: "a locked account with no role",
    context: userContext(
      { ...EXAMPLE_USER, status: "locked", roles: [], signIn: ["oidc"], lastSessionAt: null },
      EXAMPLE_ROLES,
      EXAMPLE_TEAMS,
      { csrf },
    ),
  },
  {
    name: "a role that could not be given",
    context: userContext(EXAMPLE_USER, EXAMPLE_ROLES, EXAMPLE_TEAMS, {
      csrf,
      roleCode: "community-clinician",
      teamCode: "community-nursing",
      errors: [
        {
          field: "roleCode",
          text: "demo.nurse already holds the role community-clinician in community-nursing.",
        },
      ],
    }),
  },
  {
    name: "your own account",
    context: userContext(EXAMPLE_USER, EXAMPLE_ROLES, EXAMPLE_TEAMS, { csrf, self: true }),
  },
];

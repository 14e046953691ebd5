// Example contexts for admin-user-new.njk: the empty form, and the form sent back with problems.
import { newUserContext } from "./admin.context.ts";
import { EXAMPLE_ROLES, EXAMPLE_TEAMS } from "./admin.examples.ts";
import type { ViewFixture } from "./fixtures.ts";

const csrf = "fixture-csrf-token";

export const fixtures: ViewFixture[] = [
  { name: "the empty form", context: newUserContext(EXAMPLE_ROLES, EXAMPLE_TEAMS, { csrf }) },
  {
    name: "the form with problems",
    context: newUserContext(EXAMPLE_ROLES, EXAMPLE_TEAMS, {
      csrf,
      form: { displayName: "", username: "Bad Name", signIn: "oidc", roleCode: "gp" },
      errors: [
        { field: "displayName", text: "Enter the person's full name" },
        { field: "username", text: '"bad name" is not a valid username' },
        { field: "teamCode", text: "Choose a team" },
      ],
    }),
  },
];

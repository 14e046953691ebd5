// Example contexts for admin-teams.njk: no teams yet, the list after a team was created, and a failed create.
import { teamsContext } from "./admin.context.ts";
import { EXAMPLE_TEAMS } from "./admin.examples.ts";
import type { ViewFixture } from "./fixtures.ts";

const csrf = "fixture-csrf-token";

export const fixtures: ViewFixture[] = [
  { name: "no teams yet", context: teamsContext([], { csrf }) },
  { name: "after a team was created", context: teamsContext(EXAMPLE_TEAMS, { csrf, done: "team-created" }) },
  {
    name: "a team that could not be created",
    context: teamsContext(EXAMPLE_TEAMS, {
      csrf,
      form: {
        teamCode: "community-nursing",
        name: "Community nursing",
        kind: "provider-service",
        orgCode: "",
      },
      errors: [{ field: "teamCode", text: "A team with the code community-nursing already exists." }],
    }),
  },
];

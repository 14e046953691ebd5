// Example contexts for citizen-care-team.njk: a lead professional and teams, and nobody.
import { careTeamContext } from "./citizen.context.ts";
import { CARE_TEAM, PERSON, SIGNED_IN } from "./citizen.fixtures-data.ts";
import type { ViewFixture } from "./fixtures.ts";

const shell = SIGNED_IN("/citizen/care-team");
export const fixtures: ViewFixture[] = [
  { name: "a lead professional and teams", context: { ...shell, ...careTeamContext(CARE_TEAM) } },
  {
    name: "nobody recorded",
    context: { ...shell, ...careTeamContext({ person: PERSON, lead: null, current: [] }) },
  },
];

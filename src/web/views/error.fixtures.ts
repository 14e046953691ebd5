// Example contexts for error.njk: a refusal with break-glass, a refusal without, not found, a bad request,
// a defect, and a signed-out visitor's 404.
import { errorPageContext } from "./error.context.ts";
import type { ViewFixture } from "./fixtures.ts";
import { FIXTURE_SHELL, fixtureShell } from "./layout.fixtures.ts";

export const fixtures: ViewFixture[] = [
  {
    name: "refused, may break glass",
    context: {
      ...FIXTURE_SHELL,
      ...errorPageContext(403, "no legitimate relationship", {
        code: "governance.access-denied",
        breakGlassHref: "/people/00000000-0000-4000-8000-000000000001/break-glass",
      }),
    },
  },
  {
    name: "refused, aggregate role",
    context: {
      ...fixtureShell("hwb-board-member"),
      ...errorPageContext(
        403,
        "the Health and Wellbeing Board member role sees aggregate figures only, never a person",
        {
          hint: "Ask your information governance officer if you need more.",
        },
      ),
    },
  },
  { name: "not found", context: { ...FIXTURE_SHELL, ...errorPageContext(404, "There is no such person.") } },
  {
    name: "bad request",
    context: {
      ...FIXTURE_SHELL,
      ...errorPageContext(400, "The NHS Number has 9 digits: it needs 10.", {
        hint: "Check the number and try again.",
      }),
    },
  },
  { name: "a defect", context: { ...FIXTURE_SHELL, ...errorPageContext(500, "internal error") } },
  { name: "signed out, not found", context: { ...errorPageContext(404, "No page at this path.") } },
];

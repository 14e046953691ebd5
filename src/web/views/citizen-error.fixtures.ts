// Example contexts for citizen-error.njk: a proxy's access ended, and a form sent without its token.
import { citizenShell } from "./citizen.context.ts";
import { errorPageContext } from "./error.context.ts";
import type { ViewFixture } from "./fixtures.ts";

const shell = citizenShell({ csrf: null, current: "" });
export const fixtures: ViewFixture[] = [
  {
    name: "proxy access ended",
    context: {
      ...shell,
      detail: "You can no longer see this person's record.",
      ...errorPageContext(403, "You can no longer see this person's record.", {
        hint: "Your access as their carer has ended or been revoked. Choose whose record to look at, or ask their care team.",
      }),
    },
  },
  {
    name: "bad request",
    context: {
      ...shell,
      detail: "body must have required property '_csrf'",
      ...errorPageContext(400, "body must have required property '_csrf'"),
    },
  },
];

// Example contexts for citizen-what-matters.njk: nothing added yet without a plan, one waiting, one taken in,
// one closed with a reason, one added by a carer; just added; a refusal with what to do.
import { contributionsContext } from "./citizen.context.ts";
import { CONTRIBUTIONS, SIGNED_IN } from "./citizen.fixtures-data.ts";
import type { ViewFixture } from "./fixtures.ts";

const shell = SIGNED_IN("/citizen/what-matters");
export const fixtures: ViewFixture[] = [
  {
    name: "nothing added, no plan yet",
    context: { ...shell, ...contributionsContext({ ...CONTRIBUTIONS, contributions: [], hasPlan: false }) },
  },
  {
    name: "waiting, taken, closed, by a carer; just added",
    context: { ...shell, ...contributionsContext(CONTRIBUTIONS, { added: true }) },
  },
  {
    name: "refused: nothing written",
    context: {
      ...shell,
      ...contributionsContext(CONTRIBUTIONS, {
        form: {
          kind: "goal",
          body: "",
          error: {
            field: "body",
            text: "Write what you would like to add. For example: 'Being able to get to church on Sundays'.",
          },
        },
      }),
    },
  },
];

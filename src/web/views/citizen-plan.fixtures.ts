// Example contexts for citizen-plan.njk: an agreed plan, one being written, none.
import { planContext } from "./citizen.context.ts";
import { PERSON, PLAN, SIGNED_IN } from "./citizen.fixtures-data.ts";
import type { ViewFixture } from "./fixtures.ts";

const shell = SIGNED_IN("/citizen");
export const fixtures: ViewFixture[] = [
  { name: "an agreed plan", context: { ...shell, ...planContext(PLAN) } },
  {
    name: "a plan being written",
    context: { ...shell, ...planContext({ person: PERSON, plan: null, draftInProgress: true }) },
  },
  {
    name: "no plan",
    context: { ...shell, ...planContext({ person: PERSON, plan: null, draftInProgress: false }) },
  },
  {
    name: "a plan with no lead and little written",
    context: {
      ...shell,
      ...planContext({
        ...PLAN,
        plan: PLAN.plan && {
          ...PLAN.plan,
          lead: null,
          reviewDueOn: null,
          content: {
            ...PLAN.plan.content,
            whatMattersToMe: "",
            goals: [],
            actions: [],
            contingency: "",
            crisis: "",
          },
        },
      }),
    },
  },
];

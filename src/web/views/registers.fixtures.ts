// Example contexts for registers.njk: a practice team with cohorts, and a team with no registers or cohorts.
import type { ViewFixture } from "./fixtures.ts";
import { registersContext } from "./registers.context.ts";

export const fixtures: ViewFixture[] = [
  {
    name: "a practice team with saved cohorts",
    context: registersContext({
      practices: [{ code: "F81001", name: "Riverside Surgery", kind: "practice", parentCode: "TH1" }],
      localities: [{ code: "TH1", name: "Grays", kind: "locality", parentCode: null }],
      cohorts: [
        {
          cohortId: "frail-no-plan",
          description: "Moderate or severe frailty without a joint plan",
          registers: [{ registerId: "frailty", scope: "practice", refreshedOn: "2016-04-01" }],
        },
        { cohortId: "hiu", description: "", registers: [] },
      ],
      cohortsWithin: { kind: "practice", code: "F81001" },
    }),
  },
  {
    name: "a community team, nothing saved",
    context: registersContext({ practices: [], localities: [], cohorts: [], cohortsWithin: null }),
  },
];

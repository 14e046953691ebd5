// Example contexts for register.njk: an empty register, a full page of a large one with some people
// withheld, and a filtered register nobody meets.
import type { RegisterPage } from "../../governance/index.ts";
import type { RegisterRow } from "../../risk/index.ts";
import type { ViewFixture } from "./fixtures.ts";
import { registerContext } from "./register.context.ts";

const TIERS = ["very-high", "high", "rising", "low"] as const;
const EFI = ["severe", "moderate", "mild", "fit", null] as const;

function row(i: number): RegisterRow {
  return {
    personId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    nhsNumber: `999${String(1000000 + i).slice(-7)}`,
    givenName: ["Ada", "Bert", "Cleo", "Dev", "Edna"][i % 5],
    familyName: ["Smith", "O'Brien", "Khan", "Nowak", "Adeyemi"][i % 5],
    birthDate: "1940-05-17",
    age: 85 - i,
    practiceCode: "F81001",
    riskTier: TIERS[i % 4],
    probability: 0.6 - i * 0.02,
    riskPercentile: 99.9 - i,
    efiCategory: EFI[i % 5],
    deficitCount: 14 - (i % 10),
    hiu: i % 3 === 0,
    lastAdmittedOn: i % 2 === 0 ? "2016-03-12" : null,
    jointPlan: i % 4 === 0,
    reviewDueOn: i % 4 === 0 ? "2016-02-01" : null,
  };
}

const base: RegisterPage = {
  heading: {
    kind: "practice",
    code: "F81001",
    name: "Riverside Surgery",
    parent: { code: "TH1", name: "Grays", kind: "locality", parentCode: null },
    within: null,
  },
  asOf: "2016-04-01",
  filters: {},
  sort: "tier",
  direction: "desc",
  page: 1,
  pageSize: 25,
  pages: 1,
  shown: 0,
  withheld: 0,
  rows: [],
  mayExport: true,
};

export const fixtures: ViewFixture[] = [
  { name: "an empty register", context: registerContext(base) },
  {
    name: "page 3 of a large practice register, some withheld",
    context: registerContext({
      ...base,
      page: 3,
      pages: 400,
      shown: 9_987,
      withheld: 13,
      rows: Array.from({ length: 25 }, (_, i) => row(i)),
    }),
  },
  {
    name: "a saved cohort filtered to nobody, for a role that may not export",
    context: registerContext({
      ...base,
      heading: {
        kind: "cohort",
        code: "frail-no-plan",
        name: "Moderate or severe frailty without a joint plan",
        parent: null,
        within: { kind: "practice", code: "F81001" },
      },
      filters: { tiers: ["very-high"], efiCategories: ["severe"], hiu: true, admittedRecently: true },
      sort: "name",
      direction: "asc",
      mayExport: false,
      withheld: 4,
    }),
  },
  {
    name: "before the first stratification",
    context: registerContext({
      ...base,
      asOf: null,
      heading: { ...base.heading, kind: "locality", parent: null },
    }),
  },
];

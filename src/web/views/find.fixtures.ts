// Example contexts for find.njk: the empty form, errors on both forms, results by name with people withheld,
// one withheld person by NHS Number with the break-glass route, and no one found.
import type { FindResult, FoundPerson } from "../../governance/index.ts";
import { findContext, parseFindQuery } from "./find.context.ts";
import type { ViewFixture } from "./fixtures.ts";

const TODAY = "2016-03-31";

const person = (overrides: Partial<FoundPerson>): FoundPerson => ({
  personId: "7d1b2f0e-3c4a-4b5d-8e6f-0a1b2c3d4e5f",
  nhsNumber: "9990001235",
  name: { given: "Jane", family: "Smith" },
  birthDate: "1948-03-27",
  sex: "female",
  postcode: "RM17 6ZZ",
  practiceCode: "Z90001",
  practiceName: "Riverside Surgery (synthetic)",
  diedOn: null,
  disclosure: "identifiable",
  match: { exact: true, differences: [], matchedSource: null },
  ...overrides,
});

const result = (overrides: Partial<FindResult>): FindResult => ({
  people: [],
  withheld: 0,
  mayBreakGlass: true,
  breakGlassPersonId: null,
  ...overrides,
});

const byName = parseFindQuery({ name: "Jane Smith", day: "27", month: "3", year: "1948" }, TODAY);
const byNumber = parseFindQuery({ nhsNumber: "999 000 1235" }, TODAY);

export const fixtures: ViewFixture[] = [
  { name: "the empty form", context: findContext(parseFindQuery({}, TODAY), null, TODAY) },
  {
    name: "a mistyped NHS Number",
    context: findContext(parseFindQuery({ nhsNumber: "999 000 1234" }, TODAY), null, TODAY),
  },
  {
    name: "a mistyped NHS Number, with the person it most likely meant",
    context: findContext(
      parseFindQuery({ nhsNumber: "999 000 1253" }, TODAY),
      null,
      TODAY,
      result({ people: [person({ match: null })] }),
    ),
  },
  {
    name: "a name search with no name and half a date",
    context: findContext(
      parseFindQuery({ name: "", day: "27", month: "", year: "48", postcode: "RM17!" }, TODAY),
      null,
      TODAY,
    ),
  },
  {
    name: "results by name, exact and close, one deceased, two withheld",
    context: findContext(
      byName,
      result({
        withheld: 2,
        people: [
          person({}),
          person({
            personId: "8d1b2f0e-3c4a-4b5d-8e6f-0a1b2c3d4e5f",
            nhsNumber: null,
            name: { given: "Janet", family: "Smyth" },
            birthDate: "1948-03-28",
            diedOn: "2015-11-02",
            practiceCode: null,
            practiceName: null,
            match: {
              exact: false,
              differences: ["family name spelt differently", "one part of the date of birth differs"],
              matchedSource: "social-care",
            },
          }),
        ],
      }),
      TODAY,
    ),
  },
  {
    name: "one person by NHS Number, withheld, with the break-glass route",
    context: findContext(byNumber, result({ withheld: 1, breakGlassPersonId: person({}).personId }), TODAY),
  },
  {
    name: "withheld from a role that may not break glass",
    context: findContext(byName, result({ withheld: 3, mayBreakGlass: false }), TODAY),
  },
  { name: "no one found by NHS Number", context: findContext(byNumber, result({}), TODAY) },
  { name: "no one found by name", context: findContext(byName, result({}), TODAY) },
];

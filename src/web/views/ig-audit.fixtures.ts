// Example contexts for ig-audit.njk: the empty search, a bad NHS Number, a person's trail, a user's trail.
import type { ViewFixture } from "./fixtures.ts";
import { auditSearchContext } from "./ig-audit.context.ts";
import { EXAMPLE_PERSON_ID, exampleAudit } from "./ig-fixture-data.ts";

const person = {
  personId: EXAMPLE_PERSON_ID,
  nhsNumber: "9990001234",
  name: { given: "Ada", family: "Example" },
  birthDate: "1938-02-14",
};

export const fixtures: ViewFixture[] = [
  { name: "no search yet", context: auditSearchContext({}, null) },
  {
    name: "an NHS Number whose check digit is wrong",
    context: auditSearchContext(
      {
        nhsNumber: "999 000 1235",
        errors: { nhsNumber: "This is not a valid NHS Number: check each digit" },
      },
      null,
    ),
  },
  {
    name: "nobody has that NHS Number",
    context: auditSearchContext(
      { nhsNumber: "9990001234" },
      { people: [], events: { total: 0, rows: [] }, page: 1, pageSize: 25 },
    ),
  },
  {
    name: "who looked at a person, page 2 of 3",
    context: auditSearchContext(
      { nhsNumber: "9990001234" },
      {
        people: [person],
        events: {
          total: 60,
          rows: [
            exampleAudit(30),
            exampleAudit(29, {
              actor: "dr.riverside",
              flagged: false,
              reason: "registered",
              relationship: "registered",
            }),
            exampleAudit(28, {
              action: "list",
              personIds: [],
              withheldIds: [EXAMPLE_PERSON_ID],
              reason: "list",
            }),
          ],
        },
        page: 2,
        pageSize: 25,
      },
    ),
  },
  {
    name: "what a user looked at",
    context: auditSearchContext(
      { username: "sam.social" },
      {
        username: "sam.social",
        people: [person],
        events: {
          total: 3,
          rows: [
            exampleAudit(3),
            exampleAudit(2, {
              action: "list",
              personIds: [EXAMPLE_PERSON_ID, EXAMPLE_PERSON_ID],
              withheldIds: [],
            }),
            exampleAudit(1, {
              action: "login",
              personIds: [],
              reason: "password sign-in",
              channel: "web",
              detail: null,
            }),
          ],
        },
        page: 1,
        pageSize: 25,
      },
    ),
  },
];
